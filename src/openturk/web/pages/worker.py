"""The worker pages under /worker/: sign in with the worker token, find qualification types, request one,
take its test, see the result, one's qualifications (with their score history) and messages; the HIT
pages (find, preview, accept, work, submit, return, one's assignments) are in worker_hits.py.

Every action is a worker action of ops/worker_actions.py, the same the worker API calls.
"""

from __future__ import annotations

from starlette.routing import Route

from ... import errors, ids
from ...ops import worker_actions as actions
from ...store import worker_queries
from ...xml.questionform import parse_question_form
from ..execution import call, execute
from . import render, views
from .common import Pages, PageRequest, Sessions, query_string, same_site_path
from .worker_hits import WorkerHitPages, hit_routes

PREFIX = "/worker"
PAGE_SIZES = (10, 25, 50)


class WorkerPages(WorkerHitPages, Pages):
    section = "worker"
    login_path = PREFIX + "/login"
    # A week: workers come back to long tests and to their results; the token stays the credential.
    sessions = Sessions("openturk_worker", PREFIX, 7 * 86400, "openturk.worker-session")

    def routes(self) -> list[Route]:
        page = self.page
        return [
            Route(PREFIX, page(self.home), methods=["GET"]),
            Route(PREFIX + "/", page(self.home), methods=["GET"]),
            Route(PREFIX + "/login", page(self.login, signed_in=False), methods=["GET", "POST"]),
            Route(PREFIX + "/logout", page(self.logout, signed_in=False), methods=["POST"]),
            Route(PREFIX + "/types", page(self.types), methods=["GET"]),
            Route(PREFIX + "/types/{type_id}/request", page(self.request_type), methods=["POST"]),
            Route(PREFIX + "/requests", page(self.requests), methods=["GET"]),
            Route(PREFIX + "/requests/{request_id}", page(self.request_page), methods=["GET"]),
            Route(PREFIX + "/requests/{request_id}/test", page(self.test), methods=["GET", "POST"]),
            Route(PREFIX + "/qualifications", page(self.qualifications), methods=["GET"]),
            Route(PREFIX + "/messages", page(self.messages), methods=["GET"]),
            *hit_routes(self),
        ]

    # -- who is signed in ---------------------------------------------------------------------------------

    async def identify(self, page: PageRequest) -> str | None:
        """The worker whose token hash the session holds — while that token is still theirs (a new token
        from `openturk worker create` signs old sessions out)."""
        digest = page.session.get("token_hash")
        if not isinstance(digest, str):
            return None
        row = await call(self.app.service, _worker_by_token_hash, self.app.service, digest)
        return None if row is None or row["worker_id"] != page.session.get("worker_id") else row["worker_id"]

    async def _run(self, page: PageRequest, fn, write: bool = False, **params):
        return await execute(self.app.service, fn, params, write=write, worker_id=page.identity)

    # -- sign in and out -------------------------------------------------------------------------------------

    async def home(self, page: PageRequest):
        return page.redirect(PREFIX + "/types")

    async def login(self, page: PageRequest):
        """The sign-in form (POST token), and the sign-in link GET /worker/login?token=…"""
        request = page.request
        token = page.field("token").strip() if request.method == "POST" else request.query_params.get("token", "")
        target = same_site_path(page.field("next") or request.query_params.get("next"), PREFIX + "/",
                                PREFIX + "/types")
        if not token:
            if request.method == "POST":
                return page.render("worker/login.html", status=400, next=target,
                                   error="Enter the worker token you were given.")
            if page.identity is not None:
                return page.redirect(target)
            return page.render("worker/login.html", next=target, error=None)
        worker_id = await call(self.app.service, self.app.service.worker, token)
        if worker_id is None:
            return page.render("worker/login.html", status=400, next=target,
                               error="This worker token is not valid. Check it, or ask for a new one.")
        return self.sign_in(page, {"worker_id": worker_id, "token_hash": ids.token_hash(token)}, target)

    # -- qualification types -----------------------------------------------------------------------------------

    async def types(self, page: PageRequest):
        q = page.request.query_params
        query = q.get("query", "").strip()
        per_page = _per_page(q.get("per_page"))
        next_token = q.get("next_token") or None
        listing = await self._run(page, actions.list_types, query=query or None, next_token=next_token,
                                  max_results=per_page)
        types = listing["QualificationTypes"]
        standing = await self._run(page, views.type_statuses, types=types)
        next_url = (PREFIX + "/types" + query_string(query=query, per_page=per_page if per_page != 10 else None,
                                                     next_token=listing["NextToken"])
                    if listing["NextToken"] else None)
        return page.render("worker/types.html", types=types, standing=standing, query=query, per_page=per_page,
                           page_keys=[t["QualificationTypeId"] for t in types],
                           page_sizes=PAGE_SIZES, next_url=next_url, paged=next_token is not None,
                           back=page.request.url.path + ("?" + page.request.url.query if page.request.url.query else ""))

    async def request_type(self, page: PageRequest):
        type_id = page.request.path_params["type_id"]
        back = same_site_path(page.field("back"), PREFIX + "/types", PREFIX + "/types")
        try:
            result = await self._run(page, actions.request_qualification, True, qualification_type_id=type_id)
        except errors.TurkError as exc:
            if exc.kind == "ServiceFault":
                raise
            page.flash(exc.message, "error", key=type_id)
            return page.redirect(back + f"#type-{type_id}")
        request_id = result["QualificationRequestId"]
        if result["Status"] == "TestInProgress":
            return page.redirect(f"{PREFIX}/requests/{request_id}/test")
        return page.redirect(f"{PREFIX}/requests/{request_id}")

    # -- requests and tests ------------------------------------------------------------------------------------

    async def requests(self, page: PageRequest):
        q = page.request.query_params
        listing = await self._run(page, actions.my_requests, next_token=q.get("next_token") or None, max_results=25)
        requests = listing["QualificationRequests"]
        names = await self._run(page, views.type_names,
                                qualification_type_ids=[r["QualificationTypeId"] for r in requests])
        next_url = PREFIX + "/requests" + query_string(next_token=listing["NextToken"]) if listing["NextToken"] else None
        return page.render("worker/requests.html", requests=requests, names=names, next_url=next_url)

    async def request_page(self, page: PageRequest):
        """A request's outcome: granted (with the score), waiting for review, rejected (with the reason),
        or expired; a test in progress sends the worker to it."""
        item = await self._run(page, views.my_request, qualification_request_id=page.request.path_params["request_id"])
        if item["Status"] == "TestInProgress":
            return page.redirect(f"{PREFIX}/requests/{item['QualificationRequestId']}/test")
        return page.render("worker/result.html", item=item)

    async def test(self, page: PageRequest):
        request_id = page.request.path_params["request_id"]
        item = await self._run(page, views.my_request, qualification_request_id=request_id)
        if item["Status"] != "TestInProgress":
            if page.request.method == "POST":
                return page.render("worker/test_closed.html", status=409, item=item, submitted=True)
            if item["Status"] == "Expired":
                return page.render("worker/test_closed.html", item=item, submitted=False)
            return page.redirect(f"{PREFIX}/requests/{request_id}")
        form = parse_question_form(item["Test"])
        if page.request.method == "GET":
            return self._test_page(page, item, form, {}, {})
        values = render.values_from_post(form, page.form)
        mapping, document = render.answers_from_post(form, values)
        try:
            await self._run(page, actions.submit_answers, True, qualification_request_id=request_id,
                            answers=mapping, answer=document)
        except errors.TurkError as exc:
            if exc.code == errors.Code.INVALID_QUALIFICATION_REQUEST_STATE:
                item = await self._run(page, views.my_request, qualification_request_id=request_id)
                return page.render("worker/test_closed.html", status=409, item=item, submitted=True)
            if exc.kind == "ServiceFault":
                raise
            problems: dict[str, list[str]] = {}
            for identifier, message in exc.data if exc.code == errors.Code.INVALID_PARAMETER_VALUE else ():
                problems.setdefault(identifier, []).append(message)
            general = None if problems else exc.message
            return self._test_page(page, item, form, values, problems, general=general, status=400)
        return page.redirect(f"{PREFIX}/requests/{request_id}")

    def _test_page(self, page, item, form, values, problems, general=None, status=200):
        remaining = max(0, (item["DeadlineMs"] - item["NowMs"]) // 1000)
        return page.render("worker/test.html", status=status, item=item, form=form, values=values,
                           problems=problems, general=general, remaining=remaining,
                           question_index={q.identifier: i for i, q in enumerate(form.questions)})

    # -- qualifications and messages ---------------------------------------------------------------------------

    async def qualifications(self, page: PageRequest):
        return page.render("worker/qualifications.html", qualifications=await self._run(page, views.my_qualifications))

    async def messages(self, page: PageRequest):
        q = page.request.query_params
        listing = await self._run(page, actions.my_messages, next_token=q.get("next_token") or None, max_results=25)
        next_url = PREFIX + "/messages" + query_string(next_token=listing["NextToken"]) if listing["NextToken"] else None
        return page.render("worker/messages.html", messages=listing["Messages"], next_url=next_url)


def _worker_by_token_hash(service, digest: str) -> dict | None:
    with service.db.transaction(write=False) as tx:
        return worker_queries.worker_by_token_hash(tx, digest)


def _per_page(raw: str | None) -> int:
    try:
        value = int(raw or 10)
    except ValueError:
        return 10
    return value if value in PAGE_SIZES else 10
