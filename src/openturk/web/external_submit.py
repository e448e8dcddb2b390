"""`POST /mturk/externalSubmit`: where an ExternalQuestion or HTMLQuestion task posts its form (the path is a
contract: psiTurk's and Dallinger's tasks post to `{turkSubmitTo}/mturk/externalSubmit`).

The form's `assignmentId` names the assignment; every other field becomes a FreeText answer of its
QuestionFormAnswers (ops.work.submit_external). The answer is a small page that tells the worker the work
was submitted and leads them (out of the task's frame) to their assignments; a refusal is the same page
with MTurk's error and an HTTP status that says what went wrong.
"""

from __future__ import annotations

import logging
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from .. import errors
from ..ops import work
from . import access
from .asgi import BodyTooLarge, ClientDisconnected, read_body
from .execution import execute
from .pages.common import environment

log = logging.getLogger("openturk.errors")
PATH = "/mturk/externalSubmit"
STATUS_BY_CODE = {errors.Code.ASSIGNMENT_DOES_NOT_EXIST: 404, errors.Code.INVALID_ASSIGNMENT_STATE: 409}


class ExternalSubmit:
    def __init__(self, app):
        self.app = app      # the OpenTurkApp: its service is set at start-up

    def routes(self) -> list[Route]:
        return [Route(PATH, self.submit, methods=["POST"])]

    async def submit(self, request: Request) -> Response:
        try:
            fields = await self._fields(request)
            assignment_ids = [value for name, value in fields if name == "assignmentId"]
            if not assignment_ids or not assignment_ids[0].strip():
                raise errors.missing_parameter("assignmentId")
            result = await execute(self.app.service, work.submit_external,
                                   {"assignment_id": assignment_ids[0].strip(), "fields": fields}, write=True)
        except errors.TurkError as exc:
            status = 500 if exc.kind == "ServiceFault" else STATUS_BY_CODE.get(exc.code, 400)
            return _page(status, error=exc)
        except ClientDisconnected:
            return Response(status_code=400)
        except Exception:
            rid = access.request_id(request.scope)
            log.exception("externalSubmit failed (request %s)", rid, extra={"request_id": rid})
            return _page(500, error=errors.service_fault())
        return _page(200, assignment=result["Assignment"])

    async def _fields(self, request: Request) -> list[tuple[str, str]]:
        """The posted fields in order, from a urlencoded or multipart form (a file's name, never its bytes)."""
        limit = self.app.service.settings.max_body_bytes
        content_type = request.headers.get("content-type", "")
        if content_type.startswith("multipart/form-data"):
            form = await request.form(max_files=0, max_fields=1000)
            return [(name, value) for name, value in form.multi_items() if isinstance(value, str)]
        try:
            raw = await read_body(request.scope, request.receive, limit)
        except BodyTooLarge:
            raise errors.invalid_value("body", f"the form is larger than {limit} bytes") from None
        try:
            return parse_qsl(raw.decode("utf-8"), keep_blank_values=True, max_num_fields=1000)
        except (UnicodeDecodeError, ValueError) as exc:
            raise errors.invalid_value("body", f"the form could not be read: {exc}") from None


def _page(status: int, *, assignment: dict | None = None, error: errors.TurkError | None = None) -> HTMLResponse:
    html = environment.get_template("worker/submitted.html").render(assignment=assignment, error=error,
                                                                    section="worker", identity=None)
    response = HTMLResponse(html, status_code=status)
    response.headers["Cache-Control"] = "no-store"
    return response
