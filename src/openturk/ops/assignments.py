"""GetAssignment, ListAssignmentsForHIT, ApproveAssignment, RejectAssignment, SendBonus, ListBonusPayments,
NotifyWorkers — and what every front end shares about assignments: presenting them, paying them, and the
sweeper that records what the clock decided (abandonment, auto-approval).

Money (docs/compatibility.md): creating a HIT reserved every assignment's reward and fee. Approving an
assignment releases its reservation and pays its Reward and Fee (three ledger entries that net to zero);
rejecting it gives its reservation back; overriding a rejection reserves it again and pays. A bonus is
paid from the balance with its fee. Each entry carries the assignment or bonus it is for, and a unique
(kind, ref) makes paying anything twice impossible.
"""

from __future__ import annotations

from .. import errors, ids
from ..domain import assignments as rules
from ..domain import money
from ..domain.qualifications import check_worker_id
from ..store import assignment_queries as aq
from ..store import hit_queries as hq
from ..store import queries
from ..store import worker_queries as wq
from . import pagination
from .context import Conflict, Ctx
from .hits import announce_if_reviewable, owned_hit, sweep_expired
from .hits import present as present_hit
from .notifications import emit
from .registry import operation

TOKEN_BONUS = "Bonus"
SWEEP_BATCH = 500


# -- presenting -----------------------------------------------------------------------------------

def present(row: dict, now_ms: int) -> dict:
    """An Assignment structure. `AssignmentStatus` as of now (an auto-approved assignment is Approved)."""
    status = rules.effective_status(row, now_ms)
    return {
        "assignment_id": row["assignment_id"],
        "worker_id": row["worker_id"],
        "hit_id": row["hit_id"],
        "assignment_status": status,
        "auto_approval_time": row["auto_approval_ms"],
        "accept_time": row["accept_ms"],
        "submit_time": row["submit_ms"],
        "approval_time": rules.approval_time(row, now_ms),
        "rejection_time": row["decision_ms"] if status == "Rejected" else None,
        "deadline": row["deadline_ms"],
        "answer": row["answer"],
        "requester_feedback": row["requester_feedback"],
    }


def present_bonus(row: dict) -> dict:
    return {"worker_id": row["worker_id"], "bonus_amount": money.format_cents(row["amount_cents"]),
            "assignment_id": row["assignment_id"], "reason": row["reason"], "grant_time": row["grant_ms"]}


def _owned_assignment(ctx: Ctx, assignment_id: str) -> dict:
    """The caller's submitted (or decided) assignment with its HIT; AssignmentDoesNotExist otherwise.
    openturk choice: an assignment still being worked on, returned or abandoned does not exist for the
    requester (the 2017 API's AssignmentStatus has only Submitted, Approved and Rejected)."""
    row = aq.assignment_with_hit(ctx.conn, assignment_id)
    if (row is None or row["requester_id"] != ctx.caller.requester_id
            or rules.effective_status(row, ctx.now_ms) not in rules.VISIBLE):
        raise errors.assignment_does_not_exist(assignment_id)
    return row


# -- paying ---------------------------------------------------------------------------------------

def _cost(row: dict) -> tuple[int, int]:
    """(reward, fee) of one assignment of the HIT, as its reservation was made."""
    reward = row["hit_reward_cents"]
    return reward, money.fee_cents(reward, money.fee_percent(row["max_assignments"], row["masters"]))


def pay(ctx: Ctx, row: dict, *, reserve: bool = False) -> int:
    """Pay an approved assignment: release its reservation, pay its Reward and Fee. `reserve`: it holds no
    reservation any more (a rejection gave it back), so reserve it again first — InsufficientFunds if the
    balance cannot cover it. Returns the reward paid."""
    reward, fee = _cost(row)
    owner, aid, hit_id = row["requester_id"], row["assignment_id"], row["hit_id"]
    if reserve:
        if not hq.debit(ctx.conn, owner, reward + fee, now_ms=ctx.now_ms, kind="Reserve", hit_id=hit_id,
                        note="approval of a rejected assignment", ref=aid):
            available = queries.requester_by_id(ctx.conn, owner)["balance_cents"]
            raise errors.insufficient_funds(money.format_cents(reward + fee), money.format_cents(available))
    elif not hq.take_reserved(ctx.conn, hit_id, reward + fee):
        raise errors.service_fault(f"HIT {hit_id} has not reserved the cost of assignment {aid}")
    for kind, amount in (("Release", reward + fee), ("Reward", -reward), ("Fee", -fee)):
        if not aq.entry(ctx.conn, owner, kind, amount, now_ms=ctx.now_ms, hit_id=hit_id, ref=aid,
                        note=f"assignment {aid}"):
            raise Conflict()     # paid by a concurrent call: re-run, which then sees it decided
    return reward


def _give_back(ctx: Ctx, row: dict) -> None:
    """A rejected assignment's reservation goes back to the balance."""
    reward, fee = _cost(row)
    if not hq.take_reserved(ctx.conn, row["hit_id"], reward + fee):
        raise errors.service_fault(f"HIT {row['hit_id']} has not reserved assignment {row['assignment_id']}")
    hq.credit(ctx.conn, row["requester_id"], reward + fee, now_ms=ctx.now_ms, kind="Refund", hit_id=row["hit_id"],
              note=f"rejected assignment {row['assignment_id']}", ref=row["assignment_id"])


# -- what the clock decided -----------------------------------------------------------------------

def record_abandoned(ctx: Ctx, row: dict) -> bool:
    """An Accepted assignment past its deadline becomes Abandoned (its slot is available again)."""
    if not aq.update_assignment(ctx.conn, row, status="Abandoned", end_ms=row["deadline_ms"]):
        return False
    aq.count(ctx.conn, row["worker_id"], "abandoned")
    hit = hq.hit(ctx.conn, row["hit_id"])
    emit(ctx, "AssignmentAbandoned", hit_type_id=hit["hit_type_id"], hit_id=row["hit_id"],
         assignment_id=row["assignment_id"])
    announce_if_reviewable(ctx, row["hit_id"])
    return True


def record_auto_approval(ctx: Ctx, row: dict) -> bool:
    """A Submitted assignment past its AutoApprovalTime becomes Approved, and is paid, as of that time."""
    full = aq.assignment_with_hit(ctx.conn, row["assignment_id"])
    if full is None or full["version"] != row["version"]:
        return False
    reward = pay(ctx, full)
    if not aq.update_assignment(ctx.conn, full, status="Approved", decision_ms=full["auto_approval_ms"],
                                reward_cents=reward):
        raise Conflict()
    aq.count(ctx.conn, full["worker_id"], "approved")
    emit(ctx, "AssignmentApproved", hit_type_id=full["hit_type_id"], hit_id=full["hit_id"],
         assignment_id=full["assignment_id"])
    return True


def settle(ctx: Ctx, rows: list[dict]) -> int:
    """Record the clock's decisions on these assignments (idempotent). Returns how many it recorded."""
    done = 0
    for row in rows:
        status = rules.effective_status(row, ctx.now_ms)
        if status == row["status"]:
            continue
        if status == "Abandoned":
            done += record_abandoned(ctx, row)
        elif status == "Approved":
            done += record_auto_approval(ctx, row)
    return done


def settle_hit(ctx: Ctx, hit_id: str) -> None:
    """Record what the clock decided for the HIT's assignments, before its reservation is looked at."""
    rows = aq.list_for_hit(ctx.conn, hit_id, ("Approved",), ctx.now_ms, 0, 1_000_000)
    settle(ctx, [r for r in rows if r["status"] == "Submitted"])


def sweep(ctx: Ctx) -> int:
    """The sweeper: record abandoned and auto-approved assignments and announce expired HITs (a batch at a
    time; idempotent: each is recorded, and its events emitted, once)."""
    return (settle(ctx, aq.overdue_accepted(ctx.conn, ctx.now_ms, SWEEP_BATCH))
            + settle(ctx, aq.due_for_approval(ctx.conn, ctx.now_ms, SWEEP_BATCH))
            + sweep_expired(ctx, SWEEP_BATCH))


# -- the requester's operations -------------------------------------------------------------------

@operation("GetAssignment")
def get_assignment(ctx: Ctx, *, assignment_id: str) -> dict:
    """"The GetAssignment operation retrieves the details of the specified Assignment." With its HIT."""
    row = _owned_assignment(ctx, assignment_id)
    return {"assignment": present(row, ctx.now_ms), "hit": present_hit(ctx, owned_hit(ctx, row["hit_id"]))}


@operation("ListAssignmentsForHIT")
def list_assignments_for_hit(ctx: Ctx, *, hit_id: str, next_token: str | None = None,
                             max_results: int | None = None, assignment_statuses: list | None = None) -> dict:
    """"The ListAssignmentsForHIT operation retrieves completed assignments for a HIT. ... You can use this
    operation to retrieve the assignments for a HIT at any time, even if the HIT is not in the Reviewable
    state." AssignmentStatuses filters (all three by default); oldest first."""
    owned_hit(ctx, hit_id)
    statuses = tuple(sorted(set(assignment_statuses or rules.VISIBLE)))
    limit = max_results or pagination.DEFAULT_PAGE_SIZE
    filters = {"op": "ListAssignmentsForHIT", "h": hit_id, "s": list(statuses), "r": ctx.caller.requester_id}
    after = pagination.read_token(ctx.token_key, next_token, filters)
    rows = aq.list_for_hit(ctx.conn, hit_id, statuses, ctx.now_ms, after, limit + 1)
    rows, token, more = pagination.mturk_page(rows, limit, ctx.token_key, filters, lambda row: row["seq"])
    return {"next_token": token, "more": more, "num_results": len(rows),
            "assignments": [present(row, ctx.now_ms) for row in rows]}


@operation("ApproveAssignment")
def approve_assignment(ctx: Ctx, *, assignment_id: str, requester_feedback: str | None = None,
                       override_rejection: bool | None = None) -> dict:
    """"The ApproveAssignment operation approves the results of a completed assignment. Approving an
    assignment initiates two payments from the Requester's Amazon.com account: the Worker who submitted
    the results is paid the reward specified in the HIT, and Amazon Mechanical Turk fees are debited. ...
    If the Requester's account does not have adequate funds for these payments, the call to
    ApproveAssignment returns an exception, and the approval is not processed. You can include an optional
    feedback message with the approval, which the Worker can see in the Status section of the web site.
    You can also call this operation for assignments that were previous rejected and approve them by
    explicitly overriding the previous rejection. This only works on rejected assignments that were
    submitted within the previous 30 days and only if the assignment's related HIT has not been deleted." """
    rules.check_feedback("RequesterFeedback", requester_feedback)
    row = _owned_assignment(ctx, assignment_id)
    status = rules.effective_status(row, ctx.now_ms)
    override = bool(override_rejection) and status == "Rejected"
    rules.check_state(assignment_id, status, ("Submitted", "Rejected") if override_rejection else ("Submitted",))
    if override:
        rules.check_override(row, ctx.now_ms)
        hit = hq.hit(ctx.conn, row["hit_id"])
        if hit["disposed_ms"] is not None:
            raise errors.invalid_hit_state("Disposed", "Assignable,Unassignable,Reviewable,Reviewing")
    if row["status"] == "Submitted" and status == "Submitted" or override:
        reward = pay(ctx, row, reserve=override)
        if not aq.update_assignment(ctx.conn, row, status="Approved", decision_ms=ctx.now_ms, reward_cents=reward,
                                    requester_feedback=requester_feedback):
            raise Conflict()
        aq.count(ctx.conn, row["worker_id"], "approved")
        if override:
            aq.count(ctx.conn, row["worker_id"], "rejected", -1)
        emit(ctx, "AssignmentApproved", hit_type_id=row["hit_type_id"], hit_id=row["hit_id"],
             assignment_id=assignment_id)
    return {}


@operation("RejectAssignment")
def reject_assignment(ctx: Ctx, *, assignment_id: str, requester_feedback: str) -> dict:
    """"The RejectAssignment operation rejects the results of a completed assignment. You can include an
    optional feedback message with the rejection, which the Worker can see in the Status section of the
    web site. When you include a feedback message with the rejection, it helps the Worker understand why
    the assignment was rejected, and can improve the quality of the results the Worker submits in the
    future. Only the Requester who created the HIT can reject the assignment." RequesterFeedback is
    required by the model. What the assignment reserved goes back to the balance."""
    rules.check_feedback("RequesterFeedback", requester_feedback, required=True)
    row = _owned_assignment(ctx, assignment_id)
    rules.check_state(assignment_id, rules.effective_status(row, ctx.now_ms), ("Submitted",))
    _give_back(ctx, row)
    if not aq.update_assignment(ctx.conn, row, status="Rejected", decision_ms=ctx.now_ms,
                                requester_feedback=requester_feedback):
        raise Conflict()
    aq.count(ctx.conn, row["worker_id"], "rejected")
    emit(ctx, "AssignmentRejected", hit_type_id=row["hit_type_id"], hit_id=row["hit_id"], assignment_id=assignment_id)
    wq.add_message(ctx.conn, row["worker_id"], ctx.now_ms, f"Your work on \"{row['title']}\" was rejected",
                   requester_feedback, None, requester_id=row["requester_id"])
    return {}


@operation("SendBonus", readonly=False)
def send_bonus(ctx: Ctx, *, worker_id: str, bonus_amount: str, assignment_id: str, reason: str,
               unique_request_token: str | None = None) -> dict:
    """"The SendBonus operation issues a payment of money from your account to a Worker. This payment
    happens separately from the reward you pay to the Worker when you approve the Worker's assignment. The
    SendBonus operation requires the Worker's ID and the assignment ID as parameters to initiate payment of
    the bonus. You must include a message that explains the reason for the bonus payment, as the Worker
    may not be expecting the payment. Amazon Mechanical Turk collects a fee for bonus payments, similar to
    the HIT listing fee." The assignment must be the worker's, on the caller's HIT."""
    check_worker_id(worker_id)
    amount = money.parse_amount(bonus_amount, "BonusAmount")
    if amount <= 0:
        raise errors.invalid_value("BonusAmount", "a bonus must be more than $0.00")
    if not reason.strip():
        raise errors.invalid_value("Reason", "it must not be empty")
    rules.check_feedback("Reason", reason)
    row = _owned_assignment(ctx, assignment_id)
    if row["worker_id"] != worker_id:
        raise errors.invalid_value("WorkerId", f"assignment {assignment_id} is not the work of worker {worker_id}")
    owner = ctx.caller.requester_id
    if unique_request_token is not None:
        earlier = hq.claim_token(ctx.conn, owner, TOKEN_BONUS, unique_request_token, ctx.now_ms, row["hit_id"],
                                 ctx.now_ms - 24 * 3600 * 1000)
        if earlier is not None:
            raise errors.token_already_processed(unique_request_token)
    # openturk choice: the bonus fee is the base 20% (no Masters or 10-assignment surcharge), at least $0.01.
    fee = money.fee_cents(amount, money.BASE_FEE_PERCENT)
    bonus_id = ids.bonus_id()
    if not hq.debit(ctx.conn, owner, amount, now_ms=ctx.now_ms, kind="Bonus", hit_id=row["hit_id"],
                    note=f"bonus to {worker_id} for assignment {assignment_id}", ref=bonus_id):
        available = queries.requester_by_id(ctx.conn, owner)["balance_cents"]
        raise errors.insufficient_funds(money.format_cents(amount + fee), money.format_cents(available))
    if not hq.debit(ctx.conn, owner, fee, now_ms=ctx.now_ms, kind="BonusFee", hit_id=row["hit_id"],
                    note=f"fee on bonus {bonus_id}", ref=bonus_id):
        available = queries.requester_by_id(ctx.conn, owner)["balance_cents"] + amount
        raise errors.insufficient_funds(money.format_cents(amount + fee), money.format_cents(available))
    aq.insert_bonus(ctx.conn, bonus_id=bonus_id, requester_id=owner, hit_id=row["hit_id"],
                    assignment_id=assignment_id, worker_id=worker_id, amount_cents=amount, fee_cents=fee,
                    reason=reason, grant_ms=ctx.now_ms)
    wq.add_message(ctx.conn, worker_id, ctx.now_ms, f"You received a bonus of ${money.format_cents(amount)}",
                   reason, None, requester_id=owner)
    return {}


@operation("ListBonusPayments")
def list_bonus_payments(ctx: Ctx, *, hit_id: str | None = None, assignment_id: str | None = None,
                        next_token: str | None = None, max_results: int | None = None) -> dict:
    """"The ListBonusPayments operation retrieves the amounts of bonuses you have paid to Workers for a given
    HIT or assignment." "Either the HITId parameter or the AssignmentId parameter must be specified." """
    if (hit_id is None) == (assignment_id is None):
        raise errors.invalid_value("HITId", "give either HITId or AssignmentId, not both and not neither")
    if hit_id is not None:
        owned_hit(ctx, hit_id)
    else:
        _owned_assignment(ctx, assignment_id)
    limit = max_results or pagination.DEFAULT_PAGE_SIZE
    filters = {"op": "ListBonusPayments", "h": hit_id, "a": assignment_id, "r": ctx.caller.requester_id}
    after = pagination.read_token(ctx.token_key, next_token, filters)
    rows = aq.bonuses(ctx.conn, ctx.caller.requester_id, hit_id=hit_id, assignment_id=assignment_id,
                      after_seq=after, limit=limit + 1)
    rows, token, more = pagination.mturk_page(rows, limit, ctx.token_key, filters, lambda row: row["seq"])
    return {"num_results": len(rows), "next_token": token, "more": more, "bonus_payments": [present_bonus(r) for r in rows]}


@operation("NotifyWorkers", readonly=False)
def notify_workers(ctx: Ctx, *, subject: str, message_text: str, worker_ids: list[str]) -> dict:
    """"The NotifyWorkers operation sends an email to one or more Workers that you specify with the Worker
    ID. You can specify up to 100 Worker IDs to send the same message with a single call to the
    NotifyWorkers operation. The NotifyWorkers operation will send a notification email to a Worker only
    if you have previously approved or rejected work from the Worker." A worker it cannot reach is named in
    NotifyWorkersFailureStatuses; the message goes to the inbox of the others (nothing is e-mailed)."""
    notice = rules.check_notice(subject, message_text, worker_ids)
    failures = []
    for worker_id in dict.fromkeys(worker_ids):
        try:
            check_worker_id(worker_id)
        except errors.TurkError as exc:
            failures.append(_failure("HardFailure", exc.message, worker_id))
            continue
        if not aq.has_decided_work(ctx.conn, ctx.caller.requester_id, worker_id, ctx.now_ms):
            failures.append(_failure("HardFailure", "You can only notify a Worker whose work you have approved or "
                                                    "rejected.", worker_id))
            continue
        wq.add_message(ctx.conn, worker_id, ctx.now_ms, notice.subject, notice.text, None,
                       requester_id=ctx.caller.requester_id)
    return {"notify_workers_failure_statuses": failures}


def _failure(code: str, message: str, worker_id: str) -> dict:
    return {"notify_workers_failure_code": code, "notify_workers_failure_message": message, "worker_id": worker_id}

