"""The legacy envelope against the responses MTurk really sent (examples/legacy-xml of the reference
material): the scenarios of tests/legacy/test_envelope.py, with the values of the captured type, so that
everything but ids, times and counts is comparable."""

from __future__ import annotations

import pytest

from ..legacy import envelopes
from ..legacy.helpers import envelope, shape, text
from .reference import CAPTURES

# The captured type's values (formious, 2015).
CAPTURED_TYPE = {"Name": "Test qualification 1", "Description": "My first qualification type (it's temporary)",
                 "Keywords": "test,autogrant", "QualificationTypeStatus": "Active", "RetryDelayInSeconds": "1800",
                 "AutoGranted": "true", "AutoGrantedValue": "1"}


@pytest.fixture
def creds(server):
    return server.new_requester("legacy")


def test_create_qualification_type_is_the_captured_response(server, creds):
    response = envelopes.create_type(server, creds, CAPTURED_TYPE)
    assert response.status_code == 200
    assert shape(response) == envelope(CAPTURES / "formious-2015-CreateQualificationType-success.xml")


def test_a_duplicate_name_is_the_captured_error(server, creds):
    response = envelopes.create_type_twice(server, creds, CAPTURED_TYPE)
    assert response.status_code == 200
    assert shape(response) == envelope(
        CAPTURES / "formious-2015-CreateQualificationType-QualificationTypeAlreadyExists.xml")


def test_dispose_and_dispose_again_are_the_captured_responses(server, creds):
    first, again = envelopes.dispose_twice(server, creds, CAPTURED_TYPE)
    assert shape(first) == envelope(CAPTURES / "formious-2015-DisposeQualificationType-success.xml")
    assert again.status_code == 200
    assert shape(again) == envelope(
        CAPTURES / "formious-2015-DisposeQualificationType-InvalidQualificationTypeState.xml")


def test_get_qualifications_for_qualification_type_is_the_captured_response(server, creds):
    """The capture lists 20 holders, its source abbreviated to 2: two holders here, counts masked."""
    response = envelopes.holders(server, creds, CAPTURED_TYPE, ["AHM21AWBZPEJNM", "APOLZKWYE7JF6B"], "1")
    assert shape(response) == envelope(CAPTURES / "formious-2015-GetQualificationsForQualificationType-success.xml")
    assert text(response, ".//NumResults") == text(response, ".//TotalNumResults") == "2"


def test_an_unknown_access_key_is_the_captured_not_authorized(server):
    response = envelopes.unknown_access_key(server)
    assert response.status_code == 200
    assert shape(response) == envelope(CAPTURES / "boto-issue-2247-GetAccountBalance-AWS.NotAuthorized-http200.xml")
