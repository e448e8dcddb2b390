"""Requester-supplied content never runs as script in the worker's page.

The XHTML check refuses <script> and on…= attributes when a test is stored, so these tests first switch that
check off (as if it had a hole) to reach the page's own defences: the sanitiser, and behind it the
Content-Security-Policy (no inline script), which the second test reaches by switching the sanitiser off too.
"""

from __future__ import annotations

import re

from markupsafe import Markup
from playwright.sync_api import expect

from openturk.web.pages import render
from openturk.xml import xhtml

from .conftest import find_type, worker_sign_in

QF_NS = "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/QuestionForm.xsd"
HOSTILE = ('<p>Hello</p><script>window.__xss = "script";</script>'
           '<img src="http://127.0.0.1:9/none.png" alt="x" onerror="window.__xss = \'onerror\'"/>'
           '<a href="javascript:window.__xss=\'href\'">a link</a>'
           '<p onclick="window.__xss = \'onclick\'" style="color: red">styled</p>')


def _hostile_test(marker: str) -> str:
    return (f'<QuestionForm xmlns="{QF_NS}"><Overview><FormattedContent><![CDATA[{HOSTILE}<p>{marker}</p>]]>'
            "</FormattedContent></Overview><Question><QuestionIdentifier>q1</QuestionIdentifier><QuestionContent>"
            f"<FormattedContent><![CDATA[{HOSTILE}]]></FormattedContent></QuestionContent><AnswerSpecification>"
            "<SelectionAnswer><Selections><Selection><SelectionIdentifier>a</SelectionIdentifier><FormattedContent>"
            f"<![CDATA[{HOSTILE}]]></FormattedContent></Selection><Selection><SelectionIdentifier>b</SelectionIdentifier>"
            "<Text>B</Text></Selection></Selections></SelectionAnswer></AnswerSpecification></Question></QuestionForm>")


def _open_test(server, page, unique, monkeypatch):
    monkeypatch.setattr(xhtml, "check", lambda content: None)     # a hole in the stored-test check
    client = server.client(server.new_requester())
    client.create_qualification_type(Name=unique, Description="d", QualificationTypeStatus="Active",
                                     Test=_hostile_test(unique), TestDurationInSeconds=600)
    worker_sign_in(page, server.create_worker())
    violations: list[str] = []
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text else None)
    find_type(page, unique).get_by_role("button", name=re.compile("Take the test")).click()
    page.wait_for_url(re.compile(r"/test$"))
    page.locator("form.questionform").get_by_text(unique).wait_for()
    page.wait_for_load_state("load")
    return violations


def test_the_sanitiser_removes_scripts_handlers_and_javascript_urls(server, page, unique, monkeypatch):
    _open_test(server, page, unique, monkeypatch)
    page.wait_for_timeout(200)
    assert page.evaluate("window.__xss") is None
    content = page.locator("form.questionform")
    expect(content.get_by_text("Hello").first).to_be_visible()
    assert content.locator("script").count() == 0
    assert content.locator("[onerror], [onclick], [style]").count() == 0
    assert content.locator("a[href^='javascript']").count() == 0
    expect(content.get_by_text("a link").first).to_be_visible()       # the link's text stays, without its URL
    page.locator('input[value="a"]').check()                            # clicking the selection runs nothing
    page.get_by_text("styled").first.click()
    assert page.evaluate("window.__xss") is None


def test_the_content_security_policy_blocks_what_gets_through(server, page, unique, monkeypatch):
    monkeypatch.setattr(render, "sanitise_xhtml", lambda content: Markup(content))    # a second hole
    violations = _open_test(server, page, unique, monkeypatch)
    page.get_by_text("styled").first.click()
    page.wait_for_timeout(300)
    content = page.locator("form.questionform")
    assert content.locator("script").count() >= 1                       # the script is in the page …
    assert content.locator("[onerror]").count() >= 1
    assert page.evaluate("window.__xss") is None                          # … and never ran
    assert violations, "the browser reported no Content-Security-Policy violation"


def test_pages_send_the_security_headers(server, page):
    response = page.goto("/worker/login")
    headers = response.headers
    assert "script-src 'self'" in headers["content-security-policy"]
    assert "'unsafe-inline'" not in headers["content-security-policy"]
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
