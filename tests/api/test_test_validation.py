"""CreateQualificationType and UpdateQualificationType validate Test and AnswerKey with openturk's own
validator, through real boto3: the MTurk error code, and a message naming the line, the element and the
reason; the suite's own documents (tests/documents) are accepted as they are."""

from __future__ import annotations

import pytest

from ..unit.xml import support
from ..unit.xml.support import document, line_of
from .helpers import turk_error

LIBRARY_TEST = document(support.LIBRARY_TEST)
LIBRARY_KEY = document(support.LIBRARY_KEY)
SEATING_FORM = document(support.SEATING_FORM)
SEAT_AND_SNACK_KEY = document(support.SEAT_AND_SNACK_KEY)
XML, XHTML, INVALID = ("AWS.MechanicalTurk.XMLParseError", "AWS.MechanicalTurk.XHTMLParseError",
                       "AWS.MechanicalTurk.InvalidParameterValue")


def create(client, name, **extra):
    return client.create_qualification_type(Name=name, Description="d", QualificationTypeStatus="Active",
                                            **extra)["QualificationType"]


def owned(client, name) -> list:
    return client.list_qualification_types(MustBeRequestable=False, MustBeOwnedByCaller=True,
                                           Query=name)["QualificationTypes"]


def replace(text: str, old: str, new: str, occurrence: int = 1) -> tuple[str, int]:
    line = line_of(text, old, occurrence)
    parts = text.split(old)
    return old.join(parts[:occurrence]) + new + old.join(parts[occurrence:]), line


def test_the_library_test_and_key_are_accepted_as_written(client, unique):
    qt = create(client, unique, Test=LIBRARY_TEST, AnswerKey=LIBRARY_KEY, TestDurationInSeconds=600)
    assert (qt["Test"], qt["AnswerKey"]) == (LIBRARY_TEST, LIBRARY_KEY)
    assert create(client, unique + "t", Test=SEATING_FORM, TestDurationInSeconds=60)["Test"] == SEATING_FORM


def bad_tests():
    style, style_line = replace(LIBRARY_TEST, "<StyleSuggestion>radiobutton</StyleSuggestion>",
                                "<StyleSuggestion>slider</StyleSuggestion>", 2)
    order, order_line = replace(LIBRARY_TEST, "<IsRequired>true</IsRequired>",
                                "<IsRequired>true</IsRequired><QuestionIdentifier>x</QuestionIdentifier>")
    upload, upload_line = replace(
        SEATING_FORM, "<FreeTextAnswer>", "<FileUploadAnswer><MaxFileSizeInBytes>9</MaxFileSizeInBytes>"
                                          "<MinFileSizeInBytes>1</MinFileSizeInBytes></FileUploadAnswer><FreeTextAnswer>")
    upload = upload.replace("<FreeTextAnswer>", "<!--", 1).replace("</FreeTextAnswer>", "-->", 1)
    script, script_line = replace(LIBRARY_TEST, "<p>What does a tool returned three days late cost?</p>",
                                  "<p>Hi</p><script>steal()</script>")
    twice, twice_line = replace(LIBRARY_TEST, "<QuestionIdentifier>late</QuestionIdentifier>",
                                "<QuestionIdentifier>days</QuestionIdentifier>")
    return [
        pytest.param(style, XML, f"Test: line {style_line}: element StyleSuggestion: 'slider' is invalid", id="enum"),
        pytest.param(order, XML, f"Test: line {order_line}: element QuestionIdentifier is not allowed here in "
                                 "Question; expected QuestionContent", id="order"),
        pytest.param(upload, INVALID, f"Test is invalid: line {upload_line}: element FileUploadAnswer: a "
                                      "qualification test cannot contain FileUploadAnswer", id="file upload"),
        pytest.param(script, XHTML, f"Test: line {script_line}: element FormattedContent: the tag <script> is not "
                                    "in MTurk's XHTML subset", id="script"),
        pytest.param(twice, INVALID, f"Test is invalid: line {twice_line}: element QuestionIdentifier: 'days' "
                                     "is already the identifier", id="duplicate question"),
    ]


@pytest.mark.parametrize("test, code, phrase", bad_tests())
def test_create_refuses_an_invalid_test(client, unique, test, code, phrase):
    with turk_error(client, code, phrase):
        create(client, unique, Test=test, TestDurationInSeconds=60)
    assert owned(client, unique) == []


def bad_keys():
    score, score_line = replace(LIBRARY_KEY, "<AnswerScore>10</AnswerScore>", "<AnswerScore>ten</AnswerScore>", 2)
    zero, zero_line = replace(LIBRARY_KEY, "<MaximumSummedScore>30</MaximumSummedScore>",
                              "<MaximumSummedScore>0</MaximumSummedScore>")
    missing, missing_line = replace(LIBRARY_KEY, "<SelectionIdentifier>d</SelectionIdentifier>",
                                    "<SelectionIdentifier>g</SelectionIdentifier>")
    free_text_line = line_of(SEATING_FORM, "<Question>")
    return [
        pytest.param(LIBRARY_TEST, score, XML, f"AnswerKey: line {score_line}: element AnswerScore: 'ten' is invalid",
                     id="score"),
        pytest.param(LIBRARY_TEST, zero, INVALID, f"AnswerKey is invalid: line {zero_line}: element "
                                                 "MaximumSummedScore: 0 must be positive", id="percentage"),
        pytest.param(LIBRARY_TEST, missing, INVALID, f"AnswerKey is invalid: line {missing_line - 1}: the "
                                                     "AnswerOption of question 'late' names the selection 'g'",
                     id="selection"),
        pytest.param(SEATING_FORM, SEAT_AND_SNACK_KEY, INVALID, "AnswerKey is invalid: the Test's question 'seat' "
                                                                f"(Test line {free_text_line}) has a FreeTextAnswer "
                                                                "(free text)", id="free text"),
    ]


@pytest.mark.parametrize("test, key, code, phrase", bad_keys())
def test_create_refuses_an_invalid_answer_key(client, unique, test, key, code, phrase):
    with turk_error(client, code, phrase):
        create(client, unique, Test=test, AnswerKey=key, TestDurationInSeconds=60)
    assert owned(client, unique) == []


@pytest.mark.parametrize("test, key, code, phrase", bad_keys())
def test_update_refuses_an_invalid_answer_key_and_changes_nothing(client, unique, test, key, code, phrase):
    qt = create(client, unique, Test=LIBRARY_TEST, AnswerKey=LIBRARY_KEY, TestDurationInSeconds=600)
    type_id = qt["QualificationTypeId"]
    with turk_error(client, code, phrase):
        client.update_qualification_type(QualificationTypeId=type_id, Test=test, AnswerKey=key,
                                         TestDurationInSeconds=60, Description="changed")
    assert client.get_qualification_type(QualificationTypeId=type_id)["QualificationType"] == qt


@pytest.mark.parametrize("test, code, phrase", bad_tests()[:2] + bad_tests()[3:4])
def test_update_refuses_an_invalid_test(client, unique, test, code, phrase):
    qt = create(client, unique, Test=SEATING_FORM, TestDurationInSeconds=60)
    with turk_error(client, code, phrase):
        client.update_qualification_type(QualificationTypeId=qt["QualificationTypeId"], Test=test,
                                         TestDurationInSeconds=60)
    assert client.get_qualification_type(QualificationTypeId=qt["QualificationTypeId"])["QualificationType"] == qt


def test_update_accepts_the_library_pair(client, unique):
    qt = create(client, unique, Test=SEATING_FORM, TestDurationInSeconds=60)
    updated = client.update_qualification_type(QualificationTypeId=qt["QualificationTypeId"], Test=LIBRARY_TEST,
                                               AnswerKey=LIBRARY_KEY, TestDurationInSeconds=300)["QualificationType"]
    assert (updated["Test"], updated["AnswerKey"], updated["TestDurationInSeconds"]) == (LIBRARY_TEST, LIBRARY_KEY, 300)
