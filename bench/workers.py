"""The worker API cells: workers who sign in with a token, HITs for them to accept, accepted assignments
for them to submit, and the 10,000 HITs a worker's search looks through.

Accepting and submitting change the server's state: a worker holds at most one assignment of a HIT, and
an assignment is submitted once. So these cells cannot send the same bytes again and again. Each
request is built once in setup (a worker's Bearer token never expires) and sent once: `accept` cycles
through `WORKERS` workers × enough HITs of `WORKERS` assignments each, `submit` through assignments
accepted in setup. A cell takes `pool_size(args)` of them, enough for `MAX_RATE` requests per second
of warm-up and measurement; the probe, the warm-up and the measured run each get their own
(bench/cells.py `phases`). A faster server would run out and be answered 409s, which count as errors.

The qualification types, HIT types and HITs are made by openturk's own operations (ops.qualification_types,
ops.hits), run in the benchmark's process in one write transaction on the server's SQLite file while the
server is up but idle, so every row is what the API would have written (each HIT's cost reserved in
the ledger), at a fraction of the time a request each would take. The workers (with their token's hash
and Worker_Locale), their qualifications (with their history) and the pre-accepted assignments are rows
inserted with executemany, as bench/population.py inserts its holders, with the workers' accepted counts
to match (tests/db/test_bench_workers.py checks the database's invariants after it).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field

from openturk import ids
from openturk.clock import SystemClock
from openturk.config import load_settings
from openturk.domain import requirements as rules
from openturk.ops import hits as hit_ops
from openturk.ops.context import Caller, Ctx
from openturk.ops.qualification_types import create_qualification_type
from openturk.store import tables
from openturk.store.db import Database

from .bulkload import HISTORY_COLUMNS, HISTORY_SOURCE
from .population import QUALIFICATIONS_SQL, WORKERS_SQL, checkpoint, insert_sql
from .signing import Request

PREFIX = "/api/worker/v1"
WORKERS = 100               # the accepting and submitting workers; each HIT of theirs has this many assignments
MAX_RATE = 6_000            # requests per second a pool is sized for (the cells do ~1,500-3,000 on this VM)
GATE_VALUE = 75             # the workers' value of the HIT type's gate (it asks for >= 50)
# The search: 1,000 HIT groups (HIT types) of 10 HITs, each type with 5 requirements on the worker's locale,
# PercentAssignmentsApproved and three of SKILLS requester-defined types.
SEARCH_GROUPS, SEARCH_GROUP_HITS, SEARCH_PAGE = 1_000, 10, 20
SEARCH_WORKER, SEARCH_QUERY = "ABENCHSEARCH", "survey"
SKILLS = 8
HELD = {0: 10, 1: 40, 2: 70, 3: 90}     # the searching worker's values of skills 0-3 (4-7: not held)
# (comparator, values) in turn, so that each kind is met by some held values and not by others.
COMPARISONS = (("GreaterThanOrEqualTo", [50]), ("LessThan", [50]), ("EqualTo", [70]), ("NotEqualTo", [40]),
               ("In", [10, 40, 70]), ("NotIn", [90]), ("Exists", []), ("DoesNotExist", []), ("GreaterThan", [20]))
GUARDS = (rules.ACCEPT, rules.PREVIEW_AND_ACCEPT, rules.DISCOVER_PREVIEW_AND_ACCEPT)
# What the report's settings say about these cells.
DESCRIPTION = (f"Bearer tokens of workers inserted in setup (bench/workers.py). accept: each request once, "
               f"{WORKERS} workers x HITs of {WORKERS} assignments (the HIT cells' type); submit: each request "
               'once, assignments accepted in setup, {"Answers": {"field": "value"}}; changes_per_request: '
               f"assignments Accepted / Submitted per request. search: the first page ({SEARCH_PAGE}) of "
               f"{SEARCH_GROUPS:,} HIT groups x {SEARCH_GROUP_HITS} HITs, 5 QualificationRequirements each, "
               f"some hidden from the worker; search:query: ?query={SEARCH_QUERY} (one group in ten)")
ASSIGNMENTS_SQL = insert_sql(tables.assignments, (
    "assignment_id", "hit_id", "requester_id", "worker_id", "status", "accept_ms", "deadline_ms", "version"))
HISTORY_SQL = insert_sql(tables.qualification_history, HISTORY_COLUMNS)


def grant(cur, requester_id: str, grants: list[tuple[str, str, int]], now: int) -> None:
    """Qualifications (type, worker, value) as AssociateQualificationWithWorker grants them: the row and
    its 'Granted' score-history row."""
    cur.executemany(QUALIFICATIONS_SQL, ((t, w, "Granted", v, now, now, 1) for t, w, v in grants))
    cur.executemany(HISTORY_SQL, ((t, w, now, "Granted", None, "Granted", None, v, HISTORY_SOURCE, requester_id,
                                   None) for t, w, v in grants))


def pool_size(args) -> int:
    """The requests one accept or submit cell may send: its probe, then warm-up and measurement."""
    return 1 + math.ceil((args.warmup + args.duration) * MAX_RATE)


def warmup_size(args) -> int:
    return math.ceil(args.warmup * MAX_RATE)


def worker_request(host: str, token: str, method: str, path: str, body: bytes | None = None) -> Request:
    """A worker API request as an HTTP client sends it: the worker's Bearer token, a JSON body."""
    headers = [("Host", host), ("Accept-Encoding", "identity"), ("Authorization", f"Bearer {token}")]
    if body is not None:
        headers += [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    return Request(method, PREFIX + path, tuple(headers), body or b"")


@dataclass
class Pool:
    """Requests that can be sent once each; every cell takes requests no other cell took."""
    requests: list[Request]
    used: int = 0

    def take(self, n: int) -> list[Request]:
        if self.used + n > len(self.requests):
            raise RuntimeError(f"the pool of {len(self.requests)} requests is used up")
        self.used += n
        return self.requests[self.used - n:self.used]


@dataclass
class WorkerFixture:
    """What setup() made for the worker cells."""
    per_cell: int = 0               # requests an accept or submit cell takes from its pool
    warmup: int = 0                 # of which the warm-up sends this many (after the probe's one)
    accept: Pool | None = None
    submit: Pool | None = None
    search: dict[str, Request] = field(default_factory=dict)      # target -> its request
    expected: dict[str, list[str]] = field(default_factory=dict)  # target -> the HITGroupIds of its page


class Maker:
    """Runs openturk's operations as the benchmark's HIT requester, in one transaction."""

    def __init__(self, tx, requester_id: str, now_ms: int):
        self.ctx = Ctx(tx, now_ms, Caller(requester_id, "bench hits"), load_settings(environ={}), b"")

    def qualification_type(self, name: str) -> str:
        created = create_qualification_type(self.ctx, name=name, qualification_type_status="Active",
                                            description="A requester-defined type of the search's HITs.")
        return created["qualification_type"]["qualification_type_id"]

    def hit_type(self, title: str, keywords: str, requirements: list[dict]) -> str:
        return hit_ops.create_hit_type(self.ctx, title=title, description="A HIT group for the search.",
                                       reward="0.05", assignment_duration_in_seconds=3600, keywords=keywords,
                                       auto_approval_delay_in_seconds=86400,
                                       qualification_requirements=requirements)["hit_type_id"]

    def hits(self, hit_type_id: str, n: int, assignments: int, question: str) -> list[str]:
        return [hit_ops.create_hit_with_hit_type(self.ctx, hit_type_id=hit_type_id, max_assignments=assignments,
                                                 lifetime_in_seconds=7 * 86400,
                                                 question=question)["hit"]["hit_id"] for _ in range(n)]


def setup(db: Database, host: str, requester_id: str, hit_type: str, gate: str, question: str, *,
          accept_cells: int, submit_cells: int, search: bool, args) -> WorkerFixture:
    """Workers who meet the HIT type's two requirements (the gate, Locale US), HITs of that type for the
    accept cells, assignments accepted for the submit cells, and the search's population."""
    now = SystemClock().epoch_ms()
    fx = WorkerFixture(pool_size(args), warmup_size(args))
    per_cell = fx.per_cell
    tokens = [ids.worker_token() for _ in range(WORKERS)]
    workers = [f"ABENCHWRK{i:03d}" for i in range(WORKERS)]
    # Worker w accepts each HIT in turn: the HITs of a pool hold WORKERS assignments each.
    accept_hits = math.ceil(accept_cells * per_cell / WORKERS)
    submit_hits = math.ceil(submit_cells * per_cell / WORKERS)
    with db.transaction(write=True) as tx:
        make = Maker(tx, requester_id, now)
        cur = tx.cursor
        cur.executemany(WORKERS_SQL, ((w, ids.token_hash(t), "US", None, now) for w, t in zip(workers, tokens)))
        grant(cur, requester_id, [(gate, w, GATE_VALUE) for w in workers], now)
        pairs = [(w, t) for w, t in zip(workers, tokens)]
        if accept_hits:
            hits = make.hits(hit_type, accept_hits, WORKERS, question)
            fx.accept = Pool([worker_request(host, t, "POST", f"/hits/{h}/assignments", b"{}")
                              for h in hits for _, t in pairs])
        if submit_hits:
            fx.submit = Pool(_accepted(cur, make.hits(hit_type, submit_hits, WORKERS, question), pairs, host,
                                       requester_id, now))
        if search:
            _search_population(make, cur, fx, host, now, question)
    checkpoint(db)
    return fx


def _accepted(cur, hits: list[str], pairs: list[tuple[str, str]], host: str, requester_id: str,
              now: int) -> list[Request]:
    """Every worker's assignment of every HIT, Accepted now (deadline in a day, as the HIT type says), and
    the requests that submit them."""
    rows = [(ids.assignment_id(), h, requester_id, w, "Accepted", now, now + 86400 * 1000, 1)
            for h in hits for w, _ in pairs]
    cur.executemany(ASSIGNMENTS_SQL, rows)
    cur.executemany(f"UPDATE {tables.workers.name} SET accepted_count = accepted_count + ? WHERE worker_id = ?",
                    ((len(hits), w) for w, _ in pairs))
    token = dict(pairs)
    body = json.dumps({"Answers": {"field": "value"}}).encode()
    return [worker_request(host, token[w], "POST", f"/assignments/{a}/answers", body) for a, _, _, w, *_ in rows]


def search_requirements(g: int, skills: list[str]) -> list[dict]:
    """Group g's five requirements: the locale (one group in seven asks for GB, which hides it from a US
    worker), PercentAssignmentsApproved >= 95 (a new worker has 100), and three skills with the comparisons
    and the guarded actions taken in turn."""
    locale = {"qualification_type_id": rules.LOCALE, "comparator": "In",
              "locale_values": [{"country": "US"}, {"country": "CA"}]}
    if g % 7 == 0:
        locale = {"qualification_type_id": rules.LOCALE, "comparator": "EqualTo", "locale_values": [{"country": "GB"}],
                  "actions_guarded": rules.DISCOVER_PREVIEW_AND_ACCEPT}
    out = [locale, {"qualification_type_id": rules.PERCENT_APPROVED, "comparator": "GreaterThanOrEqualTo",
                    "integer_values": [95]}]
    for k, offset in enumerate((0, 3, 5)):     # three different skills
        comparator, values = COMPARISONS[(g + k) % len(COMPARISONS)]
        requirement = {"qualification_type_id": skills[(g + offset) % SKILLS], "comparator": comparator,
                       "actions_guarded": GUARDS[(g // SKILLS + k) % len(GUARDS)]}
        if values:
            requirement["integer_values"] = values
        out.append(requirement)
    return out


def _search_population(make: Maker, cur, fx: WorkerFixture, host: str, now: int, question: str) -> None:
    """The searching worker (Locale US, skills 0-3), SEARCH_GROUPS HIT types and their HITs, made after
    every other HIT type (the search lists the newest first), and the pages it must answer."""
    skills = [make.qualification_type(f"bench search skill {i}") for i in range(SKILLS)]
    token = ids.worker_token()
    cur.execute(WORKERS_SQL, (SEARCH_WORKER, ids.token_hash(token), "US", None, now))
    grant(cur, make.ctx.caller.requester_id, [(skills[i], SEARCH_WORKER, v) for i, v in HELD.items()], now)
    values = rules.WorkerValues({**{skills[i]: v for i, v in HELD.items()}, rules.PERCENT_APPROVED: 100},
                                ("US", None))
    discoverable: list[tuple[str, bool]] = []      # (HITGroupId, has the query's keyword), oldest first
    for g in range(SEARCH_GROUPS):
        keywords = "bench," + ("survey" if g % 10 == 0 else "image")
        requirements = search_requirements(g, skills)
        hit_type = make.hit_type(f"bench search group {g:04d}", keywords, requirements)
        make.hits(hit_type, SEARCH_GROUP_HITS, 3, question)
        checked = rules.check_requirements(requirements)
        if rules.decide(checked, values, hit_status="Assignable").discover:
            discoverable.append((hit_type, g % 10 == 0))
    newest = discoverable[::-1]
    fx.search = {"search": worker_request(host, token, "GET", "/hit-groups"),
                 "search:query": worker_request(host, token, "GET", f"/hit-groups?query={SEARCH_QUERY}")}
    fx.expected = {"search": [t for t, _ in newest][:SEARCH_PAGE],
                   "search:query": [t for t, query in newest if query][:SEARCH_PAGE]}


def assignment_count(db: Database, requester_id: str, status: str) -> int:
    """The requester's assignments with this status (the accept and submit cells' changes)."""
    with db.transaction(write=False) as tx:
        return tx.cursor.execute(f"SELECT count(*) FROM {tables.assignments.name} WHERE requester_id = ? AND "
                                 "status = ?", (requester_id, status)).fetchone()[0]
