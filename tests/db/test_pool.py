"""PostgreSQL's connection pool is fixed (no overflow connections opened and closed under load), and database
work runs in at most as many threads as it has connections."""

from __future__ import annotations

import asyncio
import threading
import time

from openturk.config import load_settings
from openturk.store.db import make_engine
from openturk.web.execution import in_database_thread
from ..conftest import run_coroutine


def test_the_postgresql_pool_has_no_overflow():
    engine = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none", pool_size=5)
    try:
        assert engine.pool.size() == 5 and engine.pool._max_overflow == 0
    finally:
        engine.dispose()


class _Service:
    thread_limiter = None

    def __init__(self, size: int):
        self.settings = load_settings({}, db_pool_size=size)


def test_database_threads_are_limited_to_the_pool_size():
    service = _Service(3)
    running, peak, lock = 0, 0, threading.Lock()

    def work():
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        time.sleep(0.05)
        with lock:
            running -= 1

    async def main():
        await asyncio.gather(*(in_database_thread(service, work) for _ in range(12)))

    run_coroutine(main())
    assert peak == 3 and service.thread_limiter.total_tokens == 3
