"""The XML envelope: compared byte for byte (ids, times, counts and the epoch-ms suffix masked) with the
envelopes MTurk sends, as the suite wrote them from the documented layout (tests/documents/legacy-xml;
tests/reference/test_legacy_captures.py compares the same scenarios with real captures); and its rules."""

from __future__ import annotations

from urllib.parse import urlencode

import httpx
import pytest

from openturk.web.legacy_api import LegacyAPI

from ..api.helpers import answer_key, question_form
from . import envelopes
from .envelopes import OWN
from .helpers import FORM, call, envelope, error_code, shape, signed, text, xml
from ..conftest import run_coroutine

OWN_TYPE = {"Name": "Envelope check", "Description": "Compared with MTurk's envelope, byte for byte",
            "Keywords": "envelope,legacy", "QualificationTypeStatus": "Active", "RetryDelayInSeconds": "600",
            "AutoGranted": "true", "AutoGrantedValue": "3"}


@pytest.fixture
def creds(server):
    return server.new_requester("legacy")


def create(server, creds, **params) -> str:
    return envelopes.created_type_id(server, creds, {**OWN_TYPE, **params})


def test_create_qualification_type_is_the_documented_envelope(server, creds):
    response = envelopes.create_type(server, creds, OWN_TYPE)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/xml")
    assert shape(response) == envelope(OWN / "CreateQualificationType-success.xml")


def test_a_duplicate_name_is_the_documented_error(server, creds):
    response = envelopes.create_type_twice(server, creds, OWN_TYPE)
    assert response.status_code == 200
    assert shape(response) == envelope(OWN / "CreateQualificationType-QualificationTypeAlreadyExists.xml")


def test_dispose_and_dispose_again_are_the_documented_envelopes(server, creds):
    first, again = envelopes.dispose_twice(server, creds, OWN_TYPE)
    assert shape(first) == envelope(OWN / "DisposeQualificationType-success.xml")
    assert again.status_code == 200
    assert shape(again) == envelope(OWN / "DisposeQualificationType-InvalidQualificationTypeState.xml")


def test_get_qualifications_for_qualification_type_is_the_documented_envelope(server, creds):
    response = envelopes.holders(server, creds, OWN_TYPE, ["AENVELOPEHOLDER1", "AENVELOPEHOLDER2"], "7")
    assert shape(response) == envelope(OWN / "GetQualificationsForQualificationType-success.xml")
    assert text(response, ".//NumResults") == text(response, ".//TotalNumResults") == "2"


def test_an_unknown_access_key_is_the_documented_not_authorized(server):
    response = envelopes.unknown_access_key(server)
    assert response.status_code == 200
    assert shape(response) == envelope(OWN / "GetAccountBalance-AWS.NotAuthorized.xml")


def test_success_has_no_whitespace_between_request_and_is_valid(server, creds):
    """MTurkR finds validity by searching for `<Request><IsValid>`."""
    response = call(server.endpoint, creds, "GetAccountBalance")
    assert b"<Request><IsValid>True</IsValid></Request>" in response.content
    assert b"\n" not in response.content.split(b"\n", 1)[1]
    assert text(response, "GetAccountBalanceResult/AvailableBalance/Amount") == "10000.00"


def test_errors_are_inside_request_with_is_valid_false_and_a_message_suffix(server, creds):
    response = call(server.endpoint, creds, "GetQualificationType", {"QualificationTypeId": "NOSUCHTYPE1234567890"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "<QualificationType><Request><IsValid>False</IsValid><Errors><Error>" in body
    assert error_code(response) == "AWS.MechanicalTurk.QualificationTypeDoesNotExist"
    message = text(response, ".//Errors/Error/Message")
    assert message.startswith("You requested a QualificationType that does not exist.")
    assert message.rsplit(" ", 1)[1].strip("()").isdigit() and len(message.rsplit(" ", 1)[1]) == 15


def test_text_is_escaped_and_times_are_utc_seconds(server, creds):
    type_id = create(server, creds, Name="<Fish & Chips>", Description='a "quoted" <b>description</b>\r\nline 2')
    response = call(server.endpoint, creds, "GetQualificationType", {"QualificationTypeId": type_id})
    assert b"<Name>&lt;Fish &amp; Chips&gt;</Name>" in response.content
    assert text(response, "QualificationType/Description") == 'a "quoted" <b>description</b>\r\nline 2'
    created = text(response, "QualificationType/CreationTime")
    assert len(created) == 20 and created[10] == "T" and created.endswith("Z")


def test_a_type_with_a_test_shows_it_in_schema_order(server, creds):
    type_id = create(server, creds, Name="tested", AutoGranted="false", Test=question_form(),
                     AnswerKey=answer_key(), TestDurationInSeconds="600")
    response = call(server.endpoint, creds, "GetQualificationType", {"QualificationTypeId": type_id})
    children = [child.tag for child in xml(response).find("QualificationType")]
    assert children == ["Request", "QualificationTypeId", "CreationTime", "Name", "Description", "Keywords",
                        "QualificationTypeStatus", "Test", "TestDurationInSeconds", "AnswerKey", "RetryDelayInSeconds",
                        "AutoGranted"]
    assert text(response, "QualificationType/Test") == question_form()


def test_system_types_say_they_are_not_requestable(server, creds):
    response = call(server.endpoint, creds, "GetQualificationType", {"QualificationTypeId": "00000000000000000071"})
    assert text(response, "QualificationType/IsRequestable") == "false"


def test_an_unexpected_failure_is_a_logged_503_service_unavailable(server, creds, caplog):
    """A bug or a transient failure: HTTP 503 with the legacy AWS.ServiceUnavailable (clients retry it),
    logged with the request id, never a traceback on the wire."""
    api = LegacyAPI(server.service)

    def broken(ctx):
        raise RuntimeError("boom")
    op, _fn, write = api.operations["GetAccountBalance"]
    api.operations["GetAccountBalance"] = (op, broken, write)

    async def send():
        transport = httpx.ASGITransport(app=api)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return await client.post("/", content=urlencode(signed(creds, "GetAccountBalance")).encode(),
                                     headers={"Content-Type": FORM})
    response = run_coroutine(send())
    assert response.status_code == 503
    assert error_code(response) == "AWS.ServiceUnavailable"
    assert b"<GetAccountBalanceResult><Request><IsValid>False</IsValid><Errors>" in response.content
    assert b"boom" not in response.content and b"Traceback" not in response.content
    assert any("failed" in r.getMessage() and r.exc_info for r in caplog.records if r.name == "openturk.errors")
