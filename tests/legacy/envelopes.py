"""The legacy responses whose whole envelope is compared, byte for byte (ids, times, counts and the epoch-ms
suffix masked): each scenario makes openturk answer one of them, given the type's values. test_envelope.py
compares the answers with the envelopes the suite wrote from MTurk's documented layout
(tests/documents/legacy-xml); tests/reference/test_legacy_captures.py with responses MTurk really sent."""

from __future__ import annotations

from pathlib import Path

import httpx

from .helpers import call, error_code, text

OWN = Path(__file__).resolve().parents[1] / "documents" / "legacy-xml"


def create_type(server, creds, values: dict) -> httpx.Response:
    return call(server.endpoint, creds, "CreateQualificationType", values)


def created_type_id(server, creds, values: dict) -> str:
    response = create_type(server, creds, values)
    assert error_code(response) is None, response.text
    return text(response, "QualificationType/QualificationTypeId")


def create_type_twice(server, creds, values: dict) -> httpx.Response:
    """The second CreateQualificationType with the same name."""
    created_type_id(server, creds, values)
    return create_type(server, creds, values)


def dispose_twice(server, creds, values: dict) -> tuple[httpx.Response, httpx.Response]:
    type_id = created_type_id(server, creds, values)
    first = call(server.endpoint, creds, "DisposeQualificationType", {"QualificationTypeId": type_id})
    return first, call(server.endpoint, creds, "DisposeQualificationType", {"QualificationTypeId": type_id})


def holders(server, creds, values: dict, workers: list[str], value: str) -> httpx.Response:
    """GetQualificationsForQualificationType after granting `value` to each of `workers`."""
    type_id = created_type_id(server, creds, values)
    for worker in workers:
        assigned = call(server.endpoint, creds, "AssignQualification",
                        {"QualificationTypeId": type_id, "WorkerId": worker, "IntegerValue": value})
        assert error_code(assigned) is None
    return call(server.endpoint, creds, "GetQualificationsForQualificationType", {"QualificationTypeId": type_id})


def unknown_access_key(server) -> httpx.Response:
    stranger = {"AccessKeyId": "AKIANOSUCHKEY0000000", "SecretAccessKey": "x"}
    return call(server.endpoint, stranger, "GetAccountBalance")
