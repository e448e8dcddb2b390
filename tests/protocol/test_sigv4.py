"""The direct SigV4 verifier (openturk.protocol.sigv4) agrees with botocore's signer.

Requests of many shapes are signed with botocore's `SigV4Auth` and handed to `parse_authorization` +
`verify` exactly as the server would see them (header names lower-cased, values in arrival order with
surrounding blanks stripped, the raw query string, the body bytes). Every one must be accepted, and a
one-byte change to the body, to a signed header's value, to the query or to the secret must be refused.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from unittest import mock
from urllib.parse import urlsplit

import pytest
from botocore.auth import SIGNED_HEADERS_BLACKLIST, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.utils import percent_encode_sequence
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openturk.protocol import sigv4

SERVICE = "mturk-requester"


# -- signing with botocore and presenting the request as the server sees it -----------------------

def botocore_sign(*, method="POST", host="127.0.0.1:8080", path="/", query="", headers=(), body=b"",
                  access_key="AKIAEXAMPLE", secret="secret", region="us-east-1", service=SERVICE,
                  when=datetime(2024, 5, 17, 12, 30, 45)) -> AWSRequest:
    """A request signed by botocore at the naive-UTC time `when` (botocore reads the time through
    `botocore.auth.get_current_datetime`, which is what botocore's own tests freeze)."""
    url = f"http://{host}{path}" + (f"?{query}" if query else "")
    request = AWSRequest(method=method, url=url, data=body)
    for name, value in headers:
        request.headers[name] = value          # HTTPHeaders: a repeated name adds a second value
    with mock.patch("botocore.auth.get_current_datetime", return_value=when):
        SigV4Auth(Credentials(access_key, secret), service, region).add_auth(request)
    return request


def as_received(request: AWSRequest) -> dict:
    """The arguments `verify` gets from the ASGI scope for this request."""
    parts = urlsplit(request.url)
    headers: dict[str, list[str]] = {}
    if "host" not in {name.lower() for name in request.headers}:
        headers["host"] = [parts.netloc]    # the HTTP client adds Host from the URL
    for name, value in request.headers.items():
        # HTTP servers drop the optional whitespace around a field value; ASGI lower-cases names.
        headers.setdefault(name.lower(), []).append(value.strip(" \t"))
    return {"method": request.method, "path": parts.path or "/", "raw_query": parts.query,
            "headers": headers, "amz_date": headers["x-amz-date"][0], "body": request.body or b""}


def check(secret: str, received: dict) -> None:
    auth = sigv4.parse_authorization(received["headers"]["authorization"][0])
    sigv4.verify(secret, auth, **received)


def rejected(secret: str, received: dict) -> sigv4.AuthError:
    with pytest.raises(sigv4.AuthError) as info:
        check(secret, received)
    assert info.value.type == "InvalidSignatureException"
    assert "does not match the signature you provided" in info.value.message
    return info.value


# -- strategies ------------------------------------------------------------------------------------

PRINTABLE = "".join(chr(c) for c in range(0x21, 0x7F))
NOT_SIGNABLE = set(SIGNED_HEADERS_BLACKLIST) | {
    "host", "authorization", "x-amz-date", "date", "x-amz-security-token", "x-amz-content-sha256",
    "content-length"}

access_keys = st.from_regex(r"\A[A-Z0-9]{4,32}\Z")
secrets = st.text(min_size=1, max_size=64)      # any unicode: the key derivation UTF-8-encodes it
regions = st.one_of(
    st.sampled_from(["us-east-1", "sandbox"]),
    st.text(alphabet=PRINTABLE.replace("/", "").replace(",", ""), min_size=1, max_size=24),
)
hosts = st.sampled_from(["127.0.0.1:8080", "localhost:43210", "mturk-requester.us-east-1.amazonaws.com",
                         "mturk-requester-sandbox.us-east-1.amazonaws.com"])
paths = st.lists(st.from_regex(r"\A[A-Za-z0-9_~-][A-Za-z0-9._~-]{0,8}\Z"), max_size=3).map(
    lambda segments: "/" + "/".join(segments))
timestamps = st.datetimes(min_value=datetime(2001, 1, 1), max_value=datetime(2099, 12, 31))


def _json_bodies():
    scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.text(), st.floats(allow_nan=False,
                                                                                    allow_infinity=False))
    values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                           st.dictionaries(st.text(), inner, max_size=4)),
                          max_leaves=12)
    return st.dictionaries(st.text(), values, max_size=5).map(
        lambda d: json.dumps(d, ensure_ascii=False).encode("utf-8"))


bodies = st.one_of(st.just(b""), st.binary(max_size=600), st.text(max_size=300).map(str.encode),
                   _json_bodies())

header_names = st.from_regex(r"\A[A-Za-z][A-Za-z0-9-]{0,20}\Z").filter(
    lambda name: name.lower() not in NOT_SIGNABLE)
blanks = st.text(alphabet=" \t", max_size=3)
# Visible ASCII, Latin-1 letters and no-break space, with runs of blanks inside and around.
header_values = st.tuples(
    blanks, st.text(alphabet=PRINTABLE + "  \t\té\xa0ß", max_size=40), blanks).map("".join)
extra_headers = st.lists(st.tuples(header_names, header_values), max_size=5)
fixed_headers = st.lists(st.sampled_from([
    ("Content-Type", "application/x-amz-json-1.1"),
    ("X-Amz-Target", "MTurkRequesterServiceV20170117.GetAccountBalance"),
    ("User-Agent", "Boto3/1.34.0 md/Botocore#1.34.0 ua/2.0 os/linux"),   # never signed
    ("Accept-Encoding", "identity"),
]), unique=True, max_size=4)

query_parts = st.one_of(st.text(max_size=12), st.binary(max_size=6))
queries = st.lists(st.tuples(st.text(max_size=12), query_parts), max_size=4).map(percent_encode_sequence)

requests = st.fixed_dictionaries({
    "method": st.sampled_from(["POST", "GET", "PUT"]),
    "host": hosts,
    "path": paths,
    "query": queries,
    "headers": st.tuples(fixed_headers, extra_headers).map(lambda t: t[0] + t[1]),
    "body": bodies,
    "access_key": access_keys,
    "secret": secrets,
    "region": regions,
    "when": timestamps,
})


# -- agreement with botocore -------------------------------------------------------------------------

@settings(max_examples=400, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=requests, data=st.data())
def test_verifier_accepts_what_botocore_signs_and_refuses_any_change(spec, data):
    request = botocore_sign(**spec)
    received = as_received(request)
    auth = sigv4.parse_authorization(received["headers"]["authorization"][0])
    assert (auth.access_key_id, auth.region, auth.service) == (spec["access_key"], spec["region"], SERVICE)
    assert auth.date == spec["when"].strftime("%Y%m%d")
    assert received["amz_date"] == spec["when"].strftime("%Y%m%dT%H%M%SZ")
    check(spec["secret"], received)

    # One byte more, less or different in the body.
    body = received["body"]
    if body:
        i = data.draw(st.integers(0, len(body) - 1), label="body byte")
        changed = body[:i] + bytes([body[i] ^ data.draw(st.integers(1, 255), label="xor")]) + body[i + 1:]
    else:
        changed = b"\x00"
    rejected(spec["secret"], {**received, "body": changed})
    rejected(spec["secret"], {**received, "body": body + b" "})

    # A signed header's value changed by one visible character.
    signed = [name for name in auth.signed_headers if name != "x-amz-date"]
    name = data.draw(st.sampled_from(signed), label="header")
    values = list(received["headers"][name])
    values[-1] = values[-1] + "x"
    rejected(spec["secret"], {**received, "headers": {**received["headers"], name: values}})

    # The query string.
    extra = "&x=1" if received["raw_query"] else "x=1"
    rejected(spec["secret"], {**received, "raw_query": received["raw_query"] + extra})

    # The secret, one character different.
    secret = spec["secret"]
    i = data.draw(st.integers(0, len(secret) - 1), label="secret char")
    other = secret[:i] + ("A" if secret[i] != "A" else "B") + secret[i + 1:]
    rejected(other, received)


def test_repeated_headers_are_joined_in_arrival_order():
    request = botocore_sign(headers=[("X-Multi", "first"), ("X-Multi", "  second  value "),
                                     ("x-multi", "third")])
    received = as_received(request)
    assert received["headers"]["x-multi"] == ["first", "second  value", "third"]
    check("secret", received)
    swapped = {**received["headers"], "x-multi": ["second  value", "first", "third"]}
    rejected("secret", {**received, "headers": swapped})


def test_internal_whitespace_is_collapsed_but_not_removed():
    request = botocore_sign(headers=[("X-Spaced", "a   b\t\tc")])
    received = as_received(request)
    check("secret", received)
    for variant in ("a b c", "a \t b c"):          # same canonical value
        check("secret", {**received, "headers": {**received["headers"], "x-spaced": [variant]}})
    rejected("secret", {**received, "headers": {**received["headers"], "x-spaced": ["abc"]}})


def test_raw_bytes_in_the_query_string_are_signed_as_sent():
    """A query value that is not UTF-8 (`%FF`) canonicalises to itself, as botocore signs it."""
    query = percent_encode_sequence([("k", b"\xff\xfe"), ("a b", "c+d")])
    assert query == "k=%FF%FE&a%20b=c%2Bd"
    received = as_received(botocore_sign(query=query))
    check("secret", received)


def test_a_signed_header_that_did_not_arrive_is_a_mismatch():
    received = as_received(botocore_sign(headers=[("X-Extra", "1")]))
    headers = {k: v for k, v in received["headers"].items() if k != "x-extra"}
    rejected("secret", {**received, "headers": headers})


def test_unsigned_headers_may_change():
    received = as_received(botocore_sign(headers=[("User-Agent", "one")]))
    auth = sigv4.parse_authorization(received["headers"]["authorization"][0])
    assert "user-agent" not in auth.signed_headers
    check("secret", {**received, "headers": {**received["headers"], "user-agent": ["two"],
                                             "x-not-signed": ["3"]}})


def test_the_scope_and_the_date_are_part_of_the_signature():
    received = as_received(botocore_sign(region="sandbox"))
    header = received["headers"]["authorization"][0]
    for old, new in (("/sandbox/", "/us-east-1/"), ("/20240517/", "/20240518/"),
                     ("/mturk-requester/", "/mturk-requestor/")):
        forged = {**received["headers"], "authorization": [header.replace(old, new)]}
        rejected("secret", {**received, "headers": forged})
    rejected("secret", {**received, "amz_date": "20240517T123046Z"})


def test_signing_keys_are_those_of_the_aws_documentation():
    # The worked example of the AWS General Reference ("Examples of how to derive a signing key").
    key = sigv4.signing_key("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20120215", "us-east-1", "iam")
    assert key.hex() == "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d"


# -- parse_authorization ------------------------------------------------------------------------------

GOOD = ("AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/20240517/us-east-1/mturk-requester/aws4_request, "
        "SignedHeaders=host;x-amz-date;x-amz-target, Signature=" + "ab" * 32)


def test_parse_authorization_reads_every_part():
    auth = sigv4.parse_authorization(GOOD)
    assert auth == sigv4.ParsedAuthorization("AKIAEXAMPLE", "20240517", "us-east-1", "mturk-requester",
                                             ("host", "x-amz-date", "x-amz-target"), "ab" * 32)
    assert auth.scope == "20240517/us-east-1/mturk-requester/aws4_request"


def test_parse_authorization_tolerates_spacing():
    squeezed = GOOD.replace(", ", ",")
    spread = GOOD.replace(", ", " ,   ").replace("AWS4-HMAC-SHA256 ", "AWS4-HMAC-SHA256   ")
    assert sigv4.parse_authorization(squeezed) == sigv4.parse_authorization(GOOD)
    assert sigv4.parse_authorization("  " + spread + " ") == sigv4.parse_authorization(GOOD)


@pytest.mark.parametrize("header", [None, ""])
def test_no_authorization_is_a_missing_token(header):
    with pytest.raises(sigv4.AuthError) as info:
        sigv4.parse_authorization(header)
    assert (info.value.type, info.value.status) == ("MissingAuthenticationTokenException", 403)
    assert info.value.message == "Request is missing Authentication Token"


@pytest.mark.parametrize("header", [
    "garbage",
    "Basic dXNlcjpwYXNz",
    GOOD.replace("AWS4-HMAC-SHA256", "AWS4-HMAC-SHA1"),
    GOOD.replace("AWS4-HMAC-SHA256", "aws4-hmac-sha256"),
])
def test_other_algorithms_are_an_incomplete_signature(header):
    with pytest.raises(sigv4.AuthError) as info:
        sigv4.parse_authorization(header)
    assert (info.value.type, info.value.status) == ("IncompleteSignatureException", 400)
    assert info.value.message == "Authorization header requires the AWS4-HMAC-SHA256 algorithm."


@pytest.mark.parametrize("missing", ["Credential", "SignedHeaders", "Signature"])
def test_each_part_is_required(missing):
    pieces = [p for p in GOOD.split(" ", 1)[1].split(", ") if not p.startswith(missing + "=")]
    header = "AWS4-HMAC-SHA256 " + ", ".join(pieces)
    with pytest.raises(sigv4.AuthError) as info:
        sigv4.parse_authorization(header)
    assert info.value.type == "IncompleteSignatureException"
    assert info.value.message.startswith(f"Authorization header requires '{missing}' parameter.")


@pytest.mark.parametrize("credential", [
    "AKIAEXAMPLE/20240517/us-east-1/mturk-requester",                    # four parts
    "AKIAEXAMPLE/20240517/us-east-1/mturk-requester/aws4_request/x",     # six parts
    "AKIAEXAMPLE/20240517/us-east-1/mturk-requester/aws4_requests",
    "/20240517/us-east-1/mturk-requester/aws4_request",                  # no access key
    "AKIAEXAMPLE",
])
def test_a_malformed_credential_is_an_incomplete_signature(credential):
    header = GOOD.replace("AKIAEXAMPLE/20240517/us-east-1/mturk-requester/aws4_request", credential)
    with pytest.raises(sigv4.AuthError) as info:
        sigv4.parse_authorization(header)
    assert info.value.type == "IncompleteSignatureException"
    assert "Credential should be scoped to a valid region, service and date" in info.value.message


# -- clock skew ----------------------------------------------------------------------------------------

SIGNED = "20240517T123045Z"
SIGNED_MS = int(datetime(2024, 5, 17, 12, 30, 45, tzinfo=timezone.utc).timestamp() * 1000)
FIFTEEN_MIN_MS = 15 * 60 * 1000


@pytest.mark.parametrize("offset_ms", [0, 1, -1, FIFTEEN_MIN_MS, -FIFTEEN_MIN_MS])
def test_up_to_fifteen_minutes_either_way_is_accepted(offset_ms):
    sigv4.check_skew(SIGNED, SIGNED_MS + offset_ms, 900)


def test_one_millisecond_past_fifteen_minutes_old_has_expired():
    with pytest.raises(sigv4.AuthError) as info:
        sigv4.check_skew(SIGNED, SIGNED_MS + FIFTEEN_MIN_MS + 1, 900)
    assert info.value.type == "InvalidSignatureException"
    assert info.value.status == 400
    assert info.value.message == ("Signature expired: 20240517T123045Z is now earlier than 20240517T123045Z "
                                  "(20240517T124545Z - 15 min.)")


def test_one_millisecond_more_than_fifteen_minutes_ahead_is_not_yet_current():
    with pytest.raises(sigv4.AuthError) as info:
        sigv4.check_skew(SIGNED, SIGNED_MS - FIFTEEN_MIN_MS - 1, 900)
    assert info.value.type == "InvalidSignatureException"
    assert info.value.message == ("Signature not yet current: 20240517T123045Z is still later than "
                                  "20240517T123044Z (20240517T121544Z + 15 min.)")


def test_the_window_follows_the_setting():
    sigv4.check_skew(SIGNED, SIGNED_MS + 60_000, 60)
    with pytest.raises(sigv4.AuthError, match="Signature expired"):
        sigv4.check_skew(SIGNED, SIGNED_MS + 60_001, 60)


@pytest.mark.parametrize("value", ["2024-05-17T12:30:45Z", "20240517T123045", "20240517", "",
                                   "20241317T123045Z", "Fri, 17 May 2024 12:30:45 GMT"])
def test_an_amz_date_not_in_basic_format_is_an_incomplete_signature(value):
    with pytest.raises(sigv4.AuthError) as info:
        sigv4.check_skew(value, SIGNED_MS, 900)
    assert info.value.type == "IncompleteSignatureException"
    assert f"Date must be in ISO-8601 'basic format'. Got '{value}'." in info.value.message


@pytest.mark.parametrize("value", ["202405 7T123045Z", "2024+507T123045Z", "20240507T12304５Z", "20240507T123045",
                                   "20241307T123045Z"])
def test_malformed_amz_dates_are_refused(value):
    with pytest.raises(sigv4.AuthError) as info:
        sigv4.check_skew(value, 0, 900)
    assert info.value.type == "IncompleteSignatureException"
