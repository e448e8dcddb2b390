"""Operations: one access record per request on every front end, with the request id the client got;
error lines with the same id; JSON log lines; /metrics counts by front end, operation and status."""

from __future__ import annotations

import dataclasses
import json
import logging
import time
from urllib.parse import urlencode

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from openturk.logs import ACCESS_FIELDS, JSONFormatter
from openturk.testing import TestServer
from openturk.web.access import AccessLog
from openturk.web.legacy_api import LegacyAPI
from openturk.web.requester_api import RequesterAPI

from ..legacy.helpers import FORM, signed
from ..legacy.helpers import call as legacy_call
from ..legacy.helpers import text as legacy_text
from .signed_http import call, sign
from ..conftest import run_coroutine

TARGET = "MTurkRequesterServiceV20170117."


@pytest.fixture
def access_records(caplog):
    caplog.set_level(logging.INFO, logger="openturk")

    def find(request_id: str) -> dict:
        """The access record of one request (written just after its response: wait a little)."""
        deadline = time.monotonic() + 5
        while True:
            found = [dict(zip(ACCESS_FIELDS, r.args)) for r in caplog.records
                     if r.name == "openturk.access" and r.args[0] == request_id]
            if found or time.monotonic() > deadline:
                assert len(found) == 1, f"{len(found)} access records for {request_id}"
                return found[0]
            time.sleep(0.01)
    return find


def test_every_front_end_writes_one_access_record_with_the_id_the_client_got(server, requester, access_records):
    worker = server.create_worker()
    bearer = {"Authorization": f"Bearer {worker.token}"}
    json_api = call(server.endpoint, requester, "GetAccountBalance")
    legacy = legacy_call(server.endpoint, requester, "GetAccountBalance")
    worker_api = httpx.get(server.endpoint + "/api/worker/v1/qualifications", headers=bearer)
    refused = httpx.get(server.endpoint + "/api/worker/v1/qualifications")
    page = httpx.get(server.endpoint + "/worker/types")
    health = httpx.get(server.endpoint + "/healthz")
    missing = httpx.get(server.endpoint + "/no/such/page")

    legacy_id = legacy_text(legacy, "OperationRequest/RequestId")
    cases = [
        (json_api.headers["x-amzn-RequestId"], "json_api", "GetAccountBalance", requester["RequesterId"], 200),
        (legacy_id, "legacy_api", "GetAccountBalance", requester["RequesterId"], 200),
        (worker_api.headers["x-request-id"], "worker_api", "GET /api/worker/v1/qualifications", worker.worker_id, 200),
        (refused.headers["x-request-id"], "worker_api", "GET /api/worker/v1/qualifications", "-", 401),
        (page.headers["x-request-id"], "pages", "GET /worker/types", "-", 303),
        (health.headers["x-request-id"], "healthz", "GET /healthz", "-", 200),
        (missing.headers["x-request-id"], "other", "unmatched", "-", 404),
    ]
    for request_id, front_end, operation, caller, status in cases:
        record = access_records(request_id)
        assert (record["front_end"], record["operation"], record["caller"], record["status"]) == \
            (front_end, operation, caller, status), record
        assert record["client"] == "127.0.0.1" and record["duration_ms"] >= 0
    assert len({case[0] for case in cases}) == len(cases)       # one id per request


def test_a_trusted_proxy_names_the_client(server, requester, access_records):
    """uvicorn believes X-Forwarded-For from forwarded_allow_ips (127.0.0.1 by default): the access log
    shows the proxy's client, and /metrics (loopback only) refuses a client the proxy forwarded."""
    url, headers, body = sign(server.endpoint, requester, "GetAccountBalance")
    response = httpx.post(url, headers={**headers, "X-Forwarded-For": "198.51.100.7"}, content=body)
    assert response.status_code == 200
    assert access_records(response.headers["x-amzn-RequestId"])["client"] == "198.51.100.7"
    forwarded = httpx.get(server.endpoint + "/metrics", headers={"X-Forwarded-For": "198.51.100.7"})
    assert forwarded.status_code == 403 and "--metrics-public" in forwarded.text
    assert httpx.get(server.endpoint + "/metrics").status_code == 200


def test_metrics_public_lets_any_client_scrape(database_url):
    public = TestServer(database_url, metrics_public=True).start()
    try:
        response = httpx.get(public.endpoint + "/metrics", headers={"X-Forwarded-For": "198.51.100.7"})
        assert response.status_code == 200 and "openturk_requests_total" in response.text
    finally:
        public.stop()


def scrape(endpoint: str) -> dict:
    """{(sample name, labels as a sorted tuple): value} from /metrics, parsed by prometheus_client."""
    response = httpx.get(endpoint + "/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(response.text) for s in family.samples}


def requests_total(samples: dict, front_end: str, operation: str, status: int) -> float:
    key = ("openturk_requests_total", (("front_end", front_end), ("operation", operation), ("status", str(status))))
    return samples.get(key, 0.0)


def test_metrics_count_requests_by_front_end_operation_and_status(server, requester):
    before = scrape(server.endpoint)
    for _ in range(3):
        assert call(server.endpoint, requester, "GetAccountBalance").status_code == 200
    for _ in range(2):
        assert call(server.endpoint, requester, "GetQualificationType",
                    {"QualificationTypeId": "NOSUCHTYPE0000000000"}).status_code == 400
    assert legacy_call(server.endpoint, requester, "GetAccountBalance").status_code == 200
    assert httpx.get(server.endpoint + "/api/worker/v1/qualifications").status_code == 401
    after = scrape(server.endpoint)

    expected = [("json_api", "GetAccountBalance", 200, 3), ("json_api", "GetQualificationType", 400, 2),
                ("legacy_api", "GetAccountBalance", 200, 1),
                ("worker_api", "GET /api/worker/v1/qualifications", 401, 1), ("metrics", "GET /metrics", 200, 1)]
    for front_end, operation, status, count in expected:
        assert requests_total(after, front_end, operation, status) - \
            requests_total(before, front_end, operation, status) == count, (front_end, operation, status)
    histogram = ("openturk_request_duration_seconds_count",
                 (("front_end", "json_api"), ("operation", "GetQualificationType")))
    assert after[histogram] - before.get(histogram, 0) == 2
    inf_bucket = ("openturk_request_duration_seconds_bucket",
                  (("front_end", "json_api"), ("le", "+Inf"), ("operation", "GetQualificationType")))
    assert after[inf_bucket] == after[histogram]
    assert after[("openturk_db_pool_size", ())] == 8
    assert after[("openturk_resident_memory_bytes", ())] > 0
    assert after[("openturk_info", (("version", __import__("openturk").__version__),))] == 1


def test_unknown_legacy_operations_do_not_become_metric_labels(server, requester):
    legacy_call(server.endpoint, requester, "MadeUpOperationName")
    text = httpx.get(server.endpoint + "/metrics").text
    assert "MadeUpOperationName" not in text
    assert 'front_end="legacy_api",operation="-",status="200"' in text


def asgi_request(app, method: str, path: str, **kwargs) -> httpx.Response:
    async def send():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return await client.request(method, path, **kwargs)
    return run_coroutine(send())


def broken(*_args, **_kwargs):
    raise RuntimeError("boom")


def test_an_unexpected_failure_is_logged_with_the_request_id_the_client_got(server, requester, caplog):
    caplog.set_level(logging.INFO, logger="openturk")
    api = RequesterAPI(server.service, AccessLog())
    op, parse, dump = api.operations[TARGET + "GetAccountBalance"]
    api.operations[TARGET + "GetAccountBalance"] = (dataclasses.replace(op, fn=broken), parse, dump)
    url, headers, body = sign("http://test", requester, "GetAccountBalance")
    response = asgi_request(api, "POST", "/", headers=headers, content=body)
    assert response.status_code == 500 and response.json()["__type"] == "ServiceFault"
    request_id = response.headers["x-amzn-RequestId"]

    legacy = LegacyAPI(server.service, AccessLog())
    legacy_op, _fn, write = legacy.operations["GetAccountBalance"]
    legacy.operations["GetAccountBalance"] = (legacy_op, broken, write)
    legacy_response = asgi_request(legacy, "POST", "/", headers={"Content-Type": FORM},
                                   content=urlencode(signed(requester, "GetAccountBalance")).encode())
    assert legacy_response.status_code == 503
    legacy_id = legacy_text(legacy_response, "OperationRequest/RequestId")

    errors = {r.request_id: r for r in caplog.records if r.name == "openturk.errors" and r.exc_info}
    access = {r.args[0]: r for r in caplog.records if r.name == "openturk.access"}
    for rid in (request_id, legacy_id):
        assert rid in errors and rid in errors[rid].getMessage()
        assert access[rid].args[4] in (500, 503)
        line = json.loads(JSONFormatter().format(errors[rid]))
        assert line["request_id"] == rid and line["level"] == "ERROR" and "boom" in line["exception"]


def test_json_log_lines_carry_the_access_fields(server, requester, caplog):
    caplog.set_level(logging.INFO, logger="openturk")
    response = call(server.endpoint, requester, "GetAccountBalance")
    request_id = response.headers["x-amzn-RequestId"]
    deadline = time.monotonic() + 5
    while not (records := [r for r in caplog.records if r.name == "openturk.access" and r.args[0] == request_id]):
        assert time.monotonic() < deadline
        time.sleep(0.01)
    line = JSONFormatter().format(records[0])
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["logger"] == "openturk.access" and entry["level"] == "INFO"
    assert {k: entry[k] for k in ("request_id", "front_end", "operation", "caller", "status", "client")} == {
        "request_id": request_id, "front_end": "json_api", "operation": "GetAccountBalance",
        "caller": requester["RequesterId"], "status": 200, "client": "127.0.0.1"}
    assert isinstance(entry["duration_ms"], float) and entry["time"].endswith("Z")
    assert requester["SecretAccessKey"] not in line
