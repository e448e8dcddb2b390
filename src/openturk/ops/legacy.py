"""The operations of the legacy REST/XML Requester API (2005-10-01 … 2014-08-15) whose rules differ from
their 2017-01-17 successors. Every other legacy operation runs the 2017 operation itself (see
protocol/legacy.py); these reuse its parts (`owned_type`, `assign`, the presenters, the store's filters)
and add only what the legacy API did differently:

- AssignQualification refuses a worker who already holds the qualification (2017 re-scores);
- UpdateQualificationScore exists (2017 dropped it) and needs a granted qualification;
- lists page by PageNumber/PageSize and report TotalNumResults (2017 uses tokens), with sort options.
"""

from __future__ import annotations

from .. import errors
from ..domain import qualification_types as type_rules
from ..domain import qualifications as rules
from ..store import queries
from ..store import request_queries as rq
from ..store import worker_queries as wq
from .bookmarks import read_page
from .context import Ctx
from .pagination import DEFAULT_PAGE_SIZE
from .presenters import qualification as present_qualification
from .presenters import qualification_type as present_type
from .qualification_requests import present as present_request
from .qualification_types import owned_type
from .qualifications import assign

ASCENDING, DESCENDING = "Ascending", "Descending"


def _page(page_size: int | None, page_number: int | None) -> tuple[int, int, int]:
    """(size, number, offset): "PageSize ... Default: 10", "PageNumber ... Default: 1"."""
    size = DEFAULT_PAGE_SIZE if page_size is None else page_size
    number = 1 if page_number is None else page_number
    return size, number, (number - 1) * size


def _listing(rows: list, total: int, number: int) -> dict:
    return {"num_results": len(rows), "total_num_results": total, "page_number": number}


def check_not_held(current: rules.Held | None, worker_id: str, type_id: str) -> None:
    """Legacy AssignQualification "gives a Worker a Qualification"; for a worker who already holds it MTurk
    answered AWS.MechanicalTurk.QualificationAlreadyExists (oTree caught and ignored it; scores were changed
    with UpdateQualificationScore). A revoked qualification is granted again (openturk choice, as
    AssociateQualificationWithWorker does)."""
    if current is not None and current.status == "Granted":
        raise errors.qualification_already_exists(worker_id, type_id)


def assign_qualification(ctx: Ctx, *, qualification_type_id: str, worker_id: str, integer_value: int | None = None,
                         send_notification: bool | None = None) -> dict:
    """AssignQualification: IntegerValue defaults to 1, SendNotification to true; only the type's owner."""
    type_row = owned_type(ctx, qualification_type_id)
    worker_id = rules.check_worker_id(worker_id)
    assign(ctx, type_row, worker_id, 1 if integer_value is None else integer_value,
           notify=send_notification is not False, source="AssignQualification",
           check=lambda held: check_not_held(held, worker_id, qualification_type_id))
    return {}


def update_qualification_score(ctx: Ctx, *, qualification_type_id: str, worker_id: str, integer_value: int) -> dict:
    """UpdateQualificationScore (2012-03-25): "The UpdateQualificationScore operation changes the value of a
    Qualification previously granted to a Worker. Only the owner of a Qualification type can update the
    score of a Qualification of that type. The Worker must have already been granted a Qualification of the
    given Qualification type before the score can be updated." Never granted → QualificationDoesNotExist;
    revoked → InvalidQualificationState (the rule GetQualificationScore applies). GrantTime is kept; the
    worker is not told (the operation has no SendNotification)."""
    type_row = owned_type(ctx, qualification_type_id)
    worker_id = rules.check_worker_id(worker_id)
    assign(ctx, type_row, worker_id, integer_value, notify=False, source="UpdateQualificationScore",
           check=rules.readable_score)
    return {}


def search_qualification_types(ctx: Ctx, *, must_be_requestable: bool, query: str | None = None,
                               must_be_owned_by_caller: bool | None = None, sort_property: str | None = None,
                               sort_direction: str | None = None, page_size: int | None = None,
                               page_number: int | None = None) -> dict:
    """SearchQualificationTypes: the types ListQualificationTypes would list (same filters), sorted by Name
    — "SortProperty ... Valid Values: Name"; any other value also sorts by Name (openturk choice) —
    "SortDirection ... Default: Descending"."""
    type_rules.check_query(query)
    size, number, offset = _page(page_size, page_number)
    owner = ctx.caller.requester_id if must_be_owned_by_caller else None
    filters = {"requestable_only": must_be_requestable, "owner_id": owner, "query": query}
    total = queries.count_qualification_types(ctx.conn, **filters)
    descending = sort_direction != ASCENDING
    listing = ("SearchQualificationTypes", ctx.caller.requester_id, must_be_requestable, owner, query, descending,
               size)
    rows = read_page(listing, number, lambda after: queries.qualification_types_by_name(
        ctx.conn, **filters, descending=descending, offset=offset, limit=size, after=after),
        key=lambda row: (row["name"], row["seq"]))
    caller = ctx.caller.requester_id
    return {**_listing(rows, total, number), "qualification_types": [present_type(r, caller) for r in rows]}


def get_qualification_requests(ctx: Ctx, *, qualification_type_id: str | None = None, sort_property: str | None = None,
                               sort_direction: str | None = None, page_size: int | None = None,
                               page_number: int | None = None) -> dict:
    """GetQualificationRequests: the requests ListQualificationRequests would list (waiting for the owner;
    without a type, all of the caller's types). "SortProperty ... QualificationTypeId | SubmitTime ...
    Default: SubmitTime" — any other value (boto 2 sends `Expiration`) sorts by SubmitTime (openturk
    choice); "SortDirection ... Default: Ascending"."""
    if qualification_type_id is not None:
        owned_type(ctx, qualification_type_id, allow_disposing=True)
    size, number, offset = _page(page_size, page_number)
    owner = ctx.caller.requester_id
    total = rq.count_pending_requests(ctx.conn, owner_id=owner, type_id=qualification_type_id)
    by_type_id, descending = sort_property == "QualificationTypeId", sort_direction == DESCENDING
    columns = rq.pending_key(by_type_id)
    listing = ("GetQualificationRequests", owner, qualification_type_id, by_type_id, descending, size)
    rows = read_page(listing, number, lambda after: rq.pending_requests_at(
        ctx.conn, owner_id=owner, type_id=qualification_type_id, by_type_id=by_type_id, descending=descending,
        offset=offset, limit=size, after=after), key=lambda row: tuple(row[c] for c in columns))
    return {**_listing(rows, total, number), "qualification_requests": [present_request(r) for r in rows]}


def get_qualifications_for_qualification_type(ctx: Ctx, *, qualification_type_id: str, status: str | None = None,
                                              page_size: int | None = None, page_number: int | None = None) -> dict:
    """GetQualificationsForQualificationType: the qualifications ListWorkersWithQualificationType would list
    ("Status ... Default: Granted"; owner only), in order of first grant, with TotalNumResults."""
    owned_type(ctx, qualification_type_id, allow_disposing=True)
    status = status or "Granted"
    size, number, offset = _page(page_size, page_number)
    total = wq.count_holders(ctx.conn, qualification_type_id, status)
    listing = ("GetQualificationsForQualificationType", qualification_type_id, status, size)
    rows = read_page(listing, number, lambda after: wq.holders_at(ctx.conn, qualification_type_id, status, offset,
                                                                 size, after), key=lambda row: (row["seq"],))
    return {**_listing(rows, total, number), "qualifications": [present_qualification(r) for r in rows]}


def get_blocked_workers(ctx: Ctx, *, page_size: int | None = None, page_number: int | None = None) -> dict:
    """GetBlockedWorkers: "retrieves a list of Workers who are blocked from working on your HITs", in the order
    they were blocked, with TotalNumResults."""
    size, number, offset = _page(page_size, page_number)
    requester = ctx.caller.requester_id
    total = wq.count_blocks(ctx.conn, requester)
    rows = read_page(("GetBlockedWorkers", requester, size), number,
                     lambda after: wq.blocks_at(ctx.conn, requester, offset, size, after), key=lambda row: (row["seq"],))
    return {**_listing(rows, total, number),
            "worker_blocks": [{"worker_id": r["worker_id"], "reason": r["reason"]} for r in rows]}
