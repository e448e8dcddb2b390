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


def hit(row, state) -> dict:
    """A HIT structure: the HIT's row joined with its type's (store.hit_queries) and its derived state."""
    from ..domain import requirements
    from ..domain.money import format_cents
    return {
        "hit_id": row["hit_id"],
        "hit_type_id": row["hit_type_id"],
        # openturk choice: a HIT group is the HIT type (workers' pages group HITs by it).
        "hit_group_id": row["hit_type_id"],
        "creation_time": row["creation_ms"],
        "title": row["title"],
        "description": row["description"],
        "question": row["question"],
        "keywords": row["keywords"],
        "hit_status": state.status,
        "max_assignments": row["max_assignments"],
        "reward": format_cents(row["reward_cents"]),
        "auto_approval_delay_in_seconds": row["auto_approval_delay_in_seconds"],
        "expiration": row["expiration_ms"],
        "assignment_duration_in_seconds": row["assignment_duration_in_seconds"],
        "requester_annotation": row["requester_annotation"],
        "qualification_requirements": [requirements.present(r)
                                       for r in requirements.cached_from_json(row["qualification_requirements"])],
        "hit_review_status": row["review_status"],
        "number_of_assignments_pending": state.pending,
        "number_of_assignments_available": state.available,
        "number_of_assignments_completed": state.completed,
    }
