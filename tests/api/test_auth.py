"""Authentication on the wire: SigV4 failures answer as the AWS front end does, before any operation runs."""

from __future__ import annotations

import logging
import socket
import time
from datetime import datetime, timedelta, timezone
from unittest import mock

import httpx
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from ..conftest import LiveServer
from .signed_http import JSON_TYPE, TARGET_PREFIX, aws_error, call, send, sign

MISMATCH = ("The request signature we calculated does not match the signature you provided. Check your AWS "
            "Secret Access Key and signing method. Consult the service documentation for details.")


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)   # botocore signs with naive UTC


def balance_ok(response: httpx.Response) -> None:
    assert response.status_code == 200, response.text
    assert response.json() == {"AvailableBalance": "10000.00"}


def owned_type_names(client) -> list[str]:
    types = client.list_qualification_types(MustBeRequestable=False, MustBeOwnedByCaller=True)
    return [t["Name"] for t in types["QualificationTypes"]]


def test_a_correctly_signed_raw_request_succeeds(server, requester):
    response = call(server.endpoint, requester, "GetAccountBalance")
    balance_ok(response)
    assert response.headers["content-type"] == JSON_TYPE


# -- missing and malformed Authorization -----------------------------------------------------------------

def test_no_authorization_is_a_missing_token(server):
    response = httpx.post(server.endpoint + "/", content=b"{}", headers={
        "Content-Type": JSON_TYPE, "X-Amz-Target": TARGET_PREFIX + "GetAccountBalance"})
    message = aws_error(response, 403, "MissingAuthenticationTokenException")
    assert message == "Request is missing Authentication Token"


def test_an_empty_authorization_is_a_missing_token(server, requester):
    url, headers, body = sign(server.endpoint, requester, "GetAccountBalance")
    aws_error(send(url, {**headers, "Authorization": ""}, body), 403, "MissingAuthenticationTokenException")


@pytest.mark.parametrize("authorization, phrase", [
    ("garbage", "Authorization header requires the AWS4-HMAC-SHA256 algorithm."),
    ("Bearer abc.def.ghi", "Authorization header requires the AWS4-HMAC-SHA256 algorithm."),
    ("AWS4-HMAC-SHA256 garbage", "Authorization header requires 'Credential' parameter."),
    ("AWS4-HMAC-SHA256 Credential=AKIAX/20240101/us-east-1/mturk-requester/aws4_request, Signature=00",
     "Authorization header requires 'SignedHeaders' parameter."),
    ("AWS4-HMAC-SHA256 Credential=AKIAX/us-east-1/mturk-requester/aws4_request, SignedHeaders=a, Signature=0",
     "Credential should be scoped to a valid region, service and date"),
])
def test_a_garbage_authorization_is_an_incomplete_signature(server, requester, authorization, phrase):
    url, headers, body = sign(server.endpoint, requester, "GetAccountBalance")
    response = send(url, {**headers, "Authorization": authorization}, body)
    assert phrase in aws_error(response, 400, "IncompleteSignatureException")


def test_a_missing_amz_date_is_an_incomplete_signature(server, requester):
    url, headers, body = sign(server.endpoint, requester, "GetAccountBalance")
    del headers["X-Amz-Date"]
    message = aws_error(send(url, headers, body), 400, "IncompleteSignatureException")
    assert "requires existence of either a 'X-Amz-Date'" in message


def test_a_malformed_amz_date_is_an_incomplete_signature(server, requester):
    url, headers, body = sign(server.endpoint, requester, "GetAccountBalance")
    response = send(url, {**headers, "X-Amz-Date": "2024-05-17T12:30:45Z"}, body)
    assert "Date must be in ISO-8601 'basic format'. Got '2024-05-17T12:30:45Z'." in aws_error(
        response, 400, "IncompleteSignatureException")


# -- who is calling ----------------------------------------------------------------------------------------

def test_an_unknown_access_key_is_an_unrecognized_client(server, requester):
    stranger = {**requester, "AccessKeyId": "AKIA" + "Z" * 16}
    response = call(server.endpoint, stranger, "GetAccountBalance")
    assert aws_error(response, 400, "UnrecognizedClientException") == (
        "The security token included in the request is invalid.")


def test_a_wrong_secret_is_an_invalid_signature(server, requester):
    wrong = {**requester, "SecretAccessKey": requester["SecretAccessKey"][:-1] + "!"}
    response = call(server.endpoint, wrong, "GetAccountBalance")
    assert aws_error(response, 400, "InvalidSignatureException") == MISMATCH


def test_another_requesters_secret_is_an_invalid_signature(server, requester):
    other = server.new_requester("mallory")
    forged = {**requester, "SecretAccessKey": other["SecretAccessKey"]}
    aws_error(call(server.endpoint, forged, "GetAccountBalance"), 400, "InvalidSignatureException")


def test_boto3_sees_the_aws_error_codes(server, requester):
    wrong = server.client({**requester, "SecretAccessKey": "x" * 40})
    with pytest.raises(ClientError) as info:
        wrong.get_account_balance()
    assert info.value.response["Error"]["Code"] == "InvalidSignatureException"
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    unknown = server.client({"AccessKeyId": "AKIA" + "Q" * 16, "SecretAccessKey": "x" * 40})
    with pytest.raises(ClientError) as info:
        unknown.get_account_balance()
    assert info.value.response["Error"]["Code"] == "UnrecognizedClientException"


# -- tampering after signing -------------------------------------------------------------------------------

def test_a_body_changed_after_signing_is_refused_and_nothing_is_created(server, requester, client, unique):
    url, headers, body = sign(server.endpoint, requester, "CreateQualificationType", {
        "Name": unique, "Description": "d", "QualificationTypeStatus": "Active"})
    tampered = body.replace(b'"d"', b'"e"')
    assert tampered != body
    aws_error(send(url, headers, tampered), 400, "InvalidSignatureException")
    assert owned_type_names(client) == []
    assert send(url, headers, body).status_code == 200      # the untampered request was good
    assert owned_type_names(client) == [unique]


def test_a_target_changed_after_signing_is_refused(server, requester):
    url, headers, body = sign(server.endpoint, requester, "GetAccountBalance")
    headers["X-Amz-Target"] = TARGET_PREFIX + "ListQualificationTypes"
    aws_error(send(url, headers, body), 400, "InvalidSignatureException")


def test_a_query_string_added_after_signing_is_refused(server, requester):
    url, headers, body = sign(server.endpoint, requester, "GetAccountBalance")
    aws_error(send(url + "?Action=GetAccountBalance", headers, body), 400, "InvalidSignatureException")


def test_authentication_comes_before_the_operation(server, requester):
    wrong = {**requester, "SecretAccessKey": "nope"}
    for operation in ("NoSuchOperation", "ListHITs"):
        response = call(server.endpoint, wrong, operation, b"not even json")
        aws_error(response, 400, "InvalidSignatureException")


# -- time ----------------------------------------------------------------------------------------------------

def test_a_signature_16_minutes_old_has_expired(server, requester):
    when = utcnow() - timedelta(minutes=16)
    message = aws_error(call(server.endpoint, requester, "GetAccountBalance", when=when), 400,
                        "InvalidSignatureException")
    assert message.startswith(f"Signature expired: {when:%Y%m%dT%H%M%SZ} is now earlier than ")
    assert message.endswith(" - 15 min.)")


def test_a_signature_16_minutes_ahead_is_not_yet_current(server, requester):
    when = utcnow() + timedelta(minutes=16)
    message = aws_error(call(server.endpoint, requester, "GetAccountBalance", when=when), 400,
                        "InvalidSignatureException")
    assert message.startswith(f"Signature not yet current: {when:%Y%m%dT%H%M%SZ} is still later than ")
    assert message.endswith(" + 15 min.)")


@pytest.mark.parametrize("minutes", [-14, 14])
def test_a_signature_14_minutes_off_is_accepted(server, requester, minutes):
    when = utcnow() + timedelta(minutes=minutes)
    balance_ok(call(server.endpoint, requester, "GetAccountBalance", when=when))


def test_the_test_clock_does_not_move_signatures(database_url):
    """Tests jump the service clock forward; signatures are checked against real time. (A server of its
    own: the shared one's clock must not move, it only moves forward.)"""
    own = LiveServer(database_url).start()
    try:
        creds = own.new_requester()
        own.clock.advance(3600)
        balance_ok(call(own.endpoint, creds, "GetAccountBalance"))
        late = utcnow() + timedelta(minutes=59)
        aws_error(call(own.endpoint, creds, "GetAccountBalance", when=late), 400, "InvalidSignatureException")
    finally:
        own.stop()


# -- scope: service and region ----------------------------------------------------------------------------

@pytest.mark.parametrize("service", ["mturk", "sts", "mturk-requester-sandbox"])
def test_a_credential_scoped_to_another_service_is_refused(server, requester, service):
    response = call(server.endpoint, requester, "GetAccountBalance", service=service)
    assert aws_error(response, 400, "InvalidSignatureException") == (
        "Credential should be scoped to correct service: 'mturk-requester'.")


@pytest.mark.parametrize("region", ["us-east-1", "sandbox", "eu-west-1", "moon-base-1", "x", "any region!"])
def test_any_region_is_accepted_in_a_raw_request(server, requester, region):
    balance_ok(call(server.endpoint, requester, "GetAccountBalance", region=region))


@pytest.mark.parametrize("region", ["sandbox", "us-west-2", "openturk-local"])
def test_boto3_clients_of_any_region_are_accepted(server, requester, region):
    client = server.client(requester, region=region)
    assert client.get_account_balance()["AvailableBalance"] == "10000.00"


# -- headers on the wire -----------------------------------------------------------------------------------

def _raw_http(port: int, request: bytes) -> tuple[int, bytes]:
    """Send bytes as they are (httpx would refuse blanks around a header value); read to the close."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), body


def test_signed_headers_with_blanks_around_and_inside_are_verified(server, requester):
    """Blanks around a value are not part of it on the wire; runs of blanks inside count as one."""
    value = "  spaced \t  out   value\t "
    _, headers, body = sign(server.endpoint, requester, "GetAccountBalance", headers={"X-Custom": value})
    lines = ["POST / HTTP/1.1", f"Host: 127.0.0.1:{server.port}", f"Content-Length: {len(body)}",
             "Connection: close"]
    lines += [f"{name}: {v}" for name, v in headers.items() if name != "X-Custom"]

    def send_with(custom_line: str) -> tuple[int, bytes]:
        return _raw_http(server.port, ("\r\n".join([*lines, custom_line]) + "\r\n\r\n").encode() + body)

    assert send_with(f"X-Custom:{value}") == (200, b'{"AvailableBalance":"10000.00"}')
    assert send_with("X-Custom: spaced out value")[0] == 200
    status, payload = send_with("X-Custom: spacedout value")
    assert status == 400 and b"InvalidSignatureException" in payload


# -- logs ----------------------------------------------------------------------------------------------------

def test_secrets_never_reach_the_logs(server, requester, caplog):
    secret = requester["SecretAccessKey"]
    caplog.set_level(logging.DEBUG, logger="openturk")
    caplog.set_level(logging.DEBUG, logger="uvicorn")
    client = server.client(requester)
    client.get_account_balance()
    client.list_qualification_types(MustBeRequestable=False, MustBeOwnedByCaller=True)
    with pytest.raises(ClientError):
        client.list_assignments_for_hit(HITId="NOSUCHHIT")          # not supported yet
    with pytest.raises(ClientError):
        client.get_qualification_type(QualificationTypeId="NOSUCHTYPE")
    wrong = {**requester, "SecretAccessKey": secret[::-1]}
    aws_error(call(server.endpoint, wrong, "GetAccountBalance"), 400, "InvalidSignatureException")
    # The secret itself sent where it does not belong: in the Authorization header and in the body.
    url, headers, body = sign(server.endpoint, requester, "GetAccountBalance")
    send(url, {**headers, "Authorization": secret}, body)
    send(url, {**headers, "Authorization": headers["Authorization"] + secret}, body)
    call(server.endpoint, requester, "GetQualificationType", {"QualificationTypeId": secret})
    call(server.endpoint, requester, "CreateQualificationType", {"Name": secret, "Secret": secret})
    call(server.endpoint, requester, "GetAccountBalance", ("{" + secret).encode())
    call(server.endpoint, requester, "GetAccountBalance",
         when=utcnow() - timedelta(minutes=20))

    # The access log line is written after the response is sent: wait for all eleven requests.
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        access = [r for r in caplog.records if r.name == "openturk.access"]
        if len(access) >= 11:
            break
        time.sleep(0.02)
    assert len(access) >= 11
    for record in caplog.records:
        if record.name.startswith(("openturk", "uvicorn")):
            text = record.getMessage() + (logging.Formatter().formatException(record.exc_info)
                                          if record.exc_info else "")
            assert secret not in text, record
            assert secret[::-1] not in text, record


# -- the credential scope's date ---------------------------------------------------------------------------

class ScopeDateSigner(SigV4Auth):
    """botocore's signer, but with `scope_date` in the credential scope (and so in the signing key) instead
    of the date of X-Amz-Date: a correct signature over a scope that does not match the request's time."""

    def __init__(self, credentials, service_name, region_name, scope_date):
        super().__init__(credentials, service_name, region_name)
        self.scope_date = scope_date

    def credential_scope(self, request):
        return "/".join((self.scope_date, self._region_name, self._service_name, "aws4_request"))

    def scope(self, request):
        return f"{self.credentials.access_key}/{self.credential_scope(request)}"

    def signature(self, string_to_sign, request):
        key = self._sign(f"AWS4{self.credentials.secret_key}".encode(), self.scope_date)
        for part in (self._region_name, self._service_name, "aws4_request"):
            key = self._sign(key, part)
        return self._sign(key, string_to_sign, hex=True)


def test_the_scope_date_must_be_the_date_of_the_request(server, requester):
    """A signing key is derived for one day; it must not sign requests of other days (AWS refuses them)."""
    url = server.endpoint + "/"
    now = utcnow()
    for scope_date, status in ((f"{now:%Y%m%d}", 200), ("20200101", 400),
                               (f"{now + timedelta(days=1):%Y%m%d}", 400)):
        request = AWSRequest(method="POST", url=url, data=b"{}", headers={
            "Content-Type": JSON_TYPE, "X-Amz-Target": TARGET_PREFIX + "GetAccountBalance"})
        signer = ScopeDateSigner(Credentials(requester["AccessKeyId"], requester["SecretAccessKey"]),
                                 "mturk-requester", "us-east-1", scope_date)
        with mock.patch("botocore.auth.get_current_datetime", return_value=now):
            signer.add_auth(request)
        assert f"/{scope_date}/us-east-1/" in request.headers["Authorization"]
        response = send(url, dict(request.headers.items()), b"{}")
        if status == 200:
            balance_ok(response)
        else:
            amz_date = request.headers["X-Amz-Date"]
            assert aws_error(response, 400, "InvalidSignatureException") == (
                "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: "
                f"'{scope_date}' != '{amz_date[:8]}', from '{amz_date}'.")
