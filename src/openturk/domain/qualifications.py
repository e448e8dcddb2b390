"""The rules of a worker's qualification: granting, re-scoring, revoking, reading the score, and what
the worker is told. Pure: the current state in, the change (or a TurkError) out."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .. import errors

WORKER_ID = re.compile(r"A[A-Z0-9]{1,63}\Z")        # the model's CustomerId: ^A[A-Z0-9]+$, 1..64
LOCALE = re.compile(r"([A-Z]{2})(?:-([A-Z0-9]{1,3}))?\Z")


@dataclass(frozen=True)
class Held:
    """A worker's qualification of one type as stored."""

    status: str             # Granted | Revoked
    integer_value: int | None


@dataclass(frozen=True)
class Change:
    """A change to record: the new state and the history event that names it."""

    event: str              # Granted | Regranted | ScoreChanged | Revoked
    old: Held | None
    new: Held


def grant(current: Held | None, integer_value: int) -> Change | None:
    """AssociateQualificationWithWorker: "gives a Worker a Qualification"; calling it again for a worker who
    holds the qualification changes its value (Developer Guide: to modify the value, associate again);
    a revoked qualification is granted again. None when nothing would change."""
    new = Held("Granted", integer_value)
    if current is None:
        return Change("Granted", None, new)
    if current.status == "Revoked":
        return Change("Regranted", current, new)
    if current.integer_value != integer_value:
        return Change("ScoreChanged", current, new)
    return None


def revoke(current: Held | None) -> Change:
    """DisassociateQualificationFromWorker "revokes a previously granted Qualification"; the record stays,
    Revoked."""
    if current is None:
        raise errors.qualification_does_not_exist()
    if current.status != "Granted":
        raise errors.invalid_qualification_state(current.status)
    return Change("Revoked", current, Held("Revoked", current.integer_value))


def readable_score(current: Held | None) -> Held:
    """GetQualificationScore: never granted → QualificationDoesNotExist; revoked → InvalidQualificationState
    ("This operation can be called with a status of: Granted", as Dallinger's sandbox tests saw)."""
    if current is None:
        raise errors.qualification_does_not_exist()
    if current.status != "Granted":
        raise errors.invalid_qualification_state(current.status)
    return current


def check_worker_id(worker_id: str) -> str:
    """MTurk worker ids: `A` and upper-case letters and digits, at most 64 characters. The error never
    says "does not exist" (clients read that as "the worker lacks the qualification")."""
    if not WORKER_ID.match(worker_id):
        raise errors.invalid_value("WorkerId", "a WorkerId is 'A' followed by upper-case letters and digits")
    return worker_id


def parse_locale(text: str) -> tuple[str, str | None]:
    """`US` or `US-NY` → (country, subdivision)."""
    match = LOCALE.match(text.upper())
    if not match:
        raise errors.invalid_value("Locale", "expected a country code such as US, or US-NY with a subdivision")
    return match.group(1), match.group(2)


# -- what the worker is told ------------------------------------------------------------------------

def grant_message(type_name: str, change: Change) -> tuple[str, str]:
    """SendNotification: "Specifies whether to send a notification email message to the Worker saying that
    the qualification was assigned to the Worker." (Here: a message in the worker's inbox.)"""
    if change.event == "ScoreChanged":
        return (f"Your Qualification score changed: {type_name}",
                f"Your score for the Qualification \"{type_name}\" is now {change.new.integer_value}.")
    return (f"You have been granted a Qualification: {type_name}",
            f"You have been granted the Qualification \"{type_name}\" with a score of {change.new.integer_value}.")


def revoke_message(type_name: str, reason: str) -> tuple[str, str]:
    """Reason: "A text message that explains why the Qualification was revoked. The user who had the
    Qualification sees this message." Without a Reason the worker is not told."""
    return (f"Your Qualification has been revoked: {type_name}",
            f"Your Qualification \"{type_name}\" has been revoked. Reason: {reason}")
