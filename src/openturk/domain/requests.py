"""The rules of qualification requests (spec §7): who may request, when they may try again, what a
request turns into, and when a test session has run out. Pure: values in, a decision or TurkError out."""

from __future__ import annotations

from datetime import datetime, timezone

from .. import errors

OPEN = ("TestInProgress", "Pending")


def effective_status(row: dict, now_ms: int) -> str:
    """"If the Worker does not submit the test within the allotted time, the request is voided": a test
    session past its deadline is Expired whatever the row says (the sweeper records it later)."""
    if row["status"] == "TestInProgress" and row["test_deadline_ms"] is not None and row["test_deadline_ms"] < now_ms:
        return "Expired"
    return row["status"]


def check_requestable(type_row: dict) -> None:
    """Only custom types (IsRequestable) that are Active can be requested; Inactive "cannot be requested"."""
    if type_row["owner_id"] is None or not type_row["is_requestable"]:
        raise errors.not_requestable()
    if type_row["status"] != "Active":
        raise errors.invalid_qualification_type_state(type_row["status"], "Active")


def check_retry(latest: dict | None, retry_delay_in_seconds: int | None, now_ms: int) -> None:
    """RetryDelayInSeconds: "If not specified, retries are disabled and Workers can request a Qualification
    only once" — whatever came of that request. With a delay, the worker waits that long after the
    previous request (openturk choice: measured from the request, docs/compatibility.md)."""
    if latest is None:
        return
    if effective_status(latest, now_ms) in OPEN:
        raise errors.request_already_open(latest["qualification_request_id"])
    if retry_delay_in_seconds is None:
        raise errors.does_not_allow_retake()
    retry_at = latest["requested_ms"] + retry_delay_in_seconds * 1000
    if now_ms < retry_at:
        raise errors.retry_delay_not_elapsed(iso(retry_at))


def first_status(type_row: dict) -> str:
    """AutoGranted → Granted at once; a test → a test session; neither → waiting for the owner."""
    if type_row["auto_granted"]:
        return "Granted"
    if type_row["test"] is not None:
        return "TestInProgress"
    return "Pending"


def iso(ms: int | None) -> str | None:
    if ms is None:
        return None
    return datetime.fromtimestamp(ms / 1000, timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
