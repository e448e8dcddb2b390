"""What a worker may do with a HIT — the one place every front end asks (worker pages, worker API, the
CLI's `openturk hit eligibility`). The rule itself is `domain.requirements.decide`; this gathers its inputs."""

from __future__ import annotations

from ..domain import requirements as rules
from ..store import assignment_queries as aq
from ..store import hit_queries as hq
from ..store import worker_queries as wq
from .context import Ctx
from .hits import hit_state


def worker_history(ctx: Ctx, worker_id: str) -> rules.History:
    """The worker's assignments across all requesters, by what became of them as of now: the counts recorded
    with each change, plus what the clock decided since (two indexed reads, never a scan of the history)."""
    return rules.History(**aq.worker_counts(ctx.conn, worker_id, ctx.now_ms))


def worker_values(ctx: Ctx, worker_id: str, requirements: tuple[rules.Requirement, ...]) -> rules.WorkerValues:
    """What the requirements compare: the worker's Granted qualifications, Worker_Locale and Worker_Adult
    from the worker's record, and the counting types from the worker's history."""
    needed = {r.qualification_type_id for r in requirements}
    worker = wq.worker(ctx.conn, worker_id)
    integers: dict[str, int] = {}
    if needed - {rules.LOCALE}:
        integers = {q["qualification_type_id"]: q["integer_value"] for q in wq.worker_qualifications(ctx.conn, worker_id)
                    if q["status"] == "Granted"}
    if worker is not None and worker["adult"] is not None:
        integers[rules.ADULT] = int(worker["adult"])
    if needed & set(rules.COUNTING):
        integers.update(rules.counting_values(worker_history(ctx, worker_id)))
    locale = None
    if worker is not None and worker["locale_country"]:
        locale = (worker["locale_country"], worker["locale_subdivision"])
    return rules.WorkerValues(integers, locale)


def eligibility(ctx: Ctx, hit_row: dict, worker_id: str) -> rules.Eligibility:
    """Which of discover / preview / accept the worker may do with the HIT, and what stood in the way."""
    requirements = rules.cached_from_json(hit_row["qualification_requirements"])
    blocked = wq.block(ctx.conn, hit_row["requester_id"], worker_id) is not None
    return rules.decide(requirements, worker_values(ctx, worker_id, requirements),
                        hit_status=hit_state(ctx, hit_row).status, blocked=blocked)


def hit_eligibility(ctx: Ctx, hit_id: str, worker_id: str) -> tuple[dict | None, rules.Eligibility | None]:
    """The HIT (any requester's) and the worker's eligibility for it; (None, None) if there is no such HIT."""
    row = hq.hit(ctx.conn, hit_id)
    if row is None:
        return None, None
    return row, eligibility(ctx, row, worker_id)


def report(service, hit_id: str, worker_id: str) -> dict:
    """The eligibility of a worker for a HIT as a document (`openturk hit eligibility`, openturk.testing):
    {"HITId", "WorkerId", "HITStatus", "Discover", "Preview", "Accept", "Refusals": [{"Requirement", "Reason"}]}.
    Refusals name the requirement by its 1-based position (0: not a requirement)."""
    from ..domain.qualifications import check_worker_id
    from .. import errors
    from .runner import run
    check_worker_id(worker_id)

    def decide(ctx: Ctx) -> dict:
        row, result = hit_eligibility(ctx, hit_id, worker_id)
        if row is None:
            raise errors.hit_does_not_exist(hit_id)
        requirements = rules.cached_from_json(row["qualification_requirements"])
        refusals = [{**r, "QualificationRequirement": _wire(requirements[r["Requirement"] - 1])}
                    if r["Requirement"] else r for r in result.to_dict()["Refusals"]]
        return {"HITId": hit_id, "WorkerId": worker_id, "HITStatus": hit_state(ctx, row).status,
                **result.to_dict(), "Refusals": refusals}
    return run(service, decide, {}, write=False)


def _wire(requirement: rules.Requirement) -> dict:
    """The requirement as MTurk's QualificationRequirement structure (the HIT shows it so)."""
    names = {"qualification_type_id": "QualificationTypeId", "comparator": "Comparator",
             "actions_guarded": "ActionsGuarded", "integer_values": "IntegerValues",
             "locale_values": "LocaleValues", "required_to_preview": "RequiredToPreview"}
    out = {names[key]: value for key, value in rules.present(requirement).items()}
    if "LocaleValues" in out:
        out["LocaleValues"] = [{key.capitalize(): value for key, value in locale.items()} for locale in out["LocaleValues"]]
    return out
