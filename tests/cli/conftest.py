"""Fixtures for the CLI tests: the real `openturk` command, run as a subprocess.

Every test here is parametrized over the database backends: "sqlite" always runs; "postgresql" runs
when OPENTURK_TEST_DATABASE_URL is set (the PostgreSQL pass, `scripts/with-postgres`) and is reported
as skipped ("not applicable") otherwise. PostgreSQL databases are passed to the command as plain
`postgresql://…` URLs, exactly as a user would type them.

The subprocesses get a clean environment: no OPENTURK_* or AWS_* variables leak in from the test
process, so what a test sets is what the command sees.
"""

from __future__ import annotations

import configparser
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import boto3
import httpx
import pytest
from botocore.config import Config

from ..conftest import PG_ENV, free_port

BIN_DIR = Path(sys.executable).parent
# The PostgreSQL variants exist only in the PostgreSQL pass of `make test` (not collected, rather than
# skipped, in the SQLite pass).
BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get(PG_ENV) else [])
START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0


# -- running the command ----------------------------------------------------------------------------

def openturk_command() -> list[str]:
    """The installed console script (the contract); `python -m openturk.cli` if it is missing."""
    script = BIN_DIR / "openturk"
    return [str(script)] if script.exists() else [sys.executable, "-m", "openturk.cli"]


def clean_env(extra: dict | None = None) -> dict[str, str]:
    # OPENTURK_TEST_DATABASE_URL goes too: the command must not depend on the suite's variable.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENTURK_", "AWS_"))}
    env.update(extra or {})
    return env


def openturk(*args: str, env: dict | None = None, cwd: Path | None = None,
             timeout: float = 30) -> subprocess.CompletedProcess:
    """Run `openturk ARGS…` to completion (a hung command fails the test through the timeout)."""
    return subprocess.run([*openturk_command(), *args], capture_output=True, text=True, timeout=timeout,
                          env=clean_env(env), cwd=cwd)


def read_credentials(data_dir: Path) -> dict:
    parser = configparser.ConfigParser()
    with open(data_dir / "credentials") as fh:
        parser.read_file(fh)
    section = parser["openturk"]
    return {"AccessKeyId": section["aws_access_key_id"], "SecretAccessKey": section["aws_secret_access_key"]}


def mturk(endpoint: str, creds: dict):
    return boto3.client("mturk", endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id=creds["AccessKeyId"],
                        aws_secret_access_key=creds["SecretAccessKey"],
                        config=Config(retries={"max_attempts": 1}))


# -- databases --------------------------------------------------------------------------------------

def _pg_admin_engine():
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    from openturk.config import normalise_database_url
    return create_engine(make_url(normalise_database_url(os.environ[PG_ENV])), isolation_level="AUTOCOMMIT")


def create_empty_pg_database() -> str:
    """A new, empty database (no schema) on the test server, as a plain `postgresql://…` URL."""
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    name = "openturk_cli_" + uuid.uuid4().hex[:12]
    admin = _pg_admin_engine()
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    url = make_url(os.environ[PG_ENV]).set(database=name).render_as_string(hide_password=False)
    assert url.startswith(("postgresql://", "postgres://")), url
    return url


def drop_pg_database(url: str) -> None:
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    name = make_url(url).database
    admin = _pg_admin_engine()
    try:
        with admin.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE datname = :n AND pid <> pg_backend_pid()"), {"n": name})
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    finally:
        admin.dispose()


def engine_for(url: str):
    """A SQLAlchemy engine for a URL as given to the command (plain postgresql:// or sqlite:///)."""
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    from openturk.config import normalise_database_url
    return create_engine(normalise_database_url(url), poolclass=NullPool)


@dataclass
class Store:
    """Where a test's openturk keeps its data: a data directory and, for PostgreSQL, a database URL."""

    backend: str
    data_dir: Path
    database_url: str | None = None  # plain URL for --database-url; None: the SQLite file in data_dir

    @property
    def db_flags(self) -> list[str]:
        return [] if self.database_url is None else ["--database-url", self.database_url]

    @property
    def flags(self) -> list[str]:
        return ["--data-dir", str(self.data_dir), *self.db_flags]

    @property
    def url(self) -> str:
        """The database URL to inspect it with."""
        return self.database_url or f"sqlite:///{self.data_dir / 'openturk.sqlite3'}"


class Databases:
    """Creates PostgreSQL databases for one test and drops them afterwards."""

    def __init__(self):
        self.created: list[str] = []

    def empty(self) -> str:
        url = create_empty_pg_database()
        self.created.append(url)
        return url

    def migrated(self) -> str:
        from openturk.config import normalise_database_url
        from openturk.store import db as store_db
        url = self.empty()
        store_db.upgrade(normalise_database_url(url))
        return url

    def drop_all(self) -> None:
        for url in self.created:
            try:
                drop_pg_database(url)
            except Exception as exc:  # cleanup only: the throwaway server goes away anyway
                print(f"could not drop {url}: {exc}", file=sys.stderr)


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture
def databases():
    dbs = Databases()
    yield dbs
    dbs.drop_all()


@pytest.fixture
def store(backend, tmp_path, databases) -> Store:
    """A fresh store that `openturk serve` can start on: a brand-new SQLite data dir (serve creates
    the schema), or an empty PostgreSQL database migrated to the newest revision (serve never
    migrates PostgreSQL)."""
    data_dir = tmp_path / "data"
    if backend == "sqlite":
        return Store(backend, data_dir)
    return Store(backend, data_dir, databases.migrated())


@pytest.fixture
def empty_store(backend, tmp_path, databases) -> Store:
    """A store with no schema at all: an empty data dir, or a newly created, empty PostgreSQL database."""
    data_dir = tmp_path / "data"
    if backend == "sqlite":
        return Store(backend, data_dir)
    return Store(backend, data_dir, databases.empty())


# -- the server -------------------------------------------------------------------------------------

@dataclass
class Server:
    proc: subprocess.Popen
    endpoint: str
    port: int
    data_dir: Path | None
    stdout_path: Path
    stderr_path: Path
    credentials: dict | None = None
    _stopped: bool = field(default=False, repr=False)

    @property
    def stdout(self) -> str:
        return self.stdout_path.read_text()

    @property
    def stderr(self) -> str:
        return self.stderr_path.read_text()

    def client(self, creds: dict | None = None):
        return mturk(self.endpoint, creds or self.credentials)

    def stop(self) -> None:
        """SIGTERM, then SIGKILL to the server's own process group (it runs in a session of its own,
        so its `--workers` children go with it)."""
        if self._stopped:
            return
        self._stopped = True
        if self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            # Not reaped yet, so the process group (its id is the server's pid) is still ours.
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.kill()
            self.proc.wait(STOP_TIMEOUT)


class ServerFactory:
    """Starts `openturk serve` subprocesses on free ports; every one is stopped at teardown."""

    def __init__(self, log_dir: Path):
        self.log_dir = log_dir
        self.servers: list[Server] = []

    def start(self, *args: str, data_dir: Path | None = None, env: dict | None = None,
              cwd: Path | None = None, wait: bool = True) -> Server:
        port = free_port()
        n = len(self.servers)
        out, err = self.log_dir / f"serve-{n}.out", self.log_dir / f"serve-{n}.err"
        argv = [*openturk_command(), "serve", "--host", "127.0.0.1", "--port", str(port), *args]
        if data_dir is not None:
            argv += ["--data-dir", str(data_dir)]
        with open(out, "w") as fo, open(err, "w") as fe:
            proc = subprocess.Popen(argv, stdout=fo, stderr=fe, stdin=subprocess.DEVNULL, env=clean_env(env),
                                    cwd=cwd, start_new_session=True)
        server = Server(proc, f"http://127.0.0.1:{port}", port, data_dir, out, err)
        self.servers.append(server)
        if wait:
            self.wait_ready(server)
        return server

    @staticmethod
    def wait_ready(server: Server) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if server.proc.poll() is not None:
                raise AssertionError(f"openturk serve exited with {server.proc.returncode}\n"
                                     f"stdout:\n{server.stdout}\nstderr:\n{server.stderr}")
            try:
                if httpx.get(server.endpoint + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"openturk serve did not answer /healthz within {START_TIMEOUT}s\n"
                                     f"stdout:\n{server.stdout}\nstderr:\n{server.stderr}")
            time.sleep(0.05)
        if server.data_dir is not None and (server.data_dir / "credentials").exists():
            server.credentials = read_credentials(server.data_dir)

    def stop_all(self) -> None:
        for server in self.servers:
            server.stop()


@pytest.fixture
def serve(tmp_path, databases):
    """`serve(*flags, data_dir=…, env=…)` starts `openturk serve` and waits for /healthz.
    (Depends on `databases` so that servers stop before their databases are dropped.)"""
    log_dir = tmp_path / "logs"
    log_dir.mkdir()
    factory = ServerFactory(log_dir)
    yield factory.start
    factory.stop_all()


@pytest.fixture
def server(store, serve) -> Server:
    """`openturk serve` on a fresh store: yields the endpoint and the requester it created."""
    started = serve(*store.db_flags, data_dir=store.data_dir)
    assert started.credentials is not None, started.stdout
    return started


@pytest.fixture
def aws(server):
    """`aws ARGS…` (the AWS CLI from the virtualenv) against the server, with the credentials file
    that serve wrote; returns the parsed output (JSON: the default output format, as
    AWS_CONFIG_FILE=/dev/null sets none)."""
    executable = shutil.which("aws", path=str(BIN_DIR)) or str(BIN_DIR / "aws")
    env = clean_env({"AWS_SHARED_CREDENTIALS_FILE": str(server.data_dir / "credentials"),
                     "AWS_PROFILE": "openturk", "AWS_CONFIG_FILE": "/dev/null"})

    def run(*args: str, check: bool = True):
        """Parsed output; with check=False, the CompletedProcess (for commands expected to fail)."""
        proc = subprocess.run([executable, *args, "--endpoint-url", server.endpoint, "--region", "us-east-1"],
                              capture_output=True, text=True, env=env, timeout=60)
        if not check:
            return proc
        assert proc.returncode == 0, f"aws {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr}"
        return json.loads(proc.stdout) if proc.stdout.strip() else {}

    return run
