"""PostgreSQL's connection pool is fixed (no overflow connections opened and closed under load), and database
work runs in at most as many threads as it has connections."""

from __future__ import annotations

import asyncio
import threading
import time

from openturk.config import load_settings
from openturk.service import Service
from openturk.store import db as store_db
from openturk.store.db import make_engine
from openturk.web.execution import in_database_thread
from ..conftest import run_coroutine


def test_the_postgresql_pool_has_no_overflow():
    engine = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none", pool_size=5)
    try:
        assert engine.pool.size() == 5 and engine.pool._max_overflow == 0
    finally:
        engine.dispose()


def database_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.name.startswith("openturk-db")}


def test_database_threads_are_limited_to_the_pool_size(tmp_path):
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    store_db.upgrade(url)
    service = Service.open(load_settings({}, database_url=url, db_pool_size=3))
    others = database_threads()       # other servers' in this test process
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

    try:
        run_coroutine(main())
        threads = database_threads() - others
    finally:
        service.close()
    assert peak == 3 and len(threads) == 3
    assert not threads & database_threads()       # close() joined them
