"""`openturk notifications list` (the outbox: what was sent, what waits, and why) and
`openturk requester messages` (the requester's inbox: notifications with Transport Email)."""

from __future__ import annotations

import json
from datetime import datetime, timezone

from . import errors
from .store import notification_queries as nq
from .store import queries


def add_notification_parsers(sub, database_flags) -> None:
    notifications = sub.add_parser("notifications", help="notification events (the outbox)")
    nsub = notifications.add_subparsers(dest="notifications_command", required=True)
    lst = nsub.add_parser("list", help="list notification events, newest first, with their delivery state")
    lst.add_argument("--pending", action="store_true", help="only events not yet delivered")
    lst.add_argument("--requester", metavar="REQUESTER_ID", help="only this requester's events")
    lst.add_argument("--limit", type=int, default=100, help="at most this many (default 100)")
    lst.add_argument("--json", action="store_true", help="print JSON (one array)")
    database_flags(lst)


def add_requester_message_parser(rsub, database_flags) -> None:
    messages = rsub.add_parser("messages", help="a requester's inbox: notifications sent with Transport Email")
    messages.add_argument("requester_id")
    messages.add_argument("--limit", type=int, default=100, help="at most this many (default 100)")
    messages.add_argument("--json", action="store_true", help="print JSON (one array)")
    database_flags(messages)


def _iso(ms: int | None) -> str | None:
    return None if ms is None else datetime.fromtimestamp(ms / 1000, timezone.utc).isoformat(timespec="milliseconds")


def cmd_notifications(args, database) -> int:
    with database.transaction(write=False) as tx:
        rows = nq.events(tx, pending_only=args.pending, requester_id=args.requester, before_seq=2 ** 62,
                         limit=max(1, args.limit))
        counts = nq.counts(tx)
    listing = [{"EventDocId": r["event_doc_id"], "EventType": r["event_type"], "RequesterId": r["requester_id"],
                "HITTypeId": r["hit_type_id"], "Transport": r["transport"], "Destination": r["destination"],
                "Status": r["status"], "Attempts": r["attempts"], "CreatedAt": _iso(r["created_ms"]),
                "SentAt": _iso(r["sent_ms"]), "NextAttemptAt": None if r["status"] == "Sent" else _iso(r["next_attempt_ms"]),
                "LastError": r["last_error"], "Document": json.loads(r["document"])} for r in rows]
    if args.json:
        print(json.dumps(listing))
        return 0
    print(f"{counts['sent']} sent, {counts['pending']} pending ({counts['failing']} failing)")
    for item in listing:
        state = item["Status"] if item["Status"] == "Sent" else f"Pending ({item['Attempts']} attempts)"
        print(f"{item['CreatedAt']}  {item['EventType']:<20} {item['Transport']:<5} {state:<22} "
              f"{item['Destination']}  {item['EventDocId']}")
        if item["Status"] != "Sent" and item["LastError"]:
            print(f"    last error: {item['LastError']}")
    return 0


def cmd_requester_messages(args, database) -> int:
    with database.transaction(write=False) as tx:
        if queries.requester_by_id(tx, args.requester_id) is None:
            raise errors.invalid_value("RequesterId", f"there is no requester {args.requester_id} "
                                                      "(`openturk requester list` shows them)")
        rows = nq.requester_inbox(tx, args.requester_id, max(1, args.limit))
    listing = [{"Time": _iso(r["at_ms"]), "Destination": r["destination"], "Subject": r["subject"],
                "Text": r["text"]} for r in rows]
    if args.json:
        print(json.dumps(listing))
        return 0
    if not listing:
        print("no messages")
    for item in listing:
        print(f"{item['Time']}  to {item['Destination']}: {item['Subject']}\n" +
              "\n".join("    " + line for line in item["Text"].splitlines()))
    return 0
