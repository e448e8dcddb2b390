"""The `openturk` command as users and scripts run it: real subprocesses, real boto3, the real AWS CLI.

Each test runs on SQLite, and again on PostgreSQL in the PostgreSQL pass (see conftest.py).
"""

from __future__ import annotations

import configparser
import json
import re
import sqlite3
import stat
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy import inspect, text

from openturk.store import db as store_db
from openturk.store.tables import metadata

from .conftest import Store, engine_for, free_port, mturk, openturk, read_credentials

pytestmark = pytest.mark.slow

SCHEMA_TABLES = set(metadata.tables)
HEAD = store_db.head_revision()


def unique(prefix: str = "cli") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def printed_credentials(stdout: str) -> dict:
    key = re.search(r"AccessKeyId:\s+(\S+)", stdout)
    secret = re.search(r"SecretAccessKey:\s+(\S+)", stdout)
    assert key and secret, f"serve did not print credentials:\n{stdout}"
    return {"AccessKeyId": key.group(1), "SecretAccessKey": secret.group(1)}


def requester_list(store_flags: list[str], env: dict | None = None, cwd: Path | None = None) -> list[dict]:
    proc = openturk("requester", "list", "--json", *store_flags, env=env, cwd=cwd)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def requester_create(name: str, store_flags: list[str], env: dict | None = None,
                     cwd: Path | None = None) -> dict:
    proc = openturk("requester", "create", name, "--json", *store_flags, env=env, cwd=cwd)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def schema_state(url: str) -> tuple[str | None, set[str]]:
    """(alembic revision, table names) of the database at a URL as given to the command."""
    engine = engine_for(url)
    try:
        with engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
            revision = None
            if "alembic_version" in tables:
                revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
            return revision, tables
    finally:
        engine.dispose()


def create_qualification_type(client, name: str) -> dict:
    return client.create_qualification_type(Name=name, Description=f"description of {name}",
                                            QualificationTypeStatus="Active")["QualificationType"]


# -- serve: first start, second start, health ------------------------------------------------------

def test_serve_on_a_fresh_store_prints_endpoint_and_credentials_and_writes_them(store, serve):
    server = serve(*store.db_flags, data_dir=store.data_dir)
    out = server.stdout

    assert server.endpoint in out
    printed = printed_credentials(out)
    path = store.data_dir / "credentials"
    assert str(path) in out
    assert stat.S_IMODE(path.stat().st_mode) == 0o600

    parser = configparser.ConfigParser()
    parser.read_string(path.read_text())
    assert parser.sections() == ["openturk"]
    assert read_credentials(store.data_dir) == printed

    health = httpx.get(server.endpoint + "/healthz", timeout=5)
    assert health.status_code == 200
    assert health.json() == {"status": "ok"}

    assert server.client(printed).get_account_balance()["AvailableBalance"]
    listing = requester_list(store.flags)
    assert [r["AccessKeyId"] for r in listing] == [printed["AccessKeyId"]]


def test_second_start_on_the_same_store_creates_no_requester(store, serve):
    first = serve(*store.db_flags, data_dir=store.data_dir)
    creds = first.credentials
    file_before = (store.data_dir / "credentials").read_text()
    first.stop()

    second = serve(*store.db_flags, data_dir=store.data_dir)
    assert "AccessKeyId" not in second.stdout and creds["SecretAccessKey"] not in second.stdout
    assert str(store.data_dir / "credentials") in second.stdout  # says where the credentials are
    assert (store.data_dir / "credentials").read_text() == file_before
    assert [r["AccessKeyId"] for r in requester_list(store.flags)] == [creds["AccessKeyId"]]
    # The first start's requester still works against the second server.
    assert second.client(creds).get_account_balance()["AvailableBalance"]


# -- clients: boto3 and the AWS CLI -----------------------------------------------------------------

def test_boto3_creates_gets_and_lists_a_qualification_type(server):
    client = server.client()
    name = unique()
    created = create_qualification_type(client, name)
    assert created["Name"] == name and created["QualificationTypeStatus"] == "Active"

    fetched = client.get_qualification_type(QualificationTypeId=created["QualificationTypeId"])
    assert fetched["QualificationType"] == created

    listed = client.list_qualification_types(Query=name, MustBeRequestable=False, MustBeOwnedByCaller=True)
    assert [t["QualificationTypeId"] for t in listed["QualificationTypes"]] == [
        created["QualificationTypeId"]]


def test_aws_cli_creates_gets_and_lists_qualification_types(server, aws):
    name = unique()
    created = aws("mturk", "create-qualification-type", "--name", name,
                  "--description", "made by the AWS CLI",
                  "--qualification-type-status", "Active")["QualificationType"]
    assert created["Name"] == name
    type_id = created["QualificationTypeId"]

    fetched = aws("mturk", "get-qualification-type", "--qualification-type-id", type_id)["QualificationType"]
    assert fetched["QualificationTypeId"] == type_id
    assert fetched["Description"] == "made by the AWS CLI" and fetched["QualificationTypeStatus"] == "Active"

    listed = aws("mturk", "list-qualification-types", "--no-must-be-requestable")["QualificationTypes"]
    names = {t["Name"] for t in listed}
    assert {"Masters", "Worker_Locale", name} <= names
    # What the AWS CLI created, boto3 sees with the same credentials.
    seen = server.client().get_qualification_type(QualificationTypeId=type_id)["QualificationType"]
    assert seen["Name"] == name


def test_aws_cli_creates_extends_expires_and_deletes_a_hit(server, aws, tmp_path):
    """The issue's first symptom: `aws mturk create-hit` answered "not supported". The whole life of a
    HIT with the AWS CLI: create (the Question from a file, as the CLI's docs show it), get, list,
    expire, delete."""
    title = unique()
    question = tmp_path / "question.xml"
    question.write_text(
        '<ExternalQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/'
        '2006-07-14/ExternalQuestion.xsd"><ExternalURL>https://example.org/task</ExternalURL>'
        "<FrameHeight>600</FrameHeight></ExternalQuestion>")
    hit = aws("mturk", "create-hit", "--title", title, "--description", "made by the AWS CLI",
              "--reward", "0.25", "--max-assignments", "2", "--lifetime-in-seconds", "3600",
              "--assignment-duration-in-seconds", "600", "--question", f"file://{question}")["HIT"]
    assert (hit["Title"], hit["Reward"], hit["MaxAssignments"], hit["HITStatus"]) == (title, "0.25", 2, "Assignable")
    hit_id = hit["HITId"]

    assert aws("mturk", "get-hit", "--hit-id", hit_id)["HIT"]["Question"] == question.read_text()
    assert hit_id in [h["HITId"] for h in aws("mturk", "list-hits")["HITs"]]
    aws("mturk", "update-expiration-for-hit", "--hit-id", hit_id, "--expire-at", "0")
    assert aws("mturk", "get-hit", "--hit-id", hit_id)["HIT"]["HITStatus"] == "Reviewable"
    assert hit_id in [h["HITId"] for h in aws("mturk", "list-reviewable-hits")["HITs"]]
    aws("mturk", "delete-hit", "--hit-id", hit_id)
    assert hit_id not in [h["HITId"] for h in aws("mturk", "list-hits")["HITs"]]

    refused = aws("mturk", "get-hit", "--hit-id", hit_id + "X", check=False)
    assert refused.returncode != 0 and "RequestError" in refused.stderr and "does not exist" in refused.stderr


# -- requester create / list ------------------------------------------------------------------------

def test_requester_create_json_key_works_and_list_never_shows_secrets(store, server):
    created = requester_create("carol", store.flags)
    assert set(created) == {"RequesterId", "AccessKeyId", "SecretAccessKey"}
    assert all(isinstance(v, str) and v for v in created.values())
    assert created["AccessKeyId"] != server.credentials["AccessKeyId"]

    # The new key works against the already running server, as a requester of its own.
    carol = server.client(created)
    assert carol.get_account_balance()["AvailableBalance"]
    name = unique()
    type_id = create_qualification_type(carol, name)["QualificationTypeId"]
    owned = carol.list_qualification_types(Query=name, MustBeRequestable=False, MustBeOwnedByCaller=True)
    assert [t["QualificationTypeId"] for t in owned["QualificationTypes"]] == [type_id]
    others = server.client().list_qualification_types(Query=name, MustBeRequestable=False,
                                                      MustBeOwnedByCaller=True)
    assert others["QualificationTypes"] == []

    secrets = [created["SecretAccessKey"], server.credentials["SecretAccessKey"]]
    as_json = openturk("requester", "list", "--json", *store.flags)
    plain = openturk("requester", "list", *store.flags)
    for proc in (as_json, plain):
        assert proc.returncode == 0, proc.stderr
        assert not any(s in proc.stdout or s in proc.stderr for s in secrets)
        assert "carol" in proc.stdout and created["AccessKeyId"] in proc.stdout
        assert created["RequesterId"] in proc.stdout
    listing = json.loads(as_json.stdout)
    assert all(set(item) == {"RequesterId", "Name", "AccessKeyId"} for item in listing)
    assert {(r["Name"], r["AccessKeyId"]) for r in listing} == {
        ("default", server.credentials["AccessKeyId"]), ("carol", created["AccessKeyId"])}


# -- db upgrade -------------------------------------------------------------------------------------

def test_db_upgrade_creates_the_schema_on_an_empty_store(empty_store, serve):
    if empty_store.backend == "sqlite":
        assert not empty_store.data_dir.exists()
    else:
        assert schema_state(empty_store.url) == (None, set())

    proc = openturk("db", "upgrade", *empty_store.flags)
    assert proc.returncode == 0, proc.stderr
    assert HEAD in proc.stdout
    revision, tables = schema_state(empty_store.url)
    assert revision == HEAD
    assert SCHEMA_TABLES <= tables

    again = openturk("db", "upgrade", *empty_store.flags)  # already current: nothing to do, still fine
    assert again.returncode == 0, again.stderr
    assert schema_state(empty_store.url)[0] == HEAD

    # An upgraded but empty database is served (not refused), and gets its first requester.
    server = serve(*empty_store.db_flags, data_dir=empty_store.data_dir)
    assert server.credentials == printed_credentials(server.stdout)
    assert server.client().list_qualification_types(MustBeRequestable=False)["QualificationTypes"]


# -- serve --workers --------------------------------------------------------------------------------

def _children(pid: int) -> list[int]:
    """Processes whose parent is `pid` (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(entry.name))
    return found


def _workers(pid: int) -> list[int]:
    workers = []
    for child in _children(pid):
        try:
            if b"openturk.web.server" in Path(f"/proc/{child}/cmdline").read_bytes():
                workers.append(child)
        except OSError:
            pass
    return workers


def test_serve_with_two_workers_answers_many_requests(store, serve):
    server = serve("--workers", "2", *store.db_flags, data_dir=store.data_dir)
    if Path("/proc/self/stat").exists():
        assert len(_workers(server.proc.pid)) == 2

    for _ in range(10):
        assert httpx.get(server.endpoint + "/healthz", timeout=5).status_code == 200

    prefix = unique("workers")

    def work(i: int) -> str:
        client = mturk(server.endpoint, server.credentials)  # one client per thread
        created = create_qualification_type(client, f"{prefix}-{i}")
        got = client.get_qualification_type(QualificationTypeId=created["QualificationTypeId"])
        assert got["QualificationType"]["Name"] == f"{prefix}-{i}"
        assert client.get_account_balance()["AvailableBalance"]
        return created["QualificationTypeId"]

    with ThreadPoolExecutor(6) as pool:
        ids = list(pool.map(work, range(12)))
    assert len(set(ids)) == 12

    listed = server.client().list_qualification_types(Query=prefix, MustBeRequestable=False,
                                                      MustBeOwnedByCaller=True, MaxResults=100)
    assert {t["QualificationTypeId"] for t in listed["QualificationTypes"]} == set(ids)

    workers = _workers(server.proc.pid)
    server.stop()
    assert server.proc.returncode is not None
    deadline = time.monotonic() + 10
    while any(Path(f"/proc/{w}").exists() for w in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(Path(f"/proc/{w}").exists() for w in workers), "worker processes outlived serve"


# -- serve refuses an out-of-date schema ------------------------------------------------------------

def _make_out_of_date(store: Store, case: str) -> None:
    if store.backend == "sqlite":
        store.data_dir.mkdir(parents=True)
        path = store.data_dir / "openturk.sqlite3"
        if case == "unversioned":  # an existing SQLite file, but no alembic_version table
            with sqlite3.connect(path) as conn:
                conn.execute("CREATE TABLE leftovers (x INTEGER)")
            conn.close()
            return
        store_db.upgrade(f"sqlite:///{path}")
    elif case == "unversioned":  # the PostgreSQL database as created: empty
        return
    else:
        from openturk.config import normalise_database_url
        store_db.upgrade(normalise_database_url(store.database_url))
    engine = engine_for(store.url)
    with engine.begin() as conn:
        if case == "unknown-revision":  # stamped by some other (say, newer) openturk
            conn.execute(text("UPDATE alembic_version SET version_num = 'ffffffff9999'"))
        else:  # "base": the version table is there but records no revision
            conn.execute(text("DELETE FROM alembic_version"))
    engine.dispose()


@pytest.mark.parametrize("case", ["unversioned", "unknown-revision", "base"])
def test_serve_refuses_a_database_whose_schema_is_out_of_date(empty_store, case):
    _make_out_of_date(empty_store, case)
    before = schema_state(empty_store.url)

    proc = openturk("serve", "--port", str(free_port()), *empty_store.flags, timeout=20)
    assert proc.returncode != 0
    assert "openturk db upgrade" in proc.stdout + proc.stderr
    assert not (empty_store.data_dir / "credentials").exists()
    assert schema_state(empty_store.url) == before  # serve neither migrated nor wrote anything

    # The other database commands refuse it the same way.
    create = openturk("requester", "create", "mallory", "--json", *empty_store.flags)
    assert create.returncode != 0 and "openturk db upgrade" in create.stderr
    assert schema_state(empty_store.url) == before


# -- environment variables and defaults -------------------------------------------------------------

def test_openturk_database_url_and_data_dir_environment_variables(backend, tmp_path, databases, serve):
    env_dir = tmp_path / "env-data"
    if backend == "sqlite":
        elsewhere = tmp_path / "elsewhere"
        elsewhere.mkdir()
        url = f"sqlite:///{elsewhere / 'chosen.sqlite3'}"
    else:
        url = databases.empty()
    env = {"OPENTURK_DATA_DIR": str(env_dir), "OPENTURK_DATABASE_URL": url}

    upgraded = openturk("db", "upgrade", env=env, cwd=tmp_path)
    assert upgraded.returncode == 0, upgraded.stderr
    assert schema_state(url)[0] == HEAD

    server = serve(env=env, cwd=tmp_path)
    assert read_credentials(env_dir) == printed_credentials(server.stdout)  # in OPENTURK_DATA_DIR
    assert not (tmp_path / "openturk-data").exists()  # the default data dir was not used
    assert not (env_dir / "openturk.sqlite3").exists()  # nor the data dir's SQLite file

    dave = requester_create("dave", [], env=env, cwd=tmp_path)
    assert mturk(server.endpoint, dave).get_account_balance()["AvailableBalance"]

    # The same database through the flag, without the variables.
    names = {r["Name"] for r in requester_list(["--database-url", url], cwd=tmp_path)}
    assert names == {"default", "dave"}


def test_default_data_dir_and_openturk_data_dir(tmp_path):
    """Without flags the database commands use ./openturk-data; OPENTURK_DATA_DIR moves it; a flag wins."""
    default_dir = tmp_path / "openturk-data"
    env_dir = tmp_path / "env-data"

    frank = requester_create("frank", [], cwd=tmp_path)
    assert (default_dir / "openturk.sqlite3").exists()
    listed = requester_list(["--data-dir", str(default_dir)])
    assert [r["AccessKeyId"] for r in listed] == [frank["AccessKeyId"]]

    env = {"OPENTURK_DATA_DIR": str(env_dir)}
    gina = requester_create("gina", [], env=env, cwd=tmp_path)
    assert (env_dir / "openturk.sqlite3").exists()
    assert [r["Name"] for r in requester_list([], env=env, cwd=tmp_path)] == ["gina"]
    assert [r["Name"] for r in requester_list(["--data-dir", str(default_dir)], env=env)] == ["frank"]
    assert gina["AccessKeyId"] != frank["AccessKeyId"]

    upgraded = openturk("db", "upgrade", cwd=tmp_path)
    assert upgraded.returncode == 0, upgraded.stderr
    assert schema_state(f"sqlite:///{default_dir / 'openturk.sqlite3'}")[0] == HEAD


# -- additions: balance, SQLite URLs, logging in worker processes ----------------------------------

def test_requester_create_balance_is_what_get_account_balance_answers(store, server):
    proc = openturk("requester", "create", unique("rich"), "--json", "--balance", "125.5", *store.flags)
    assert proc.returncode == 0, proc.stderr
    creds = json.loads(proc.stdout)
    assert mturk(server.endpoint, creds).get_account_balance()["AvailableBalance"] == "125.50"
    bad = openturk("requester", "create", unique("bad"), "--balance", "lots", *store.flags)
    assert bad.returncode != 0 and "--balance" in bad.stderr


def test_a_sqlite_url_to_a_new_file_is_created_like_the_default(tmp_path, serve):
    path = tmp_path / "elsewhere" / "mine.sqlite3"
    server = serve("--database-url", f"sqlite:///{path}", data_dir=tmp_path / "data")
    assert path.exists() and server.credentials is not None
    assert mturk(server.endpoint, server.credentials).get_account_balance()["AvailableBalance"] == "10000.00"


def test_worker_processes_write_the_access_log(store, serve):
    server = serve("--workers", "2", *store.db_flags, data_dir=store.data_dir)
    server.client().get_account_balance()
    deadline = time.monotonic() + 5
    while "GetAccountBalance" not in server.stderr and time.monotonic() < deadline:
        time.sleep(0.05)
    line = next(line for line in server.stderr.splitlines() if "GetAccountBalance" in line)
    assert re.search(r"openturk\.access [0-9a-f-]{36} json_api GetAccountBalance A[A-Z0-9]+ 200 [\d.]+ms "
                     r"127\.0\.0\.1$", line)
    assert server.credentials["SecretAccessKey"] not in server.stderr
