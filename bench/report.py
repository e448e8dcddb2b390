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
    # The checkout the server's code comes from: this one (ROOT/src), or another one put first on
    # PYTHONPATH, e.g. a `git worktree` of a commit, to measure it while this tree has other changes.
    checkout = Path(source).parent if source else ROOT
    return {"nproc": len(os.sched_getaffinity(0)), "cpu_count": os.cpu_count(), "cpu_model": cpu_model,
            "kernel": platform.release(), "python": platform.python_version(),
            "python_implementation": platform.python_implementation(), "sqlite": sqlite3.sqlite_version,
            "versions": {name: _version(name) for name in
                         ("openturk", "uvicorn", "uvloop", "httptools", "starlette", "sqlalchemy", "orjson",
                          "botocore", "boto3")},
            "executable": sys.executable, "openturk_source": source,
            "git_commit": _git(checkout, "rev-parse", "--short", "HEAD"),
            # Uncommitted changes under the source checkout's src/ at the time of the run.
            "src_modified": bool(_git(checkout, "status", "--porcelain", "--", "src")),
            "bench_commit": _git(ROOT, "rev-parse", "--short", "HEAD"),
            "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}


def _git(cwd: Path, *args: str) -> str | None:
    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False,
                              timeout=10).stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def _cell(cells: list[dict], workers: int, clients: int, target: str, database: str = "sqlite") -> dict | None:
    return next((c for c in cells if (c["workers"], c["clients"], c["target"]) == (workers, clients, target)
                 and c.get("database", "sqlite") == database and "rps" in c), None)


NOISE_CORES = 0.25  # a cell is "noisy" when other processes used more than this many cores during it


def _check(name: str, cells: list[dict | None], value, op: str, limit: float, **extra) -> dict:
    ok = value is not None and (value >= limit if op == ">=" else value <= limit) and \
        not any(c["errors_total"] for c in cells if c)
    other = max((c.get("other_cores", 0) for c in cells if c), default=0)
    return {"target": name, "measured": None if value is None else round(value, 3), "limit": f"{op} {limit}",
            "pass": ok, "noisy": other > NOISE_CORES, "other_cores": round(other, 2), **extra}


def evaluate_targets(cells: list[dict]) -> list[dict]:
    """The issues' targets: one server process, 8 clients, SQLite; two processes vs one for reads; and a
    page of ListWorkersWithQualificationType that does not slow down with the number of holders."""
    get1, upd1 = _cell(cells, 1, 8, "GetQualificationType"), _cell(cells, 1, 8, "UpdateQualificationType")
    create_hit1, get_hit1 = _cell(cells, 1, 8, "CreateHITWithHITType"), _cell(cells, 1, 8, "GetHIT")
    get2 = _cell(cells, 2, 8, "GetQualificationType")

    def val(cell, key):
        return None if cell is None else cell[key]

    where = "(1 process, 8 clients)"
    return [
        # #15's targets (the hot path back below its cost before access records and metrics were added).
        _check(f"GetQualificationType req/s {where}", [get1], val(get1, "rps"), ">=", 7000),
        _check(f"GetQualificationType server CPU us/request {where}", [get1], val(get1, "cpu_us_per_req"),
               "<=", 140),
        _check(f"GetQualificationType p99 ms {where}", [get1], val(get1, "p99_ms"), "<=", 10),
        _writes(_check(f"UpdateQualificationType req/s {where}", [upd1], val(upd1, "rps"), ">=", 5000), upd1),
        _check(f"UpdateQualificationType server CPU us/request {where}", [upd1], val(upd1, "cpu_us_per_req"),
               "<=", 200),
        _check(f"UpdateQualificationType p99 ms {where}", [upd1], val(upd1, "p99_ms"), "<=", 10),
        _check("GetQualificationType req/s, 2 processes / 1 process (8 clients)", [get1, get2],
               None if get1 is None or get2 is None else get2["rps"] / get1["rps"], ">=", 1.6,
               busiest_worker_share=None if get2 is None else get2.get("busiest_worker_share")),
        *list_workers_targets(cells),
        _check(f"CreateHITWithHITType req/s {where}", [create_hit1], val(create_hit1, "rps"), ">=", 2000),
        _check(f"GetHIT req/s {where}", [get_hit1], val(get_hit1, "rps"), ">=", 5000),
        *worker_targets(cells),
        *postgres_targets(cells),
    ]


# UpdateQualificationType's cells count as measured writes only if (nearly) every request changed the type:
# the server writes nothing when a request changes nothing. A few may repeat the description a request in
# flight just set (the load generators hand the descriptions out in turn, answers may come back out of order).
MIN_UPDATE_CHANGES = 0.99


def _writes(check: dict, cell: dict | None) -> dict:
    check["changes_per_request"] = None if cell is None else cell.get("changes_per_request")
    check["pass"] = check["pass"] and (check["changes_per_request"] or 0) >= MIN_UPDATE_CHANGES
    return check


def postgres_targets(cells: list[dict]) -> list[dict]:
    """#15: PostgreSQL's server CPU per request at most twice SQLite's, for Get and Update (1 process, 8
    clients; the database's own CPU is reported beside it, not counted). Only when both were measured."""
    out = []
    for target in ("GetQualificationType", "UpdateQualificationType"):
        lite, pg = _cell(cells, 1, 8, target), _cell(cells, 1, 8, target, "postgresql")
        if pg is None:
            continue
        ratio = None if lite is None or not lite["cpu_us_per_req"] else pg["cpu_us_per_req"] / lite["cpu_us_per_req"]
        check = _check(f"{target} server CPU us/request, PostgreSQL / SQLite {_where(1, 8)}", [lite, pg],
                       ratio, "<=", 2)
        if target == "UpdateQualificationType":     # both cells must have written
            check["changes_per_request"] = min((c.get("changes_per_request") or 0) for c in (lite, pg) if c)
            check["pass"] = check["pass"] and check["changes_per_request"] >= MIN_UPDATE_CHANGES
        out.append(check)
    return out


def worker_targets(cells: list[dict]) -> list[dict]:
    """#13: a worker's accept and submit at >= 1,500 req/s, every answered request a recorded change (an
    assignment Accepted or Submitted), on one process with 8 clients; the search's page at a p50 of <= 5 ms
    for one worker (one client)."""
    out = []
    for target, what in (("accept", "accept (POST .../hits/{id}/assignments)"),
                         ("submit", "submit (POST .../assignments/{id}/answers)")):
        cell = _cell(cells, 1, 8, target)
        check = _check(f"worker {what} req/s {_where(1, 8)}", [cell], None if cell is None else cell["rps"],
                       ">=", 1500, changes_per_request=None if cell is None else cell.get("changes_per_request"))
        check["pass"] = check["pass"] and (check["changes_per_request"] or 0) >= 1
        out.append(check)
    for target in ("search", "search:query"):     # a worker's wait for a page of search results
        cell = _cell(cells, 1, 1, target)
        out.append(_check(f"worker {target} (GET .../hit-groups) p50 ms {_where(1, 1)}", [cell],
                          None if cell is None else cell["p50_ms"], "<=", 5))
    return out


def _where(workers: int, clients: int) -> str:
    return f"({workers} process{'es' if workers > 1 else ''}, {clients} client{'s' if clients != 1 else ''})"


def list_workers_targets(cells: list[dict]) -> list[dict]:
    """A page of ListWorkersWithQualificationType at 1,000,000 holders within 2x of the page at 1,000:
    p50 latency and server CPU per request, at every (processes, clients) point where both ran."""
    points = sorted({(c["workers"], c["clients"]) for c in cells if c["target"].startswith("ListWorkers:")})
    out = []
    for workers, clients in points or [(1, 8)]:
        small = _cell(cells, workers, clients, "ListWorkers:1k")
        big = _cell(cells, workers, clients, "ListWorkers:1M")
        for key, what in (("p50_ms", "p50"), ("cpu_us_per_req", "server CPU us/request")):
            ratio = None if small is None or big is None or not small[key] else big[key] / small[key]
            out.append(_check(f"ListWorkersWithQualificationType page {what}, 1,000,000 / 1,000 holders "
                              f"{_where(workers, clients)}", [small, big], ratio, "<=", 2,
                              at_1k=None if small is None else round(small[key], 3),
                              at_1m=None if big is None else round(big[key], 3)))
    return out


REPORTED = ("GetQualificationScore", "Associate:same", "Associate:change")


def reported(cells: list[dict]) -> list[dict]:
    """The qualification operations without a numeric target: their numbers, for the record."""
    keys = ("rps", "p50_ms", "p99_ms", "cpu_us_per_req", "changes_per_request", "errors_total", "other_cores")
    return [{"target": c["target"], "operation": c.get("operation"), "workers": c["workers"],
             "clients": c["clients"], **{k: c[k] for k in keys if k in c}}
            for c in cells if c["target"] in REPORTED and "rps" in c]


def reported_table(rows: list[dict]) -> str:
    lines = []
    for r in rows:
        line = (f"INFO  {r['target']} {_where(r['workers'], r['clients'])}: {r['rps']:,.0f} req/s, "
                f"p50 {r['p50_ms']:.2f} ms, p99 {r['p99_ms']:.2f} ms, "
                f"{r['cpu_us_per_req']:.0f} us server CPU/request")
        if r.get("changes_per_request") is not None:
            line += f", {r['changes_per_request']:.0%} of requests recorded a change"
        if r["errors_total"]:
            line += f", {r['errors_total']} errors"
        if r["other_cores"] > NOISE_CORES:
            line += f"  [noisy: other processes used {r['other_cores']:.2f} cores]"
        lines.append(line)
    return "\n".join(lines)


def population_line(label: str, pop: dict) -> str:
    return (f"population ({label} server): {pop['workers']:,} workers and {pop['qualifications']:,} "
            f"qualifications inserted in {pop['total_s']:.1f} s (workers {pop['workers_s']:.1f} s, "
            f"qualifications {pop['qualifications_s']:.1f} s, commit {pop['commit_s']:.1f} s, "
            f"checkpoint {pop['checkpoint_s']:.1f} s); database {pop['database_mb']:,.0f} MB")


COLUMNS = [("proc", "workers", "{}"), ("clients", "clients", "{}"), ("target", "target", "{}"),
           ("req/s", "rps", "{:,.0f}"), ("p50 ms", "p50_ms", "{:.2f}"), ("p99 ms", "p99_ms", "{:.2f}"),
           ("srv CPU us/req", "cpu_us_per_req", "{:.0f}"),
           ("CPU x healthz", "cpu_ratio_to_healthz", "{:.2f}"),
           ("srv cores", "server_cores", "{:.2f}"), ("gen cores", "loadgen_cores", "{:.2f}"),
           ("other cores", "other_cores", "{:.2f}"), ("top worker", "busiest_worker_share", "{:.0%}"),
           ("errors", "errors_total", "{}")]
# The scale run has no healthz cell; with PostgreSQL, the database server's CPU is a column of its own.
SCALE_COLUMNS = [c if c[1] != "cpu_ratio_to_healthz" else ("db cores", "database_cores", "{:.2f}")
                 for c in COLUMNS]
# Minimum widths, so that rows printed one by one while the benchmark runs line up under the header.
MIN_WIDTHS = {"target": len("UpdateQualificationType"), "req/s": 6, "p50 ms": 6, "p99 ms": 6}


def table(cells: list[dict], columns: list[tuple[str, str, str]] = COLUMNS) -> str:
    header = [title for title, _, _ in columns]
    rows = [[fmt.format(c[key]) if c.get(key) is not None else "-" for _, key, fmt in columns]
            for c in cells if "rps" in c]
    for r, c in zip(rows, [c for c in cells if "rps" in c], strict=True):
        if c.get("database", "sqlite") != "sqlite" and len(r) > 2:     # PostgreSQL's cells: "Target [pg]"
            r[2] += " [pg]"
    widths = [max(MIN_WIDTHS.get(header[i], 0), *(len(r[i]) for r in [header, *rows]))
              for i in range(len(columns))]

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
        if t.get("at_1k") is not None and t.get("at_1m") is not None:
            noise += f"  [1,000 holders: {t['at_1k']}, 1,000,000: {t['at_1m']}]"
        if t.get("busiest_worker_share"):
            noise += f"  [busiest worker did {t['busiest_worker_share']:.0%} of the work]"
        if t.get("changes_per_request") is not None:
            noise += f"  [{t['changes_per_request']:.0%} of the requests recorded a change]"
        lines.append(f"{'PASS' if t['pass'] else 'FAIL'}  {t['target'].ljust(width)}  {measured} "
                     f"(target {t['limit']}){noise}")
    return "\n".join(lines)


# -- the scale run (bench/scale.py) --------------------------------------------------------------------

def scale_load_line(kind: str, load: dict) -> str:
    rows = load["rows"]
    return (f"scale ({kind}): {rows['workers']:,} workers, {rows['qualifications']:,} qualifications and "
            f"{rows['qualification_history']:,} history rows loaded in {load['total_s']:.1f} s (workers "
            f"{load['workers_s']:.1f} s, qualifications {load['qualifications_s']:.1f} s, "
            + (f"foreign keys added back {load['foreign_keys_s']:.1f} s, " if "foreign_keys_s" in load
               else "")
            + f"history {load['history_s']:.1f} s"
            + (f", VACUUM ANALYZE {load['analyze_s']:.1f} s" if "analyze_s" in load else "") + ")")


def scale_size_line(kind: str, size: dict) -> str:
    tables = ", ".join(f"{name} {b / 1e6:,.0f} MB" for name, b in list(size["tables_bytes"].items())[:3])
    return (f"scale ({kind}): database {size['total_bytes'] / 1e6:,.0f} MB, "
            f"{size['bytes_per_qualification']:.0f} bytes per qualification ({tables})")


def scale_memory_line(processes: int, memory: dict) -> str:
    each = ", ".join(f"{p['role']} {p.get('rss_kb', 0) / 1024:,.0f}" for p in memory["processes"])
    return f"{processes} process(es): server RSS {memory['rss_mb_total']:,.0f} MB in total ({each} MB)"


def scale_summary(scale: dict) -> dict:
    """The headline figures of the scale run: per database, latency at 1 process x 8 clients (or the
    smallest point measured), req/s by process count for a read and a write, and the servers' memory."""
    out = {}
    for kind, result in scale["databases"].items():
        cells = [c for s in result["servers"] for c in s["cells"] if "rps" in c]
        if not cells:
            continue
        point = min((c["workers"], c["clients"]) for c in cells)
        point = (1, 8) if any((c["workers"], c["clients"]) == (1, 8) for c in cells) else point
        top_clients = max(c["clients"] for c in cells)
        out[kind] = {
            "load_s": result["load"]["total_s"],
            "bytes_per_qualification": result["size"]["bytes_per_qualification"],
            "database_mb": round(result["size"]["total_bytes"] / 1e6),
            f"latency_ms at {point[0]} process(es) x {point[1]} clients": {
                c["target"]: {"p50": round(c["p50_ms"], 2), "p99": round(c["p99_ms"], 2)}
                for c in cells if (c["workers"], c["clients"]) == point},
            f"rps at {top_clients} clients by processes": {
                c["target"]: {str(d["workers"]): round(d["rps"]) for d in cells
                              if d["target"] == c["target"] and d["clients"] == top_clients}
                for c in cells if c["clients"] == top_clients},
            "rss_mb_total by processes": {str(s["processes"]): s["memory_after_run"]["rss_mb_total"]
                                          for s in result["servers"]},
        }
    return out


def scale_table(scale: dict) -> str:
    lines = []
    for kind, result in scale["databases"].items():
        lines += ["", f"scale run on {kind}:", scale_load_line(kind, result["load"]),
                  scale_size_line(kind, result["size"]),
                  table([c for s in result["servers"] for c in s["cells"]], SCALE_COLUMNS)]
        lines += [scale_memory_line(s["processes"], s["memory_after_run"]) for s in result["servers"]]
    return "\n".join(lines)


def scale_markdown(scale: dict) -> str:
    """The scale run as the Markdown tables of docs/benchmarks.md (printed at the end of the run)."""
    kinds = list(scale["databases"])
    res = scale["databases"]
    cells = {k: [c for s in res[k]["servers"] for c in s["cells"] if "rps" in c] for k in kinds}
    head = "| | " + " | ".join(kinds) + " |\n|---|" + "---|" * len(kinds)

    def row(label: str, value) -> str:
        return f"| {label} | " + " | ".join(value(k) for k in kinds) + " |"

    def load(k: str) -> str:
        d = res[k]["load"]
        steps = [f"workers {d['workers_s']:.0f}", f"qualifications {d['qualifications_s']:.0f}"]
        steps += [f"foreign keys {d['foreign_keys_s']:.0f}"] if "foreign_keys_s" in d else []
        steps += [f"history {d['history_s']:.0f}"]
        steps += [f"VACUUM ANALYZE {d['analyze_s']:.0f}"] if "analyze_s" in d else []
        return f"{d['total_s']:.0f} s ({', '.join(steps)})"

    def per_row(k: str, table: str) -> str:
        rows = res[k]["load"]["rows"][table]
        return f"{res[k]['size']['tables_bytes'].get(table, 0) / rows:.0f}"

    def cell(k: str, workers: int, clients: int, target: str) -> str:
        key = (workers, clients, target)
        c = next((c for c in cells[k] if (c["workers"], c["clients"], c["target"]) == key), None)
        if c is None:
            return "-"
        db = f" (+ db {c['database_cpu_us_per_req']:.0f})" if c.get("database_cpu_us_per_req") else ""
        return f"{c['rps']:,.0f}, {c['p50_ms']:.2f} / {c['p99_ms']:.1f}, {c['cpu_us_per_req']:.0f}{db}"

    def rss(k: str, processes: int) -> str:
        return next((f"{x['memory_after_run']['rss_mb_total']:,.0f} MB" for x in res[k]["servers"]
                     if x["processes"] == processes), "-")

    lines = [head, row("load (s)", load),
             row("database size", lambda k: f"{res[k]['size']['total_bytes'] / 1e6:,.0f} MB"),
             row("bytes per qualification (whole database / qualifications)",
                 lambda k: f"{res[k]['size']['bytes_per_qualification']:.0f}"),
             row("bytes per qualifications row (table and its indexes)",
                 lambda k: per_row(k, "qualifications")),
             row("bytes per score-history row", lambda k: per_row(k, "qualification_history"))]
    points = sorted({(c["workers"], c["clients"]) for k in kinds for c in cells[k]})
    for target in ("GetQualificationScore", "Associate:change", "ListWorkers:first", "ListWorkers:deep"):
        for workers, clients in points:
            lines.append(row(f"{target}, {workers} proc × {clients} clients: req/s, p50 / p99 ms, "
                             "server µs/req", lambda k, w=workers, n=clients, t=target: cell(k, w, n, t)))
    for s in res[kinds[0]]["servers"]:
        lines.append(row(f"server RSS after the run, {s['processes']} proc (total)",
                         lambda k, p=s["processes"]: rss(k, p)))
    def noise(k: str) -> str:
        other = sorted(c["other_cores"] for c in cells[k])
        return f"{other[len(other) // 2]:.2f}" if other else "-"

    lines.append(row("other cores during the cells (noise), median", noise))
    return "\n".join(lines)
