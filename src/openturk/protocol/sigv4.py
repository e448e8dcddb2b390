"""AWS Signature Version 4 verification for requests signed the way botocore signs them.

A direct hashlib/hmac implementation: botocore's own signer is built for signing and costs ~3× more
per request. tests/protocol/test_sigv4.py proves this verifier agrees with botocore's `SigV4Auth` on a
large generated corpus of requests. Derived signing keys are cached per (secret, date, region).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from urllib.parse import quote, unquote_to_bytes

ALGORITHM = "AWS4-HMAC-SHA256"


@dataclass
class AuthError(Exception):
    """An authentication failure, rendered as the AWS front end's JSON error (not a TurkError)."""

    type: str
    message: str
    status: int = 400


def missing_token() -> AuthError:
    return AuthError("MissingAuthenticationTokenException", "Request is missing Authentication Token", 403)


def incomplete(message: str) -> AuthError:
    return AuthError("IncompleteSignatureException", message)


def unrecognized_client() -> AuthError:
    return AuthError("UnrecognizedClientException", "The security token included in the request is invalid.")


def signature_mismatch() -> AuthError:
    return AuthError("InvalidSignatureException",
                     "The request signature we calculated does not match the signature you provided. Check "
                     "your AWS Secret Access Key and signing method. Consult the service documentation for "
                     "details.")


@dataclass(frozen=True)
class ParsedAuthorization:
    access_key_id: str
    date: str          # yyyymmdd from the credential scope
    region: str
    service: str
    signed_headers: tuple[str, ...]
    signature: str

    @property
    def scope(self) -> str:
        return f"{self.date}/{self.region}/{self.service}/aws4_request"


def parse_authorization(header: str | None) -> ParsedAuthorization:
    if not header:
        raise missing_token()
    algorithm, _, rest = header.strip().partition(" ")
    if algorithm != ALGORITHM:
        raise incomplete(f"Authorization header requires the {ALGORITHM} algorithm.")
    parts = {}
    for piece in rest.split(","):
        key, sep, value = piece.strip().partition("=")
        if sep:
            parts[key] = value
    for required in ("Credential", "SignedHeaders", "Signature"):
        if required not in parts:
            raise incomplete(f"Authorization header requires '{required}' parameter. Authorization={header}")
    credential = parts["Credential"].split("/")
    if len(credential) != 5 or credential[4] != "aws4_request" or not credential[0]:
        raise incomplete("Credential should be scoped to a valid region, service and date, in the form "
                         "<AccessKeyId>/<yyyymmdd>/<region>/<service>/aws4_request.")
    signed = tuple(parts["SignedHeaders"].split(";"))
    return ParsedAuthorization(credential[0], credential[1], credential[2], credential[3], signed,
                               parts["Signature"])


@lru_cache(maxsize=4096)
def signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    key = hmac.digest(("AWS4" + secret).encode(), date.encode(), "sha256")
    key = hmac.digest(key, region.encode(), "sha256")
    key = hmac.digest(key, service.encode(), "sha256")
    return hmac.digest(key, b"aws4_request", "sha256")


def canonical_query(raw_query: str) -> str:
    if not raw_query:
        return ""
    pairs = []
    for piece in raw_query.split("&"):
        if not piece:
            continue
        key, _, value = piece.partition("=")
        # Decode to bytes, not text: a value that is not UTF-8 (`%FF`) must re-encode to itself.
        pairs.append((quote(unquote_to_bytes(key), safe="-_.~"), quote(unquote_to_bytes(value), safe="-_.~")))
    pairs.sort()
    return "&".join(f"{k}={v}" for k, v in pairs)


def canonical_path(path: str) -> str:
    return quote(path or "/", safe="/~")


def expected_signature(secret: str, auth: ParsedAuthorization, method: str, path: str, raw_query: str,
                       headers: dict[str, list[str]], amz_date: str, body: bytes) -> str:
    """The signature botocore would have computed for this request.

    `headers` maps lower-case names to their values in arrival order.
    """
    lines = []
    for name in auth.signed_headers:
        values = headers.get(name)
        if values is None:
            raise signature_mismatch()
        lines.append(f"{name}:{','.join(' '.join(v.split()) for v in values)}")
    canonical_request = "\n".join((
        method, canonical_path(path), canonical_query(raw_query), "\n".join(lines) + "\n",
        ";".join(auth.signed_headers), hashlib.sha256(body).hexdigest(),
    ))
    string_to_sign = "\n".join((ALGORITHM, amz_date, auth.scope,
                                hashlib.sha256(canonical_request.encode()).hexdigest()))
    key = signing_key(secret, auth.date, auth.region, auth.service)
    return hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()


@lru_cache(maxsize=64)
def amz_date_ms(value: str) -> int:
    """Epoch milliseconds of an X-Amz-Date value (`20261125T144532Z`); cached: it repeats for a second."""
    try:
        if (len(value) != 16 or value[8] != "T" or value[15] != "Z" or not value[:8].isdigit()
                or not value[9:15].isdigit() or not value.isascii()):
            raise ValueError(value)
        parts = (value[0:4], value[4:6], value[6:8], value[9:11], value[11:13], value[13:15])
        return int(datetime(*map(int, parts), tzinfo=timezone.utc).timestamp() * 1000)
    except ValueError:
        raise incomplete(f"Date must be in ISO-8601 'basic format'. Got '{value}'. See "
                         "http://en.wikipedia.org/wiki/ISO_8601") from None


def check_skew(amz_date: str, now_ms: int, skew_seconds: int) -> None:
    signed_ms = amz_date_ms(amz_date)
    if now_ms - signed_ms > skew_seconds * 1000:
        raise AuthError("InvalidSignatureException",
                        f"Signature expired: {amz_date} is now earlier than {_basic(now_ms - skew_seconds * 1000)} "
                        f"({_basic(now_ms)} - {skew_seconds // 60} min.)")
    if signed_ms - now_ms > skew_seconds * 1000:
        raise AuthError("InvalidSignatureException",
                        f"Signature not yet current: {amz_date} is still later than "
                        f"{_basic(now_ms + skew_seconds * 1000)} ({_basic(now_ms)} + {skew_seconds // 60} min.)")


def _basic(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def verify(secret: str, auth: ParsedAuthorization, method: str, path: str, raw_query: str,
           headers: dict[str, list[str]], amz_date: str, body: bytes) -> None:
    expected = expected_signature(secret, auth, method, path, raw_query, headers, amz_date, body)
    if not hmac.compare_digest(expected, auth.signature):
        raise signature_mismatch()
