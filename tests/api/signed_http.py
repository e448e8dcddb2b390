"""Raw HTTP to the live server: requests signed with botocore's SigV4Auth, sent with httpx, so that
tests can tamper with any byte of them (boto3 would refuse to send most of what these tests send)."""

from __future__ import annotations

import json
from datetime import datetime
from unittest import mock

import httpx
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

TARGET_PREFIX = "MTurkRequesterServiceV20170117."
JSON_TYPE = "application/x-amz-json-1.1"
SERVICE = "mturk-requester"


def encode(body) -> bytes:
    return body if isinstance(body, bytes) else json.dumps(body).encode()


def sign(endpoint: str, creds: dict, operation: str | None, body=b"{}", *, region: str = "us-east-1",
         service: str = SERVICE, when: datetime | None = None, headers: dict | None = None,
         target: str | None = None) -> tuple[str, dict[str, str], bytes]:
    """(url, headers, body) of a POST / signed by botocore; `when` (naive UTC) fixes the signing time.
    X-Amz-Target is `target` if given, else that of `operation`, else absent."""
    url = endpoint + "/"
    data = encode(body)
    all_headers = {"Content-Type": JSON_TYPE}
    if target is not None or operation is not None:
        all_headers["X-Amz-Target"] = target if target is not None else TARGET_PREFIX + operation
    all_headers.update(headers or {})
    request = AWSRequest(method="POST", url=url, data=data, headers=all_headers)
    signer = SigV4Auth(Credentials(creds["AccessKeyId"], creds["SecretAccessKey"]), service, region)
    if when is None:
        signer.add_auth(request)
    else:
        with mock.patch("botocore.auth.get_current_datetime", return_value=when):
            signer.add_auth(request)
    return url, dict(request.headers.items()), data


def send(url: str, headers: dict, body: bytes) -> httpx.Response:
    return httpx.post(url, content=body, headers=headers, timeout=30)


def call(endpoint: str, creds: dict, operation: str, body=b"{}", **kwargs) -> httpx.Response:
    return send(*sign(endpoint, creds, operation, body, **kwargs))


def aws_error(response: httpx.Response, status: int, error_type: str) -> str:
    """The message of an AWS front-end error (`{"__type", "message"}`), after checking its shape."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == JSON_TYPE
    body = response.json()
    assert set(body) == {"__type", "message"}, body
    assert body["__type"] == error_type, body
    return body["message"]


def turk_error(response: httpx.Response, code: str, kind: str = "RequestError") -> str:
    """The message of an MTurk error (`{"__type", "Message", "TurkErrorCode"}`), after checking its shape;
    the `(<epoch ms>)` suffix is removed."""
    assert response.status_code == (500 if kind == "ServiceFault" else 400), response.text
    assert response.headers["content-type"] == JSON_TYPE
    assert "Traceback" not in response.text
    body = response.json()
    assert set(body) == {"__type", "Message", "TurkErrorCode"}, body
    assert (body["__type"], body["TurkErrorCode"]) == (kind, code), body
    message, _, stamp = body["Message"].rpartition(" (")
    assert stamp.endswith(")") and stamp[:-1].isdigit(), body["Message"]
    return message
