"""The server's long-lived parts, built explicitly from Settings: database, clock, keys, caches."""

from __future__ import annotations

import asyncio
import secrets
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from . import ids
from .domain import money
from .clock import SharedMovableClock, SystemClock
from .config import Settings
from .ops.context import Caller
from .store import hit_queries, queries
from .store.db import Database

PAGINATION_KEY = "pagination_key"
SESSION_KEY = "session_key"
CREDENTIAL_CACHE_SECONDS = 30.0


@dataclass
class Credentials:
    caller: Caller
    secret: str


@dataclass
class Service:
    settings: Settings
    db: Database
    clock: object
    token_key: bytes = b""
    session_key: bytes = b""       # signs the web pages' session cookies (shared by every process)
    wall_clock: SystemClock = field(default_factory=SystemClock)
    _credentials: dict = field(default_factory=dict)
    _workers: dict = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _database_threads: ThreadPoolExecutor | None = None     # web.execution: PostgreSQL's work runs there
    _loop_slots: tuple | None = None                         # (event loop, its asyncio.Semaphore)

    @classmethod
    def open(cls, settings: Settings, clock=None) -> "Service":
        db = Database(settings.resolved_database_url, pool_size=settings.db_pool_size)
        clock = clock or (SharedMovableClock(db) if settings.test_clock else SystemClock())
        service = cls(settings, db, clock)
        service.token_key = bytes.fromhex(ensure_meta(db, PAGINATION_KEY, lambda: secrets.token_hex(32)))
        service.session_key = session_key(db)
        return service

    def cached_credentials(self, access_key_id: str) -> Credentials | None:
        """The requester behind an access key if the cache has it (no database work: callers on PostgreSQL
        try this on the event loop before they hand `credentials` to a thread)."""
        hit = self._credentials.get(access_key_id)
        return hit[1] if hit is not None and hit[0] > time.monotonic() else None

    def credentials(self, access_key_id: str) -> Credentials | None:
        """The requester behind an access key, cached briefly (keys are added by the CLI, in another process)."""
        now = time.monotonic()
        hit = self._credentials.get(access_key_id)
        if hit is not None and hit[0] > now:
            return hit[1]
        with self.db.transaction(write=False) as conn:
            row = queries.requester_by_access_key(conn, access_key_id)
        if row is None:
            return None
        creds = Credentials(Caller(row["requester_id"], row["name"]), row["secret_access_key"])
        with self._lock:
            self._credentials[access_key_id] = (now + CREDENTIAL_CACHE_SECONDS, creds)
        return creds

    def worker(self, token: str) -> str | None:
        """The WorkerId a sign-in token belongs to (cached briefly, like access keys)."""
        digest = ids.token_hash(token)
        now = time.monotonic()
        hit = self._workers.get(digest)
        if hit is not None and hit[0] > now:
            return hit[1]
        from .store import worker_queries
        with self.db.transaction(write=False) as tx:
            row = worker_queries.worker_by_token_hash(tx, digest)
        if row is None:
            return None
        with self._lock:
            self._workers[digest] = (now + CREDENTIAL_CACHE_SECONDS, row["worker_id"])
        return row["worker_id"]

    def database_threads(self) -> ThreadPoolExecutor:
        """The threads database work runs in when it does not run on the event loop (PostgreSQL): one per
        pooled connection."""
        if self._database_threads is None:
            with self._lock:
                if self._database_threads is None:
                    self._database_threads = ThreadPoolExecutor(self.settings.db_pool_size,
                                                                thread_name_prefix="openturk-db")
        return self._database_threads

    def loop_slots(self) -> asyncio.Semaphore:
        """The running event loop's turns for operations on its PostgreSQL pool (web.execution.on_the_loop):
        as many as the pool has connections, handed out first come, first served (asyncio's Semaphore)."""
        loop = asyncio.get_running_loop()
        if self._loop_slots is None or self._loop_slots[0] is not loop:
            self._loop_slots = (loop, asyncio.Semaphore(self.settings.db_pool_size))
        return self._loop_slots[1]

    def close(self) -> None:
        if self._database_threads is not None:
            self._database_threads.shutdown(wait=True)
        self.db.dispose()


def ensure_meta(db: Database, key: str, make) -> str:
    """Read a server-wide value, creating it once (safe when several processes start together)."""
    with db.transaction(write=False) as conn:
        value = queries.get_meta(conn, key)
    if value is not None:
        return value
    with db.transaction(write=True) as conn:
        queries.insert_meta(conn, key, make())   # False if another process was first: fine
    with db.transaction(write=False) as conn:
        return queries.get_meta(conn, key)


def session_key(db: Database) -> bytes:
    """The key that signs the web pages' session cookies: made once and kept in the database, so that every
    server process accepts the cookies of the others."""
    return bytes.fromhex(ensure_meta(db, SESSION_KEY, lambda: secrets.token_hex(32)))


DEFAULT_BALANCE = "10000.00"   # the sandbox's


def add_requester(tx, name: str, now_ms: int, balance: str | None = None) -> dict:
    """A new requester with a fresh access key and its opening balance (a Deposit in the ledger), inside the
    caller's transaction."""
    record = {"requester_id": ids.requester_id(), "name": name, "access_key_id": ids.access_key_id(),
              "secret_access_key": ids.secret_access_key(), "created_ms": now_ms}
    cents = money.cents_of(balance or DEFAULT_BALANCE)
    queries.insert_requester(tx, **record, balance_cents=0)
    hit_queries.credit(tx, record["requester_id"], cents, now_ms=now_ms, kind="Deposit", note="opening balance")
    return {"RequesterId": record["requester_id"], "AccessKeyId": record["access_key_id"],
            "SecretAccessKey": record["secret_access_key"]}


def create_requester(db: Database, name: str, now_ms: int, balance: str | None = None) -> dict:
    """A new requester (`openturk requester create`)."""
    with db.transaction(write=True) as tx:
        return add_requester(tx, name, now_ms, balance)


def create_first_requester(db: Database, now_ms: int) -> dict | None:
    """On a database without requesters, create one (returned); otherwise None. Safe when several
    servers start together on one empty database: the first to claim the `first_requester` marker wins."""
    with db.transaction(write=True) as tx:
        if queries.count_requesters(tx) or not queries.insert_meta(tx, "first_requester", str(now_ms)):
            return None
        return add_requester(tx, "default", now_ms)
