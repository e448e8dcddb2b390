"""What every fuzz test shares: a seeded world to draw ids from, the examples budget, the check that the
server logged no unexpected exception, and the database's invariants afterwards.

OPENTURK_FUZZ_EXAMPLES=N runs N examples per operation and per front end (default 30; CI uses the default).
Examples are derandomized, so a CI run is the same every time; a long run is a bigger, still reproducible one.
"""

from __future__ import annotations

import logging
import os
import uuid

import pytest
from hypothesis import HealthCheck, settings

from openturk.store.db import Database
from openturk.store.invariants import check

from ..api import isolation
from .shapes import Pools

EXAMPLES = int(os.environ.get("OPENTURK_FUZZ_EXAMPLES", "30"))


def fuzz_settings(examples: int = EXAMPLES):
    return settings(max_examples=examples, deadline=None, derandomize=True, database=None,
                    suppress_health_check=list(HealthCheck), print_blob=False)


class ServerErrors(logging.Handler):
    """Records what the server logs as a failure: `openturk.errors` (an unexpected exception in a request,
    answered as ServiceFault or ServiceUnavailable) and uvicorn's "Exception in ASGI application"."""

    LOGGERS = ("openturk", "uvicorn.error")   # openturk.errors propagates to openturk

    def __init__(self):
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if not any(record is seen for seen in self.records):
            self.records.append(record)

    def take(self) -> list[str]:
        out = [f"{r.name}: {r.getMessage()}\n{self.format(r) if r.exc_info else ''}" for r in self.records]
        self.records.clear()
        return out


@pytest.fixture
def server_errors():
    handler = ServerErrors()
    loggers = [logging.getLogger(name) for name in ServerErrors.LOGGERS]
    for logger in loggers:
        logger.addHandler(handler)
    yield handler
    for logger in loggers:
        logger.removeHandler(handler)
    assert handler.take() == []


@pytest.fixture
def invariants_hold(database_url):
    """After the test: the whole database still satisfies every invariant."""
    yield
    database = Database(database_url)
    try:
        assert check(database) == []
    finally:
        database.dispose()


def unknown_worker() -> str:
    return "A" + uuid.uuid4().hex[:15].upper()


def pools_of(world: isolation.World) -> Pools:
    """Ids of the world's objects (and of nothing), by the members that carry them; next tokens of real lists."""
    a = world.a
    types = list(world.types.values()) + [isolation.MASTERS_SANDBOX, isolation.unknown_id()]
    workers = [world.w1.worker_id, world.w2.worker_id, world.holder.worker_id, world.holder2, world.revoked,
               world.blocked, unknown_worker()]
    requests = [world.session, world.pending, world.pending_plain, isolation.unknown_id()]
    tested = world.types["tested"]
    tokens = [page.get("NextToken") for page in (
        a.list_qualification_types(MustBeRequestable=False, MustBeOwnedByCaller=True, MaxResults=1),
        a.list_workers_with_qualification_type(QualificationTypeId=tested, MaxResults=1),
        a.list_worker_blocks(MaxResults=1))]
    tokens = [t for t in tokens if t]
    tokens += [t[:-2] + ("AA" if not t.endswith("AA") else "BB") for t in tokens]   # tampered
    return Pools({"QualificationTypeId": types, "WorkerId": workers, "SubjectId": workers,
                  "QualificationRequestId": requests, "NextToken": tokens, "Query": [world.unique, "tested"],
                  "HITTypeId": types, "WorkerIds": workers})


@pytest.fixture
def world(server):
    """A fresh world per test: the fuzzer may dispose its types and resolve its requests."""
    return isolation.build(server)


@pytest.fixture
def pools(world) -> Pools:
    return pools_of(world)
