"""Opaque, tamper-evident NextToken values for keyset pagination.

A token carries the last position returned and a digest of the filters it was issued for; it is
signed with a per-database key so that a forged or edited token is refused, and it stays valid
across server processes and restarts.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

from .. import errors

DEFAULT_PAGE_SIZE = 10


def _filters_digest(filters: dict) -> str:
    return hashlib.sha256(json.dumps(filters, sort_keys=True).encode()).hexdigest()[:16]


def make_token(key: bytes, position: int, filters: dict) -> str:
    body = json.dumps([position, _filters_digest(filters)], separators=(",", ":")).encode()
    mac = hmac.new(key, body, hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(body + mac).decode().rstrip("=")


def read_token(key: bytes, token: str | None, filters: dict, start=0):
    """The position after which the next page starts (`start` without a token). A position is an int or a
    tuple of ints (for keysets on several columns)."""
    if token is None:
        return start
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        body, mac = raw[:-16], raw[-16:]
        if not hmac.compare_digest(mac, hmac.new(key, body, hashlib.sha256).digest()[:16]):
            raise ValueError("bad signature")
        position, digest = json.loads(body)
        if digest != _filters_digest(filters):
            raise ValueError("token for other filters")
        if isinstance(position, list) and all(isinstance(p, int) for p in position):
            return tuple(position)
        if not isinstance(position, int):
            raise ValueError("bad position")
        return position
    except (ValueError, TypeError, json.JSONDecodeError):
        raise errors.invalid_value("NextToken", "the pagination token is not valid for this request") from None


def page(rows: list, limit: int, key: bytes, filters: dict, position_of) -> tuple[list, str | None]:
    """Split `limit + 1` fetched rows into a page and the token for the next one (None on the last). The
    worker API's paging."""
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    return rows, make_token(key, position_of(rows[-1]), filters)


def mturk_page(rows: list, limit: int, key: bytes, filters: dict, position_of) -> tuple[list, str | None, bool]:
    """MTurk's paging, for the requester's List operations: split `limit + 1` fetched rows into a page, its
    NextToken and whether more rows follow. MTurk handed out a NextToken with every page that had results,
    the last one included (a sandbox ListReviewableHITs answer with NumResults 1 and a NextToken,
    aws-sdk-js#2522; Mephisto's get_outstanding_hits reads page["NextToken"] after every non-empty page),
    and the page after the last was empty and had none; botocore's paginators stop there."""
    more = len(rows) > limit
    rows = rows[:limit]
    token = make_token(key, position_of(rows[-1]), filters) if rows else None
    return rows, token, more
