"""Answers the HTTP protocol gives before any application runs (web/protocol.py: 408 when a request does not
arrive in time, 431 when its head is too large), each in the shape of the front end the request was for, so
that a client reads them as it reads that front end's other errors:

- the JSON API (POST / with X-Amz-Target or an x-amz-json body): MTurk's JSON 1.1 error, `RequestError`
  with a TurkErrorCode, which botocore raises as a ClientError;
- the legacy XML API (POST / with a form, GET / with an Operation, /onca/xml): AWS's generic XML error,
  as for the legacy API's other front-end failures;
- the worker API (/api/worker/v1/…): its `{"error": {"code", "message"}}`;
- anything else (the web pages, /healthz): plain text.

The head may be incomplete (431): what is known of the method, path and headers decides; a POST / whose
headers say nothing yet is taken for the JSON API, the one MTurk still served. Built only when such an
answer is sent, never on the request path.
"""

from __future__ import annotations

import orjson

from .. import errors, ids
from ..clock import SystemClock
from ..protocol import legacy
from .legacy_api import CONTENT_TYPE as LEGACY_CONTENT_TYPE
from .requester_api import CONTENT_TYPE as JSON_API_CONTENT_TYPE

# openturk codes (docs/compatibility.md): MTurk's own answers to these cases were not documented.
CODES = {408: "RequestTimeout", 431: "RequestHeaderFieldsTooLarge"}
REASONS = {408: b"Request Timeout", 431: b"Request Header Fields Too Large"}
MESSAGES = {408: "The request was not received in time.", 431: "The request line and headers are too large."}
WORKER_API_PREFIX = b"/api/worker/v1"


def front_end(method: bytes | None, url: bytes, headers: list[tuple[bytes, bytes]]) -> str:
    """"json_api", "legacy_api", "worker_api" or "other", as web/app.py would route the request."""
    path, _, query = url.partition(b"?")
    if path.startswith(WORKER_API_PREFIX):
        return "worker_api"
    if path == b"/onca/xml":
        return "legacy_api"
    if path == b"/" and method == b"POST":
        for name, value in headers:
            if name == b"x-amz-target" or (name == b"content-type" and value.startswith(b"application/x-amz-json")):
                return "json_api"
            if name == b"content-type" and value.startswith(b"application/x-www-form-urlencoded"):
                return "legacy_api"
        return "json_api"
    if path == b"/" and method == b"GET" and b"Operation=" in query:
        return "legacy_api"
    return "other"


def answer(status: int, method: bytes | None, url: bytes, headers: list[tuple[bytes, bytes]]) -> bytes:
    """The whole HTTP/1.1 response (it closes the connection)."""
    message = MESSAGES[status]
    request_id = ids.request_id()
    kind = front_end(method, url, headers)
    extra: list[tuple[bytes, bytes]] = []
    if kind == "json_api":
        content_type = JSON_API_CONTENT_TYPE
        body = orjson.dumps({"__type": "RequestError", "Message": f"{message} ({SystemClock().epoch_ms()})",
                             "TurkErrorCode": CODES[status]})
        extra.append((b"x-amzn-requestid", request_id.encode()))
    elif kind == "legacy_api":
        content_type = LEGACY_CONTENT_TYPE
        body = legacy.front_end_failure(request_id, errors.request_error(CODES[status], message))
    elif kind == "worker_api":
        content_type = b"application/json"
        body = orjson.dumps({"error": {"code": CODES[status], "message": message}})
    else:
        content_type = b"text/plain; charset=utf-8"
        body = message.encode()
    head = [b"HTTP/1.1 %d %s" % (status, REASONS[status]), b"content-type: " + content_type,
            b"content-length: %d" % len(body), b"connection: close", *(name + b": " + value for name, value in extra)]
    return b"\r\n".join(head) + b"\r\n\r\n" + body
