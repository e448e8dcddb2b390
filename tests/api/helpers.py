"""Small helpers for API tests: documents and error assertions."""

from __future__ import annotations

import contextlib

import pytest

QF_NS = "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/QuestionForm.xsd"
AK_NS = "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/AnswerKey.xsd"


def question_form(question: str = "q1", padding: int = 0) -> str:
    return (f'<QuestionForm xmlns="{QF_NS}"><Question><QuestionIdentifier>{question}</QuestionIdentifier>'
            "<QuestionContent><Text>Pick one</Text></QuestionContent><AnswerSpecification><SelectionAnswer>"
            "<Selections><Selection><SelectionIdentifier>a</SelectionIdentifier><Text>A</Text></Selection>"
            "<Selection><SelectionIdentifier>b</SelectionIdentifier><Text>B</Text></Selection></Selections>"
            "</SelectionAnswer></AnswerSpecification></Question>" + " " * padding + "</QuestionForm>")


def answer_key(question: str = "q1", selection: str = "a") -> str:
    return (f'<AnswerKey xmlns="{AK_NS}"><Question><QuestionIdentifier>{question}</QuestionIdentifier>'
            f"<AnswerOption><SelectionIdentifier>{selection}</SelectionIdentifier><AnswerScore>1</AnswerScore>"
            "</AnswerOption></Question></AnswerKey>")


@contextlib.contextmanager
def turk_error(client, code: str, message_contains: str | None = None):
    """Expect a RequestError with this TurkErrorCode (and message text)."""
    with pytest.raises(client.exceptions.RequestError) as info:
        yield info
    response = info.value.response
    assert response["Error"]["Code"] == "RequestError"
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert response["TurkErrorCode"] == code, response
    if message_contains is not None:
        assert message_contains in response["Message"], response["Message"]
