"""Raw HTTP for the legacy REST/XML API: parameters signed here, independently of the server's code, with
either scheme (boto 2's SignatureVersion 1, or the documented HMAC-SHA1 of Service + Operation + Timestamp),
sent as a form POST or a GET query string, so that tests can tamper with any of it."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlencode

import httpx
from lxml import etree

SERVICE = "AWSMechanicalTurkRequester"
FORM = "application/x-www-form-urlencoded; charset=UTF-8"


def timestamp(offset_seconds: float = 0) -> str:
    when = datetime.now(timezone.utc) + timedelta(seconds=offset_seconds)
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def sign_v1(secret: str, params: dict) -> str:
    """boto 2's QuerySignatureV1AuthHandler: names sorted case-insensitively, name+value concatenated."""
    mac = hmac.new(secret.encode(), digestmod=hashlib.sha1)
    for name in sorted(params, key=str.lower):
        mac.update(name.encode() + str(params[name]).encode())
    return base64.b64encode(mac.digest()).decode()


def sign_documented(secret: str, operation: str, stamp: str, service: str = SERVICE) -> str:
    return base64.b64encode(hmac.new(secret.encode(), (service + operation + stamp).encode(), hashlib.sha1).digest()).decode()


def signed(creds: dict, operation: str, params: dict | None = None, *, scheme: str = "v1", stamp: str | None = None,
           secret: str | None = None, version: str | None = "2014-08-15") -> dict:
    """All parameters of a request, signed."""
    out = {"Operation": operation, "AWSAccessKeyId": creds["AccessKeyId"], "Timestamp": stamp or timestamp()}
    if version is not None:
        out["Version"] = version
    out.update({k: v for k, v in (params or {}).items()})
    secret = secret if secret is not None else creds["SecretAccessKey"]
    if scheme == "v1":
        out["SignatureVersion"] = "1"
        out["Signature"] = sign_v1(secret, out)
    else:
        out["Signature"] = sign_documented(secret, operation, out["Timestamp"], out.get("Service", SERVICE))
    return out


def post(endpoint: str, params: dict, *, path: str = "/", query: dict | None = None) -> httpx.Response:
    url = endpoint + path + ("?" + urlencode(query) if query else "")
    return httpx.post(url, content=urlencode(params).encode(), headers={"Content-Type": FORM}, timeout=30)


def get(endpoint: str, params: dict, *, path: str = "/") -> httpx.Response:
    return httpx.get(endpoint + path + "?" + urlencode(params), timeout=30)


def call(endpoint: str, creds: dict, operation: str, params: dict | None = None, **kwargs) -> httpx.Response:
    return post(endpoint, signed(creds, operation, params, **kwargs))


def xml(response: httpx.Response) -> etree._Element:
    return etree.fromstring(response.content)


def text(response: httpx.Response, path: str) -> str | None:
    found = xml(response).find(path)
    return None if found is None else found.text


def texts(response: httpx.Response, path: str) -> list[str]:
    return [e.text for e in xml(response).findall(path)]


def error_code(response: httpx.Response) -> str | None:
    return text(response, ".//Errors/Error/Code")


# -- comparing with expected envelopes (tests/documents/legacy-xml, and MTurk's own in tests/reference) ------

_VARIABLE = {
    "RequestId": "REQUEST-ID", "QualificationTypeId": "TYPE-ID", "SubjectId": "WORKER-ID",
    "CreationTime": "TIME", "GrantTime": "TIME", "NumResults": "N", "TotalNumResults": "N",
}


def compact(document: str) -> str:
    """An expected response without its XML declaration, comments and indentation (the suite's own are
    pretty-printed to be read, and so were some captures of MTurk's, for a source comment)."""
    document = re.sub(r"<\?xml[^>]*\?>", "", document)
    document = re.sub(r"<!--.*?-->", "", document, flags=re.S)
    return re.sub(r">\s+<", "><", document).strip()


def masked(document: str) -> str:
    """Ids, times and counts replaced by placeholders; the epoch-ms suffix of messages too."""
    for element, placeholder in _VARIABLE.items():
        document = re.sub(rf"<{element}>[^<]*</{element}>", f"<{element}>{placeholder}</{element}>", document)
        document = re.sub(rf"<Key>{element}</Key><Value>[^<]*</Value>", f"<Key>{element}</Key><Value>{placeholder}</Value>",
                          document)
    return re.sub(r" \(\d{13}( s)?\)</Message>", " (MS)</Message>", document)


def envelope(path: Path) -> str:
    """The expected response in `path`, compacted and masked."""
    return masked(compact(path.read_text()))


def shape(response: httpx.Response) -> str:
    """Our response, masked the same way (and without the declaration, which some captures lack)."""
    body = response.content.decode()
    assert body.startswith('<?xml version="1.0"?>\n<')
    return masked(body.split("\n", 1)[1])
