"""Requests signed exactly as boto3 signs them, captured before they are sent, as raw HTTP/1.1 bytes."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import boto3
from botocore import xform_name
from botocore.awsrequest import AWSResponse
from botocore.config import Config

REGION = "us-east-1"


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: tuple[tuple[str, str], ...]   # in the order they go on the wire, Host first
    body: bytes = b""

    def raw(self) -> bytes:
        head = f"{self.method} {self.path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in self.headers)
        return head.encode("latin-1") + b"\r\n" + self.body


def healthz(host: str) -> Request:
    return Request("GET", "/healthz", (("Host", host), ("Accept-Encoding", "identity")))


class _EmptyBody:
    def stream(self, **_kw):
        yield b"{}"


def client(endpoint: str, key: str, secret: str, service: str = "mturk"):
    return boto3.client(service, endpoint_url=endpoint, region_name=REGION, aws_access_key_id=key,
                        aws_secret_access_key=secret, config=Config(retries={"max_attempts": 1}))


class Presigner:
    """A boto3 client (MTurk, or another JSON service such as DynamoDB for the comparison with moto) whose
    `before-send` hook keeps the signed request and answers it with `{}`."""

    def __init__(self, endpoint: str, key: str, secret: str, service: str = "mturk"):
        self.host = endpoint.split("://", 1)[1]
        self.client = client(endpoint, key, secret, service)
        self.client.meta.events.register("before-send", self._capture)
        self._last = None

    def _capture(self, request, **_kw):
        self._last = request
        return AWSResponse(request.url, 200, {}, _EmptyBody())

    def sign(self, operation: str, **params) -> Request:
        self._last = None
        getattr(self.client, xform_name(operation))(**params)
        prepared = self._last
        # What urllib3/http.client put on the wire besides botocore's headers: Host (which botocore
        # signed as host[:port]) and Accept-Encoding: identity.
        headers = [("Host", self.host), ("Accept-Encoding", "identity")]
        headers += [(k, v.decode("latin-1") if isinstance(v, bytes) else str(v))
                    for k, v in prepared.headers.items()]
        body = prepared.body or b""
        body = body.encode() if isinstance(body, str) else body
        if not any(k.lower() == "content-length" for k, _ in headers):
            headers.append(("Content-Length", str(len(body))))
        url = urlsplit(prepared.url)
        path = (url.path or "/") + (f"?{url.query}" if url.query else "")
        return Request(prepared.method, path, tuple(headers), body)
