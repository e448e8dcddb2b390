"""Test MTurk code offline: a real openturk server in your test process.

    from openturk.testing import mturk_server

    with mturk_server() as mturk:
        client = mturk.client()                          # boto3 MTurk client, a requester of its own
        qt = client.create_qualification_type(Name="Q", Description="d", QualificationTypeStatus="Active",
                                              AutoGranted=True)["QualificationType"]
        worker = mturk.create_worker()                   # a WorkerClient for the worker API
        worker.request(qt["QualificationTypeId"])        # granted at once
        mturk.advance(3600)                              # move business time instead of sleeping

The server runs on a free loopback port with a temporary SQLite database (or `database_url=`), and the
test clock on (`advance`, `set_time`, and POST /_openturk/clock).
"""

from __future__ import annotations

import contextlib
import json
import socket
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime
from typing import Iterator

from . import ids
from .clock import MovableClock
from .config import load_settings
from .service import Service, create_requester
from .store import db as store_db
from .store import worker_queries


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class WorkerAPIError(Exception):
    status: int
    code: str
    message: str
    questions: list

    def __str__(self) -> str:
        return f"{self.status} {self.code}: {self.message}"


class WorkerClient:
    """A small client for the worker API (/api/worker/v1), as a scripted worker."""

    def __init__(self, endpoint: str, worker_id: str, token: str):
        self.endpoint = endpoint
        self.worker_id = worker_id
        self.token = token

    def _call(self, method: str, path: str, body: dict | None = None, query: dict | None = None) -> dict:
        url = f"{self.endpoint}/api/worker/v1{path}"
        if query:
            from urllib.parse import urlencode
            url += "?" + urlencode({k: v for k, v in query.items() if v is not None})
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(url, data=data, method=method, headers={
            "Authorization": f"Bearer {self.token}", "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            payload = json.loads(exc.read() or b"{}").get("error", {})
            raise WorkerAPIError(exc.code, payload.get("code", ""), payload.get("message", ""),
                                 payload.get("questions", [])) from None

    def list_types(self, query: str | None = None, next_token: str | None = None, max_results: int | None = None):
        return self._call("GET", "/qualification-types", query={"query": query, "next_token": next_token,
                                                                "max_results": max_results})

    def request(self, qualification_type_id: str) -> dict:
        return self._call("POST", f"/qualification-types/{qualification_type_id}/requests", body={})

    def submit(self, qualification_request_id: str, answers: dict | None = None, answer: str | None = None) -> dict:
        body = {"Answer": answer} if answer is not None else {"Answers": answers or {}}
        return self._call("POST", f"/qualification-requests/{qualification_request_id}/answers", body=body)

    def qualifications(self) -> list[dict]:
        return self._call("GET", "/qualifications")["Qualifications"]

    def requests(self) -> list[dict]:
        return self._call("GET", "/qualification-requests", query={"max_results": 100})["QualificationRequests"]

    def messages(self) -> list[dict]:
        return self._call("GET", "/messages", query={"max_results": 100})["Messages"]

    # -- HITs and assignments ----------------------------------------------------------------------

    def search(self, query: str | None = None, min_reward: str | None = None, next_token: str | None = None,
               max_results: int | None = None) -> dict:
        """HIT groups this worker may discover: {"HITGroups": [...], "NextToken"}."""
        return self._call("GET", "/hit-groups", query={"query": query, "min_reward": min_reward,
                                                       "next_token": next_token, "max_results": max_results})

    def preview(self, hit_id: str) -> dict:
        return self._call("GET", f"/hits/{hit_id}")["HIT"]

    def accept(self, hit_id: str) -> dict:
        """Accept the HIT: the new assignment ({"AssignmentId", "Deadline", ...})."""
        return self._call("POST", f"/hits/{hit_id}/assignments", body={})["Assignment"]

    def accept_from_group(self, hit_group_id: str) -> dict:
        return self._call("POST", f"/hit-groups/{hit_group_id}/assignments", body={})["Assignment"]

    def submit_assignment(self, assignment_id: str, answers: dict | None = None, answer: str | None = None) -> dict:
        """Submit the work: `answers` as {"field": "value"} (a QuestionForm's selections as lists), or a
        whole QuestionFormAnswers document as `answer`."""
        body = {"Answer": answer} if answer is not None else {"Answers": answers or {}}
        return self._call("POST", f"/assignments/{assignment_id}/answers", body=body)["Assignment"]

    def work(self, hit_id: str, answers: dict | None = None, answer: str | None = None) -> dict:
        """Accept the HIT and submit the work in one call: the submitted assignment."""
        assignment = self.accept(hit_id)
        return self.submit_assignment(assignment["AssignmentId"], answers=answers, answer=answer)

    def return_assignment(self, assignment_id: str) -> dict:
        return self._call("POST", f"/assignments/{assignment_id}/return", body={})["Assignment"]

    def assignments(self, next_token: str | None = None, max_results: int | None = None) -> dict:
        return self._call("GET", "/assignments", query={"next_token": next_token, "max_results": max_results})

    def earnings(self) -> dict:
        return self._call("GET", "/earnings")


class TestServer:
    """The real ASGI app on uvicorn, in a thread of this process, with a movable clock."""

    __test__ = False   # not a pytest test class

    def __init__(self, database_url: str, **settings):
        import uvicorn

        from .web.app import create_app
        from .web.server import connection_limits
        self.clock = MovableClock()
        self.settings = load_settings(environ={}, database_url=database_url, test_clock=True, **settings)
        self.service = Service.open(self.settings, self.clock)
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(create_app(self.settings, service=self.service), host="127.0.0.1",
                                port=self.port, log_level="warning", access_log=False, lifespan="on",
                                **connection_limits(self.settings))
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._default: dict | None = None

    def start(self) -> "TestServer":
        self._thread.start()
        deadline = time.monotonic() + 20
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the openturk test server did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(10)
        self.service.close()

    # -- requesters ------------------------------------------------------------------------------

    def new_requester(self, name: str = "tester", balance: str | None = None) -> dict:
        """A requester of its own: {"RequesterId", "AccessKeyId", "SecretAccessKey"}, with `balance` (a
        dollar amount such as "25.00"; default 10000.00) to spend on HITs."""
        return create_requester(self.service.db, name, self.clock.epoch_ms(), balance)

    def client(self, creds: dict | None = None, region: str = "us-east-1"):
        """A boto3 MTurk client for `creds` (default: one requester created for this server)."""
        import boto3
        from botocore.config import Config
        if creds is None:
            self._default = self._default or self.new_requester("default")
            creds = self._default
        # One retry (botocore's max_attempts counts retries): it covers a pooled keep-alive connection that
        # the server closes just as the client reuses it. It would also hide a single ServiceFault; tests
        # that must see every answer (tests/reliability) make clients without retries.
        return boto3.client("mturk", endpoint_url=self.endpoint, region_name=region,
                            aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                            config=Config(retries={"max_attempts": 1}))

    # -- workers and time --------------------------------------------------------------------------

    def create_worker(self, worker_id: str | None = None) -> WorkerClient:
        """A worker with a sign-in token, and a client for the worker API acting as them."""
        worker_id = worker_id or ids.worker_id()
        token = ids.worker_token()
        with self.service.db.transaction(write=True) as tx:
            worker_queries.ensure_worker(tx, worker_id, self.clock.epoch_ms())
            worker_queries.set_worker_token(tx, worker_id, ids.token_hash(token))
        return WorkerClient(self.endpoint, worker_id, token)

    def set_worker(self, worker_id: str, *, locale: str | None = None, adult: bool | None = None) -> None:
        """Give a worker (created if new) a Worker_Locale ("US", "US-NY") and/or a Worker_Adult value."""
        from .domain.qualifications import parse_locale
        with self.service.db.transaction(write=True) as tx:
            worker_queries.ensure_worker(tx, worker_id, self.clock.epoch_ms())
            if locale is not None:
                worker_queries.set_worker_locale(tx, worker_id, *parse_locale(locale))
            if adult is not None:
                worker_queries.set_worker_adult(tx, worker_id, adult)

    def eligibility(self, hit_id: str, worker_id: str) -> dict:
        """May the worker discover, preview and accept the HIT? The document `openturk hit eligibility --json`
        prints: {"HITStatus", "Discover", "Preview", "Accept", "Refusals": [...]}."""
        from .ops.eligibility import report
        return report(self.service, hit_id, worker_id)

    def advance(self, seconds: float) -> None:
        """Move business time forward (test deadlines, retry delays, disposal)."""
        self.clock.advance(seconds)

    def set_time(self, when: datetime) -> None:
        self.clock.set_epoch_ms(int(when.timestamp() * 1000))


@contextlib.contextmanager
def mturk_server(database_url: str | None = None, **settings) -> Iterator[TestServer]:
    """A running server for the duration of the block (a temporary SQLite database unless given one)."""
    with tempfile.TemporaryDirectory(prefix="openturk-") as tmp:
        url = database_url or f"sqlite:///{tmp}/openturk.sqlite3"
        store_db.upgrade(url)
        server = TestServer(url, **settings).start()
        try:
            yield server
        finally:
            server.stop()
