"""A QuestionForm, whatever it holds, rendered in the browser, answered and submitted: what the requester
receives is what was given on the page. Run on the suite's own forms (test_forms_in_browser.py) and on the
reference examples (tests/reference/test_examples_in_browser.py)."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import expect

from openturk.web.pages.render import selection_widget
from openturk.xml.answers import parse_answers
from openturk.xml.questionform import (Binary, FormattedContent, FreeTextAnswer, List, QuestionForm, SelectionAnswer,
                                       Text, Title, parse_question_form)

from .conftest import find_type, question, worker_sign_in


def take_and_submit(server, page, unique: str, path: Path) -> None:
    """Create a type with the form in `path` as its test, take it as a worker, check that every part of the
    form is on the page, answer everything and check what the requester receives."""
    text = path.read_text()
    form = parse_question_form(text)
    client = server.client(server.new_requester())
    client.create_qualification_type(Name=unique, Description=f"The form {path.name}",
                                     QualificationTypeStatus="Active", Test=text, TestDurationInSeconds=900)
    worker_sign_in(page, server.create_worker())
    find_type(page, unique).get_by_role("button", name=re.compile("Take the test")).click()
    page.wait_for_url(re.compile(r"/test$"))

    _check_rendering(page, form)
    expected = _answer_everything(page, form)
    page.get_by_role("button", name="Submit answers").click()
    expect(page.locator(".result")).to_contain_text("waiting for review")

    request = client.list_qualification_requests(MaxResults=100)["QualificationRequests"][0]
    answers = parse_answers(request["Answer"])
    for identifier, value in expected.items():
        answer = answers.answer(identifier)
        if isinstance(value, str):
            assert answer.free_text == value
        else:
            assert list(answer.selection_identifiers) == value


def _check_rendering(page, form: QuestionForm) -> None:
    """Every content element is on the page, in order, and every question has its control."""
    main = page.locator("form.questionform")
    for item in form.items:
        for content in item.content:
            if isinstance(content, Title):
                expect(main.get_by_role("heading", name=content.text.strip())).to_be_visible()
            elif isinstance(content, Text):
                expect(main.get_by_text(" ".join(content.text.split())[:60])).to_be_visible()
            elif isinstance(content, List):
                for entry in content.items:
                    expect(main.locator("li", has_text=entry)).to_be_visible()
            elif isinstance(content, Binary):
                expect(main.get_by_role("img", name=content.alt_text)).to_have_count(1)
            elif isinstance(content, FormattedContent):
                assert main.locator(".formatted").count() >= 1
    assert main.locator("fieldset.question").count() == len(form.questions)
    for index, q in enumerate(form.questions):
        expect(question(page, q.identifier).locator("legend")).to_contain_text(f"Question {index + 1}")


def _answer_everything(page, form: QuestionForm) -> dict:
    """Give every question an answer its constraints accept; what the requester should receive."""
    expected: dict = {}
    for q in form.questions:
        box = question(page, q.identifier)
        spec = q.answer
        if isinstance(spec, FreeTextAnswer):
            field = box.get_by_label("Your answer")
            if spec.default_text is not None:
                expect(field).to_have_value(spec.default_text)
                expected[q.identifier] = spec.default_text
                continue
            value = _free_text_value(spec)
            field.fill(value)
            expected[q.identifier] = value
        elif isinstance(spec, SelectionAnswer):
            count = max(spec.min_selections, 1)
            chosen = [s.identifier for s in spec.selections[:count]]
            widget = selection_widget(spec)
            if widget.kind == "select":
                box.get_by_label("Your answer").select_option(chosen)
            else:
                for identifier in chosen:
                    box.locator(f'input[value="{identifier}"]').check()
            expected[q.identifier] = chosen
    return expected


def _free_text_value(spec: FreeTextAnswer) -> str:
    if spec.is_numeric is not None:
        low = spec.is_numeric.min_value
        return str(low if low is not None else 1)
    low = spec.length.min_length if spec.length is not None and spec.length.min_length else 1
    return "x" * max(low, 6 if spec.length is None or spec.length.max_length is None else min(6, spec.length.max_length))
