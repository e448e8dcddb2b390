"""Fuzzing the legacy REST/XML API: for every legacy operation, parameters generated from the 2017 shapes
they are typed by (and the legacy-only paging and sorting parameters), rendered as text the way the old
clients did, then damaged — missing, duplicated (with the same or another value), wrong-typed, unknown,
oddly named (`ResponseGroup.²`), in odd encodings — signed with either legacy scheme and sent as GET or form
POST to `/` or `/onca/xml`. Also: unknown operations, and the authentication parameters themselves garbled.

For every example: HTTP 200 or 400 (a 503 is the "our bug" answer and fails the test), a well-formed XML
envelope whose errors carry a Code and a Message, no Python internals in the bytes, nothing logged as a server
failure; the database's invariants hold afterwards.
"""

from __future__ import annotations

import base64
from http.client import HTTPResponse
import re
import socket
import hashlib
import hmac
from collections import Counter
from urllib.parse import quote, urlencode

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from openturk.protocol import legacy
from openturk.protocol.model import service_model

from ..legacy.helpers import SERVICE, sign_documented, timestamp
from .conftest import EXAMPLES, fuzz_settings
from .shapes import ODD_STRINGS, Pools, value
from .test_json_api import assert_clean

OUTCOMES: Counter = Counter()
BOOLEANS = ["true", "false", "True", "False", "1", "0", "TRUE", " true ", "yes", "", "None"]
ODD_NAMES = ["ResponseGroup.²", "ResponseGroup.1", "ResponseGroup.1.x", "ResponseGroup.", "ResponseGroup.٣",
             "ResponseGroup." + "9" * 5000, "QualificationTypeId.1", "Version", "Service", "SignatureVersion",
             "operation", "", "Ä", "a" * 300, "x.1.2.3", "WorkerId.1"]
ODD_VALUES = ODD_STRINGS + ["Request", "Minimal", "2005-10-01", "2014-08-15", "2017-01-17", SERVICE,
                            "AWSMechanicalTurkRequester ", "None"]


def _member_shape(op: legacy.LegacyOperation, name: str):
    shape = service_model().operation_model(op.model).input_shape
    return shape.members[op.renames.get(name, name)]


@st.composite
def legacy_value(draw, op: legacy.LegacyOperation, name: str, pools: Pools, valid: bool) -> str:
    """One parameter's text: what a client would send, or (not valid) anything."""
    if not valid and draw(st.integers(0, 2)) == 2:
        return draw(st.sampled_from(ODD_VALUES) | st.text(max_size=30))
    extra = op.extra.get(name)
    if extra is not None:
        if extra.kind == "integer":
            low, high = extra.low or 0, extra.high or 2**31
            number = draw(st.integers(low, min(high, 1000)) if valid else st.sampled_from(
                [low - 1, low, high, high + 1, 0, -1, 2**63, 10**25]))
            return draw(st.sampled_from([str(number), f"+{number}", f" {number} ", f"{number}.0"])) if not valid \
                else str(number)
        return draw(st.sampled_from(extra.values or ("Name", "QualificationTypeId", "Bogus")))
    shape = _member_shape(op, name)
    if shape.type_name == "boolean":
        return draw(st.sampled_from(BOOLEANS[:6] if valid else BOOLEANS))
    python = draw(value(shape, op.renames.get(name, name) if name != "SubjectId" else "WorkerId", pools,
                        valid=valid))
    return python if isinstance(python, str) else str(python)


@st.composite
def parameters(draw, op: legacy.LegacyOperation, pools: Pools) -> list[tuple[str, str]]:
    """The operation's own parameters (every one present or not; the required ones usually), then damage."""
    params: dict[str, list[str]] = {}
    for name in op.params:
        # (hypothesis leans towards small integers: the rare choice is the largest)
        if name in op.required and draw(st.integers(0, 9)) < 9 or draw(st.booleans()):
            params[name] = [draw(legacy_value(op, name, pools, valid=True))]
    for _ in range(draw(st.integers(0, 3))):
        kind = draw(st.sampled_from(["wrong", "duplicate", "conflict", "drop", "unknown", "odd name",
                                     "response group", "version"]))
        name = draw(st.sampled_from(op.params)) if op.params else "QualificationTypeId"
        if kind == "wrong":
            params[name] = [draw(legacy_value(op, name, pools, valid=False))] if op.params else ["x"]
        elif kind == "duplicate" and params.get(name):
            params[name] = params[name] * 2
        elif kind == "conflict":
            params.setdefault(name, []).append(draw(st.sampled_from(ODD_VALUES)))
        elif kind == "drop":
            params.pop(name, None)
        elif kind == "unknown":
            params.setdefault(draw(st.text(max_size=12)), []).append(draw(st.text(max_size=12)))
        elif kind == "odd name":
            params.setdefault(draw(st.sampled_from(ODD_NAMES)), []).append(draw(st.sampled_from(ODD_VALUES)))
        elif kind == "response group":
            params.setdefault("ResponseGroup", []).extend(draw(st.lists(st.sampled_from(
                ["Request", "Minimal", "", "request", "Request,Minimal"]), min_size=1, max_size=3)))
        else:
            params["Version"] = [draw(st.sampled_from(["2005-10-01", "2014-08-15", "2017-01-17", "2014-8-15",
                                                       "", "9999-99-99", "٢٠١٤-٠٨-١٥"]))]
    return [(name, v) for name, values in params.items() for v in values]


def sign(secret: str, pairs: list[tuple[str, str]], scheme: str, operation: str, stamp: str) -> str:
    if scheme == "v1":   # what the server computes: pairs sorted by lower-cased name, stably
        mac = hmac.new(secret.encode(), digestmod=hashlib.sha1)
        for name, v in sorted(pairs, key=lambda pair: pair[0].lower()):
            mac.update((name + v).encode(errors="surrogatepass"))
        return base64.b64encode(mac.digest()).decode()
    return sign_documented(secret, operation, stamp)


def grouped(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Pairs with each name's values together, names in first-seen order (as the server groups them), so that
    a SignatureVersion 1 signature computed over them agrees with the server's."""
    order: dict[str, list[str]] = {}
    for name, v in pairs:
        order.setdefault(name, []).append(v)
    return [(name, v) for name, values in order.items() for v in values]


@st.composite
def signed_request(draw, creds: dict, operation: str, own: st.SearchStrategy):
    """(method, path, pairs) of a correctly signed request carrying `own` parameters."""
    scheme = draw(st.sampled_from(["v1", "documented"]))
    stamp = draw(st.sampled_from([timestamp(), timestamp()[:-1], timestamp()[:-1] + "+00:00",
                                  timestamp()[:-1] + ".123Z"]))
    pairs = [("Operation", operation), ("AWSAccessKeyId", creds["AccessKeyId"]), ("Timestamp", stamp)]
    if draw(st.booleans()):
        pairs.append(("Service", SERVICE))
    if scheme == "v1":
        pairs.append(("SignatureVersion", "1"))
    pairs = grouped(pairs + [p for p in draw(own) if p[0] not in ("Operation", "AWSAccessKeyId", "Timestamp",
                                                                  "Signature", "SignatureVersion")])
    pairs.append(("Signature", sign(creds["SecretAccessKey"], pairs, scheme, operation, stamp)))
    return draw(st.sampled_from(["GET", "POST"])), draw(st.sampled_from(["/", "/onca/xml"])), pairs


def send(http: httpx.Client, endpoint: str, method: str, path: str, pairs) -> httpx.Response | None:
    """The answer; None for a GET / without an Operation parameter, which is not the legacy API's (the
    pages' router answers it)."""
    encoded = urlencode(pairs, quote_via=quote, errors="surrogatepass")
    if method == "GET":
        response = http.get(endpoint + path + "?" + encoded)
        if path == "/" and not re.search("(^|&)Operation=", encoded):
            assert response.status_code == 404
            return None
        return response
    return http.post(endpoint + path, content=encoded.encode(),
                     headers={"Content-Type": "application/x-www-form-urlencoded; charset=UTF-8"})


def check_answer(response: httpx.Response, operation: str | None = None) -> etree._Element:
    """A legacy answer to any input: an XML envelope, HTTP 200 (or 400 from the front end)."""
    assert response.status_code in (200, 400), (response.status_code, response.text[:500])
    assert response.headers["content-type"] == "text/xml;charset=UTF-8"
    text = response.content.decode("utf-8")
    assert_clean(text)
    root = etree.fromstring(response.content)
    assert root.tag == "Response" or root.tag.endswith("Response"), root.tag
    if response.status_code == 400 or root.tag == "Response":
        assert root.tag == "Response" and response.status_code == 400, text
    elif operation is not None:
        assert root.tag in (f"{operation}Response", "Response"), root.tag
    found = root.findall(".//Errors/Error")
    for error in found:
        assert error.findtext("Code") and error.findtext("Message"), text
    valid = root.findtext(".//Request/IsValid")
    if valid == "True":
        assert not found, text
    OUTCOMES[(response.status_code, found[0].findtext("Code").rpartition(".")[2]) if found else
             (response.status_code, "ok")] += 1
    return root


def _report(name: str) -> None:
    print(f"legacy {name}: {dict(OUTCOMES.most_common())}")
    OUTCOMES.clear()


@pytest.fixture
def http():
    with httpx.Client(timeout=30) as client:
        yield client


@pytest.mark.parametrize("name", sorted(legacy.OPERATIONS))
def test_legacy_operations(name, server, world, pools, http, server_errors, invariants_hold):
    op = legacy.OPERATIONS[name]

    @given(request=signed_request(world.a_creds, name, parameters(op, pools)))
    @fuzz_settings()
    def run(request):
        check_answer(send(http, server.endpoint, *request), name)
        assert server_errors.take() == []

    run()
    _report(name)


OPERATION_NAMES = st.sampled_from(sorted(legacy.OPERATIONS)) | st.sampled_from(
    ["CreateHIT", "GetReviewableHITs", "Help", "", "getqualificationtype", "Get QualificationType", "A" * 65,
     "X²", "Operation", "%", "ListQualificationTypes"]) | st.text(max_size=20)


@st.composite
def anything_pairs(draw) -> list[tuple[str, str]]:
    names = st.sampled_from(["Operation", "AWSAccessKeyId", "Timestamp", "Signature", "SignatureVersion",
                             "Service", "Version", "ResponseGroup"] + ODD_NAMES) | st.text(max_size=10)
    return draw(st.lists(st.tuples(names, st.sampled_from(ODD_VALUES) | st.text(max_size=20)), max_size=8))


@st.composite
def garbled_authentication(draw, creds: dict):
    """A request with its authentication parameters garbled: dropped, repeated, far from now, malformed."""
    operation = draw(OPERATION_NAMES)
    method, path, pairs = draw(signed_request(creds, operation, anything_pairs()))
    for _ in range(draw(st.integers(1, 3))):
        index = draw(st.integers(0, len(pairs) - 1))
        name = pairs[index][0]
        kind = draw(st.sampled_from(["drop", "repeat", "replace"]))
        if kind == "drop":
            pairs.pop(index)
        elif kind == "repeat":
            pairs.append((name, draw(st.sampled_from(ODD_VALUES))))
        else:
            pairs[index] = (name, draw(st.sampled_from([
                "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "0001-01-01", "9999-12-31T23:59:59",
                "2015-13-45T00:00:00Z", "1e9", "now", timestamp(-3600), timestamp(3600), "===", "2", "0",
                "AKIA" + "A" * 100]) | st.sampled_from(ODD_VALUES) | st.text(max_size=30)))
        if not pairs:
            break
    return method, path, pairs


def test_unknown_operations_and_garbled_authentication(server, world, http, server_errors, invariants_hold):
    @given(request=garbled_authentication(world.a_creds) | signed_request(world.a_creds, "X", anything_pairs())
           | st.tuples(st.sampled_from(["GET", "POST"]), st.just("/onca/xml"), anything_pairs()))
    @fuzz_settings(EXAMPLES * 3)
    def run(request):
        response = send(http, server.endpoint, *request)
        if response is not None:
            check_answer(response)
        assert server_errors.take() == []

    run()
    _report("garbled")


ENCODINGS = st.sampled_from([b"Operation=GetAccountBalance&%FF=1", b"Operation=GetAccountBalance&x=%E9",
                             b"Operation=GetAccountBalance&x=%", b"Operation=GetAccountBalance&&&==&=",
                             b"Operation=GetAccountBalance&x=%00", b"Operation=%47etAccountBalance",
                             b"Operation=GetAccountBalance;x=1", b"Operation=GetAccountBalance&x=\xff",
                             b"Operation=Get+Account+Balance", b"Operation=GetAccountBalance%00"]) \
    | st.binary(max_size=60).map(lambda b: b"Operation=GetAccountBalance&" + b)


def raw_get(port: int, target: bytes) -> httpx.Response:
    """GET with a request target of any bytes (httpx would send only ASCII)."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(b"GET " + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        answer = HTTPResponse(sock)
        answer.begin()
        return httpx.Response(answer.status, headers=answer.getheaders(), content=answer.read())


def test_odd_encodings(server, http, server_errors):
    """Bytes that are not UTF-8 or not valid URL encoding, in a GET query string and in a form body (and a body
    whose content type says something else)."""
    @given(raw=ENCODINGS, how=st.sampled_from(["GET", "form", "text/plain", "none"]))
    @fuzz_settings()
    def run(raw, how):
        if how == "GET":   # bytes a request line may carry: uvicorn's HTTP parser answers others with its
            # own plain-text 400 before openturk sees them (bytes that are not UTF-8 come as %XX escapes)
            target = bytes(b for b in raw if 0x20 < b < 0x7F and b != ord("#"))
            response = raw_get(server.port, b"/onca/xml?" + target)
        else:
            headers = {} if how == "none" else {"Content-Type": "application/x-www-form-urlencoded" if how == "form"
                                                else how}
            response = http.post(server.endpoint + "/onca/xml", content=raw, headers=headers)
        check_answer(response)
        assert server_errors.take() == []

    run()
    _report("encodings")
