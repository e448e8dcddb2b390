"""`openturk worker …` and `openturk qualification …`: workers, inboxes, score history, bulk grants."""

from __future__ import annotations

import csv
import io
import json
import sys
from datetime import datetime, timezone
from pathlib import Path

from . import errors, ids
from .clock import SystemClock
from .domain.qualifications import WORKER_ID, check_worker_id, parse_locale
from .store import worker_queries as wq

WORKER_COLUMNS = ("workerid", "worker_id", "worker")
VALUE_COLUMNS = ("value", "integervalue", "integer_value", "score")


def add_parsers(sub, database_flags) -> None:
    worker = sub.add_parser("worker", help="manage workers")
    wsub = worker.add_subparsers(dest="worker_command", required=True)
    create = wsub.add_parser("create", help="create a worker (or give an existing one a new token)")
    create.add_argument("--worker-id", help="the WorkerId (default: a new random one)")
    create.add_argument("--locale", help="the worker's Worker_Locale, e.g. US or US-NY")
    create.add_argument("--adult", choices=("yes", "no"), help="the worker's Worker_Adult: yes (1) or no (0)")
    create.add_argument("--json", action="store_true", help='print {"WorkerId": …, "Token": …}')
    database_flags(create)
    upd = wsub.add_parser("update", help="change a worker's locale or Worker_Adult")
    upd.add_argument("worker_id")
    upd.add_argument("--locale", help="the worker's Worker_Locale, e.g. US or US-NY")
    upd.add_argument("--adult", choices=("yes", "no", "unset"),
                     help="Worker_Adult: yes (1), no (0), or unset (the worker has no Adult qualification)")
    upd.add_argument("--json", action="store_true", help="print the worker as JSON")
    database_flags(upd)
    lst = wsub.add_parser("list", help="list workers")
    lst.add_argument("--json", action="store_true")
    database_flags(lst)
    messages = wsub.add_parser("messages", help="a worker's inbox (what MTurk would have e-mailed)")
    messages.add_argument("worker_id")
    messages.add_argument("--json", action="store_true")
    database_flags(messages)

    qual = sub.add_parser("qualification", help="workers' qualifications")
    qsub = qual.add_subparsers(dest="qualification_command", required=True)
    history = qsub.add_parser("history", help="every change of one worker's qualification, with who made it")
    history.add_argument("type_id")
    history.add_argument("worker_id")
    history.add_argument("--json", action="store_true")
    database_flags(history)
    assign = qsub.add_parser("assign", help="grant a qualification to many workers (idempotent)")
    assign.add_argument("type_id")
    assign.add_argument("--workers", required=True, help="file: one WorkerId a line, or CSV with a value column "
                                                          "('-' reads standard input)")
    assign.add_argument("--value", type=int, default=1, help="the value for rows without one (default 1)")
    assign.add_argument("--notify", action="store_true", help="leave a message in each worker's inbox "
                                                              "(default: no messages)")
    assign.add_argument("--json", action="store_true", help="print the summary as JSON")
    database_flags(assign)


# -- worker ---------------------------------------------------------------------------------------

def cmd_worker(args, database) -> int:
    if args.worker_command == "create":
        return _worker_create(args, database)
    if args.worker_command == "update":
        return _worker_update(args, database)
    if args.worker_command == "list":
        with database.transaction(write=False) as tx:
            rows = wq.list_workers(tx, limit=10**9)
        listing = [{"WorkerId": r["worker_id"], "Locale": _locale(r), "Adult": r["adult"],
                    "HasToken": r["token_hash"] is not None} for r in rows]
        if args.json:
            print(json.dumps(listing))
        else:
            for item in listing:
                print(f"{item['WorkerId']}  {item['Locale'] or '-'}  {'token' if item['HasToken'] else 'no token'}")
        return 0
    check_worker_id(args.worker_id)
    with database.transaction(write=False) as tx:
        rows = wq.worker_messages(tx, args.worker_id, limit=10**9)
    listing = [{"Time": _iso(r["at_ms"]), "Subject": r["subject"], "Text": r["text"],
                "QualificationTypeId": r["qualification_type_id"]} for r in rows]
    if args.json:
        print(json.dumps(listing))
    else:
        for item in listing:
            print(f"{item['Time']}  {item['Subject']}\n    {item['Text']}")
    return 0


def _worker_create(args, database) -> int:
    worker_id = check_worker_id(args.worker_id) if args.worker_id else ids.worker_id()
    locale = parse_locale(args.locale) if args.locale else None
    token = ids.worker_token()
    now = SystemClock().epoch_ms()
    with database.transaction(write=True) as tx:
        existing = wq.worker(tx, worker_id)
        wq.ensure_worker(tx, worker_id, now)
        wq.set_worker_token(tx, worker_id, ids.token_hash(token))
        if locale:
            wq.set_worker_locale(tx, worker_id, *locale)
        if args.adult:
            wq.set_worker_adult(tx, worker_id, args.adult == "yes")
    if existing is not None and existing["token_hash"] is not None:
        print(f"openturk: {worker_id} already had a token; it is replaced by this one", file=sys.stderr)
    if args.json:
        print(json.dumps({"WorkerId": worker_id, "Token": token}))
    else:
        print(f"WorkerId: {worker_id}\nToken:    {token}")
    return 0


def _worker_update(args, database) -> int:
    worker_id = check_worker_id(args.worker_id)
    locale = parse_locale(args.locale) if args.locale else None
    with database.transaction(write=True) as tx:
        if wq.worker(tx, worker_id) is None:
            print(f"openturk: there is no worker {worker_id} (create one with `openturk worker create "
                  f"--worker-id {worker_id}`)", file=sys.stderr)
            return 1
        if locale:
            wq.set_worker_locale(tx, worker_id, *locale)
        if args.adult:
            wq.set_worker_adult(tx, worker_id, None if args.adult == "unset" else args.adult == "yes")
        row = wq.worker(tx, worker_id)
    shown = {"WorkerId": worker_id, "Locale": _locale(row), "Adult": row["adult"]}
    if args.json:
        print(json.dumps(shown))
    else:
        adult = {True: "yes", False: "no", None: "-"}[row["adult"]]
        print(f"{worker_id}  locale {shown['Locale'] or '-'}  adult {adult}")
    return 0


def _locale(row) -> str | None:
    if not row["locale_country"]:
        return None
    return row["locale_country"] + (f"-{row['locale_subdivision']}" if row["locale_subdivision"] else "")


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


# -- qualification ----------------------------------------------------------------------------------

def cmd_qualification(args, service) -> int:
    if args.qualification_command == "history":
        return _history(args, service.db)
    return _assign(args, service)


def _history(args, database) -> int:
    with database.transaction(write=False) as tx:
        rows = wq.qualification_history(tx, args.type_id, args.worker_id)
    listing = [{"Time": _iso(r["at_ms"]), "Event": r["event"], "OldStatus": r["old_status"],
                "NewStatus": r["new_status"], "OldValue": r["old_value"], "NewValue": r["new_value"],
                "Source": r["source"], "RequesterId": r["requester_id"], "Reason": r["reason"]} for r in rows]
    if args.json:
        print(json.dumps(listing))
        return 0
    if not listing:
        print(f"no history for worker {args.worker_id} and qualification type {args.type_id}")
        return 0
    for item in listing:
        value = f"{_dash(item['OldValue'])} -> {_dash(item['NewValue'])}"
        status = f"{item['OldStatus'] or '-'} -> {item['NewStatus']}"
        who = f" by {item['RequesterId']}" if item["RequesterId"] else ""
        reason = f"  reason: {item['Reason']}" if item["Reason"] else ""
        print(f"{item['Time']}  {item['Event']:<12} {status:<20} value {value:<12} via {item['Source']}{who}{reason}")
    return 0


def _dash(value) -> str:
    return "-" if value is None else str(value)


def read_worker_file(text: str, default_value: int) -> tuple[list[tuple[int, str, int]], list[tuple[int, str, str]]]:
    """Rows of (line, WorkerId, value) and problems (line, text, why). Accepts one WorkerId a line, or CSV
    with an optional header naming a WorkerId column and a value column."""
    rows, problems = [], []
    reader = csv.reader(io.StringIO(text))
    worker_col, value_col = 0, 1
    for number, cells in enumerate(reader, start=1):
        cells = [c.strip() for c in cells]
        if not cells or not any(cells) or cells[0].startswith("#"):
            continue
        if number == 1 and not WORKER_ID.match(cells[0]):
            lowered = [c.lower() for c in cells]
            if any(c in WORKER_COLUMNS for c in lowered):
                worker_col = next(i for i, c in enumerate(lowered) if c in WORKER_COLUMNS)
                value_col = next((i for i, c in enumerate(lowered) if c in VALUE_COLUMNS), None)
                continue
        worker_id = cells[worker_col] if worker_col < len(cells) else ""
        raw_value = cells[value_col] if value_col is not None and value_col < len(cells) else ""
        try:
            value = int(raw_value) if raw_value else default_value
        except ValueError:
            problems.append((number, raw_value, "the value is not an integer"))
            continue
        if not -(2**31) <= value < 2**31:
            problems.append((number, raw_value, "the value is outside the 32-bit integer range"))
            continue
        rows.append((number, worker_id, value))
    return rows, problems


def _assign(args, service) -> int:
    from .ops.bulk import assign_many
    text = sys.stdin.read() if args.workers == "-" else Path(args.workers).read_text()
    rows, problems = read_worker_file(text, args.value)
    total = len(rows)
    show = sys.stderr.isatty()

    def progress(done: int) -> None:
        if show and total:
            filled = int(30 * done / total)
            print(f"\r[{'#' * filled}{'.' * (30 - filled)}] {done}/{total}", end="", file=sys.stderr, flush=True)

    try:
        result = assign_many(service, args.type_id, rows, notify=args.notify, progress=progress)
    except errors.TurkError as exc:
        print(f"openturk: {exc.message}", file=sys.stderr)
        return 1
    if show and total:
        print(file=sys.stderr)
    for line, text_, why in problems + result.invalid:
        print(f"line {line}: {text_!r}: {why}", file=sys.stderr)
    counts = result.counts
    summary = {"Granted": counts["Granted"], "Regranted": counts["Regranted"],
               "ScoreChanged": counts["ScoreChanged"], "Unchanged": counts["Unchanged"],
               "Invalid": counts["Invalid"] + len(problems)}
    if args.json:
        print(json.dumps(summary))
    else:
        print(", ".join(f"{v} {k.lower() if k != 'ScoreChanged' else 'score changed'}" for k, v in summary.items()))
    return 0 if summary["Invalid"] == 0 else 3
