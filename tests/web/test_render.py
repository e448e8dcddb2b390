"""What the pages decide themselves: FormattedContent sanitised, StyleSuggestion → control, answers read from
a posted form."""

from __future__ import annotations

import pytest
from starlette.datastructures import FormData

from openturk.errors import TurkError
from openturk.web.pages.common import error_parameter
from openturk.web.pages.render import answers_from_post, sanitise_xhtml, selection_widget, values_from_post
from openturk.xml.answers import parse_answers
from openturk.xml.questionform import (FormattedContent, FreeTextAnswer, QuestionForm, Question, Selection,
                                       SelectionAnswer, Text)
from openturk import errors


@pytest.mark.parametrize("hostile, gone", [
    ("<script>alert(1)</script><p>ok</p>", "script"),
    ('<img src="http://x/a.png" alt="a" onerror="alert(1)"/>', "onerror"),
    ('<a href="javascript:alert(1)">x</a>', "javascript"),
    ('<a href="java\tscript:alert(1)">x</a>', "script:"),
    ('<a href="data:text/html,<script>alert(1)</script>">x</a>', "data:"),
    ('<p style="background:url(javascript:alert(1))">x</p>', "style"),
    ('<p class="c" id="i">x</p>', 'class="c"'),
    ("<iframe src='http://x/'></iframe><p>ok</p>", "iframe"),
    ("<svg><script>alert(1)</script></svg>", "svg"),
    ("<!-- <script>alert(1)</script> -->", "script"),
    ("<style>p { color: red }</style>", "color"),
    ('<form action="http://x/"><input name="q"/></form>', "<form"),
    ('<object data="http://x/a.swf"></object>', "object"),
    ("<SCRIPT>alert(1)</SCRIPT>", "alert"),
    ('<img src="http://x/a.png" alt="a" src2="x" onload="alert(1)">', "onload"),
])
def test_the_sanitiser_keeps_nothing_that_runs(hostile, gone):
    html = str(sanitise_xhtml(hostile))
    assert gone.lower() not in html.lower(), html


def test_the_sanitiser_keeps_the_subset():
    content = ('<h2 title="t">Heading</h2><p align="center">A <b>bold</b> <a href="https://example.com/x?a=1&amp;b=2" '
               'target="_blank">link</a> &amp; &lt;text&gt;&nbsp;here</p><table border="1"><tr><td colspan="2">c</td>'
               '</tr></table><img src="http://example.com/i.png" alt="An image" width="10"/><ul><li>one</li></ul>')
    html = str(sanitise_xhtml(content))
    for kept in ('<h2 title="t">Heading</h2>', '<p align="center">', "<b>bold</b>",
                 'href="https://example.com/x?a=1&amp;b=2"', 'target="_blank"', 'rel="noopener noreferrer nofollow"',
                 "&amp; &lt;text&gt;", '<td colspan="2">c</td>', 'src="http://example.com/i.png"', 'alt="An image"',
                 "<li>one</li>"):
        assert kept in html, (kept, html)
    assert html.startswith('<div class="formatted">')


def test_unknown_tags_are_unwrapped_and_their_text_kept():
    assert str(sanitise_xhtml("<p><span>inside</span> <div>block</div></p>")).count("inside") == 1
    assert "block" in str(sanitise_xhtml("<div>block</div>"))


def _selection(style=None, low=None, high=None, content=None, other=False):
    selections = tuple(Selection(i, content or Text(i.upper())) for i in ("a", "b", "c"))
    return SelectionAnswer(selections, low, high, style, FreeTextAnswer() if other else None)


@pytest.mark.parametrize("style, high, expected", [
    (None, None, ("radio", False)), (None, 2, ("checkbox", True)), ("radiobutton", None, ("radio", False)),
    ("radiobutton", 3, ("checkbox", True)), ("checkbox", None, ("checkbox", True)),
    ("dropdown", None, ("select", False)), ("combobox", None, ("select", False)), ("list", None, ("select", False)),
    ("list", 2, ("select", True)), ("multichooser", 3, ("select", True)), ("dropdown", 2, ("select", True)),
])
def test_style_suggestions(style, high, expected):
    widget = selection_widget(_selection(style, high=high))
    assert (widget.kind, widget.multiple) == expected


def test_selections_that_are_not_text_use_buttons_whatever_the_style():
    assert selection_widget(_selection("dropdown", content=FormattedContent("<b>x</b>"))).kind == "radio"


def _form() -> QuestionForm:
    return QuestionForm((
        Question("free", (Text("?"),), FreeTextAnswer(default_text="dflt")),
        Question("pick", (Text("?"),), _selection("checkbox", 1, 3, other=True)),
        Question("one", (Text("?"),), _selection()),
    ))


def test_posted_fields_become_the_answer_mapping():
    form = _form()
    post = FormData([("q0", "line one\r\nline two"), ("q1", "a"), ("q1", "c"), ("q1-other", ""), ("q2", "b")])
    mapping, document = answers_from_post(form, values_from_post(form, post))
    assert document is None
    assert mapping == {"free": "line one\nline two", "pick": ["a", "c"], "one": ["b"]}


def test_other_text_alone_is_a_string_and_with_selections_a_document():
    form = _form()
    mapping, document = answers_from_post(form, values_from_post(form, FormData([("q1-other", "mine")])))
    assert mapping == {"pick": "mine", "one": []} and document is None
    mapping, document = answers_from_post(form, values_from_post(form, FormData([("q1", "b"), ("q1-other", "mine")])))
    assert mapping is None
    answers = parse_answers(document)
    assert answers.answer("pick").selection_identifiers == ("b",)
    assert answers.answer("pick").other_selection_text == "mine"
    assert answers.answer("free").free_text == "dflt"              # not posted: DefaultText, as the mapping does


@pytest.mark.parametrize("error, field", [
    (errors.invalid_value("RetryDelayInSeconds", "expected an integer, got string"), "RetryDelayInSeconds"),
    (errors.out_of_range("TestDurationInSeconds", 0, 1, 10), "TestDurationInSeconds"),
    (errors.missing_parameter("Name"), "Name"),
    (errors.xml_parse_error("AnswerKey", "line 1: …"), "AnswerKey"),
    (errors.xhtml_parse_error("Test", "line 3: …"), "Test"),
    (errors.qualification_type_already_exists("X"), "Name"),
    (errors.permission_denied(), None),
])
def test_errors_are_placed_by_the_parameter_they_name(error: TurkError, field):
    assert error_parameter(error) == field
