"""Fixtures shared by the whole suite.

The database under test is chosen by OPENTURK_TEST_DATABASE_URL (a PostgreSQL server URL, as
`make test` sets it for its second pass); without it, SQLite. Each test gets fresh requesters, so
tests share one server and one database without seeing each other's types (except through
ListQualificationTypes over all requesters, which tests filter by a unique Query).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import boto3
import pytest
import uvicorn
from botocore.config import Config

from openturk.clock import MovableClock
from openturk.config import load_settings
from openturk.service import Service, create_requester
from openturk.store import db as store_db
from openturk.web.app import create_app

PG_ENV = "OPENTURK_TEST_DATABASE_URL"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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


class LiveServer:
    """The real ASGI app on uvicorn, in a thread of the test process, on a free port."""

    def __init__(self, database_url: str, **settings):
        self.clock = MovableClock()
        self.settings = load_settings(environ={}, database_url=database_url, **settings)
        self.service = Service.open(self.settings, self.clock)
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(create_app(self.settings, service=self.service), host="127.0.0.1",
                                port=self.port, log_level="warning", access_log=False, lifespan="on")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    def start(self) -> "LiveServer":
        self._thread.start()
        deadline = time.monotonic() + 20
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(10)
        self.service.close()

    def new_requester(self, name: str = "tester") -> dict:
        return create_requester(self.service.db, name, self.clock.epoch_ms())

    def client(self, creds: dict, region: str = "us-east-1"):
        return boto3.client("mturk", endpoint_url=self.endpoint, region_name=region,
                            aws_access_key_id=creds["AccessKeyId"],
                            aws_secret_access_key=creds["SecretAccessKey"],
                            config=Config(retries={"max_attempts": 1}))


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
