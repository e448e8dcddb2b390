"""Both signature schemes the legacy service accepted, and how it refused requests: the documented HMAC-SHA1
of Service + Operation + Timestamp (rturk, MTurkR, the SDKs) and boto 2's SignatureVersion 1."""

from __future__ import annotations

from urllib.parse import urlencode

from datetime import datetime, timezone

import httpx
import pytest

from .helpers import SERVICE, call, error_code, get, post, sign_documented, signed, text, timestamp, xml


@pytest.fixture
def creds(server):
    return server.new_requester("signer")


@pytest.mark.parametrize("scheme", ["v1", "documented"])
def test_a_good_signature_is_accepted_by_post_and_get(server, creds, scheme):
    params = signed(creds, "GetAccountBalance", scheme=scheme)
    for response in (post(server.endpoint, params), get(server.endpoint, params)):
        assert response.status_code == 200 and error_code(response) is None, response.text
        assert text(response, "GetAccountBalanceResult/Request/IsValid") == "True"


def test_mturkr_style_service_in_the_url_and_the_rest_in_the_body(server, creds):
    """MTurkR posts to https://…/?Service=AWSMechanicalTurkRequester with the other parameters as the body."""
    stamp = timestamp()
    body = {"AWSAccessKeyId": creds["AccessKeyId"], "Version": "2012-03-25", "Operation": "GetAccountBalance",
            "Timestamp": stamp, "Signature": sign_documented(creds["SecretAccessKey"], "GetAccountBalance", stamp)}
    response = post(server.endpoint, body, query={"Service": SERVICE})
    assert error_code(response) is None, response.text


def test_v1_signs_every_parameter(server, creds):
    """Changing any parameter after signing breaks a SignatureVersion 1 signature (not the documented one,
    which covers only Service, Operation and Timestamp)."""
    for scheme, accepted in (("v1", False), ("documented", True)):
        params = signed(creds, "SearchQualificationTypes", {"MustBeRequestable": "false", "Query": "x"}, scheme=scheme)
        params["Query"] = "y"
        code = error_code(post(server.endpoint, params))
        assert (code is None) == accepted, (scheme, code)


@pytest.mark.parametrize("scheme", ["v1", "documented"])
def test_a_wrong_secret_is_bad_claims_supplied(server, creds, scheme):
    params = signed(creds, "GetAccountBalance", scheme=scheme, secret="not-the-secret")
    response = post(server.endpoint, params)
    assert response.status_code == 200
    assert error_code(response) == "AWS.BadClaimsSupplied"
    # A request-level error: inside OperationRequest, no result element.
    assert xml(response).find("OperationRequest/Errors/Error/Code") is not None
    assert xml(response).find("GetAccountBalanceResult") is None
    message = text(response, ".//Message")
    assert message.startswith("The specified claims are invalid.")
    assert "Our current system time: " in message
    if scheme == "documented":   # as MTurk said (MTurkR#35): which string should have been signed
        expected = f"AWSMechanicalTurkRequesterGetAccountBalance{params['Timestamp']}"
        assert f"your signature should be generated using the following string: {expected}." in message


def test_a_signature_for_another_operation_is_refused(server, creds):
    params = signed(creds, "GetAccountBalance", scheme="documented")
    params["Operation"] = "SearchQualificationTypes"
    params["MustBeRequestable"] = "false"
    assert error_code(post(server.endpoint, params)) == "AWS.BadClaimsSupplied"


def test_garbage_signatures_are_refused(server, creds):
    for signature in ("", "!!!not-base64!!!", "AAAA"):
        params = signed(creds, "GetAccountBalance")
        params["Signature"] = signature
        code = error_code(post(server.endpoint, params))
        assert code == ("AWS.MissingParameters" if signature == "" else "AWS.BadClaimsSupplied")


def test_a_signature_whose_plus_signs_arrived_as_spaces_still_matches(server, creds):
    """A client that does not URL-encode the signature sends '+' (a space once decoded)."""
    for attempt in range(40):   # find a timestamp whose signature contains a '+'
        params = signed(creds, "GetAccountBalance", scheme="documented", stamp=timestamp(-attempt))
        if "+" in params["Signature"]:
            break
    else:
        pytest.skip("no signature with a '+' in 40 tries")
    query = urlencode({k: v for k, v in params.items() if k != "Signature"}) + "&Signature=" + params["Signature"]
    response = httpx.get(server.endpoint + "/?" + query, timeout=30)
    assert error_code(response) is None, response.text


@pytest.mark.parametrize("offset", [-3600, 3600])
@pytest.mark.parametrize("scheme", ["v1", "documented"])
def test_an_old_or_future_timestamp_has_expired(server, creds, scheme, offset):
    """MTurkR#59: "Request has expired. Timestamp date is …", from AWS's front end (no RequestId for MTurkR
    to find): the generic <Response> shape."""
    stamp = timestamp(offset)
    response = post(server.endpoint, signed(creds, "GetAccountBalance", scheme=scheme, stamp=stamp))
    assert response.status_code == 400
    body = response.content.decode()
    assert body.startswith('<?xml version="1.0"?>\n<Response><Errors><Error><Code>RequestExpired</Code>')
    assert f"<Message>Request has expired. Timestamp date is {stamp}</Message>" in body
    assert "<RequestID>" in body and "<RequestId>" not in body


def test_timestamps_within_the_window_in_every_spelling_are_accepted(server, creds):
    now = datetime.now(timezone.utc)
    for stamp in (now.strftime("%Y-%m-%dT%H:%M:%S.123Z"), now.strftime("%Y-%m-%dT%H:%M:%S+00:00"),
                  now.strftime("%Y-%m-%dT%H:%M:%S"), timestamp(-600), timestamp(600)):
        response = post(server.endpoint, signed(creds, "GetAccountBalance", stamp=stamp))
        assert error_code(response) is None, (stamp, response.text)


def test_a_malformed_timestamp_is_refused(server, creds):
    response = post(server.endpoint, signed(creds, "GetAccountBalance", stamp="yesterday"))
    assert response.status_code == 200 and error_code(response) == "AWS.MechanicalTurk.InvalidParameterValue"
    assert "Timestamp" in text(response, ".//Message")


@pytest.mark.parametrize("missing", ["AWSAccessKeyId", "Signature", "Timestamp"])
def test_missing_credentials_are_missing_parameters(server, creds, missing):
    params = signed(creds, "GetAccountBalance")
    del params[missing]
    response = post(server.endpoint, params)
    assert response.status_code == 200
    assert text(response, "OperationRequest/Errors/Error/Code") == "AWS.MissingParameters"
    assert missing in text(response, ".//Message")


def test_an_unknown_key_is_not_authorized_for_both_schemes(server):
    stranger = {"AccessKeyId": "AKIANOSUCHKEY0000000", "SecretAccessKey": "x"}
    for scheme in ("v1", "documented"):
        response = call(server.endpoint, stranger, "GetAccountBalance", scheme=scheme)
        assert (response.status_code, error_code(response)) == (200, "AWS.NotAuthorized")


def test_a_signed_json_request_still_goes_to_the_2017_api(server, creds, client):
    """The legacy endpoint shares POST / with the JSON API: a request with X-Amz-Target is never legacy."""
    assert client.get_account_balance()["AvailableBalance"] == "10000.00"
    response = httpx.post(server.endpoint + "/", content=b"{}", headers={
        "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "MTurkRequesterServiceV20170117.GetAccountBalance"})
    assert response.status_code in (400, 403) and response.headers["content-type"].startswith("application/x-amz-json")
