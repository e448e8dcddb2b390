"""The load driver shared by the crash and soak tests.

- `ServeProcess`: `openturk serve` (one process or `--workers N`) on a fixed port, so that clients keep
  their endpoint across restarts, with ways to SIGKILL it: the single process, one child, the supervisor,
  or the whole process group.
- `Requester` and `Worker`: a boto3 client and a worker-API client whose every call returns an `Outcome`
  saying what the client can know about the write: ACK (HTTP 2xx with a parsed response: applied),
  ERROR (a 4xx answer: refused, not applied), NOT_SENT (no connection: not applied) or UNKNOWN (the
  connection broke after the request went out, or a 5xx: it may or may not have been applied).
- `Stats`: counts of calls per operation and outcome, and every 5xx with its message.
- `add_requesters`, `add_workers`: accounts written straight into the database, as the CLI does.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import boto3
import httpx
from botocore.config import Config
from botocore.exceptions import ClientError, EndpointConnectionError, HTTPClientError

from openturk import ids, service
from openturk.clock import SystemClock
from openturk.config import normalise_database_url
from openturk.store import worker_queries as wq
from openturk.store.db import Database

from ..cli.conftest import clean_env, openturk_command
from ..conftest import free_port

ACK, ERROR, NOT_SENT, UNKNOWN = "ack", "error", "not-sent", "unknown"
START_TIMEOUT = 60.0
WORKER_API = "/api/worker/v1"


@dataclass
class Outcome:
    kind: str
    status: int | None = None
    code: str | None = None        # the TurkErrorCode (or the error's __type) of an answer that was not 2xx
    body: dict | None = None
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.kind == ACK


@dataclass
class Stats:
    """Thread-safe counters: calls per (operation, outcome or status) and the 5xx answers."""

    calls: Counter = field(default_factory=Counter)
    faults: list = field(default_factory=list)
    # boto3 calls answered 2xx without their result: a response cut off after its head (botocore does not
    # check Content-Length), counted as unanswered. The server writes each response whole (web/protocol.py).
    bodiless: list = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, operation: str, outcome: Outcome) -> Outcome:
        with self.lock:
            self.calls[(operation, outcome.kind)] += 1
            if outcome.status is not None and outcome.status >= 500:
                self.faults.append((operation, outcome.status, outcome.code, outcome.message))
        return outcome

    def total(self, kind: str | None = None) -> int:
        return sum(n for (_, k), n in self.calls.items() if kind is None or k == kind)

    def summary(self) -> str:
        ops = sorted({op for op, _ in self.calls})
        return "; ".join(f"{op} " + " ".join(f"{k}={self.calls[(op, k)]}" for k in (ACK, ERROR, NOT_SENT, UNKNOWN)
                                             if self.calls[(op, k)]) for op in ops)


# -- the server --------------------------------------------------------------------------------------

class ServeProcess:
    """`openturk serve` in a session of its own on a fixed port; restartable, killable."""

    def __init__(self, store, log_dir: Path, workers: int = 1, args: tuple[str, ...] = (),
                 env: dict | None = None):
        self.store, self.log_dir, self.workers = store, log_dir, workers
        self.args, self.env = args, env or {}
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None
        self.starts = 0

    @property
    def log(self) -> Path:
        return self.log_dir / "serve.log"

    def start(self, workers: int | None = None) -> None:
        self.workers = workers or self.workers
        argv = [*openturk_command(), "serve", "--host", "127.0.0.1", "--port", str(self.port),
                "--workers", str(self.workers), *self.store.flags, *self.args]
        with open(self.log, "a") as log:
            log.write(f"\n--- start {self.starts} (--workers {self.workers}) ---\n")
            log.flush()
            self.proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                         env=clean_env(self.env), start_new_session=True)
        self.starts += 1
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if self.proc.poll() is not None:
                raise AssertionError(f"openturk serve exited with {self.proc.returncode}:\n"
                                     f"{self.log.read_text()[-3000:]}")
            try:
                if httpx.get(self.endpoint + "/healthz", timeout=1).status_code == 200 and self._all_children_up():
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"openturk serve did not start:\n{self.log.read_text()[-3000:]}")
            time.sleep(0.05)

    def _all_children_up(self) -> bool:
        """Every process of this start listens (each logs uvicorn's start-up line)."""
        this_start = self.log.read_text().rsplit(f"--- start {self.starts - 1} ", 1)[-1]
        return this_start.count("Application startup complete") >= self.workers

    def children(self) -> list[int]:
        try:
            with open(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children") as fh:
                return [int(p) for p in fh.read().split()]
        except FileNotFoundError:
            return []

    def kill(self, target: str, rng: random.Random) -> None:
        """SIGKILL `server` (the process serve started: the single process or the supervisor), one `child`
        of --workers N, or the whole process `group`."""
        if target == "child":
            os.kill(rng.choice(self.children()), signal.SIGKILL)
        elif target == "group":
            os.killpg(self.proc.pid, signal.SIGKILL)
        else:
            self.proc.send_signal(signal.SIGKILL)

    def wait_gone(self, timeout: float = 20.0) -> None:
        """Until every process of the group has exited (a killed supervisor's children leave within a second,
        a killed child's supervisor stops the others); then the group is SIGKILLed to be sure."""
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            pass
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                os.killpg(self.proc.pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait(5)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None and not self._group_alive():
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        self.wait_gone(10)

    def _group_alive(self) -> bool:
        try:
            os.killpg(self.proc.pid, 0)
            return True
        except ProcessLookupError:
            return False


# -- clients -------------------------------------------------------------------------------------------

class Requester:
    """A requester's boto3 client. No retries: each call is sent once, so its outcome is its own (botocore's
    `max_attempts` counts retries, so `max_attempts=1` would send a call twice when the first connection
    breaks: an applied write whose retry found the server down would look unsent)."""

    def __init__(self, endpoint: str, creds: dict, stats: Stats):
        self.creds, self.stats = creds, stats
        self.client = boto3.client("mturk", endpoint_url=endpoint, region_name="us-east-1",
                                   aws_access_key_id=creds["AccessKeyId"],
                                   aws_secret_access_key=creds["SecretAccessKey"],
                                   config=Config(retries={"total_max_attempts": 1}, connect_timeout=5,
                                                 read_timeout=60))

    def __call__(self, operation: str, **params) -> Outcome:
        method = getattr(self.client, operation)
        try:
            body = method(**params)
            if self._result_members(operation) and not self._result_members(operation) & body.keys():
                with self.stats.lock:
                    self.stats.bodiless.append(operation)
                outcome = Outcome(UNKNOWN, 200, body=body, message="a 2xx answer without its result")
            else:
                outcome = Outcome(ACK, 200, body=body)
        except ClientError as exc:
            response = exc.response
            status = response["ResponseMetadata"]["HTTPStatusCode"]
            outcome = Outcome(ERROR if status < 500 else UNKNOWN, status,
                              response.get("TurkErrorCode") or response["Error"].get("Code"),
                              message=response["Error"].get("Message", ""))
        except EndpointConnectionError:      # includes connect timeouts: nothing was sent
            outcome = Outcome(NOT_SENT)
        except HTTPClientError as exc:       # the connection broke after the request went out
            outcome = Outcome(UNKNOWN, message=repr(exc))
        return self.stats.record(operation, outcome)


    def _result_members(self, operation: str) -> set[str]:
        """The members of the operation's result in the service model (empty for a result without any)."""
        model = self.client.meta.service_model.operation_model(self.client.meta.method_to_api_mapping[operation])
        return set(model.output_shape.members) if model.output_shape else set()


class Worker:
    """A worker-API client for one worker (Bearer token)."""

    def __init__(self, endpoint: str, worker_id: str, token: str, stats: Stats):
        self.worker_id, self.stats = worker_id, stats
        self.http = httpx.Client(base_url=endpoint + WORKER_API, headers={"Authorization": f"Bearer {token}"},
                                 timeout=httpx.Timeout(60, connect=5))

    def __call__(self, method: str, path: str, label: str, json: dict | None = None,
                 params: dict | None = None) -> Outcome:
        try:
            response = self.http.request(method, path, json=json, params=params)
        except httpx.ConnectError:
            return self.stats.record(label, Outcome(NOT_SENT))
        except httpx.TransportError as exc:
            return self.stats.record(label, Outcome(UNKNOWN, message=repr(exc)))
        body = response.json()
        if response.status_code < 300:
            return self.stats.record(label, Outcome(ACK, response.status_code, body=body))
        error = body.get("error", {})
        kind = ERROR if response.status_code < 500 else UNKNOWN
        return self.stats.record(label, Outcome(kind, response.status_code, error.get("code"), body,
                                                error.get("message", "")))

    def request(self, type_id: str) -> Outcome:
        return self("POST", f"/qualification-types/{type_id}/requests", "worker:request")

    def submit(self, request_id: str, answers: dict) -> Outcome:
        return self("POST", f"/qualification-requests/{request_id}/answers", "worker:submit",
                    json={"Answers": answers})

    def close(self) -> None:
        self.http.close()


# -- accounts ------------------------------------------------------------------------------------------

def open_database(url: str) -> Database:
    return Database(normalise_database_url(url))


def add_requesters(url: str, n: int, prefix: str) -> list[dict]:
    database = open_database(url)
    try:
        return [service.create_requester(database, f"{prefix}-{i}", SystemClock().epoch_ms()) for i in range(n)]
    finally:
        database.dispose()


def add_workers(url: str, n: int) -> list[tuple[str, str]]:
    """(WorkerId, token) for n new workers, as `openturk worker create` makes them."""
    database = open_database(url)
    made = []
    try:
        with database.transaction(write=True) as tx:
            for _ in range(n):
                worker_id, token = ids.worker_id(), ids.worker_token()
                wq.ensure_worker(tx, worker_id, SystemClock().epoch_ms())
                wq.set_worker_token(tx, worker_id, ids.token_hash(token))
                made.append((worker_id, token))
    finally:
        database.dispose()
    return made


def env_seconds(name: str, default: float) -> float:
    """A test's duration: the CI default, or longer through an environment variable."""
    raw = os.environ.get(name)
    return float(raw) if raw else default
