"""Operations through the real command: /metrics summed over `--workers` processes, JSON logs, the
proxy setting, and `openturk db backup` while the server writes."""

from __future__ import annotations

import http.client
import json
import sqlite3
import threading
import time

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from ..api.signed_http import sign
from .conftest import mturk, openturk

REQUESTS = 30


def scrape(endpoint: str) -> list:
    response = httpx.get(endpoint + "/metrics")
    assert response.status_code == 200, response.text
    return [s for family in text_string_to_metric_families(response.text) for s in family.samples]


def test_metrics_are_summed_over_worker_processes_and_logs_are_json(store, serve):
    server = serve("--workers", "2", "--log-format", "json", "--forwarded-allow-ips", "10.9.9.9",
                   *store.db_flags, data_dir=store.data_dir)
    returned = set()
    for _ in range(REQUESTS):     # a new connection each time: the kernel spreads them over both processes
        _url, headers, body = sign(server.endpoint, server.credentials, "GetAccountBalance")
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        connection.request("POST", "/", body=body, headers=headers)
        response = connection.getresponse()
        assert response.status == 200, response.read()
        returned.add(response.getheader("x-amzn-RequestId"))
        connection.close()
    # The proxy given is not loopback: a forwarded address from 127.0.0.1 is not believed.
    assert httpx.get(server.endpoint + "/metrics", headers={"X-Forwarded-For": "198.51.100.7"}).status_code == 200

    time.sleep(0.2)     # let both processes sample their gauges at least once (they do at start-up)
    for _ in range(4):  # whichever process answers, the totals are the same
        samples = scrape(server.endpoint)
        counts = {s.labels["status"]: s.value for s in samples if s.name == "openturk_requests_total"
                  and s.labels["front_end"] == "json_api" and s.labels["operation"] == "GetAccountBalance"}
        assert counts == {"200": REQUESTS}
        latency = [s.value for s in samples if s.name == "openturk_request_duration_seconds_count"
                   and s.labels.get("operation") == "GetAccountBalance"]
        assert latency == [REQUESTS]
        pids = {s.labels["pid"] for s in samples if s.name == "openturk_resident_memory_bytes" and s.value > 0}
        assert len(pids) == 2
        pool = {s.name: s.value for s in samples if s.name.startswith("openturk_db_pool_")}
        assert pool["openturk_db_pool_size"] == 16      # 8 per process, summed

    deadline = time.monotonic() + 5
    while True:
        lines = [line for line in server.stderr.splitlines() if line.strip()]
        entries = [json.loads(line) for line in lines]          # every line on stderr is JSON
        access = [e for e in entries if e["logger"] == "openturk.access" and e["front_end"] == "json_api"]
        if len(access) >= REQUESTS or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert {e["request_id"] for e in access} == returned
    assert all(e["caller"].startswith("A") and e["status"] == 200 and e["client"] == "127.0.0.1" for e in access)
    assert any(e["logger"].startswith("uvicorn") for e in entries)
    assert server.credentials["SecretAccessKey"] not in server.stderr


def test_a_bad_log_format_in_the_environment_is_refused(tmp_path):
    result = openturk("serve", "--data-dir", str(tmp_path), env={"OPENTURK_LOG_FORMAT": "xml"})
    assert result.returncode == 2 and "text or json" in result.stderr


def test_backup_refuses_postgresql_and_points_to_pg_dump(tmp_path):
    result = openturk("db", "backup", str(tmp_path / "copy.sqlite3"),
                      "--database-url", "postgresql://nobody@127.0.0.1:1/none")
    assert result.returncode == 2 and "pg_dump" in result.stderr
    assert not (tmp_path / "copy.sqlite3").exists()


def test_backup_refuses_a_missing_database_and_an_existing_target(tmp_path):
    missing = openturk("db", "backup", str(tmp_path / "copy.sqlite3"), "--data-dir", str(tmp_path / "nothing"))
    assert missing.returncode == 1 and "no SQLite database" in missing.stderr
    openturk("db", "upgrade", "--data-dir", str(tmp_path / "data"))
    (tmp_path / "taken.sqlite3").write_text("mine")
    taken = openturk("db", "backup", str(tmp_path / "taken.sqlite3"), "--data-dir", str(tmp_path / "data"))
    assert taken.returncode == 1 and "already exists" in taken.stderr
    assert (tmp_path / "taken.sqlite3").read_text() == "mine"


@pytest.mark.slow
def test_backup_while_the_server_writes_is_consistent_and_serves(tmp_path, serve):
    server = serve(data_dir=tmp_path / "data")
    client = server.client()
    stop, written, failures = threading.Event(), [], []

    def write_load():
        try:
            n = 0
            while not stop.is_set():
                type_id = client.create_qualification_type(
                    Name=f"backup-load-{n}", Description="d", QualificationTypeStatus="Active",
                )["QualificationType"]["QualificationTypeId"]
                for score in (1, 2, 3):      # a grant and two score changes: history rows with each
                    client.associate_qualification_with_worker(
                        QualificationTypeId=type_id, WorkerId=f"AWORKER{n:07d}", IntegerValue=score,
                        SendNotification=False)
                written.append(type_id)
                n += 1
        except Exception as exc:  # noqa: BLE001 - reported by the test
            failures.append(exc)

    loader = threading.Thread(target=write_load)
    loader.start()
    try:
        while len(written) < 5 and loader.is_alive():
            time.sleep(0.02)
        copy_dir = tmp_path / "copy"
        copy_dir.mkdir()
        result = openturk("db", "backup", str(copy_dir / "openturk.sqlite3"), "--data-dir", str(server.data_dir))
        during = len(written)
        time.sleep(0.3)
    finally:
        stop.set()
        loader.join(30)
    assert not failures, failures
    assert result.returncode == 0, result.stderr
    assert "integrity check ok" in result.stdout
    assert len(written) > during          # the server went on writing after the backup

    copy = copy_dir / "openturk.sqlite3"
    assert (copy.stat().st_mode & 0o077) == 0                          # it holds the secrets
    assert not (copy_dir / "openturk.sqlite3-wal").exists()             # one self-contained file
    with sqlite3.connect(copy) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        copied = {row[0] for row in conn.execute(
            "SELECT qualification_type_id FROM qualification_types WHERE name LIKE 'backup-load-%'")}
    assert copied and copied <= set(written)
    # Every qualification's history replays to it (the invariants `db check` verifies).
    checked = openturk("db", "check", "--data-dir", str(copy_dir))
    assert checked.returncode == 0, checked.stdout + checked.stderr

    restored = serve(data_dir=copy_dir)
    pages = mturk(restored.endpoint, server.credentials).get_paginator("list_qualification_types").paginate(
        MustBeRequestable=False, MustBeOwnedByCaller=True)
    served = {t["QualificationTypeId"] for page in pages for t in page["QualificationTypes"]
              if t["Name"].startswith("backup-load-")}
    assert served == copied
