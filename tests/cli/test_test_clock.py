"""`openturk serve --test-clock`: POST /_openturk/clock moves business time for every process; without
the flag the path does not exist; signatures keep working after a jump."""

from __future__ import annotations

import uuid

import httpx
import pytest

from openturk.web.app import _is_loopback

pytestmark = pytest.mark.slow


def test_without_the_flag_the_clock_path_does_not_exist(store, serve):
    server = serve(*store.db_flags, data_dir=store.data_dir)
    assert httpx.post(server.endpoint + "/_openturk/clock", json={"advance_seconds": 10}).status_code == 404


def test_the_moved_clock_is_shared_by_all_processes_and_is_business_time_only(store, serve):
    server = serve("--test-clock", "--workers", "2", *store.db_flags, data_dir=store.data_dir)
    client = server.client()
    before = httpx.get(server.endpoint + "/_openturk/clock").json()["epoch_ms"]
    moved = httpx.post(server.endpoint + "/_openturk/clock", json={"advance_seconds": 86400 * 3}).json()
    assert moved["epoch_ms"] - before >= 86400 * 3 * 1000
    # Several requests (spread over both processes) all see the moved time; boto3 signs with real time.
    for _ in range(6):
        created = client.create_qualification_type(Name="clock-" + uuid.uuid4().hex[:8], Description="d",
                                                   QualificationTypeStatus="Active")["QualificationType"]
        assert created["CreationTime"].timestamp() * 1000 >= moved["epoch_ms"] - 1000
    assert httpx.post(server.endpoint + "/_openturk/clock", json={"bogus": 1}).status_code == 400


def test_only_loopback_addresses_count_as_loopback():
    assert _is_loopback("127.0.0.1") and _is_loopback("127.5.5.5") and _is_loopback("::1")
    assert not _is_loopback("10.0.0.1") and not _is_loopback("192.168.1.2") and not _is_loopback("")
