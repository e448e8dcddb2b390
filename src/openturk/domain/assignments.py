"""Assignments: one worker's attempt at one HIT, from accept to approval. Pure rules over values; the
operations in ops/assignments.py gather the inputs and make the guarded writes.

An assignment's status is decided when read: an Accepted assignment whose deadline has passed is
Abandoned, and a Submitted one whose AutoApprovalTime has passed is Approved, whatever its row says
(the sweeper records both later, and pays the auto-approved ones).
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import errors

# "ApproveAssignment ... OverrideRejection: A flag indicating that an assignment should be approved even
# if it was previously rejected. ... within 30 days of the rejection"; the 2017 model says "submitted
# within the previous 30 days".
OVERRIDE_DAYS = 30
MAX_FEEDBACK = 1024                 # "RequesterFeedback ... Constraints: can be up to 1024 characters"
MAX_REASON = 1024
MAX_NOTIFY_WORKERS = 100            # NotifyWorkers: "You can notify up to 100 Workers at a time"
MAX_SUBJECT, MAX_MESSAGE = 200, 4096
ASSIGNMENT_ID_NOT_AVAILABLE = "ASSIGNMENT_ID_NOT_AVAILABLE"
# The 2017 API's AssignmentStatus: the statuses a requester ever sees.
VISIBLE = ("Submitted", "Approved", "Rejected")


def effective_status(row: dict, now_ms: int) -> str:
    """The status as of `now_ms` (see the module's docstring)."""
    status = row["status"]
    if status == "Accepted" and now_ms >= row["deadline_ms"]:
        return "Abandoned"
    if status == "Submitted" and row["auto_approval_ms"] is not None and now_ms >= row["auto_approval_ms"]:
        return "Approved"
    return status


def approval_time(row: dict, now_ms: int) -> int | None:
    """ApprovalTime: the recorded decision, or the AutoApprovalTime that has passed."""
    if row["status"] == "Approved":
        return row["decision_ms"]
    if effective_status(row, now_ms) == "Approved":
        return row["auto_approval_ms"]
    return None


def check_accept(*, hit_status: str, can_accept: bool, blocked: bool, available: int, holding: str | None) -> None:
    """A worker may accept a HIT when it is Assignable (an assignment is available), every requirement it
    guards with Accept holds, the requester has not blocked the worker, and the worker does not already hold
    one of its assignments ("a Worker can accept a HIT only once")."""
    if blocked:
        raise errors.permission_denied()
    if holding is not None:
        raise errors.assignment_already_held(holding)
    if not can_accept:
        raise errors.request_error(errors.Code.QUALIFICATION_REQUIREMENT_NOT_MET,
                                   "You do not meet the Qualification requirements of this HIT.")
    if hit_status != "Assignable" or available < 1:
        raise errors.no_assignment_available(hit_status)


def check_state(assignment_id: str, current: str, allowed: tuple[str, ...]) -> None:
    """A decision on an assignment in another state: "This operation can be called with a status of:
    Submitted"."""
    if current not in allowed:
        raise errors.invalid_assignment_state(assignment_id, current, ",".join(allowed))


def check_override(row: dict, now_ms: int) -> None:
    """OverrideRejection: "approves the assignment ... that was previously rejected ... only if the
    assignment was submitted within the previous 30 days" (openturk: rejected within 30 days)."""
    if now_ms - (row["decision_ms"] or 0) > OVERRIDE_DAYS * 86_400_000:
        raise errors.request_error(errors.Code.INVALID_ASSIGNMENT_STATE,
                                   f"Assignment {row['assignment_id']} was rejected more than {OVERRIDE_DAYS} days "
                                   "ago; its rejection can no longer be overridden.",
                                   [("AssignmentId", row["assignment_id"])])


def check_feedback(name: str, value: str | None, *, required: bool = False) -> str | None:
    if value is None:
        if required:
            raise errors.missing_parameter(name)
        return None
    if len(value) > MAX_FEEDBACK:
        raise errors.invalid_value(name, f"it must not be longer than {MAX_FEEDBACK} characters "
                                         f"(it has {len(value)})")
    return value


@dataclass(frozen=True)
class Notice:
    subject: str
    text: str


def check_notice(subject: str, message_text: str, worker_ids: list[str]) -> Notice:
    """NotifyWorkers: "The subject line of the email message to send. Can include up to 200 characters";
    "The text of the email message to send. Can include up to 4,096 characters"; "A list of Worker IDs you
    wish to notify. You can notify upto 100 Workers at a time." """
    if not subject.strip():
        raise errors.invalid_value("Subject", "it must not be empty")
    if len(subject) > MAX_SUBJECT:
        raise errors.invalid_value("Subject", f"it must not be longer than {MAX_SUBJECT} characters")
    if not message_text.strip():
        raise errors.invalid_value("MessageText", "it must not be empty")
    if len(message_text) > MAX_MESSAGE:
        raise errors.invalid_value("MessageText", f"it must not be longer than {MAX_MESSAGE} characters")
    if not worker_ids:
        raise errors.missing_parameter("WorkerIds")
    if len(worker_ids) > MAX_NOTIFY_WORKERS:
        raise errors.out_of_range("WorkerIds", len(worker_ids), 1, MAX_NOTIFY_WORKERS)
    return Notice(subject, message_text)
