"""`--versus moto`: the same load against moto's server (`moto[server]`, the bench extra), in the same run.

moto is what developers run as an offline AWS (it has no MTurk). Its DynamoDB GetItem and PutItem are the
nearest equivalent of one indexed read and one small write behind a SigV4-signed JSON 1.x API, so the
report can say how openturk's GetQualificationType and UpdateQualificationType compare on this machine,
with the same load generator, clients and cell length: openturk ÷ moto for reads and for writes.

moto runs as `python -m moto.server` (Werkzeug's threaded server, one process), from the bench's own
virtualenv, on a free port; a table "bench" holds one item the size of a qualification type.
"""

from __future__ import annotations

import http.client
import importlib.metadata
import signal
import subprocess
import sys
import time
import types

from . import procfs
from .cells import measure, send_once
from .loadgen import make_generator
from .report import MIN_UPDATE_CHANGES
from .server import HOST, free_port
from .signing import Presigner, Request, client

TABLE = "bench"
KEY = {"pk": {"S": "bench-main"}}
ITEM = {**KEY, "name": {"S": "bench main"}, "description": {"S": "The type that the benchmark reads and updates."},
        "keywords": {"S": "bench,openturk"}, "status": {"S": "Active"}, "created": {"N": "1765000000000"}}
# openturk target -> (moto target, what is compared)
PAIRS = {"GetQualificationType": ("GetItem", "reads"), "UpdateQualificationType": ("PutItem", "writes")}
TARGETS = {"reads": 10.0, "writes": 8.0}      # the issue's: openturk at least 10x / 8x moto's req/s
CLIENTS = 8


class MotoServer:
    workers = 1

    def __init__(self):
        self.port = free_port()
        self.endpoint = f"http://{HOST}:{self.port}"
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 60) -> "MotoServer":
        self.proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", HOST, "-p", str(self.port)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
                                     start_new_session=True)
        deadline = time.monotonic() + timeout
        while not self._up():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("moto's server did not start (is the bench extra installed? "
                                   "pip install -e '.[bench]')")
            time.sleep(0.1)
        return self

    def _up(self) -> bool:
        try:
            conn = http.client.HTTPConnection(HOST, self.port, timeout=2)
            conn.request("GET", "/moto-api/")
            conn.getresponse().read()
            conn.close()
            return True
        except OSError:
            return False

    def cpu(self) -> dict[int, float]:
        return procfs.tree_cpu(self.proc.pid)

    def role(self, pid: int) -> str:
        return "moto"

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def _requests(presigner: Presigner, target: str) -> list[Request]:
    if target == "GetItem":
        return [presigner.sign("GetItem", TableName=TABLE, Key=KEY)]
    return [presigner.sign("PutItem", TableName=TABLE, Item=ITEM)]


def _probe(port: int, request: Request) -> str | None:
    status, body = send_once(port, request)
    return None if status == 200 else f"HTTP {status}: {body[:300]!r}"


def run(args, openturk_cells: list[dict]) -> dict:
    """Measure moto's GetItem and PutItem at 8 clients and compare with openturk's 1-process, 8-client cells."""
    moto = MotoServer().start()
    try:
        dynamodb = client(moto.endpoint, "bench", "bench", "dynamodb")
        dynamodb.create_table(TableName=TABLE, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                              AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                              BillingMode="PAY_PER_REQUEST")
        dynamodb.put_item(TableName=TABLE, Item=ITEM)
        presigner = Presigner(moto.endpoint, "bench", "bench", "dynamodb")
        gen = make_generator(args.generator, HOST, moto.port)
        nothing_to_count = types.SimpleNamespace(database_pid=None, change_workers=())
        cells = []
        try:
            for target in ("GetItem", "PutItem"):
                requests = _requests(presigner, target)
                cell = {"server": "moto", "workers": 1, "clients": CLIENTS, "target": target, "operation": target}
                failure = _probe(moto.port, requests[0])
                if failure is None:
                    cell.update(measure(moto, gen, nothing_to_count, target, requests, CLIENTS, args))
                else:
                    cell["failure"] = failure
                cells.append(cell)
        finally:
            gen.close()
    finally:
        moto.stop()
    return {"moto_version": importlib.metadata.version("moto"), "cells": cells,
            "comparison": compare(openturk_cells, cells)}


def compare(openturk_cells: list[dict], moto_cells: list[dict]) -> list[dict]:
    """openturk ÷ moto, req/s and server CPU per request, for reads and writes (1 process, 8 clients)."""
    out = []
    for ours, (theirs, what) in PAIRS.items():
        a = next((c for c in openturk_cells if (c["workers"], c["clients"], c["target"]) == (1, CLIENTS, ours)
                  and "rps" in c), None)
        b = next((c for c in moto_cells if c["target"] == theirs and "rps" in c), None)
        ratio = None if a is None or b is None or not b["rps"] else a["rps"] / b["rps"]
        cpu_ratio = None if a is None or b is None or not a["cpu_us_per_req"] else \
            b["cpu_us_per_req"] / a["cpu_us_per_req"]
        # A write counts only if (nearly) every request changed something (report.MIN_UPDATE_CHANGES).
        wrote = what != "writes" or (a is not None and (a.get("changes_per_request") or 0) >= MIN_UPDATE_CHANGES)
        out.append({"what": what, "openturk": ours, "moto": theirs,
                    "openturk_rps": None if a is None else round(a["rps"]),
                    "moto_rps": None if b is None else round(b["rps"]),
                    "rps_ratio": None if ratio is None else round(ratio, 2),
                    "moto_cpu_per_openturk_cpu": None if cpu_ratio is None else round(cpu_ratio, 2),
                    "target": f">= {TARGETS[what]:g}",
                    "pass": ratio is not None and ratio >= TARGETS[what] and wrote})
    return out


def table(result: dict) -> str:
    lines = [f"versus moto {result['moto_version']} (1 process, {CLIENTS} clients):"]
    for c in result["cells"]:
        if "failure" in c:
            lines.append(f"  moto {c['target']}: FAILED: {c['failure']}")
        else:
            lines.append(f"  moto {c['target']:8} {c['rps']:>9,.0f} req/s  p50 {c['p50_ms']:.2f} ms  "
                         f"p99 {c['p99_ms']:.2f} ms  {c['cpu_us_per_req']:,.0f} us server CPU/request")
    for r in result["comparison"]:
        measured = "not measured" if r["rps_ratio"] is None else \
            f"{r['rps_ratio']:.2f}x ({r['openturk_rps']:,} / {r['moto_rps']:,} req/s)"
        lines.append(f"{'PASS' if r['pass'] else 'FAIL'}  {r['what']}: openturk {r['openturk']} / moto {r['moto']}: "
                     f"{measured} (target {r['target']})")
    return "\n".join(lines)
