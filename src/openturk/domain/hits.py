"""HITs: the values CreateHIT and CreateHITType check, and a HIT's status and counters, which are never
stored but decided when read, from the clock and the HIT's assignments."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from .. import errors

MIN_SECONDS, MAX_SECONDS = 30, 31_536_000             # AssignmentDurationInSeconds, LifetimeInSeconds
MAX_AUTO_APPROVAL_SECONDS = 2_592_000                 # AutoApprovalDelayInSeconds: "up to 30 days"
DEFAULT_AUTO_APPROVAL_SECONDS = 2_592_000             # "If not specified, ... 2592000 seconds (30 days)"
MAX_TITLE, MAX_DESCRIPTION, MAX_KEYWORDS, MAX_ANNOTATION = 128, 2000, 1000, 255
# openturk choice: MTurk's upper bound on MaxAssignments was not documented for the 2017 API.
MAX_ASSIGNMENTS = 1_000_000
MANY_ASSIGNMENTS = 10                                  # the < 10 → ≥ 10 rule of CreateAdditionalAssignmentsForHIT
TOKEN_SECONDS = 24 * 3600                              # "the same token within 24 hours"


def check_seconds(name: str, value: int, low: int, high: int) -> int:
    if not low <= value <= high:
        raise errors.out_of_range(name, value, low, high)
    return value


def check_text(name: str, value: str | None, most: int, *, required: bool = True) -> str | None:
    if value is None:
        return None
    if required and not value.strip():
        raise errors.invalid_value(name, "it must not be empty")
    if len(value) > most:
        raise errors.invalid_value(name, f"it must not be longer than {most} characters (it has {len(value)})")
    return value


@dataclass(frozen=True)
class TypeValues:
    """The properties that make a HIT type (CreateHITType's parameters, checked)."""
    title: str
    description: str
    keywords: str | None
    reward_cents: int
    assignment_duration_in_seconds: int
    auto_approval_delay_in_seconds: int
    requirements_json: str

    def fingerprint(self) -> str:
        """Equal values, equal digest: CreateHITType "returns the HIT type ID of an existing HIT type with
        the same properties" instead of creating another."""
        body = json.dumps([self.title, self.description, self.keywords, self.reward_cents,
                           self.assignment_duration_in_seconds, self.auto_approval_delay_in_seconds,
                           self.requirements_json], separators=(",", ":"))
        return hashlib.sha256(body.encode()).hexdigest()


def type_values(*, title: str, description: str, keywords: str | None, reward_cents: int,
                assignment_duration_in_seconds: int, auto_approval_delay_in_seconds: int | None,
                requirements_json: str) -> TypeValues:
    """"Title: The title of the HIT. A title should be short and descriptive ... (up to 128 characters)";
    Description up to 2,000 characters; Keywords up to 1,000; AssignmentDurationInSeconds from 30 seconds
    to 365 days; AutoApprovalDelayInSeconds from 0 to 30 days (default 30 days)."""
    check_text("Title", title, MAX_TITLE)
    check_text("Description", description, MAX_DESCRIPTION)
    check_text("Keywords", keywords, MAX_KEYWORDS, required=False)
    check_seconds("AssignmentDurationInSeconds", assignment_duration_in_seconds, MIN_SECONDS, MAX_SECONDS)
    delay = DEFAULT_AUTO_APPROVAL_SECONDS if auto_approval_delay_in_seconds is None else auto_approval_delay_in_seconds
    check_seconds("AutoApprovalDelayInSeconds", delay, 0, MAX_AUTO_APPROVAL_SECONDS)
    return TypeValues(title, description, keywords, reward_cents, assignment_duration_in_seconds, delay,
                      requirements_json)


def check_max_assignments(value: int | None) -> int:
    """"MaxAssignments: The number of times the HIT can be accepted and completed" — default 1."""
    if value is None:
        return 1
    if not 1 <= value <= MAX_ASSIGNMENTS:
        raise errors.out_of_range("MaxAssignments", value, 1, MAX_ASSIGNMENTS)
    return value


def check_additional(current: int, additional: int) -> int:
    """CreateAdditionalAssignmentsForHIT: "HITs created with fewer than 10 assignments cannot be extended to
    have 10 or more assignments. Attempting this operation on such a HIT results in an
    InvalidMaximumAssignmentsIncrease exception." Returns the new MaxAssignments."""
    if additional < 1:
        raise errors.out_of_range("NumberOfAdditionalAssignments", additional, 1, None)
    total = current + additional
    if total > MAX_ASSIGNMENTS:
        raise errors.out_of_range("NumberOfAdditionalAssignments", additional, 1, MAX_ASSIGNMENTS - current)
    if current < MANY_ASSIGNMENTS <= total:
        raise errors.invalid_maximum_assignments_increase(current, total)
    return total


@dataclass(frozen=True)
class Counts:
    """A HIT's assignments by state: accepted and not yet submitted, returned or abandoned (`pending`);
    submitted and waiting for a decision (`submitted`); approved or rejected (`completed`)."""
    pending: int = 0
    submitted: int = 0
    completed: int = 0


@dataclass(frozen=True)
class State:
    status: str
    available: int
    pending: int
    completed: int


def state(*, max_assignments: int, expiration_ms: int, reviewing: bool, disposed: bool, counts: Counts,
          now_ms: int) -> State:
    """HITStatus and the counters, as of `now_ms`. Assignable: not expired and an assignment can still be
    accepted; Unassignable: none can, but some are being worked on; Reviewable: expired or every
    assignment submitted, and none being worked on; Reviewing: set by UpdateHITReviewStatus; Disposed:
    deleted. NumberOfAssignmentsAvailable is what can still be accepted (0 once expired)."""
    used = counts.pending + counts.submitted + counts.completed
    alive = now_ms < expiration_ms
    available = max(0, max_assignments - used) if alive else 0
    if disposed:
        status = "Disposed"
    elif reviewing:
        status = "Reviewing"
    elif available:
        status = "Assignable"
    elif counts.pending:
        status = "Unassignable"
    else:
        status = "Reviewable"
    return State(status, available, counts.pending, counts.completed)


def check_review_transition(current: str, revert: bool) -> str:
    """UpdateHITReviewStatus: "Revert: Specifies whether to update the HIT Status from Reviewable to
    Reviewing, or from Reviewing to Reviewable. Setting this to false will only update HIT Status from
    Reviewable to Reviewing. Setting this to true will only update from Reviewing to Reviewable." """
    expected = "Reviewing" if revert else "Reviewable"
    if current != expected:
        raise errors.invalid_hit_state(current, expected)
    return "Reviewable" if revert else "Reviewing"


def check_deletable(current: State, counts: Counts) -> None:
    """DeleteHIT: "You can only dispose of HITs that are in the Reviewable state, with all of their submitted
    assignments already either approved or rejected." """
    if current.status != "Reviewable":
        raise errors.invalid_hit_state(current.status, "Reviewable")
    if counts.submitted:
        raise errors.invalid_hit_state(current.status, "Reviewable",
                                       detail=f"{counts.submitted} submitted assignments are not yet approved or "
                                              "rejected")
