"""CreateHITType, CreateHIT, CreateHITWithHITType, GetHIT, ListHITs, ListHITsForQualificationType,
ListReviewableHITs, UpdateExpirationForHIT, UpdateHITReviewStatus, UpdateHITTypeOfHIT, DeleteHIT,
CreateAdditionalAssignmentsForHIT."""

from __future__ import annotations

from botocore import xform_name

from .. import errors, ids
from ..domain import hits as rules
from ..domain import money
from ..domain import requirements as req_rules
from ..store import assignment_queries as aq
from ..store import hit_queries as hq
from ..store import queries
from ..xml.questions import parse_question
from . import pagination
from .context import Conflict, Ctx
from .notifications import emit
from .presenters import hit as present_hit
from .qualification_types import disposal_finished
from .registry import operation

TOKEN_HIT, TOKEN_ASSIGNMENTS = "HIT", "Assignments"
HITS = xform_name("HITs")   # the list member of ListHITs & co. under the serialiser's snake_case name


# -- reading --------------------------------------------------------------------------------------

def counts(ctx: Ctx, row) -> rules.Counts:
    """The HIT's assignments by state as of now (abandoned ones no longer count; auto-approved ones are
    completed)."""
    pending, submitted, completed = aq.hit_counts(ctx.conn, row["hit_id"], ctx.now_ms)
    return rules.Counts(pending, submitted, completed)


def counts_of(ctx: Ctx, rows) -> dict[str, rules.Counts]:
    """`counts` of several HITs, in one query."""
    return {hit_id: rules.Counts(*n) for hit_id, n in
            aq.hit_counts_of(ctx.conn, [row["hit_id"] for row in rows], ctx.now_ms).items()}


def hit_state(ctx: Ctx, row, counted: rules.Counts | None = None) -> rules.State:
    """The HIT's state now; `counted`: its `counts`, if they were read already."""
    return rules.state(max_assignments=row["max_assignments"], expiration_ms=row["expiration_ms"],
                       reviewing=row["reviewing"], disposed=row["disposed_ms"] is not None,
                       counts=counts(ctx, row) if counted is None else counted, now_ms=ctx.now_ms)


def present(ctx: Ctx, row, counted: rules.Counts | None = None) -> dict:
    return present_hit(row, hit_state(ctx, row, counted))


def owned_hit(ctx: Ctx, hit_id: str, *, lock: bool = False):
    """The caller's HIT, or HITDoesNotExist (another requester's HIT does not exist for the caller)."""
    row = hq.hit(ctx.conn, hit_id, for_update=lock)
    if row is None or row["requester_id"] != ctx.caller.requester_id:
        raise errors.hit_does_not_exist(hit_id)
    return row


def _live_hit(ctx: Ctx, hit_id: str):
    """The caller's HIT, locked, that is not disposed."""
    row = owned_hit(ctx, hit_id, lock=True)
    if row["disposed_ms"] is not None:
        raise errors.invalid_hit_state("Disposed", "Assignable,Unassignable,Reviewable,Reviewing")
    return row


def _settle(ctx: Ctx, hit_id: str) -> None:
    from .assignments import settle_hit
    settle_hit(ctx, hit_id)


# -- requirements and HIT types -------------------------------------------------------------------

def check_usable(ctx: Ctx, requirements: tuple[req_rules.Requirement, ...]) -> None:
    """"A requirement on a type that does not exist, is Disposing, or is Inactive" is refused: "Inactive
    types cannot be used in new HIT requirements"; a deleted type can no longer be used "to create HITs or
    HIT types". Any requester's type may be used, as on MTurk."""
    for index, requirement in enumerate(requirements, 1):
        type_id = requirement.qualification_type_id
        row = queries.qualification_type_by_id(ctx.conn, type_id)
        if row is None or row["status"] == "Disposing":
            # Only the owner learns that it was deleted: to others a Disposing type does not exist.
            deleted = row is not None and row["owner_id"] == ctx.caller.requester_id
            raise errors.request_error(
                errors.Code.QUALIFICATION_TYPE_DOES_NOT_EXIST,
                f"QualificationRequirements.{index}: the QualificationType {type_id} does not exist"
                + (" (it has been deleted)" if deleted else ""))
        if row["status"] == "Inactive":
            raise errors.invalid_value(f"QualificationRequirements.{index}",
                                       f"the QualificationType {type_id} is Inactive, and an Inactive type "
                                       "cannot be used in new HIT requirements")


def _hit_type_row(ctx: Ctx, *, title: str, description: str, reward: str, assignment_duration_in_seconds: int,
                  auto_approval_delay_in_seconds: int | None = None, keywords: str | None = None,
                  qualification_requirements: list | None = None) -> dict:
    """The caller's HIT type with these values: an existing one with equal values, else a new one."""
    reward_cents = money.parse_amount(reward)
    requirements = req_rules.check_requirements(qualification_requirements)
    values = rules.type_values(title=title, description=description, keywords=keywords, reward_cents=reward_cents,
                               assignment_duration_in_seconds=assignment_duration_in_seconds,
                               auto_approval_delay_in_seconds=auto_approval_delay_in_seconds,
                               requirements_json=req_rules.to_json(requirements))
    check_usable(ctx, requirements)
    owner = ctx.caller.requester_id
    fingerprint = values.fingerprint()
    existing = hq.hit_type_by_fingerprint(ctx.conn, owner, fingerprint)
    if existing is not None:
        return existing
    hit_type_id = ids.hit_type_id()
    inserted = hq.insert_hit_type(
        ctx.conn, [r.qualification_type_id for r in requirements], hit_type_id=hit_type_id, requester_id=owner,
        fingerprint=fingerprint, title=values.title, description=values.description, keywords=values.keywords,
        reward_cents=values.reward_cents, assignment_duration_in_seconds=values.assignment_duration_in_seconds,
        auto_approval_delay_in_seconds=values.auto_approval_delay_in_seconds,
        qualification_requirements=values.requirements_json, masters=req_rules.requires_masters(requirements),
        created_ms=ctx.now_ms)
    if not inserted:   # a concurrent call created the same type first
        existing = hq.hit_type_by_fingerprint(ctx.conn, owner, fingerprint)
        if existing is None:
            raise Conflict()
        return existing
    return hq.hit_type(ctx.conn, hit_type_id)


def _owned_hit_type(ctx: Ctx, hit_type_id: str) -> dict:
    row = hq.hit_type(ctx.conn, hit_type_id)
    if row is None or row["requester_id"] != ctx.caller.requester_id:
        raise errors.hit_type_does_not_exist(hit_type_id)
    check_usable(ctx, req_rules.cached_from_json(row["qualification_requirements"]))
    return row


@operation("CreateHITType")
def create_hit_type(ctx: Ctx, **values) -> dict:
    """"The CreateHITType operation creates a new HIT type. This operation allows you to define a standard
    set of HIT properties to use when creating HITs. If you register a HIT type with values that match an
    existing HIT type, the HIT type ID of the existing type will be returned." """
    return {"hit_type_id": _hit_type_row(ctx, **values)["hit_type_id"]}


# -- creating HITs --------------------------------------------------------------------------------

def _claim(ctx: Ctx, scope: str, token: str | None, hit_id: str) -> None:
    """UniqueRequestToken: "if the call fails ... you can retry it with the same token ... a request with
    the same token within 24 hours will not create a duplicate" — the earlier HIT is named instead."""
    if token is None:
        return
    earlier = hq.claim_token(ctx.conn, ctx.caller.requester_id, scope, token, ctx.now_ms, hit_id,
                             ctx.now_ms - rules.TOKEN_SECONDS * 1000)
    if earlier is not None:
        raise errors.hit_already_exists(earlier["hit_id"], token, assignments=scope == TOKEN_ASSIGNMENTS)


def _debit(ctx: Ctx, amount_cents: int, hit_id: str, note: str) -> None:
    """Reserve from the balance, or InsufficientFunds and nothing done."""
    owner = ctx.caller.requester_id
    if not hq.debit(ctx.conn, owner, amount_cents, now_ms=ctx.now_ms, kind="Reserve", hit_id=hit_id, note=note):
        available = queries.requester_by_id(ctx.conn, owner)["balance_cents"]
        raise errors.insufficient_funds(money.format_cents(amount_cents), money.format_cents(available))


def _create_hit(ctx: Ctx, type_row: dict, *, lifetime_in_seconds: int, max_assignments: int | None = None,
                question: str | None = None, requester_annotation: str | None = None,
                unique_request_token: str | None = None, assignment_review_policy: dict | None = None,
                hit_review_policy: dict | None = None, hit_layout_id: str | None = None,
                hit_layout_parameters: list | None = None) -> dict:
    if hit_layout_id is not None or hit_layout_parameters:
        raise errors.not_supported_parameter(
            "HITLayoutId" if hit_layout_id is not None else "HITLayoutParameters",
            "this server has no HIT layouts (they were made in MTurk's requester website); send the Question "
            "instead: an ExternalQuestion, HTMLQuestion or QuestionForm")
    if assignment_review_policy is not None or hit_review_policy is not None:
        raise errors.not_supported_parameter(
            "AssignmentReviewPolicy" if assignment_review_policy is not None else "HITReviewPolicy",
            "this server has no review policies; review assignments with ApproveAssignment and RejectAssignment")
    if question is None:
        raise errors.missing_parameter("Question")
    parse_question(question)
    rules.check_seconds("LifetimeInSeconds", lifetime_in_seconds, rules.MIN_SECONDS, rules.MAX_SECONDS)
    max_assignments = rules.check_max_assignments(max_assignments)
    rules.check_text("RequesterAnnotation", requester_annotation, rules.MAX_ANNOTATION, required=False)
    hit_id = ids.hit_id()
    _claim(ctx, TOKEN_HIT, unique_request_token, hit_id)
    cost = money.hit_cost(type_row["reward_cents"], max_assignments, type_row["masters"])
    _debit(ctx, cost, hit_id, f"{max_assignments} assignments")
    hq.insert_hit(ctx.conn, hit_id=hit_id, hit_type_id=type_row["hit_type_id"], requester_id=ctx.caller.requester_id,
                  question=question, requester_annotation=requester_annotation, max_assignments=max_assignments,
                  creation_ms=ctx.now_ms, expiration_ms=ctx.now_ms + lifetime_in_seconds * 1000, reviewing=False,
                  review_status="NotReviewed", disposed_ms=None, reserved_cents=cost, version=1,
                  noted_expiration_ms=None)
    emit(ctx, "HITCreated", hit_type_id=type_row["hit_type_id"], hit_id=hit_id)
    return {"hit": present(ctx, hq.hit(ctx.conn, hit_id))}


TYPE_PARAMETERS = ("title", "description", "reward", "assignment_duration_in_seconds",
                   "auto_approval_delay_in_seconds", "keywords", "qualification_requirements")


@operation("CreateHIT")
def create_hit(ctx: Ctx, **params) -> dict:
    """"The CreateHIT operation creates a new Human Intelligence Task (HIT). The new HIT is made available
    for Workers to find and accept on the Amazon Mechanical Turk website." Its HIT type is the caller's type
    with the same properties, created if there is none."""
    type_params = {name: params.pop(name) for name in TYPE_PARAMETERS if name in params}
    return _create_hit(ctx, _hit_type_row(ctx, **type_params), **params)


@operation("CreateHITWithHITType")
def create_hit_with_hit_type(ctx: Ctx, *, hit_type_id: str, **params) -> dict:
    """"The CreateHITWithHITType operation creates a new Human Intelligence Task (HIT) using an existing
    HITTypeID generated by the CreateHITType operation." """
    return _create_hit(ctx, _owned_hit_type(ctx, hit_type_id), **params)


@operation("CreateAdditionalAssignmentsForHIT")
def create_additional_assignments_for_hit(ctx: Ctx, *, hit_id: str, number_of_additional_assignments: int,
                                          unique_request_token: str | None = None) -> dict:
    """"The CreateAdditionalAssignmentsForHIT operation increases the maximum number of assignments of an
    existing HIT." The added assignments are reserved from the balance like the first ones."""
    row = _live_hit(ctx, hit_id)
    # The token first: a retry of a request that succeeded is answered as one, whatever acting again would
    # now break (5 + 4 assignments, retried, would cross 10). A refused request leaves no token behind
    # (the transaction is rolled back).
    _claim(ctx, TOKEN_ASSIGNMENTS, unique_request_token, hit_id)
    total = rules.check_additional(row["max_assignments"], number_of_additional_assignments)
    cost = money.assignment_cost(row["reward_cents"], total, row["masters"]) * number_of_additional_assignments
    _debit(ctx, cost, hit_id, f"{number_of_additional_assignments} additional assignments")
    if not hq.update_hit(ctx.conn, row, max_assignments=total, reserved_cents=row["reserved_cents"] + cost):
        raise Conflict()
    emit(ctx, "HITExtended", hit_type_id=row["hit_type_id"], hit_id=hit_id)
    return {}


# -- reading HITs ---------------------------------------------------------------------------------

@operation("GetHIT")
def get_hit(ctx: Ctx, *, hit_id: str) -> dict:
    """"The GetHIT operation retrieves the details of the specified HIT." """
    return {"hit": present(ctx, owned_hit(ctx, hit_id))}


def _page(ctx: Ctx, filters: dict, next_token: str | None, max_results: int | None, fetch, keep=None) -> dict:
    """One page of HITs (keyset on `seq`). `keep(row, counts)`, if given, filters what SQL could not: the scan
    goes on until the page is full or the HITs run out, so a page is never short while more remain. The
    assignments of each batch of HITs are counted in one query."""
    limit = max_results or pagination.DEFAULT_PAGE_SIZE
    filters = {**filters, "r": ctx.caller.requester_id}      # a token is the caller's alone
    after = pagination.read_token(ctx.token_key, next_token, filters)
    found: list = []
    counted: dict[str, rules.Counts] = {}
    while len(found) <= limit:
        batch = fetch(after, limit + 1)
        counted.update(counts_of(ctx, batch))
        found += batch if keep is None else [row for row in batch if keep(row, counted[row["hit_id"]])]
        if len(batch) < limit + 1:
            break
        after = batch[-1]["seq"]
    rows, token, more = pagination.mturk_page(found[:limit + 1], limit, ctx.token_key, filters, lambda row: row["seq"])
    return {"num_results": len(rows), "next_token": token, "more": more,
            HITS: [present(ctx, row, counted[row["hit_id"]]) for row in rows]}


@operation("ListHITs")
def list_hits(ctx: Ctx, *, next_token: str | None = None, max_results: int | None = None) -> dict:
    """"The ListHITs operation returns all of a Requester's HITs. The operation returns HITs of any status,
    except for HITs that have been deleted of with the DeleteHIT operation or that have been auto-deleted." """
    owner = ctx.caller.requester_id
    return _page(ctx, {"op": "ListHITs"}, next_token, max_results,
                 lambda after, n: hq.list_hits(ctx.conn, owner, after_seq=after, limit=n))


@operation("ListHITsForQualificationType")
def list_hits_for_qualification_type(ctx: Ctx, *, qualification_type_id: str, next_token: str | None = None,
                                     max_results: int | None = None) -> dict:
    """"The ListHITsForQualificationType operation returns the HITs that use the given Qualification type
    for a Qualification requirement." The caller's HITs that are not disposed, also while the type is
    being disposed of (it stays Disposing as long as they exist)."""
    row = queries.qualification_type_by_id(ctx.conn, qualification_type_id)
    if row is None or disposal_finished(ctx, row):
        raise errors.qualification_type_does_not_exist(qualification_type_id)
    owner = ctx.caller.requester_id
    return _page(ctx, {"op": "ListHITsForQualificationType", "t": qualification_type_id}, next_token, max_results,
                 lambda after, n: hq.list_hits(ctx.conn, owner, after_seq=after, limit=n,
                                               qualification_type_id=qualification_type_id))


@operation("ListReviewableHITs")
def list_reviewable_hits(ctx: Ctx, *, hit_type_id: str | None = None, status: str | None = None,
                          next_token: str | None = None, max_results: int | None = None) -> dict:
    """"The ListReviewableHITs operation retrieves the HITs with Status equal to Reviewable or Status equal
    to Reviewing that belong to the Requester calling the operation." Status defaults to Reviewable."""
    status = status or "Reviewable"
    owner = ctx.caller.requester_id
    return _page(ctx, {"op": "ListReviewableHITs", "t": hit_type_id, "s": status}, next_token, max_results,
                 lambda after, n: hq.list_hits(ctx.conn, owner, after_seq=after, limit=n, hit_type_id=hit_type_id,
                                               reviewing=status == "Reviewing"),
                 keep=lambda row, counted: hit_state(ctx, row, counted).status == status)


# -- changing HITs --------------------------------------------------------------------------------

@operation("UpdateExpirationForHIT")
def update_expiration_for_hit(ctx: Ctx, *, hit_id: str, expire_at: int) -> dict:
    """"The UpdateExpirationForHIT operation allows you update the expiration time of a HIT. If you update it
    to a time in the past, the HIT will be immediately expired." A future time extends (or shortens) it, up
    to the longest lifetime from now; an extended HIT is no longer being reviewed."""
    row = _live_hit(ctx, hit_id)
    if expire_at <= ctx.now_ms:
        expiration, reviewing = min(row["expiration_ms"], ctx.now_ms), row["reviewing"]
    else:
        latest = ctx.now_ms + rules.MAX_SECONDS * 1000
        if expire_at > latest:
            raise errors.invalid_value("ExpireAt", f"it must be at most {rules.MAX_SECONDS} seconds (365 days) "
                                                   "from now")
        expiration, reviewing = expire_at, False
    # An extension makes a new expiration to announce; an expiry now is announced now.
    noted = expiration if expire_at <= ctx.now_ms else None
    if not hq.update_hit(ctx.conn, row, expiration_ms=expiration, reviewing=reviewing, noted_expiration_ms=noted):
        raise Conflict()
    if noted is None:
        emit(ctx, "HITExtended", hit_type_id=row["hit_type_id"], hit_id=hit_id)
    elif row["noted_expiration_ms"] != expiration:
        announce_expiry(ctx, hq.hit(ctx.conn, hit_id))
    return {}


def announce_expiry(ctx: Ctx, row) -> None:
    """HITExpired, and HITReviewable if the expiry made the HIT Reviewable (assignments were left unused;
    when all were taken, HITReviewable comes with the last submission instead)."""
    emit(ctx, "HITExpired", hit_type_id=row["hit_type_id"], hit_id=row["hit_id"])
    counts_now = counts(ctx, row)
    used = counts_now.pending + counts_now.submitted + counts_now.completed
    if hit_state(ctx, row).status == "Reviewable" and used < row["max_assignments"]:
        emit(ctx, "HITReviewable", hit_type_id=row["hit_type_id"], hit_id=row["hit_id"])


def announce_if_reviewable(ctx: Ctx, hit_id: str) -> None:
    """After a change to one of its assignments: HITReviewable if the HIT is Reviewable now."""
    row = hq.hit(ctx.conn, hit_id)
    if hit_state(ctx, row).status == "Reviewable":
        emit(ctx, "HITReviewable", hit_type_id=row["hit_type_id"], hit_id=hit_id)


def sweep_expired(ctx: Ctx, limit: int = 500) -> int:
    """The sweeper: announce every HIT that expired since its expiration was last noted, once."""
    done = 0
    for row in hq.expired_unnoted(ctx.conn, ctx.now_ms, limit):
        if not hq.update_hit(ctx.conn, row, noted_expiration_ms=row["expiration_ms"]):
            raise Conflict()
        announce_expiry(ctx, row)
        done += 1
    return done


@operation("UpdateHITReviewStatus")
def update_hit_review_status(ctx: Ctx, *, hit_id: str, revert: bool | None = None) -> dict:
    """"The UpdateHITReviewStatus operation updates the status of a HIT. If the status is Reviewable, this
    operation can update the status to Reviewing, or it can revert a Reviewing HIT back to the Reviewable
    status." """
    row = _live_hit(ctx, hit_id)
    new = rules.check_review_transition(hit_state(ctx, row).status, bool(revert))
    if not hq.update_hit(ctx.conn, row, reviewing=new == "Reviewing"):
        raise Conflict()
    return {}


@operation("UpdateHITTypeOfHIT")
def update_hit_type_of_hit(ctx: Ctx, *, hit_id: str, hit_type_id: str) -> dict:
    """"The UpdateHITTypeOfHIT operation allows you to change the HITType properties of a HIT. This operation
    disassociates the HIT from its old HITType properties and associates it with the new HITType
    properties. The HIT takes on the properties of the new HITType in place of the old ones." What the HIT
    reserves follows the new reward: the difference is reserved or given back."""
    row = _live_hit(ctx, hit_id)
    new_type = _owned_hit_type(ctx, hit_type_id)
    _settle(ctx, hit_id)
    row = _live_hit(ctx, hit_id)
    # What is still reserved: the assignments not yet paid or rejected, at the new reward.
    unpaid = row["max_assignments"] - aq.consumed_reservations(ctx.conn, hit_id)
    reserved = money.assignment_cost(new_type["reward_cents"], row["max_assignments"], new_type["masters"]) * unpaid
    difference = reserved - row["reserved_cents"]
    if difference > 0:
        _debit(ctx, difference, hit_id, f"HIT type changed to {hit_type_id}")
    elif difference < 0:
        hq.credit(ctx.conn, ctx.caller.requester_id, -difference, now_ms=ctx.now_ms, kind="Refund", hit_id=hit_id,
                  note=f"HIT type changed to {hit_type_id}")
    if not hq.update_hit(ctx.conn, row, hit_type_id=hit_type_id, reserved_cents=reserved):
        raise Conflict()
    return {}


@operation("DeleteHIT")
def delete_hit(ctx: Ctx, *, hit_id: str) -> dict:
    """"The DeleteHIT operation is used to delete HIT that is no longer needed. Only the Requester who
    created the HIT can delete it. You can only dispose of HITs that are in the Reviewable state, with all
    of their submitted assignments already either approved or rejected." What its unused assignments
    reserved goes back to the balance."""
    row = _live_hit(ctx, hit_id)
    rules.check_deletable(hit_state(ctx, row), counts(ctx, row))
    _settle(ctx, hit_id)        # auto-approvals are paid from the reservation before the rest goes back
    row = _live_hit(ctx, hit_id)
    if row["reserved_cents"]:
        hq.credit(ctx.conn, ctx.caller.requester_id, row["reserved_cents"], now_ms=ctx.now_ms, kind="Refund",
                  hit_id=hit_id, note="unused assignments of a deleted HIT")
    if not hq.update_hit(ctx.conn, row, disposed_ms=ctx.now_ms, reserved_cents=0):
        raise Conflict()
    emit(ctx, "HITDisposed", hit_type_id=row["hit_type_id"], hit_id=hit_id)
    return {}
