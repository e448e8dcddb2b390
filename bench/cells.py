"""One cell of the HTTP benchmark: its signed requests, the check of an answer, and the measurement.

Shared by the grid (bench/__main__.py) and the scale run (bench/scale.py).
"""

from __future__ import annotations

import http.client
import json
from dataclasses import dataclass, field

from openturk.store.db import Database

from . import population, procfs, workers
from .loadgen import Generator
from .server import HOST, Server
from .signing import Presigner, Request, healthz

OPERATIONS = {"Associate:same": "AssociateQualificationWithWorker",
              "Associate:change": "AssociateQualificationWithWorker",
              "ListWorkers:1k": "ListWorkersWithQualificationType",
              "ListWorkers:1M": "ListWorkersWithQualificationType",
              # The scale run (bench/scale.py): the first page of the biggest type, and a page half-way.
              "ListWorkers:first": "ListWorkersWithQualificationType",
              "ListWorkers:deep": "ListWorkersWithQualificationType",
              # The worker API (bench/workers.py).
              "accept": "POST /api/worker/v1/hits/{hit_id}/assignments",
              "submit": "POST /api/worker/v1/assignments/{assignment_id}/answers",
              "search": "GET /api/worker/v1/hit-groups",
              "search:query": "GET /api/worker/v1/hit-groups?query="}
HOLDERS = {"ListWorkers:1k": 1_000, "ListWorkers:1M": 1_000_000}
LIST_TARGETS = (*HOLDERS, "ListWorkers:first", "ListWorkers:deep")
LIST_PAGE = 100
EXTRA_TYPES = 50
# Workers of the main type, granted through the API in setup(). Associate:same repeats one request for
# one worker, which then changes nothing. Associate:change sends IntegerValue 1 to each of 64 workers in
# turn, then 2 to each, and so on: two requests for the same worker are 64 apart in the sequence, more
# than the requests in flight, so the server sees each worker's requests in order and every request
# changes a score. (With a single worker alternating 1/2, concurrent requests overtake one another and
# about a quarter of them found the value already set: no-ops.)
SCORE_WORKER, SCORE = "ABENCHSCORE", 7
SAME_WORKER = "ABENCHSAME"
CHANGE_WORKERS = tuple(f"ABENCHCHG{i:02d}" for i in range(64))


@dataclass
class Fixture:
    """What setup() created on one server, and a connection to its database (for the population and to
    count the changes an Associate cell recorded)."""

    presigner: Presigner
    db: Database
    main: str                                   # the type read, updated and associated
    holder_types: dict[str, str] = field(default_factory=dict)   # ListWorkers target -> type id
    population: dict | None = None
    score_worker: str = SCORE_WORKER            # GetQualificationScore asks for this worker, who has `score`
    score: int = SCORE
    change_workers: tuple[str, ...] = CHANGE_WORKERS
    # ListWorkers:deep (the scale run): its NextToken, and the first worker of the page it leads to.
    deep_token: str | None = None
    deep_first_worker: str | None = None
    database_pid: int | None = None             # a PostgreSQL postmaster whose CPU the cells also measure
    # The HIT cells: a requester of their own (its HITs stay out of the main requester's listings), the HIT
    # type CreateHITWithHITType posts to, and the HIT GetHIT reads.
    hit_presigner: Presigner | None = None
    hit_requester: str | None = None
    hit_type: str | None = None
    hit: str | None = None
    workers: workers.WorkerFixture | None = None    # the worker API cells'


# CreateHITWithHITType: one assignment for a day, an ExternalQuestion (what psiTurk and Dallinger post).
HIT_QUESTION = ('<ExternalQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/'
                '2006-07-14/ExternalQuestion.xsd"><ExternalURL>https://example.org/task?batch=bench</ExternalURL>'
                '<FrameHeight>600</FrameHeight></ExternalQuestion>')
HIT_TARGETS = ("CreateHITWithHITType", "GetHIT")
SEARCH_TARGETS = ("search", "search:query")
WORKER_TARGETS = ("accept", "submit", *SEARCH_TARGETS)
# Cells whose every request changes something that cannot change again (bench/workers.py): each request is
# sent once, and the assignments that reached `status` are counted.
ONCE_TARGETS = {"accept": "Accepted", "submit": "Submitted"}
OK_STATUS = {"accept": 201}
UPDATE_DESCRIPTIONS = 64   # what the worker API answers an accept with; 200 for everything else


def signed(fx: Fixture, target: str) -> list[Request]:
    """The request(s) of a cell, freshly signed; several are sent in turn."""
    if target == "healthz":
        return [healthz(fx.presigner.host)]
    if target == "CreateHITWithHITType":   # the same request each time: no UniqueRequestToken, a new HIT each
        return [fx.hit_presigner.sign(target, HITTypeId=fx.hit_type, MaxAssignments=1, LifetimeInSeconds=86400,
                                      Question=HIT_QUESTION, RequesterAnnotation="bench")]
    if target == "GetHIT":
        return [fx.hit_presigner.sign(target, HITId=fx.hit)]
    if target in ONCE_TARGETS:      # the cell's share of the pool, never sent before
        return getattr(fx.workers, target).take(fx.workers.per_cell)
    if target.startswith("search"):
        return [fx.workers.search[target]]
    main = fx.main
    if target == "UpdateQualificationType":   # descriptions in turn: more of them than requests in flight, so
        # that every request changes the type (the server writes nothing for a description it already has)
        return [fx.presigner.sign(target, QualificationTypeId=main, Description=f"Updated by the benchmark ({i}).")
                for i in range(UPDATE_DESCRIPTIONS)]
    if target == "Associate:change":   # each worker to 1, then each to 2: every request changes a score
        return [fx.presigner.sign("AssociateQualificationWithWorker", QualificationTypeId=main,
                                  WorkerId=worker, IntegerValue=value, SendNotification=False)
                for value in (1, 2) for worker in fx.change_workers]
    params = {
        "GetQualificationType": {"QualificationTypeId": main},
        "ListQualificationTypes": {"MustBeRequestable": False, "MustBeOwnedByCaller": True, "MaxResults": 10},
        "GetQualificationScore": {"QualificationTypeId": main, "WorkerId": fx.score_worker},
        # The worker already holds value 1: the server finds nothing to change and records nothing.
        "Associate:same": {"QualificationTypeId": main, "WorkerId": SAME_WORKER, "IntegerValue": 1,
                           "SendNotification": False},
        # The first page, default Status (Granted).
        **{t: {"QualificationTypeId": fx.holder_types.get(t), "MaxResults": LIST_PAGE} for t in LIST_TARGETS},
    }[target]
    if target == "ListWorkers:deep":
        params = {**params, "NextToken": fx.deep_token}
    return [fx.presigner.sign(OPERATIONS.get(target, target), **params)]


def check_answer(fx: Fixture, target: str, body: bytes) -> str | None:
    """None if a 200 answer has the content the cell expects."""
    if target == "healthz":
        return None
    answer = json.loads(body)
    if target == "ListQualificationTypes" and answer.get("NumResults") != 10:
        return f"expected a page of 10 types: {body[:300]!r}"
    if target in LIST_TARGETS and (answer.get("NumResults") != LIST_PAGE or not answer.get("NextToken")):
        return f"expected a page of {LIST_PAGE} holders and a NextToken: {body[:300]!r}"
    if target == "ListWorkers:deep" and answer["Qualifications"][0]["WorkerId"] != fx.deep_first_worker:
        return f"expected the page to start with {fx.deep_first_worker}: {body[:300]!r}"
    if target == "CreateHITWithHITType" and answer.get("HIT", {}).get("HITTypeId") != fx.hit_type:
        return f"expected a HIT of type {fx.hit_type}: {body[:300]!r}"
    if target == "GetHIT" and (answer.get("HIT", {}).get("HITId") != fx.hit
                               or answer["HIT"].get("HITStatus") != "Assignable"):
        return f"expected the Assignable HIT {fx.hit}: {body[:300]!r}"
    if target == "GetQualificationScore" and answer.get("Qualification", {}).get("IntegerValue") != fx.score:
        return f"expected IntegerValue {fx.score}: {body[:300]!r}"
    if target in ONCE_TARGETS and answer.get("Assignment", {}).get("AssignmentStatus") != ONCE_TARGETS[target]:
        return f"expected an assignment {ONCE_TARGETS[target]}: {body[:300]!r}"
    if target.startswith("search") and (
            [g["HITGroupId"] for g in answer.get("HITGroups", ())] != fx.workers.expected[target]
            or not answer.get("NextToken")):
        return f"expected the HIT groups {fx.workers.expected[target][:3]}... and a NextToken: {body[:300]!r}"
    return None


def send_once(port: int, request: Request) -> tuple[int, bytes]:
    """Send the pre-signed request's exact bytes once; its status and body."""
    conn = http.client.HTTPConnection(HOST, port, timeout=10)
    try:
        conn.putrequest(request.method, request.path, skip_host=True, skip_accept_encoding=True)
        for k, v in request.headers:
            conn.putheader(k, v)
        conn.endheaders(request.body or None)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def probe(server: Server, fx: Fixture, requests: list[Request], target: str) -> str | None:
    """Send each request once; None if every answer is right, else what is wrong."""
    for request in requests:
        try:
            status, body = send_once(server.port, request)
        except OSError as exc:
            return f"cannot reach the server: {exc}"
        if status != OK_STATUS.get(target, 200):
            return f"HTTP {status}: {body[:300]!r}"
        wrong = check_answer(fx, target, body)
        if wrong:
            return wrong
    return None


def recorded_changes(fx: Fixture, target: str) -> int | None:
    """For the Associate targets: the score-history rows of their workers (one per recorded change); for
    accept and submit: the assignments Accepted and Submitted; for UpdateQualificationType: the type's
    version (one more per write)."""
    if target == "UpdateQualificationType":
        return population.type_version(fx.db, fx.main)
    if target in ONCE_TARGETS:
        return workers.assignment_count(fx.db, fx.hit_requester, ONCE_TARGETS[target])
    changed = {"Associate:same": (SAME_WORKER,), "Associate:change": fx.change_workers}.get(target)
    return None if changed is None else population.history_count(fx.db, fx.main, changed)


def phases(fx: Fixture, target: str, requests: list[Request]) -> tuple[list[Request], list[Request],
                                                                         list[Request]]:
    """The requests of the probe, the warm-up and the measured run: the same ones, or for a cell whose
    requests can be sent once, three parts of them."""
    if target not in ONCE_TARGETS:
        return requests, requests, requests
    warm = 1 + fx.workers.warmup
    return requests[:1], requests[1:warm], requests[warm:]


def measure(server: Server, gen: Generator, fx: Fixture, target: str, requests: list[Request], clients: int,
            args, warmup: list[Request] | None = None) -> dict:
    """Warm up (with `warmup`, by default the same requests), then measure `requests`."""
    ok = OK_STATUS.get(target, 200)
    waited, background = procfs.wait_quiet(args.quiet_wait)
    gen.run(warmup or requests, clients, args.warmup, ok)
    changes0 = recorded_changes(fx, target)
    db0 = _database_cpu(fx)
    cpu0, (busy0, t0) = server.cpu(), procfs.machine_busy()
    res = gen.run(requests, clients, args.duration, ok)
    cpu1, (busy1, t1) = server.cpu(), procfs.machine_busy()
    db1 = _database_cpu(fx)
    changes1 = recorded_changes(fx, target)
    machine = (busy1 - busy0) / (t1 - t0)
    per_process = {pid: cpu1[pid] - cpu0.get(pid, 0.0) for pid in cpu1}
    server_cpu = sum(per_process.values())
    db_cpu = None if db0 is None else db1 - db0
    n, secs = res["requests"], res["duration_s"]
    errors = {k: v for k, v in res["errors"].items() if v}
    return {
        "requests": n, "duration_s": round(secs, 3), "rps": n / secs if secs else 0.0,
        "p50_ms": res["p50_ms"], "p90_ms": res["p90_ms"], "p99_ms": res["p99_ms"], "max_ms": res["max_ms"],
        "errors": errors, "errors_total": sum(errors.values()),
        "server_cpu_s": round(server_cpu, 3), "cpu_us_per_req": server_cpu / n * 1e6 if n else None,
        "server_cores": server_cpu / secs if secs else None,
        "server_cpu_by_process": [{"pid": pid, "role": server.role(pid), "cpu_s": round(s, 3)}
                                  for pid, s in sorted(per_process.items()) if s > 0],
        # How evenly the kernel spread the keep-alive connections over the worker processes (1.0: all on one).
        "busiest_worker_share": _busiest_share(server, per_process),
        "loadgen_cpu_s": round(res["cpu_s"], 3), "loadgen_cores": res["cpu_s"] / secs if secs else None,
        "loadgen_cpu_us_per_req": res["cpu_s"] / n * 1e6 if n else None,
        "machine_busy_cores": machine,
        # PostgreSQL's own processes (the scale run's throwaway server), which are not the server's.
        **({} if db_cpu is None else {"database_cpu_s": round(db_cpu, 3), "database_cores": db_cpu / secs,
                                      "database_cpu_us_per_req": db_cpu / n * 1e6 if n else None}),
        # Whatever else ran on the machine meanwhile (other processes, this script): noise, if large.
        "other_cores": max(0.0, machine - (server_cpu + res["cpu_s"] + (db_cpu or 0.0)) / (t1 - t0)),
        "background_cores_before": round(background, 3), "waited_for_quiet_s": round(waited, 2),
        **({} if changes0 is None else {
            # Associate, accept, submit: how many requests were real writes (a change recorded).
            "changes_recorded": changes1 - changes0,
            "changes_per_request": (changes1 - changes0) / n if n else None}),
    }


def _database_cpu(fx: Fixture) -> float | None:
    return None if fx.database_pid is None else procfs.tree_cpu_total(fx.database_pid)


def _busiest_share(server: Server, per_process: dict[int, float]) -> float | None:
    workers = [s for pid, s in per_process.items() if server.role(pid) == "worker"]
    return round(max(workers) / sum(workers), 3) if len(workers) > 1 and sum(workers) > 0 else None


def run_cell(server: Server, gen: Generator, fx: Fixture, clients: int, target: str, args) -> dict:
    cell = {"workers": server.workers, "clients": clients, "target": target,
            "operation": OPERATIONS.get(target, target)}
    if target in HOLDERS:
        cell["holders"] = HOLDERS[target]
    first, warmup, requests = phases(fx, target, signed(fx, target))  # a fresh signature for every cell
    cell["requests_rotated"] = len(requests)
    failure = probe(server, fx, first, target)
    if failure is None:
        try:
            cell.update(measure(server, gen, fx, target, requests, clients, args, warmup))
        except RuntimeError as exc:
            failure = str(exc)
    if server.proc.poll() is not None:
        raise RuntimeError(f"the server exited during the run:\n{server.log_tail()}")
    if failure is not None:
        cell["failure"] = failure
    return cell
