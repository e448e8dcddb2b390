"""Several servers starting at once on one empty database create exactly one first requester."""

from __future__ import annotations

import threading

from openturk.service import create_first_requester
from openturk.store import queries
from openturk.store.db import Database

from ..conftest import fresh_database_url


def test_only_one_first_requester_under_concurrent_starts(tmp_path):
    url = fresh_database_url(tmp_path)
    databases = [Database(url) for _ in range(6)]
    barrier = threading.Barrier(len(databases))
    created = []

    def start(db):
        barrier.wait()
        created.append(create_first_requester(db, 1))

    threads = [threading.Thread(target=start, args=(db,)) for db in databases]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len([c for c in created if c is not None]) == 1
    with databases[0].transaction(write=False) as tx:
        assert queries.count_requesters(tx) == 1
    assert create_first_requester(databases[0], 2) is None
    for db in databases:
        db.dispose()
