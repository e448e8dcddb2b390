"""Fixtures shared by the whole suite.

The database under test is chosen by OPENTURK_TEST_DATABASE_URL (a PostgreSQL server URL, as
`make test` sets it for its second pass); without it, SQLite. Each test gets fresh requesters, so
tests share one server and one database without seeing each other's types (except through
ListQualificationTypes over all requesters, which tests filter by a unique Query).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from openturk.store import db as store_db
from openturk.testing import TestServer
from openturk.testing import free_port as free_port  # noqa: F401 (re-exported for tests)

# The browser fixtures (tests/web and tests/reference use them; chromium starts only when a test asks).
pytest_plugins = ["tests.web.browser"]

PG_ENV = "OPENTURK_TEST_DATABASE_URL"
REFERENCE_TESTS = Path(__file__).resolve().parent / "reference"


def pytest_ignore_collect(collection_path: Path, config):
    """tests/reference needs third-party material that is not in the repository (`make test-reference`):
    it is collected only when named on the command line, so that `pytest tests` (and `make test`) passes
    on a bare clone."""
    if collection_path != REFERENCE_TESTS:
        return None
    named = [(config.invocation_params.dir / arg.split("::")[0]).resolve() for arg in config.args]
    return not any(path.is_relative_to(REFERENCE_TESTS) for path in named)


def backend() -> str:
    return "postgresql" if os.environ.get(PG_ENV) else "sqlite"


def fresh_database_url(tmp_dir: Path) -> str:
    """A new, empty, migrated database: a SQLite file, or a new database on the test PostgreSQL server."""
    server_url = os.environ.get(PG_ENV)
    if not server_url:
        url = f"sqlite:///{tmp_dir / 'openturk.sqlite3'}"
    else:
        from sqlalchemy import create_engine, text
        from sqlalchemy.engine import make_url

        from openturk.config import normalise_database_url
        base = make_url(normalise_database_url(server_url))
        name = "openturk_test_" + uuid.uuid4().hex[:12]
        admin = create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        url = base.set(database=name).render_as_string(hide_password=False)
    store_db.upgrade(url)
    return url


# The suite's server is the public test helper (openturk.testing), so that helper is exercised by
# every API test.
LiveServer = TestServer


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    return fresh_database_url(tmp_path_factory.mktemp("db"))


@pytest.fixture(scope="session")
def server(database_url):
    live = LiveServer(database_url).start()
    yield live
    live.stop()


@pytest.fixture
def requester(server) -> dict:
    return server.new_requester("alice")


@pytest.fixture
def client(server, requester):
    return server.client(requester)


@pytest.fixture
def other_client(server):
    return server.client(server.new_requester("bob"))


@pytest.fixture
def unique() -> str:
    """A token that makes names and queries unique to one test."""
    return "t" + uuid.uuid4().hex[:12]


def run_cli(*args: str, env: dict | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "openturk.cli", *args], capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, **(env or {})})


# -- SQS and SNS: moto's server ---------------------------------------------------------------------

# moto accepts any credentials; the server's notification sender takes them from boto3's standard chain.
MOTO_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


@pytest.fixture(scope="session")
def moto_endpoint():
    """moto's server (moto[server]) on a free loopback port: the suite's SQS and SNS. The AWS credentials
    the sender and the tests' boto3 clients use are set for the session when none are."""
    from moto.server import ThreadedMotoServer

    from openturk.testing import free_port as _free_port
    port = _free_port()
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    moto.start()
    added = {k: v for k, v in MOTO_CREDENTIALS.items() if not os.environ.get(k)}
    os.environ.update(added)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        moto.stop()
        for key in added:
            os.environ.pop(key, None)


def run_coroutine(coroutine):
    """asyncio.run in a thread of its own. The session's browser (Playwright's sync API, tests/web/browser.py)
    keeps an event loop running on the main thread of whichever test process started it, and asyncio.run
    refuses to start where a loop runs."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
