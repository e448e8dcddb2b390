"""The worker API (JSON over HTTP, `Authorization: Bearer <token>` from `openturk worker create`).

The paths under /api/worker/v1 are a contract. Responses use MTurk's member names; errors are
`{"error": {"code": <TurkErrorCode>, "message": …}}` (plus `questions` for per-question problems).
"""

from __future__ import annotations

import logging

import orjson
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from .. import errors
from ..ops import work
from ..ops import worker_actions as actions
from . import access
from .asgi import BodyTooLarge, ClientDisconnected, read_body
from .execution import call, execute
from .worker_openapi import OPENAPI

log = logging.getLogger("openturk.errors")
PREFIX = "/api/worker/v1"
MAX_PAGE = 100
STATUS_BY_CODE = {
    errors.Code.NOT_AUTHORIZED: 401,
    errors.Code.PERMISSION_DENIED: 403,
    errors.Code.QUALIFICATION_TYPE_DOES_NOT_EXIST: 404,
    errors.Code.QUALIFICATION_REQUEST_DOES_NOT_EXIST: 404,
    errors.Code.DOES_NOT_ALLOW_RETAKE: 409,
    errors.Code.RETRY_DELAY_NOT_ELAPSED: 409,
    errors.Code.REQUEST_ALREADY_OPEN: 409,
    errors.Code.INVALID_QUALIFICATION_REQUEST_STATE: 409,
    errors.Code.INVALID_QUALIFICATION_TYPE_STATE: 409,
    errors.Code.NOT_REQUESTABLE: 409,
    errors.Code.HIT_DOES_NOT_EXIST: 404,
    errors.Code.ASSIGNMENT_DOES_NOT_EXIST: 404,
    errors.Code.QUALIFICATION_REQUIREMENT_NOT_MET: 403,
    errors.Code.NO_HITS_AVAILABLE: 409,
    errors.Code.ASSIGNMENT_ALREADY_EXISTS: 409,
    errors.Code.INVALID_ASSIGNMENT_STATE: 409,
}


def json_response(payload, status: int = 200) -> Response:
    return Response(orjson.dumps(payload), status_code=status, media_type="application/json")


def error_response(exc: errors.TurkError) -> Response:
    body = {"code": exc.code, "message": exc.message}
    if exc.code == errors.Code.INVALID_PARAMETER_VALUE and exc.data:
        body["questions"] = [{"QuestionIdentifier": q, "Message": m} for q, m in exc.data]
    status = 500 if exc.kind == "ServiceFault" else STATUS_BY_CODE.get(exc.code, 400)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    response = json_response({"error": body}, status)
    if headers:
        response.headers.update(headers)
    return response


def http_error(request: Request, exc: HTTPException) -> Response:
    """Starlette's 404 (no route) and 405 (a route, another method) under the worker API in its own error
    shape, so that a client of it reads every answer the same way; elsewhere Starlette's plain text."""
    if not request.url.path.startswith(PREFIX):
        if exc.status_code in (204, 304):
            return Response(status_code=exc.status_code, headers=exc.headers)
        return PlainTextResponse(exc.detail, status_code=exc.status_code, headers=exc.headers)
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        # Starlette builds Allow from a set: sorted here, so that the answer is the same every time.
        headers["Allow"] = ", ".join(sorted(m.strip() for m in headers.get("Allow", "").split(",") if m.strip()))
        code = "MethodNotAllowed"
        message = f"{request.method} is not allowed on {request.url.path}: use {headers['Allow']}"
    elif exc.status_code == 404:
        code, message = "NotFound", f"There is no {request.url.path} in the worker API (see {PREFIX}/openapi.json)"
    else:
        code, message = "RequestError", str(exc.detail)
    response = json_response({"error": {"code": code, "message": message}}, exc.status_code)
    response.headers.update(headers)
    return response


class WorkerAPI:
    def __init__(self, app):
        self.app = app      # the OpenTurkApp: its service is set at start-up

    def routes(self) -> list[Route]:
        return [
            Route(PREFIX + "/openapi.json", self.openapi, methods=["GET"]),
            Route(PREFIX + "/qualification-types", self.endpoint(self.list_types), methods=["GET"]),
            Route(PREFIX + "/qualification-types/{type_id}/requests", self.endpoint(self.request_type),
                  methods=["POST"]),
            Route(PREFIX + "/qualification-requests/{request_id}/answers", self.endpoint(self.submit),
                  methods=["POST"]),
            Route(PREFIX + "/qualification-requests", self.endpoint(self.requests), methods=["GET"]),
            Route(PREFIX + "/qualifications", self.endpoint(self.qualifications), methods=["GET"]),
            Route(PREFIX + "/messages", self.endpoint(self.messages), methods=["GET"]),
            Route(PREFIX + "/hit-groups", self.endpoint(self.search), methods=["GET"]),
            Route(PREFIX + "/hit-groups/{group_id}/assignments", self.endpoint(self.accept_from_group),
                  methods=["POST"]),
            Route(PREFIX + "/hits/{hit_id}", self.endpoint(self.preview), methods=["GET"]),
            Route(PREFIX + "/hits/{hit_id}/assignments", self.endpoint(self.accept), methods=["POST"]),
            Route(PREFIX + "/assignments", self.endpoint(self.assignments), methods=["GET"]),
            Route(PREFIX + "/assignments/{assignment_id}/answers", self.endpoint(self.submit_assignment),
                  methods=["POST"]),
            Route(PREFIX + "/assignments/{assignment_id}/return", self.endpoint(self.return_assignment),
                  methods=["POST"]),
            Route(PREFIX + "/earnings", self.endpoint(self.earnings), methods=["GET"]),
        ]

    async def openapi(self, request: Request) -> Response:
        return json_response(OPENAPI)

    def endpoint(self, handler):
        """Authenticate the worker, run the handler, render TurkErrors as the worker API's errors."""
        async def run(request: Request) -> Response:
            try:
                worker_id = await self._worker(request)
                access.set_caller(request.scope, worker_id)
                return await handler(request, worker_id)
            except errors.TurkError as exc:
                return error_response(exc)
            except ClientDisconnected:      # nobody to answer (web/protocol.py may have answered 408)
                return Response(status_code=400)
            except Exception:
                rid = access.request_id(request.scope)
                log.exception("worker API %s %s failed (request %s)", request.method, request.url.path, rid,
                              extra={"request_id": rid})
                return error_response(errors.service_fault())
        return run

    async def _worker(self, request: Request) -> str:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise errors.not_authorized()
        worker_id = await call(self.app.service, self.app.service.worker, token.strip())
        if worker_id is None:
            raise errors.not_authorized("The worker token is not valid.")
        return worker_id

    async def _run(self, fn, worker_id: str, write: bool, **params):
        return await execute(self.app.service, fn, params, write=write, worker_id=worker_id)

    # -- handlers ----------------------------------------------------------------------------------

    async def list_types(self, request: Request, worker_id: str) -> Response:
        q = request.query_params
        result = await self._run(actions.list_types, worker_id, False, query=q.get("query") or None,
                                 next_token=q.get("next_token") or None, max_results=_page_size(q))
        return json_response(result)

    async def request_type(self, request: Request, worker_id: str) -> Response:
        result = await self._run(actions.request_qualification, worker_id, True,
                                 qualification_type_id=request.path_params["type_id"])
        return json_response(result, 201)

    async def submit(self, request: Request, worker_id: str) -> Response:
        body = await _json_body(request, self.app.service.settings.max_body_bytes)
        answer, answers = body.get("Answer"), body.get("Answers")
        if answer is not None and not isinstance(answer, str):
            raise errors.invalid_value("Answer", "expected a QuestionFormAnswers XML document as a string")
        if answers is not None and not _is_answer_mapping(answers):
            raise errors.invalid_value("Answers", 'expected an object such as {"q1": ["A", "B"], "q2": "text"}')
        result = await self._run(actions.submit_answers, worker_id, True,
                                 qualification_request_id=request.path_params["request_id"],
                                 answer=answer, answers=answers)
        return json_response(result)

    async def requests(self, request: Request, worker_id: str) -> Response:
        q = request.query_params
        return json_response(await self._run(actions.my_requests, worker_id, False,
                                             next_token=q.get("next_token") or None, max_results=_page_size(q, 50)))

    async def qualifications(self, request: Request, worker_id: str) -> Response:
        return json_response(await self._run(actions.my_qualifications, worker_id, False))

    async def messages(self, request: Request, worker_id: str) -> Response:
        q = request.query_params
        return json_response(await self._run(actions.my_messages, worker_id, False,
                                             next_token=q.get("next_token") or None, max_results=_page_size(q, 50)))


    # -- HITs and assignments ------------------------------------------------------------------------

    async def search(self, request: Request, worker_id: str) -> Response:
        q = request.query_params
        return json_response(await self._run(work.search, worker_id, False, query=q.get("query") or None,
                                             min_reward=q.get("min_reward") or None,
                                             next_token=q.get("next_token") or None, max_results=_page_size(q, 20)))

    async def preview(self, request: Request, worker_id: str) -> Response:
        return json_response(await self._run(work.preview, worker_id, False, hit_id=request.path_params["hit_id"]))

    async def accept(self, request: Request, worker_id: str) -> Response:
        return json_response(await self._run(work.accept, worker_id, True, hit_id=request.path_params["hit_id"]),
                             201)

    async def accept_from_group(self, request: Request, worker_id: str) -> Response:
        return json_response(await self._run(work.accept_from_group, worker_id, True,
                                             hit_type_id=request.path_params["group_id"]), 201)

    async def assignments(self, request: Request, worker_id: str) -> Response:
        q = request.query_params
        return json_response(await self._run(work.my_assignments, worker_id, False,
                                             next_token=q.get("next_token") or None, max_results=_page_size(q, 20)))

    async def submit_assignment(self, request: Request, worker_id: str) -> Response:
        body = await _json_body(request, self.app.service.settings.max_body_bytes)
        answer, answers = body.get("Answer"), body.get("Answers")
        if answer is not None and not isinstance(answer, str):
            raise errors.invalid_value("Answer", "expected a QuestionFormAnswers XML document as a string")
        if answers is not None and not _is_answer_mapping(answers):
            raise errors.invalid_value("Answers", 'expected an object such as {"q1": ["A", "B"], "q2": "text"}')
        return json_response(await self._run(work.submit, worker_id, True,
                                             assignment_id=request.path_params["assignment_id"],
                                             answer=answer, answers=answers if answer is None else None))

    async def return_assignment(self, request: Request, worker_id: str) -> Response:
        return json_response(await self._run(work.return_assignment, worker_id, True,
                                             assignment_id=request.path_params["assignment_id"]))

    async def earnings(self, request: Request, worker_id: str) -> Response:
        return json_response(await self._run(work.earnings, worker_id, False))


def _page_size(query, default: int = 10) -> int:
    raw = query.get("max_results")
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise errors.invalid_value("max_results", "expected an integer") from None
    if not 1 <= value <= MAX_PAGE:
        raise errors.out_of_range("max_results", value, 1, MAX_PAGE)
    return value


async def _json_body(request: Request, limit: int) -> dict:
    try:    # read_body stops at the limit: a larger body is never held in memory
        raw = await read_body(request.scope, request.receive, limit)
    except BodyTooLarge:
        raise errors.invalid_value("body", f"the request body is larger than {limit} bytes") from None
    try:
        body = orjson.loads(raw or b"{}")
    except orjson.JSONDecodeError:
        raise errors.invalid_value("body", "the request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise errors.invalid_value("body", "expected a JSON object")
    return body


def _is_answer_mapping(value) -> bool:
    if not isinstance(value, dict):
        return False
    for item in value.values():
        if isinstance(item, str):
            continue
        if not (isinstance(item, list) and all(isinstance(s, str) for s in item)):
            return False
    return True
