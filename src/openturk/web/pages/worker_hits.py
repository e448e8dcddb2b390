"""The worker's HIT pages under /worker/: find HIT groups, preview a HIT, accept it, do the task, submit it
or return it, and see one's assignments and earnings.

Every action is a worker action of ops/work.py, the same the worker API and `POST /mturk/externalSubmit`
call. How each kind of Question is shown:
- ExternalQuestion: the ExternalURL in an iframe, with `assignmentId`, `hitId`, `workerId` and
  `turkSubmitTo` appended to its query string (on preview `assignmentId=ASSIGNMENT_ID_NOT_AVAILABLE` and
  `hitId` only); the task posts to `{turkSubmitTo}/mturk/externalSubmit`. That page's CSP frames
  the ExternalURL's origin and nothing else new (security.task_page_headers).
- HTMLQuestion: its HTMLContent served by openturk (`/worker/hits/{hit_id}/content`, with the same query
  parameters for the task's script to read) inside `sandbox="allow-scripts allow-forms"` — never
  allow-same-origin — and under a CSP sandbox of its own (security.html_question_headers).
- QuestionForm: rendered as the qualification tests are (pages/render.py) and submitted by work.submit.
After a submit the worker lands on "My assignments"; an iframe's externalSubmit answer tells the task page
(static/task.js) with postMessage.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from starlette.responses import Response
from starlette.routing import Route

from ... import errors
from ...domain import assignments as assignment_rules
from ...ops import work
from ...ops.context import Ctx
from ...store import assignment_queries as aq
from ...store import queries
from ...xml.questionform import QuestionForm
from ...xml.questions import ExternalQuestion, HTMLQuestion, parse_question
from . import render, security
from .common import PageRequest, query_string, same_site_path

PREFIX = "/worker"
GROUPS_PER_PAGE = 20
ASSIGNMENTS_PER_PAGE = 25
# "FrameHeight 0 means as tall as the page": openturk gives such a frame most of the window (CSS).
DEFAULT_FRAME_HEIGHT = 0
TASK_PARAMETERS = ("assignmentId", "hitId", "workerId", "turkSubmitTo")
STATUS_BADGES = {"Accepted": "badge-wait", "Submitted": "badge-wait", "Approved": "badge-ok", "Rejected": "badge-bad",
                 "Returned": "badge-muted", "Abandoned": "badge-muted"}
# openturk choice (docs/compatibility.md): a plain <form action="https://www.mturk.com/mturk/externalSubmit">
# (or the sandbox's) in an HTMLQuestion posts to this openturk instead. Only that exact attribute value on a
# <form> tag is rewritten; an action set by the task's script is the script's business (turkSubmitTo is in
# the query string for it).
_MTURK_ACTION = re.compile(
    r"""(<form\b[^>]*?\saction\s*=\s*)(["']?)https://(?:www|workersandbox)\.mturk\.com/mturk/externalSubmit/?\2""",
    re.IGNORECASE)
# Errors that say "nothing of yours by that id here": a 404 page.
_NOT_FOUND = (errors.Code.HIT_DOES_NOT_EXIST, errors.Code.ASSIGNMENT_DOES_NOT_EXIST)


def hit_routes(pages) -> list[Route]:
    page = pages.page
    return [
        Route(PREFIX + "/hits", page(pages.find_hits), methods=["GET"]),
        Route(PREFIX + "/hits/{hit_id}", page(pages.preview_hit), methods=["GET"]),
        Route(PREFIX + "/hits/{hit_id}/content", page(pages.hit_content), methods=["GET"]),
        Route(PREFIX + "/hits/{hit_id}/accept", page(pages.accept_hit), methods=["POST"]),
        Route(PREFIX + "/groups/{hit_type_id}/accept", page(pages.accept_group), methods=["POST"]),
        Route(PREFIX + "/assignments", page(pages.assignments), methods=["GET"]),
        Route(PREFIX + "/assignments/{assignment_id}", page(pages.task), methods=["GET", "POST"]),
        Route(PREFIX + "/assignments/{assignment_id}/return", page(pages.return_task), methods=["POST"]),
    ]


# -- read-only views (what the pages need beyond the worker actions) --------------------------------

def requester_names(ctx: Ctx, *, requester_ids: list[str]) -> dict[str, str]:
    """The requesters' names (as a worker sees who posted a HIT), by id."""
    names = {}
    for requester_id in dict.fromkeys(requester_ids):
        row = queries.requester_by_id(ctx.conn, requester_id)
        names[requester_id] = row["name"] if row is not None else requester_id
    return names


def my_task(ctx: Ctx, *, assignment_id: str) -> dict:
    """One of the worker's own assignments with its HIT's Question and the time now (for the countdown);
    another worker's is "does not exist", as work.submit answers it."""
    row = aq.assignment_with_hit(ctx.conn, assignment_id)
    if row is None or row["worker_id"] != ctx.worker_id:
        raise errors.assignment_does_not_exist(assignment_id)
    out = work.present_assignment(row, ctx.now_ms)
    out.update(Question=row["question"], NowMs=ctx.now_ms, DeadlineMs=row["deadline_ms"],
               RequesterName=requester_names(ctx, requester_ids=[row["requester_id"]])[row["requester_id"]])
    return out


# -- URLs -------------------------------------------------------------------------------------------

def with_parameters(url: str, params: dict[str, str]) -> str:
    """`url` with `params` appended to its query string: its own parameters kept (one of the same name as
    ours is replaced), its fragment kept after the query."""
    parts = urlsplit(url)
    kept = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in params]
    return urlunsplit(parts._replace(query=urlencode([*kept, *params.items()])))


def origin_of(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    origin = f"{parts.scheme}://{host}" + (f":{parts.port}" if parts.port else "")
    return origin if security.is_source_origin(origin) else None


def own_origin(page: PageRequest) -> str:
    """openturk's origin as this request reached it (what turkSubmitTo names)."""
    url = page.request.url
    return f"{url.scheme}://{url.netloc}"


def rewrite_mturk_action(html: str, submit_url: str) -> str:
    return _MTURK_ACTION.sub(lambda m: f"{m.group(1)}{m.group(2) or chr(34)}{submit_url}{m.group(2) or chr(34)}",
                             html)


def frame(question, *, hit_id: str, params: dict[str, str]) -> dict | None:
    """What the page's iframe shows: its src, height, whether it is sandboxed, and the origin it frames."""
    if isinstance(question, ExternalQuestion):
        src = with_parameters(question.external_url, params)
        return {"src": src, "height": question.frame_height, "sandboxed": False,
                "origin": origin_of(question.external_url)}
    if isinstance(question, HTMLQuestion):
        return {"src": f"{PREFIX}/hits/{hit_id}/content" + "?" + urlencode(params), "height": question.frame_height,
                "sandboxed": True, "origin": None}
    return None


class WorkerHitPages:
    """Mixed into WorkerPages (which gives `_run`)."""

    async def _page_error(self, page: PageRequest, exc: errors.TurkError, **context):
        if exc.kind == "ServiceFault":
            raise exc
        status = 404 if exc.code in _NOT_FOUND else 403 if exc.code in (
            errors.Code.PERMISSION_DENIED, errors.Code.QUALIFICATION_REQUIREMENT_NOT_MET) else 400
        return page.render("worker/hit_refused.html", status=status, error=exc, **context)

    # -- finding HITs ---------------------------------------------------------------------------------

    async def find_hits(self, page: PageRequest):
        q = page.request.query_params
        query, min_reward = q.get("query", "").strip(), q.get("min_reward", "").strip()
        next_token = q.get("next_token") or None
        try:
            listing = await self._run(page, work.search, query=query or None, min_reward=min_reward or None,
                                      next_token=next_token, max_results=GROUPS_PER_PAGE)
        except errors.TurkError as exc:
            if exc.kind == "ServiceFault":
                raise
            return page.render("worker/hits.html", status=400, groups=[], names={}, query=query,
                               min_reward=min_reward, next_url=None, paged=False, error=exc.message)
        groups = listing["HITGroups"]
        names = await self._run(page, requester_names, requester_ids=[g["RequesterId"] for g in groups])
        next_url = (PREFIX + "/hits" + query_string(query=query, min_reward=min_reward, next_token=listing["NextToken"])
                    if listing["NextToken"] else None)
        return page.render("worker/hits.html", groups=groups, names=names, query=query, min_reward=min_reward,
                           next_url=next_url, paged=next_token is not None, error=None,
                           page_keys=[g["HITGroupId"] for g in groups], back=_here(page))

    async def preview_hit(self, page: PageRequest):
        hit_id = page.request.path_params["hit_id"]
        try:
            hit = (await self._run(page, work.preview, hit_id=hit_id))["HIT"]
        except errors.TurkError as exc:
            return await self._page_error(page, exc, hit_id=hit_id)
        held = hit.get("Assignment")
        if held is not None and held["AssignmentStatus"] == "Accepted":
            return page.redirect(f"{PREFIX}/assignments/{held['AssignmentId']}")
        question = parse_question(hit["Question"])
        params = {"assignmentId": assignment_rules.ASSIGNMENT_ID_NOT_AVAILABLE, "hitId": hit_id}
        shown = frame(question, hit_id=hit_id, params=params)
        names = await self._run(page, requester_names, requester_ids=[hit["RequesterId"]])
        response = page.render("worker/hit_preview.html", hit=hit, frame=shown, requester=names[hit["RequesterId"]],
                               form=question if isinstance(question, QuestionForm) else None,
                               page_keys=["accept"])
        response.headers.update(security.task_page_headers(shown["origin"] if shown else None))
        return response

    async def hit_content(self, page: PageRequest):
        """An HTMLQuestion's document, for the sandboxed iframe of the preview and task pages (the worker
        must be allowed to preview the HIT, or hold one of its assignments)."""
        hit_id = page.request.path_params["hit_id"]
        try:
            hit = (await self._run(page, work.preview, hit_id=hit_id))["HIT"]
        except errors.TurkError as exc:
            return await self._page_error(page, exc, hit_id=hit_id)
        question = parse_question(hit["Question"])
        if not isinstance(question, HTMLQuestion):
            return await self._page_error(page, errors.hit_does_not_exist(hit_id), hit_id=hit_id)
        origin = own_origin(page)
        html = rewrite_mturk_action(question.html_content, origin + security.EXTERNAL_SUBMIT_PATH)
        headers = {"Cache-Control": "no-store", **security.html_question_headers(origin)}
        return Response(html, media_type="text/html; charset=utf-8", headers=headers)

    # -- accepting --------------------------------------------------------------------------------------

    async def accept_hit(self, page: PageRequest):
        hit_id = page.request.path_params["hit_id"]
        try:
            result = await self._run(page, work.accept, True, hit_id=hit_id)
        except errors.TurkError as exc:
            if exc.kind == "ServiceFault":
                raise
            page.flash(exc.message, "error", key="accept")
            return page.redirect(f"{PREFIX}/hits/{hit_id}" if exc.code not in _NOT_FOUND else PREFIX + "/hits")
        return page.redirect(f"{PREFIX}/assignments/{result['Assignment']['AssignmentId']}")

    async def accept_group(self, page: PageRequest):
        hit_type_id = page.request.path_params["hit_type_id"]
        back = same_site_path(page.field("back"), PREFIX + "/hits", PREFIX + "/hits")
        try:
            result = await self._run(page, work.accept_from_group, True, hit_type_id=hit_type_id)
        except errors.TurkError as exc:
            if exc.kind == "ServiceFault":
                raise
            page.flash(exc.message, "error", key=hit_type_id)
            return page.redirect(back + f"#group-{hit_type_id}")
        return page.redirect(f"{PREFIX}/assignments/{result['Assignment']['AssignmentId']}")

    # -- the task ---------------------------------------------------------------------------------------

    async def task(self, page: PageRequest):
        assignment_id = page.request.path_params["assignment_id"]
        try:
            item = await self._run(page, my_task, assignment_id=assignment_id)
        except errors.TurkError as exc:
            return await self._page_error(page, exc)
        question = parse_question(item["Question"])
        if item["AssignmentStatus"] != "Accepted":
            if page.request.method == "POST":
                return page.render("worker/task_closed.html", status=409, item=item, badges=STATUS_BADGES)
            page.flash(_closed_message(item), "ok" if item["AssignmentStatus"] != "Abandoned" else "error")
            return page.redirect(PREFIX + "/assignments")
        if page.request.method == "POST":
            if not isinstance(question, QuestionForm):      # ExternalQuestion/HTMLQuestion post to externalSubmit
                return await self._page_error(page, errors.invalid_value(
                    "Answer", "this task submits its own form (to /mturk/externalSubmit)"))
            return await self._submit_form(page, item, question)
        return self._task_page(page, item, question, {}, {})

    async def _submit_form(self, page: PageRequest, item: dict, form: QuestionForm):
        values = render.values_from_post(form, page.form)
        mapping, document = render.answers_from_post(form, values)
        assignment_id = item["AssignmentId"]
        try:
            if document is not None:
                await self._run(page, work.submit, True, assignment_id=assignment_id, answer=document)
            else:
                await self._run(page, work.submit, True, assignment_id=assignment_id, answers=mapping)
        except errors.TurkError as exc:
            if exc.code == errors.Code.INVALID_ASSIGNMENT_STATE:
                item = await self._run(page, my_task, assignment_id=assignment_id)
                return page.render("worker/task_closed.html", status=409, item=item, badges=STATUS_BADGES)
            if exc.kind == "ServiceFault":
                raise
            problems: dict[str, list[str]] = {}
            for identifier, message in exc.data if exc.code == errors.Code.INVALID_PARAMETER_VALUE else ():
                problems.setdefault(identifier, []).append(message)
            general = None if problems else exc.message
            return self._task_page(page, item, form, values, problems, general=general, status=400)
        page.flash(f"Your work on “{item['Title']}” was submitted.")
        return page.redirect(PREFIX + "/assignments")

    def _task_page(self, page: PageRequest, item: dict, question, values, problems, general=None, status=200):
        params = {"assignmentId": item["AssignmentId"], "hitId": item["HITId"], "workerId": page.identity,
                  "turkSubmitTo": own_origin(page)}
        shown = frame(question, hit_id=item["HITId"], params=params)
        form = question if isinstance(question, QuestionForm) else None
        remaining = max(0, (item["DeadlineMs"] - item["NowMs"]) // 1000)
        response = page.render(
            "worker/task.html", status=status, item=item, frame=shown, form=form, values=values, problems=problems,
            general=general, remaining=remaining, page_keys=["return"],
            question_index={q.identifier: i for i, q in enumerate(form.questions)} if form else {})
        response.headers.update(security.task_page_headers(shown["origin"] if shown else None))
        return response

    async def return_task(self, page: PageRequest):
        assignment_id = page.request.path_params["assignment_id"]
        try:
            result = await self._run(page, work.return_assignment, True, assignment_id=assignment_id)
        except errors.TurkError as exc:
            if exc.code != errors.Code.INVALID_ASSIGNMENT_STATE:
                return await self._page_error(page, exc)
            page.flash(exc.message, "error")
            return page.redirect(PREFIX + "/assignments")
        page.flash(f"You returned “{result['Assignment']['Title']}”: another worker may now take it.")
        return page.redirect(PREFIX + "/assignments")

    # -- the worker's assignments and earnings -----------------------------------------------------------

    async def assignments(self, page: PageRequest):
        q = page.request.query_params
        next_token = q.get("next_token") or None
        listing = await self._run(page, work.my_assignments, next_token=next_token, max_results=ASSIGNMENTS_PER_PAGE)
        earnings = await self._run(page, work.earnings)
        next_url = (PREFIX + "/assignments" + query_string(next_token=listing["NextToken"])
                    if listing["NextToken"] else None)
        return page.render("worker/assignments.html", assignments=listing["Assignments"], earnings=earnings,
                           next_url=next_url, paged=next_token is not None, badges=STATUS_BADGES)


def _closed_message(item: dict) -> str:
    status, title = item["AssignmentStatus"], item["Title"]
    if status == "Abandoned":
        return f"The time for “{title}” ran out before it was submitted."
    if status == "Returned":
        return f"You returned “{title}”."
    return f"Your work on “{title}” was submitted."


def _here(page: PageRequest) -> str:
    url = page.request.url
    return url.path + ("?" + url.query if url.query else "")
