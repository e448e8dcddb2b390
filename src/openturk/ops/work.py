"""What a worker does with HITs: search HIT groups, preview a HIT, accept it, return it, submit the work,
and read their assignments and earnings. The worker API, the worker pages and `POST /mturk/externalSubmit`
call these; the rules are in domain/assignments.py and domain/requirements.py."""

from __future__ import annotations

from .. import errors, ids
from ..domain import assignments as rules
from ..domain import money
from ..domain import requirements as req_rules
from ..domain.requests import iso
from ..store import assignment_queries as aq
from ..store import hit_queries as hq
from ..store import worker_queries as wq
from ..xml.answers import Answer, QuestionFormAnswers, answers_from_mapping, parse_answers
from ..xml.checking import check_answers
from ..xml.questionform import QuestionForm
from ..xml.questions import ExternalQuestion, HTMLQuestion, parse_question
from . import pagination
from .assignments import record_abandoned
from .context import Conflict, Ctx
from .eligibility import eligibility, worker_history
from .hits import announce_if_reviewable, hit_state
from .notifications import emit

MAX_SEARCH_PAGE = 100
# The form fields of an ExternalQuestion or HTMLQuestion post that are not answers.
NOT_ANSWERS = ("assignmentId",)


# -- presenting -----------------------------------------------------------------------------------

def question_kind(question_xml: str) -> str:
    return type(parse_question(question_xml)).__name__


def present_hit(ctx: Ctx, row: dict, result: req_rules.Eligibility | None = None) -> dict:
    """A HIT as a worker sees it: never the RequesterAnnotation; the Question only if they may preview."""
    state = hit_state(ctx, row)
    result = result or eligibility(ctx, row, ctx.worker_id)
    question = parse_question(row["question"])
    out = {"HITId": row["hit_id"], "HITTypeId": row["hit_type_id"], "HITGroupId": row["hit_type_id"],
           "RequesterId": row["requester_id"], "Title": row["title"], "Description": row["description"],
           "Keywords": row["keywords"], "Reward": money.format_cents(row["reward_cents"]),
           "HITStatus": state.status, "MaxAssignments": row["max_assignments"],
           "NumberOfAssignmentsAvailable": state.available, "Expiration": iso(row["expiration_ms"]),
           "AssignmentDurationInSeconds": row["assignment_duration_in_seconds"],
           "AutoApprovalDelayInSeconds": row["auto_approval_delay_in_seconds"],
           "QuestionType": type(question).__name__, "FrameHeight": getattr(question, "frame_height", None),
           "QualificationRequirements": [req_rules.present(r) for r in
                                         req_rules.cached_from_json(row["qualification_requirements"])],
           "Eligibility": result.to_dict()}
    if result.preview:
        out["Question"] = row["question"]
    return out


def present_assignment(row: dict, now_ms: int) -> dict:
    """An assignment as its worker sees it (their own work: the answer, the feedback, what it paid)."""
    status = rules.effective_status(row, now_ms)
    reward = row.get("hit_reward_cents") if row["reward_cents"] is None else row["reward_cents"]
    return {"AssignmentId": row["assignment_id"], "HITId": row["hit_id"], "HITTypeId": row.get("hit_type_id"),
            "Title": row.get("title"), "AssignmentStatus": status, "AcceptTime": iso(row["accept_ms"]),
            "Deadline": iso(row["deadline_ms"]), "SubmitTime": iso(row["submit_ms"]),
            "AutoApprovalTime": iso(row["auto_approval_ms"]),
            "ApprovalTime": iso(rules.approval_time(row, now_ms)),
            "RejectionTime": iso(row["decision_ms"]) if status == "Rejected" else None,
            "ReturnTime": iso(row["end_ms"]) if status == "Returned" else None,
            "Reward": None if reward is None else money.format_cents(reward),
            "RequesterFeedback": row["requester_feedback"] if status in ("Approved", "Rejected") else None,
            "Answer": row["answer"]}


# -- finding work ---------------------------------------------------------------------------------

def _values_for(ctx: Ctx):
    """The worker's values for every requirement at once (one read of their qualifications and history)."""
    from .eligibility import worker_values
    every = tuple(req_rules.Requirement(type_id, "Exists", ()) for type_id in
                  (*req_rules.COUNTING, req_rules.LOCALE, "__any__"))
    return worker_values(ctx, ctx.worker_id, every)


def search(ctx: Ctx, *, query: str | None = None, min_reward: str | None = None, next_token: str | None = None,
           max_results: int = 20) -> dict:
    """HIT groups (a HIT type and its live HITs) the worker may discover, newest first, with the number of
    HITs and of assignments available in each. Only groups with an assignment available are listed."""
    if not 1 <= max_results <= MAX_SEARCH_PAGE:
        raise errors.out_of_range("max_results", max_results, 1, MAX_SEARCH_PAGE)
    min_cents = money.parse_amount(min_reward, "min_reward") if min_reward else 0
    filters = {"w": "search", "q": query or "", "m": min_cents, "by": ctx.worker_id}
    before = pagination.read_token(ctx.token_key, next_token, filters, start=2 ** 62)
    values = _values_for(ctx)
    blocked_by: dict[str, bool] = {}
    groups: list[dict] = []
    last_seq, size = before, max_results * 2
    while len(groups) <= max_results:
        batch = aq.search_groups(ctx.conn, query=query, min_reward_cents=min_cents, now_ms=ctx.now_ms,
                                 before_seq=last_seq, limit=size)
        found = []
        for type_row in batch:
            requirements = req_rules.cached_from_json(type_row["qualification_requirements"])
            owner = type_row["requester_id"]
            if owner not in blocked_by:
                blocked_by[owner] = wq.block(ctx.conn, owner, ctx.worker_id) is not None
            result = req_rules.decide(requirements, values, hit_status="Assignable", blocked=blocked_by[owner],
                                     explain=False)
            if result.discover:
                found.append((type_row, result))
        # The HITs of the groups the worker may discover, counted one query at a time for only as many
        # groups as the page still needs (most have an assignment available).
        while found and len(groups) <= max_results:
            chunk, found = found[:max_results + 1 - len(groups)], found[max_results + 1 - len(groups):]
            open_groups = aq.groups_availability(ctx.conn, [t["hit_type_id"] for t, _ in chunk], ctx.now_ms)
            for type_row, result in chunk:
                live = open_groups.get(type_row["hit_type_id"])
                if live is not None:        # None: no assignment available
                    groups.append(_group(type_row, live, result))
        if len(batch) < size or len(groups) > max_results:
            break
        # Fewer groups than the page needs were open to the worker: look further.
        last_seq, size = batch[-1]["seq"], size
    token = None
    if len(groups) > max_results:      # one more was found: there is a next page
        groups = groups[:max_results]
        token = pagination.make_token(ctx.token_key, groups[-1]["_seq"], filters)
    for group in groups:
        del group["_seq"]
    return {"HITGroups": groups, "NextToken": token}


def _group(type_row: dict, live: dict, result) -> dict:
    return {"HITGroupId": type_row["hit_type_id"], "HITTypeId": type_row["hit_type_id"],
            "RequesterId": type_row["requester_id"], "Title": type_row["title"],
            "Description": type_row["description"], "Keywords": type_row["keywords"],
            "Reward": money.format_cents(type_row["reward_cents"]),
            "AssignmentDurationInSeconds": type_row["assignment_duration_in_seconds"],
            "NumberOfHITs": live["number_of_hits"], "NumberOfAssignmentsAvailable": live["available"],
            "FirstHITId": live["first_hit_id"], "Expiration": iso(live["expiration_ms"]),
            "CanPreview": result.preview, "CanAccept": result.accept, "_seq": type_row["seq"]}


def _hit(ctx: Ctx, hit_id: str, *, lock: bool = False) -> dict:
    row = hq.hit(ctx.conn, hit_id, for_update=lock)
    if row is None or row["disposed_ms"] is not None:
        raise errors.hit_does_not_exist(hit_id)
    return row


def preview(ctx: Ctx, *, hit_id: str) -> dict:
    """A HIT as a worker previews it, and their assignment of it if they hold one. A requirement guarding
    PreviewAndAccept (or a block) keeps the Question from them."""
    row = _hit(ctx, hit_id)
    result = eligibility(ctx, row, ctx.worker_id)
    held = aq.holding(ctx.conn, hit_id, ctx.worker_id)
    if not result.preview and held is None:
        _refuse(result)
    out = present_hit(ctx, row, result)
    if held is not None:
        out["Question"] = row["question"]
        out["Assignment"] = present_assignment(held, ctx.now_ms)
    return {"HIT": out}


def _refuse(result: req_rules.Eligibility):
    reasons = " ".join(r.reason for r in result.refusals) or "You may not work on this HIT."
    if any(r.index == 0 and "blocked" in r.reason for r in result.refusals):
        raise errors.permission_denied()
    raise errors.request_error(errors.Code.QUALIFICATION_REQUIREMENT_NOT_MET, reasons)


# -- accepting, returning, submitting -------------------------------------------------------------

def accept(ctx: Ctx, *, hit_id: str) -> dict:
    """"Accept → an assignment with Deadline = AcceptTime + AssignmentDurationInSeconds; a worker holds at
    most one assignment per HIT; blocked workers cannot accept that requester's HITs." The HIT's row is
    locked (PostgreSQL; SQLite's write transactions are serial) so that concurrent accepts never hand out
    more than MaxAssignments."""
    row = _hit(ctx, hit_id, lock=True)
    worker_id = ctx.worker_id
    # The abandoned assignments of the HIT are recorded first: a slot they held is handed out again only
    # once its row says so (the rows never show more holders than MaxAssignments).
    for overdue in aq.overdue_for_hit(ctx.conn, hit_id, ctx.now_ms):
        if not record_abandoned(ctx, overdue):
            raise Conflict()
    held = aq.holding(ctx.conn, hit_id, worker_id)
    result = eligibility(ctx, row, worker_id)
    blocked = any(r.index == 0 and "blocked" in r.reason for r in result.refusals)
    requirements_met = not any(r.index for r in result.refusals)
    state = hit_state(ctx, row)
    rules.check_accept(hit_status=state.status, can_accept=requirements_met, blocked=blocked,
                       available=state.available, holding=held["assignment_id"] if held else None)
    assignment_id = ids.assignment_id()
    now = ctx.now_ms
    if not aq.insert_assignment(ctx.conn, assignment_id=assignment_id, hit_id=hit_id,
                                requester_id=row["requester_id"], worker_id=worker_id, status="Accepted",
                                accept_ms=now, deadline_ms=now + row["assignment_duration_in_seconds"] * 1000,
                                submit_ms=None, auto_approval_ms=None, decision_ms=None, end_ms=None, answer=None,
                                requester_feedback=None, reward_cents=None, version=1):
        raise Conflict()     # a concurrent accept by the same worker: re-run, which then refuses it
    aq.count(ctx.conn, worker_id, "accepted")
    emit(ctx, "AssignmentAccepted", hit_type_id=row["hit_type_id"], hit_id=hit_id, assignment_id=assignment_id)
    return {"Assignment": present_assignment(_mine(ctx, assignment_id), now)}


def accept_from_group(ctx: Ctx, *, hit_type_id: str) -> dict:
    """Accept the oldest HIT of a group that has an assignment available ("Accept & Work" on a group)."""
    for candidate in aq.group_hits(ctx.conn, hit_type_id, ctx.now_ms):
        if candidate["available"] > 0 and aq.holding(ctx.conn, candidate["hit_id"], ctx.worker_id) is None:
            return accept(ctx, hit_id=candidate["hit_id"])
    raise errors.request_error(errors.Code.NO_HITS_AVAILABLE, "There are no more HITs in this group that you can "
                               "accept.", [("HITGroupId", hit_type_id)])


def _mine(ctx: Ctx, assignment_id: str) -> dict:
    """The worker's own assignment with its HIT, or AssignmentDoesNotExist."""
    row = aq.assignment_with_hit(ctx.conn, assignment_id)
    if row is None or row["worker_id"] != ctx.worker_id:
        raise errors.assignment_does_not_exist(assignment_id)
    return row


def return_assignment(ctx: Ctx, *, assignment_id: str) -> dict:
    """A worker returns an accepted assignment: "Returned assignments are available again at once"."""
    row = _mine(ctx, assignment_id)
    rules.check_state(assignment_id, rules.effective_status(row, ctx.now_ms), ("Accepted",))
    if not aq.update_assignment(ctx.conn, row, status="Returned", end_ms=ctx.now_ms):
        raise Conflict()
    aq.count(ctx.conn, ctx.worker_id, "returned")
    emit(ctx, "AssignmentReturned", hit_type_id=row["hit_type_id"], hit_id=row["hit_id"], assignment_id=assignment_id)
    announce_if_reviewable(ctx, row["hit_id"])
    return {"Assignment": present_assignment(_mine(ctx, assignment_id), ctx.now_ms)}


def submit(ctx: Ctx, *, assignment_id: str, answer: str | None = None, answers: dict | None = None,
           fields: list[tuple[str, str]] | None = None) -> dict:
    """Submit the work once, before the deadline. The answers are stored as QuestionFormAnswers: given as
    such (`answer`), as a mapping for a QuestionForm HIT (`answers`, checked against the form), or as the
    fields an ExternalQuestion or HTMLQuestion task posted to /mturk/externalSubmit (`fields`: each one a
    FreeText answer named by the field; a field given several times has its values joined with "|")."""
    row = _mine(ctx, assignment_id)
    rules.check_state(assignment_id, rules.effective_status(row, ctx.now_ms), ("Accepted",))
    document = _answers(row["question"], answer=answer, answers=answers, fields=fields)
    now = ctx.now_ms
    auto = now + row["auto_approval_delay_in_seconds"] * 1000
    if not aq.update_assignment(ctx.conn, row, status="Submitted", submit_ms=now, auto_approval_ms=auto,
                                answer=document):
        raise Conflict()
    aq.count(ctx.conn, ctx.worker_id, "submitted")
    emit(ctx, "AssignmentSubmitted", hit_type_id=row["hit_type_id"], hit_id=row["hit_id"],
         assignment_id=assignment_id)
    announce_if_reviewable(ctx, row["hit_id"])
    return {"Assignment": present_assignment(_mine(ctx, assignment_id), now)}


def submit_external(ctx: Ctx, *, assignment_id: str, fields: list[tuple[str, str]]) -> dict:
    """`POST /mturk/externalSubmit` from an ExternalQuestion or HTMLQuestion task (a path psiTurk and Dallinger
    tasks post to): the assignment named by the form's `assignmentId`, submitted with the form's fields as
    answers. openturk choice (docs/compatibility.md): as on MTurk, the task's page has no credentials of its
    own, so the AssignmentId — 30 random characters, known only to the worker's task — is what authorises
    the post; a signed-in worker (ctx.worker_id) may submit only their own."""
    if assignment_id == rules.ASSIGNMENT_ID_NOT_AVAILABLE:
        raise errors.invalid_value("assignmentId", "this is a preview: accept the HIT before submitting it")
    row = aq.assignment_with_hit(ctx.conn, assignment_id)
    if row is None or (ctx.worker_id is not None and row["worker_id"] != ctx.worker_id):
        raise errors.assignment_does_not_exist(assignment_id)
    worker_ctx = ctx if ctx.worker_id is not None else _as_worker(ctx, row["worker_id"])
    return submit(worker_ctx, assignment_id=assignment_id, fields=fields)


def _as_worker(ctx: Ctx, worker_id: str) -> Ctx:
    from dataclasses import replace
    return replace(ctx, worker_id=worker_id)


def _answers(question_xml: str, *, answer, answers, fields) -> str:
    question = parse_question(question_xml)
    if answer is not None:
        parsed = parse_answers(answer)
        if isinstance(question, QuestionForm):
            _check(question, parsed)
        return answer
    if isinstance(question, QuestionForm):
        if fields is not None:
            answers = _mapping_from_fields(question, fields)
        document = answers_from_mapping(question, answers or {})
        _check(question, document)
        return document.to_xml()
    assert isinstance(question, (ExternalQuestion, HTMLQuestion))
    if answers is not None:
        fields = [(k, v) for k, values in answers.items() for v in (values if isinstance(values, list) else [values])]
    merged: dict[str, list[str]] = {}
    for name, value in fields or []:
        if name in NOT_ANSWERS:
            continue
        merged.setdefault(name, []).append(value)
    try:
        return QuestionFormAnswers(tuple(Answer(name, free_text="|".join(values))
                                         for name, values in merged.items())).to_xml()
    except ValueError as exc:
        raise errors.invalid_value("Answer", str(exc)) from None


def _mapping_from_fields(form: QuestionForm, fields: list[tuple[str, str]]) -> dict:
    """A QuestionForm posted as an HTML form: selection questions take every value, free text the last."""
    from ..xml.questionform import SelectionAnswer
    out: dict = {}
    for name, value in fields:
        question = form.question(name)
        if question is None:
            continue
        if isinstance(question.answer, SelectionAnswer):
            out.setdefault(name, []).append(value)
        else:
            out[name] = value
    return out


def _check(form: QuestionForm, document: QuestionFormAnswers) -> None:
    problems = check_answers(form, document)
    if problems:
        raise errors.answers_rejected([(p.question_identifier, p.message) for p in problems], of="the HIT's form")


# -- the worker's own records ---------------------------------------------------------------------

def my_assignments(ctx: Ctx, *, next_token: str | None = None, max_results: int = 20) -> dict:
    """The worker's assignments, newest first, with status, feedback and what each paid."""
    if not 1 <= max_results <= MAX_SEARCH_PAGE:
        raise errors.out_of_range("max_results", max_results, 1, MAX_SEARCH_PAGE)
    filters = {"w": "assignments", "by": ctx.worker_id}
    before = pagination.read_token(ctx.token_key, next_token, filters, start=2 ** 62)
    rows = aq.for_worker(ctx.conn, ctx.worker_id, before, max_results + 1)
    token = None
    if len(rows) > max_results:
        rows = rows[:max_results]
        token = pagination.make_token(ctx.token_key, rows[-1]["seq"], filters)
    return {"Assignments": [present_assignment(r, ctx.now_ms) for r in rows], "NextToken": token}


def earnings(ctx: Ctx) -> dict:
    """What the worker has earned: approved rewards and bonuses, and what submitted work may still earn."""
    approved = pending = 0
    before = 2 ** 62
    while True:
        rows = aq.for_worker(ctx.conn, ctx.worker_id, before, 1000)
        for row in rows:
            status = rules.effective_status(row, ctx.now_ms)
            reward = row["reward_cents"] if row["reward_cents"] is not None else row["hit_reward_cents"]
            if status == "Approved":
                approved += reward
            elif status == "Submitted":
                pending += reward
        if len(rows) < 1000:
            break
        before = rows[-1]["seq"]
    bonuses = aq.worker_bonuses(ctx.conn, ctx.worker_id)
    bonus_total = sum(b["amount_cents"] for b in bonuses)
    history = worker_history(ctx, ctx.worker_id)
    return {"ApprovedRewards": money.format_cents(approved), "Bonuses": money.format_cents(bonus_total),
            "TotalEarnings": money.format_cents(approved + bonus_total),
            "PendingRewards": money.format_cents(pending),
            "BonusPayments": [{"AssignmentId": b["assignment_id"], "HITId": b["hit_id"],
                               "BonusAmount": money.format_cents(b["amount_cents"]), "Reason": b["reason"],
                               "GrantTime": iso(b["grant_ms"])} for b in bonuses],
            "AssignmentCounts": {name.capitalize(): getattr(history, name) for name in
                                 ("accepted", "submitted", "approved", "rejected", "returned", "abandoned")}}
