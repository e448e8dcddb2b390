"""Machine description, the issue's targets, and the short table printed to stdout."""

from __future__ import annotations

import importlib.util
import os
import platform
import sqlite3
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def machine_info() -> dict:
    cpu_model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                      if line.startswith("model name")), None)
    spec = importlib.util.find_spec("openturk")
    source = str(Path(spec.origin).parents[1]) if spec and spec.origin else None
    return {"nproc": len(os.sched_getaffinity(0)), "cpu_count": os.cpu_count(), "cpu_model": cpu_model,
            "kernel": platform.release(), "python": platform.python_version(),
            "python_implementation": platform.python_implementation(), "sqlite": sqlite3.sqlite_version,
            "versions": {name: _version(name) for name in
                         ("openturk", "uvicorn", "uvloop", "httptools", "starlette", "sqlalchemy", "orjson",
                          "botocore", "boto3")},
            "executable": sys.executable, "openturk_source": source,
            "git_commit": _git("rev-parse", "--short", "HEAD"),
            # Uncommitted changes under src/ at the time of the run (when openturk_source is ROOT/src).
            "src_modified": bool(_git("status", "--porcelain", "--", "src")),
            "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}


def _git(*args: str) -> str | None:
    try:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False,
                              timeout=10).stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def _cell(cells: list[dict], workers: int, clients: int, target: str) -> dict | None:
    return next((c for c in cells if (c["workers"], c["clients"], c["target"]) == (workers, clients, target)
                 and "rps" in c), None)


NOISE_CORES = 0.25  # a cell is "noisy" when other processes used more than this many cores during it


def _check(name: str, cells: list[dict | None], value, op: str, limit: float, **extra) -> dict:
    ok = value is not None and (value >= limit if op == ">=" else value <= limit) and \
        not any(c["errors_total"] for c in cells if c)
    other = max((c.get("other_cores", 0) for c in cells if c), default=0)
    return {"target": name, "measured": None if value is None else round(value, 3), "limit": f"{op} {limit}",
            "pass": ok, "noisy": other > NOISE_CORES, "other_cores": round(other, 2), **extra}


def evaluate_targets(cells: list[dict]) -> list[dict]:
    """The issue's targets: one server process, 8 clients, SQLite; and two processes vs one for reads."""
    get1, upd1 = _cell(cells, 1, 8, "GetQualificationType"), _cell(cells, 1, 8, "UpdateQualificationType")
    get2 = _cell(cells, 2, 8, "GetQualificationType")

    def val(cell, key):
        return None if cell is None else cell[key]

    where = "(1 process, 8 clients)"
    return [
        _check(f"GetQualificationType req/s {where}", [get1], val(get1, "rps"), ">=", 6000),
        _check(f"GetQualificationType server CPU us/request {where}", [get1], val(get1, "cpu_us_per_req"),
               "<=", 160),
        _check(f"GetQualificationType p99 ms {where}", [get1], val(get1, "p99_ms"), "<=", 10),
        _check(f"UpdateQualificationType req/s {where}", [upd1], val(upd1, "rps"), ">=", 4500),
        _check(f"UpdateQualificationType server CPU us/request {where}", [upd1], val(upd1, "cpu_us_per_req"),
               "<=", 220),
        _check(f"UpdateQualificationType p99 ms {where}", [upd1], val(upd1, "p99_ms"), "<=", 10),
        _check("GetQualificationType req/s, 2 processes / 1 process (8 clients)", [get1, get2],
               None if get1 is None or get2 is None else get2["rps"] / get1["rps"], ">=", 1.6,
               busiest_worker_share=None if get2 is None else get2.get("busiest_worker_share")),
    ]


COLUMNS = [("proc", "workers", "{}"), ("clients", "clients", "{}"), ("target", "target", "{}"),
           ("req/s", "rps", "{:,.0f}"), ("p50 ms", "p50_ms", "{:.2f}"), ("p99 ms", "p99_ms", "{:.2f}"),
           ("srv CPU us/req", "cpu_us_per_req", "{:.0f}"),
           ("CPU x healthz", "cpu_ratio_to_healthz", "{:.2f}"),
           ("srv cores", "server_cores", "{:.2f}"), ("gen cores", "loadgen_cores", "{:.2f}"),
           ("other cores", "other_cores", "{:.2f}"), ("top worker", "busiest_worker_share", "{:.0%}"),
           ("errors", "errors_total", "{}")]
# Minimum widths, so that rows printed one by one while the benchmark runs line up under the header.
MIN_WIDTHS = {"target": len("UpdateQualificationType"), "req/s": 6, "p50 ms": 6, "p99 ms": 6}


def table(cells: list[dict]) -> str:
    header = [title for title, _, _ in COLUMNS]
    rows = [[fmt.format(c[key]) if c.get(key) is not None else "-" for _, key, fmt in COLUMNS]
            for c in cells if "rps" in c]
    widths = [max(MIN_WIDTHS.get(header[i], 0), *(len(r[i]) for r in [header, *rows]))
              for i in range(len(COLUMNS))]

    def line(r: list[str]) -> str:
        cols = zip(r, widths[:len(r)], strict=True)
        return "  ".join(c.ljust(w) if i == 2 else c.rjust(w) for i, (c, w) in enumerate(cols)).rstrip()

    lines = [line(header)]
    for c in cells:
        if "rps" in c:
            lines.append(line(rows.pop(0)))
        else:
            failure = " | ".join(c["failure"].splitlines())[:240]
            lines.append(line([str(c["workers"]), str(c["clients"]), c["target"]]) + f"  FAILED: {failure}")
    return "\n".join(lines)


def targets_table(targets: list[dict]) -> str:
    width = max(len(t["target"]) for t in targets)
    lines = []
    for t in targets:
        measured = "not measured" if t["measured"] is None else t["measured"]
        noise = f"  [noisy: other processes used {t['other_cores']} cores]" if t["noisy"] else ""
        if t.get("busiest_worker_share"):
            noise += f"  [busiest worker did {t['busiest_worker_share']:.0%} of the work]"
        lines.append(f"{'PASS' if t['pass'] else 'FAIL'}  {t['target'].ljust(width)}  {measured} "
                     f"(target {t['limit']}){noise}")
    return "\n".join(lines)
