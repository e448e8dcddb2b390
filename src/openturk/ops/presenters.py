"""Rows → the model's structures (snake_case members; the JSON serialiser renames them)."""

from __future__ import annotations


def qualification_type(row, caller_id: str | None) -> dict:
    """A QualificationType structure. The AnswerKey is shown only to the type's owner (openturk
    choice, docs/compatibility.md); status `Disposing` is never shown (such types are not visible)."""
    out = {
        "qualification_type_id": row["qualification_type_id"],
        "creation_time": row["creation_ms"],
        "name": row["name"],
        "description": row["description"],
        "keywords": row["keywords"],
        "qualification_type_status": row["status"],
        "test": row["test"],
        "test_duration_in_seconds": row["test_duration_in_seconds"],
        "retry_delay_in_seconds": row["retry_delay_in_seconds"],
        "is_requestable": row["is_requestable"],
        "auto_granted": row["auto_granted"],
    }
    if row["auto_granted"]:
        out["auto_granted_value"] = row["auto_granted_value"]
    if row["owner_id"] is not None and row["owner_id"] == caller_id:
        out["answer_key"] = row["answer_key"]
    return out


def qualification(row) -> dict:
    """A Qualification structure (a worker's qualification of one type)."""
    return {"qualification_type_id": row["qualification_type_id"], "worker_id": row["worker_id"],
            "grant_time": row["grant_ms"], "integer_value": row["integer_value"], "status": row["status"]}
