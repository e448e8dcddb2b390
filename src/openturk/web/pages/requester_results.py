"""The requester's review of a HIT's work, /requester/hits/{hit_id}/results: the submitted assignments with
each worker's answers (a QuestionForm HIT's shown in its own form, read-only; an ExternalQuestion's or
HTMLQuestion's as the fields the task posted), approve or reject one or every ticked one with feedback for
the worker, approve a rejected one after all (OverrideRejection), pay a bonus, and the bonuses paid.

Every change is the MTurk operation itself (ListAssignmentsForHIT, ApproveAssignment, RejectAssignment,
SendBonus, ListBonusPayments), so the page shows the API's own rules when one is broken. A bonus form
carries a UniqueRequestToken made when the page was drawn: sent twice (a double click, a reload), it pays once.
"""

from __future__ import annotations

import secrets

from starlette.routing import Route

from ... import errors
from ...xml.answers import parse_answers
from ...xml.questionform import QuestionForm
from ...xml.questions import parse_question
from . import render
from .common import PageRequest, query_string, same_site_path

PREFIX = "/requester/hits"
ASSIGNMENTS_PER_PAGE = 10
SHOWN = ("Submitted", "Approved", "Rejected")
STATUS_BADGES = {"Submitted": "badge-wait", "Approved": "badge-ok", "Rejected": "badge-muted"}
DECISIONS = {"approve": "Approved", "reject": "Rejected", "override": "Approved"}


def result_routes(pages) -> list[Route]:
    page = pages.page
    return [
        Route(PREFIX + "/{hit_id}/results", page(pages.results), methods=["GET"]),
        Route(PREFIX + "/{hit_id}/results/decide", page(pages.decide_assignments), methods=["POST"]),
        Route(PREFIX + "/{hit_id}/results/bonus", page(pages.send_bonus), methods=["POST"]),
    ]


def answer_fields(answer_xml: str | None) -> list[tuple[str, str]]:
    """A submitted QuestionFormAnswers document as (field, what the worker gave) pairs, in its order."""
    if not answer_xml:
        return []
    fields = []
    for answer in parse_answers(answer_xml).answers:
        if answer.free_text is not None:
            given = answer.free_text
        elif answer.uploaded_file_key is not None or answer.uploaded_file_size_in_bytes is not None:
            given = f"a file ({answer.uploaded_file_size_in_bytes or 0} bytes)"
        else:
            given = ", ".join([*answer.selection_identifiers,
                               *([answer.other_selection_text] if answer.other_selection_text is not None else [])])
        fields.append((answer.question_identifier, given))
    return fields


class ResultPages:
    """Mixed into RequesterPages (which gives `op` and `act`)."""

    async def results(self, page: PageRequest):
        hit_id = page.request.path_params["hit_id"]
        q = page.request.query_params
        shown = q.get("status") if q.get("status") in SHOWN else "all"
        next_token = q.get("next_token") or None
        hit = (await self.op(page, "GetHIT", HITId=hit_id))["hit"]
        listing = await self.op(page, "ListAssignmentsForHIT", HITId=hit_id, NextToken=next_token,
                                MaxResults=ASSIGNMENTS_PER_PAGE,
                                AssignmentStatuses=None if shown == "all" else [shown])
        question = parse_question(hit["question"])
        form = question if isinstance(question, QuestionForm) else None
        items = []
        for assignment in listing["assignments"]:
            document = parse_answers(assignment["answer"]) if assignment["answer"] else None
            items.append({"assignment": assignment, "fields": answer_fields(assignment["answer"]),
                          "values": render.values_from_answers(document) if form is not None and document else {}})
        bonuses = (await self.op(page, "ListBonusPayments", HITId=hit_id, MaxResults=100))["bonus_payments"]
        base = f"{PREFIX}/{hit_id}/results"
        next_url = (base + query_string(status=None if shown == "all" else shown, next_token=listing["next_token"])
                    if listing["more"] else None)
        back = page.request.url.path + ("?" + page.request.url.query if page.request.url.query else "")
        ids = [i["assignment"]["assignment_id"] for i in items]
        # The bulk form (and its messages' place) only when something is left to decide.
        undecided = any(i["assignment"]["assignment_status"] == "Submitted" for i in items)
        return page.render("requester/results.html", hit=hit, items=items, form=form, shown=shown, base=base,
                           next_url=next_url, paged=next_token is not None, back=back, bonuses=bonuses,
                           badges=STATUS_BADGES, bonus_token=secrets.token_urlsafe(16), undecided=undecided,
                           page_keys=(["bulk"] if undecided else []) + ids + [f"bonus-{i}" for i in ids])

    async def decide_assignments(self, page: PageRequest):
        """Approve, reject or approve-after-rejection one assignment, or every ticked one."""
        hit_id = page.request.path_params["hit_id"]
        back = same_site_path(page.field("back"), f"{PREFIX}/{hit_id}/results", f"{PREFIX}/{hit_id}/results")
        action = page.field("action")
        assignment_ids = [v for v in page.form.getlist("assignment_id") if isinstance(v, str) and v]
        bulk = page.field("bulk") == "yes"
        if action not in DECISIONS:
            page.flash("Choose Approve or Reject.", "error", key="bulk")
            return page.redirect(back)
        if not assignment_ids:
            page.flash("Tick the assignments to decide first.", "error", key="bulk")
            return page.redirect(back)
        feedback = page.field("feedback").strip() or None
        done, failed = 0, []
        for assignment_id in assignment_ids:
            try:
                if action == "reject":
                    await self.op(page, "RejectAssignment", AssignmentId=assignment_id, RequesterFeedback=feedback)
                else:
                    await self.op(page, "ApproveAssignment", AssignmentId=assignment_id, RequesterFeedback=feedback,
                                  OverrideRejection=action == "override" or None)
                done += 1
            except errors.TurkError as exc:
                if exc.kind == "ServiceFault" and not bulk:
                    raise
                failed.append((assignment_id, exc.message))
        if done:
            verb = "Rejected" if action == "reject" else "Approved"
            page.flash(f"{verb} {done} assignment{'' if done == 1 else 's'}.")
        for assignment_id, message in failed:
            page.flash(f"Assignment {assignment_id}: {message}" if bulk else message, "error",
                       key="bulk" if bulk else assignment_id)
        return page.redirect(back)

    async def send_bonus(self, page: PageRequest):
        hit_id = page.request.path_params["hit_id"]
        back = same_site_path(page.field("back"), f"{PREFIX}/{hit_id}/results", f"{PREFIX}/{hit_id}/results")
        assignment_id = page.field("assignment_id")
        amount = page.field("amount").strip().removeprefix("$").strip()
        worker_id = page.field("worker_id")
        try:
            await self.op(page, "SendBonus", AssignmentId=assignment_id or None, WorkerId=worker_id or None,
                          BonusAmount=amount or None, Reason=page.field("reason").strip() or None,
                          UniqueRequestToken=page.field("token") or None)
        except errors.TurkError as exc:
            if exc.kind == "ServiceFault":
                raise
            if exc.code == errors.Code.DUPLICATE_REQUEST:      # the same form sent again: paid the first time
                page.flash("This bonus form was already sent: the bonus was paid once.", "error",
                           key=f"bonus-{assignment_id}")
            else:
                page.flash(exc.message, "error", key=f"bonus-{assignment_id}")
            return page.redirect(back)
        page.flash(f"Paid a bonus of ${amount} to {worker_id}.")
        return page.redirect(back)
