"""What an operation gets besides its parameters: the transaction, the time, the caller."""

from __future__ import annotations

from dataclasses import dataclass

from ..config import Settings
from ..store.db import Tx


@dataclass(frozen=True)
class Caller:
    requester_id: str
    name: str


@dataclass(frozen=True)
class Ctx:
    conn: Tx
    now_ms: int
    caller: Caller | None          # the requester (None for a worker's action)
    settings: Settings
    token_key: bytes               # signs pagination tokens
    worker_id: str | None = None   # the worker, for a worker's action


class Conflict(Exception):
    """A compare-and-set lost a race: the whole operation is retried in a new transaction."""
