"""MTurk-shaped identifiers and secrets."""

from __future__ import annotations

import hashlib
import itertools
import secrets
import string
import uuid

_UPPER_ALNUM = string.ascii_uppercase + string.digits
_SECRET_ALPHABET = string.ascii_letters + string.digits + "+/"


def _random(alphabet: str, n: int) -> str:
    """n characters of `alphabet`, uniformly and from the OS's CSPRNG. One urandom read per id, not one per
    character as secrets.choice does (that was an eighth of CreateHIT's server time); bytes at or above
    the largest multiple of the alphabet's size are skipped, so no character is more likely than another."""
    size = len(alphabet)
    limit = 256 - 256 % size
    chars: list[str] = []
    while len(chars) < n:
        chars += [alphabet[b % size] for b in secrets.token_bytes(n + 8) if b < limit]
    return "".join(chars[:n])


def qualification_type_id() -> str:
    """30 characters of [A-Z0-9], like real custom type ids (`33MAVWP2GREQRM6IPUX4EU7SU2KZL1`)."""
    return _random(_UPPER_ALNUM, 30)


def hit_id() -> str:
    """30 characters of [A-Z0-9], like real HITIds (`3ZURAPD288NPHFU4VJCB8HBGR6Q1FT`)."""
    return _random(_UPPER_ALNUM, 30)


def assignment_id() -> str:
    """30 characters of [A-Z0-9], like real AssignmentIds (`3X1FV8S5J09OQY1JC80W57HTHFJGVM`)."""
    return _random(_UPPER_ALNUM, 30)


def bonus_id() -> str:
    return _random(_UPPER_ALNUM, 30)


def hit_type_id() -> str:
    """30 characters of [A-Z0-9], like real HITTypeIds."""
    return _random(_UPPER_ALNUM, 30)


def requester_id() -> str:
    """`A` + 13 upper-case alphanumerics, the shape of MTurk customer ids."""
    return "A" + _random(_UPPER_ALNUM, 13)


def access_key_id() -> str:
    return "AKIA" + _random(_UPPER_ALNUM, 16)


def secret_access_key() -> str:
    return _random(_SECRET_ALPHABET, 40)


_REQUEST_PREFIX = str(uuid.uuid4())[:24]   # random per process: ids never repeat across processes
_request_counter = itertools.count(1)


def request_id() -> str:
    """A UUID-shaped request id (x-amzn-RequestId): a random per-process prefix and a counter, which
    costs a fraction of uuid4() on the request path."""
    return f"{_REQUEST_PREFIX}{next(_request_counter) & 0xFFFFFFFFFFFF:012x}"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def worker_id() -> str:
    """`A` + 13 upper-case alphanumerics, like real WorkerIds (`AHM21AWBZPEJNM`)."""
    return "A" + _random(_UPPER_ALNUM, 13)


def worker_token() -> str:
    """The secret a worker signs in with (worker API, web pages). Only its hash is stored."""
    return secrets.token_urlsafe(32)


def qualification_request_id() -> str:
    """40 characters of [A-Z0-9], the length of the documented example id."""
    return _random(_UPPER_ALNUM, 40)
