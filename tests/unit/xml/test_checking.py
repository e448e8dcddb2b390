"""Checking a worker's answers against the form (each constraint kind and its message), building answers
from a mapping, and running the form's JavaScript regexes in Python."""

from __future__ import annotations

import time

import pytest

from openturk.errors import TurkError
from openturk.xml.answers import Answer, QuestionFormAnswers, answers_from_mapping, parse_answers
from openturk.xml.checking import REGEX_TIMEOUT, AnswerProblem, check_answers
from openturk.xml.questionform import parse_question_form
from openturk.xml.regex import compile_js

from .forms import FILE_UPLOAD, MIXED_FORM, form, free_text, question, selection_answer
from .support import INVALID


def problems(answer_spec: str, value, required: bool = False) -> list[str]:
    """The messages for one question "q" given `value` (a mapping value, or an Answer)."""
    parsed = parse_question_form(form(question("q", answer_spec, required=required)), qualification_test=False)
    if isinstance(value, Answer):
        answers = QuestionFormAnswers((value,))
    else:
        answers = answers_from_mapping(parsed, {} if value is None else {"q": value})
    found = check_answers(parsed, answers)
    assert all(p.question_identifier == "q" for p in found)
    return [p.message for p in found]


# -- IsRequired ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("spec", [free_text(), selection_answer("a", "b")])
def test_a_required_question_needs_an_answer(spec):
    assert problems(spec, None, required=True) == ["This question requires an answer."]
    assert problems(spec, None, required=False) == []


def test_an_empty_free_text_is_no_answer():
    assert problems(free_text(), "", required=True) == ["This question requires an answer."]
    assert problems(free_text(), " ", required=True) == []       # a space is an answer (minLength counts it)


def test_min_length_makes_a_question_required():
    assert problems(free_text('<Length minLength="2"/>'), "") == ["This question requires an answer."]
    assert problems(free_text('<Length minLength="0"/>'), "") == []


def test_a_missing_answer_element_is_no_answer():
    parsed = parse_question_form(form(question("q", free_text(), required=True), question("r", free_text())))
    assert check_answers(parsed, QuestionFormAnswers((Answer("r", free_text="x"),))) == [
        AnswerProblem("q", "This question requires an answer.")]


# -- selections -------------------------------------------------------------------------------------------------

COUNTS = "<MinSelectionCount>2</MinSelectionCount><MaxSelectionCount>3</MaxSelectionCount>"


@pytest.mark.parametrize("chosen, messages", [
    (["a", "b"], []), (["a", "b", "c", "d"][:3], []),
    (["a"], ["Select at least 2 options."]),
    (["a", "b", "c", "d"], ["Select at most 3 options."]),
    (["a", "z"], ["'z' is not one of this question's selections.", "Select at least 2 options."]),
    (["a", "a", "b"], ["'a' is selected more than once."]),
    ([], []),                                   # not required: no answer at all is fine
])
def test_selection_counts_and_identifiers(chosen, messages):
    assert problems(selection_answer("a", "b", "c", "d", counts=COUNTS), chosen) == messages


def test_the_default_counts_are_one_and_one():
    assert problems(selection_answer("a", "b"), ["a"]) == []
    assert problems(selection_answer("a", "b"), ["a", "b"]) == ["Select at most 1 option."]


def test_other_selection_counts_as_a_selection_and_has_its_own_constraints():
    spec = selection_answer("a", "b", counts="<MaxSelectionCount>2</MaxSelectionCount>",
                            other='<OtherSelection><Constraints><Length maxLength="3"/></Constraints></OtherSelection>')
    assert problems(spec, "abc") == []
    assert problems(spec, "abcd") == ["Other: The answer must be at most 3 characters long."]
    assert problems(spec, Answer("q", ("a", "b"), other_selection_text="x")) == ["Select at most 2 options."]
    assert problems(selection_answer("a"), Answer("q", ("a",), other_selection_text="x")) == [
        "This question has no field for another answer."]


def test_an_answer_of_the_wrong_kind():
    assert problems(free_text(), Answer("q", ("a",))) == ["This question takes free text, not selections."]
    assert problems(selection_answer("a"), Answer("q", free_text="a")) == [
        "This question takes selections, not free text."]


# -- free text ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("constraints, text, messages", [
    ('<IsNumeric/>', "12.5", []), ('<IsNumeric/>', " -3 ", []), ('<IsNumeric/>', ".5", []),
    ('<IsNumeric/>', "twelve", ["The answer must be a number."]),
    ('<IsNumeric/>', "1e5", ["The answer must be a number."]),
    ('<IsNumeric minValue="100" maxValue="999"/>', "99", ["The answer must be a number no smaller than 100."]),
    ('<IsNumeric minValue="100" maxValue="999"/>', "999.5", ["The answer must be a number no larger than 999."]),
    ('<IsNumeric minValue="100" maxValue="999"/>', "100", []),
    ('<Length minLength="2" maxLength="2"/>', "C1", []),
    ('<Length minLength="2" maxLength="2"/>', "C", ["The answer must be at least 2 characters long."]),
    ('<Length maxLength="1"/>', "C12", ["The answer must be at most 1 character long."]),
    ('<Length maxLength="2"/>', "éé", []),                                   # characters, not bytes
    ('<AnswerFormatRegex regex="\\S" errorText="The content cannot be blank."/>', "   ",
     ["The content cannot be blank."]),
    ('<AnswerFormatRegex regex="^[0-9]+$"/>', "12a", ["Invalid input supplied."]),   # MTurk's default message
    ('<AnswerFormatRegex regex="^[0-9]+$"/>', "12\n", ["Invalid input supplied."]),  # $ is the very end
    ('<AnswerFormatRegex regex="regex" flags="i" errorText="You must enter \'regex\'."/>', "RegExes", []),
    ('<AnswerFormatRegex regex="regex" errorText="no"/>', "RegEx", ["no"]),
    ('<AnswerFormatRegex regex="a" errorText="one"/><AnswerFormatRegex regex="b" errorText="two"/>', "c",
     ["one", "two"]),                                                             # all must match
    ('<IsNumeric/><Length maxLength="2"/>', "abc", ["The answer must be a number.",
                                                     "The answer must be at most 2 characters long."]),
])
def test_free_text_constraints(constraints, text, messages):
    assert problems(free_text(constraints), text) == messages


def test_file_uploads_are_checked_by_size():
    assert problems(FILE_UPLOAD, Answer("q", uploaded_file_size_in_bytes=50, uploaded_file_key="k")) == []
    assert problems(FILE_UPLOAD, Answer("q", uploaded_file_size_in_bytes=500, uploaded_file_key="k")) == [
        "The file must be from 1 to 100 bytes long (it is 500)."]
    assert problems(FILE_UPLOAD, None, required=True) == ["This question requires an answer."]


def test_answers_to_unknown_questions_and_repeated_answers_are_problems():
    parsed = parse_question_form(form(question("q", free_text())))
    answers = QuestionFormAnswers((Answer("q", free_text="x"), Answer("q", free_text="y"), Answer("zz", ("a",))))
    assert check_answers(parsed, answers) == [
        AnswerProblem("q", "The question is answered more than once."),
        AnswerProblem("zz", "There is no question with this identifier in the form.")]


def test_problems_come_in_the_forms_order():
    parsed = parse_question_form(form(question("b", free_text(), required=True),
                                      question("a", selection_answer("x"), required=True)))
    assert [p.question_identifier for p in check_answers(parsed, QuestionFormAnswers(()))] == ["b", "a"]


# -- answers_from_mapping ----------------------------------------------------------------------------------------------

MIXED = parse_question_form(MIXED_FORM)


def test_a_mapping_becomes_answers_for_every_question_in_form_order():
    got = answers_from_mapping(MIXED, {"words": "typed", "pick": ["b", "a"], "other": "something else"})
    assert got.answers == (Answer("pick", ("b", "a")), Answer("other", other_selection_text="something else"),
                           Answer("words", free_text="typed"), Answer("plain", free_text=""))
    text = got.to_xml()
    assert text.startswith('<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n')
    assert parse_answers(text) == got          # (tests/reference: and the official schema accepts it)


def test_a_missing_free_text_question_gets_its_default_text():
    got = answers_from_mapping(MIXED, {})
    assert got.answer("words").free_text == "hello" and got.answer("pick") == Answer("pick")
    assert parse_answers(got.to_xml()) == got


@pytest.mark.parametrize("mapping, message", [
    ({"nope": ["a"]}, "there is no question 'nope' in the form"),
    ({"pick": "a"}, "the question 'pick' is a selection question without OtherSelection: give its "
                    "SelectionIdentifiers as a list"),
    ({"words": ["a"]}, "the question 'words' takes free text (a string)"),
    ({"pick": [1]}, "the question 'pick' takes a list of SelectionIdentifiers"),
    ({"plain": "bell\x07"}, "the answer to the question 'plain' contains the character U+0007, which XML cannot carry"),
])
def test_a_mapping_that_does_not_fit_the_form_is_refused(mapping, message):
    with pytest.raises(TurkError) as info:
        answers_from_mapping(MIXED, mapping)
    assert (info.value.code, info.value.message) == (INVALID, f"The value for Answer is invalid: {message}")


def test_text_that_xml_normalises_survives_the_round_trip():
    got = answers_from_mapping(MIXED, {"plain": "line\r\nnext\ttab  <&>]]>"})
    assert parse_answers(got.to_xml()).answer("plain").free_text == "line\r\nnext\ttab  <&>]]>"


def test_an_answer_holds_one_kind():
    with pytest.raises(ValueError):
        Answer("q", ("a",), free_text="x")
    with pytest.raises(ValueError):
        Answer("q", uploaded_file_key="k")


# -- JavaScript regexes in Python ------------------------------------------------------------------------------------

@pytest.mark.parametrize("pattern, flags, text, matches", [
    ("^a$", "", "a\n", False),                  # JavaScript's $ is the end of the text
    ("^a$", "m", "a\nb", True),
    ("(?<year>\\d{4})-\\k<year>", "", "2024-2024", True),
    ("\\d", "", "٣", False),                     # \d is ASCII, as in JavaScript
    ("[]", "", "x", False), ("^[^]$", "", "\n", True),
    ("[$]", "", "$", True), ("a\\$", "", "a$", True),
    ("REGEX", "i", "regex", True), ("a.b", "s", "a\nb", True), ("a", "g", "xa", True),
])
def test_javascript_regexes_keep_their_meaning(pattern, flags, text, matches):
    assert (compile_js(pattern, flags).search(text) is not None) == matches


# -- a requester's pattern against a worker's answer: bounded time -----------------------------------------------------

@pytest.mark.parametrize("pattern, answer", [
    ("(a|aa)+$", "a" * 60 + "!"),           # exponential backtracking in any backtracking engine
    ("^(\\w+\\s?)*$", "word " * 40 + "!"),  # the classic: hours in Python's re
    ("(x+x+)+y", "x" * 5000),
])
def test_a_backtracking_pattern_gives_up_within_its_time_limit(pattern, answer):
    started = time.monotonic()
    found = problems(free_text(f'<AnswerFormatRegex regex="{pattern}" errorText="no"/>'), answer)
    assert time.monotonic() - started < 1
    assert found in (["no"], [REGEX_TIMEOUT])
