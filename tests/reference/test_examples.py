"""The real documents of the reference material: every one is valid by the official XSDs, parses and
round-trips to a document the XSDs accept; the paired MTurkR test and key score as spec §5.4.1 says; the AWS
key does not fit the AWS test. The suite's own documents (tests/documents) are held to the XSDs too, since
`make test` trusts them to be what MTurk accepts."""

from __future__ import annotations

import pytest

from openturk.xml import answerkey, answers, questionform
from openturk.xml.answerkey import check_answer_key_against_form, parse_answer_key
from openturk.xml.answers import answers_from_mapping, parse_answers
from openturk.xml.checking import check_answers
from openturk.xml.questionform import parse_question_form
from openturk.xml.scoring import score

from ..unit.xml.support import INVALID, document, documents, error_of, line_of
from .reference import (
    AWS_ANSWERS,
    AWS_KEY,
    FORMIOUS_ANSWERS,
    MTURKR_KEY,
    MTURKR_TEST,
    TICTACTOE,
    example,
    examples,
    oracle_valid,
)

FORMS = [pytest.param(example, name, id=name) for name in examples("questionform")] + [
    pytest.param(document, name, id="own:" + name) for name in documents("questionform")]
KEYS = [pytest.param(example, name, id=name) for name in examples("answerkey")] + [
    pytest.param(document, name, id="own:" + name) for name in documents("answerkey")]
ANSWERS = [pytest.param(example, name, id=name) for name in examples("answers")] + [
    pytest.param(document, name, id="own:" + name) for name in documents("answers")]


def test_the_examples_are_all_here():
    assert examples("questionform") == sorted([MTURKR_TEST, TICTACTOE])
    assert examples("answerkey") == sorted([MTURKR_KEY, AWS_KEY])
    assert examples("answers") == sorted([AWS_ANSWERS, FORMIOUS_ANSWERS])


@pytest.mark.parametrize("read, name", FORMS)
def test_question_forms_are_valid_parse_and_round_trip(read, name):
    text = read(name)
    assert oracle_valid("QuestionForm-2005", text)
    form = parse_question_form(text)
    written = form.to_xml()
    assert oracle_valid("QuestionForm-2005", written), written
    assert parse_question_form(written) == form
    assert written == parse_question_form(written).to_xml()


@pytest.mark.parametrize("read, name", KEYS)
def test_answer_keys_are_valid_parse_and_round_trip(read, name):
    text = read(name)
    assert oracle_valid("AnswerKey", text)
    key = parse_answer_key(text)
    written = key.to_xml()
    assert oracle_valid("AnswerKey", written), written
    assert parse_answer_key(written) == key


@pytest.mark.parametrize("read, name", ANSWERS)
def test_answers_are_valid_parse_and_round_trip(read, name):
    text = read(name)
    assert oracle_valid("Answers", text)
    parsed = parse_answers(text)
    written = parsed.to_xml()
    assert written.startswith('<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n<QuestionFormAnswers ')
    assert oracle_valid("Answers", written), written
    assert parse_answers(written) == parsed


def test_the_models_hold_what_the_documents_say():
    form = parse_question_form(example(TICTACTOE))
    assert [q.identifier for q in form.questions] == ["nextmove", "likelytowin"]
    nextmove, likely = form.questions
    assert nextmove.is_required and nextmove.display_name == "The Next Move"
    assert nextmove.answer == questionform.FreeTextAnswer(length=questionform.Length(2, 2), default_text="C1")
    assert likely.answer.style_suggestion == "radiobutton"
    assert [s.identifier for s in likely.answer.selections] == ["notlikely", "unsure", "likely"]
    overview = form.items[0]
    assert isinstance(overview, questionform.Overview)
    assert overview.content[2] == questionform.Binary(questionform.MimeType("image", "gif"),
                                                      "http://tictactoe.amazon.com/game/01523/board.gif",
                                                      'The game board, with "X" to move.')
    key = parse_answer_key(example(MTURKR_KEY))
    assert key.qualification_value_mapping == answerkey.PercentageMapping(30)
    assert [(q.identifier, q.answer_options[0].selection_identifiers) for q in key.questions] == [
        ("question1", ("3",)), ("question2", ("1",)), ("question3", ("4",))]
    got = parse_answers(example(AWS_ANSWERS))
    assert got.answers == (answers.Answer("nextmove", free_text="C3"),
                           answers.Answer("likelytowin", ("notlikely",)))


@pytest.mark.parametrize("chosen, total, value", [
    ({"question1": ["3"], "question2": ["1"], "question3": ["4"]}, 30, 100),   # 30 / 30 * 100
    ({"question1": ["3"], "question2": ["2"], "question3": ["4"]}, 20, 67),    # 66.67 rounds to 67
    ({"question1": ["3"], "question2": ["2"], "question3": ["1"]}, 10, 33),    # 33.33 rounds to 33
    ({"question1": ["1"], "question2": ["2"], "question3": ["3"]}, 0, 0),
])
def test_the_mturkr_test_and_key_score_as_the_spec_says(chosen, total, value):
    form = parse_question_form(example(MTURKR_TEST))
    key = parse_answer_key(example(MTURKR_KEY))
    check_answer_key_against_form(key, form)
    result = score(key, parse_answers(answers_from_mapping(form, chosen).to_xml()))
    assert (result.total, result.value, result.mapping) == (total, value, "PercentageMapping")


# -- the AWS examples are not consistent with each other -----------------------------------------------------

def test_the_aws_key_does_not_fit_the_aws_tictactoe_test():
    form = parse_question_form(example(TICTACTOE))
    exc = error_of(check_answer_key_against_form, parse_answer_key(example(AWS_KEY)), form)
    assert exc.code == INVALID
    line = line_of(example(TICTACTOE), "<Question>")
    assert exc.message == (
        f"The value for AnswerKey is invalid: the Test's question 'nextmove' (Test line {line}) has a FreeTextAnswer "
        "(free text): a test graded with an AnswerKey may contain only SelectionAnswer questions without "
        "OtherSelection (an answer key can only match multiple-choice selections)")


def test_the_aws_answers_check_against_the_tictactoe_test():
    form = parse_question_form(example(TICTACTOE))
    assert check_answers(form, parse_answers(example(AWS_ANSWERS))) == []
