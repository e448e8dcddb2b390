"""The requester pages under /requester/: sign in with an access key and its secret; one's HITs
(requester_hits.py) and the review of their work (requester_results.py); one's qualification
types (create, edit, activate or deactivate, delete, preview the test as workers see it); pending
requests with the worker's answers beside the test (accept with a value, reject with a reason, one by one
or in bulk); holders of a type (filter, page, grant, revoke); a worker's score history.

Every change is an MTurk operation, called with the parameters the JSON API would send, parsed by the same
model shapes — so the pages show the API's own validation messages, next to the field they name.
"""

from __future__ import annotations

import hashlib
import hmac

from starlette.routing import Route

from ... import errors
from ...ops import REGISTRY
from ...protocol.json11 import build_input_parser
from ...protocol.model import service_model
from ...xml.answers import parse_answers
from ...xml.questionform import parse_question_form
from ..execution import call, execute
from . import render, views
from .requester_hits import HitPages, hit_routes
from .requester_results import ResultPages, result_routes
from .common import Pages, PageRequest, Sessions, error_parameter, query_string, same_site_path

PREFIX = "/requester"
TYPE_FIELDS = ("Name", "Description", "Keywords", "QualificationTypeStatus", "RetryDelayInSeconds", "Test",
               "TestDurationInSeconds", "AnswerKey", "AutoGranted", "AutoGrantedValue")
INTEGER_FIELDS = ("RetryDelayInSeconds", "TestDurationInSeconds", "AutoGrantedValue", "IntegerValue")
REQUESTS_PER_PAGE = 10
HOLDERS_PER_PAGE = 25


class Operations:
    """MTurk operations as the JSON API calls them: wire parameters parsed by the operation's input shape."""

    def __init__(self):
        self._parsers: dict = {}

    async def __call__(self, service, caller, name: str, **wire) -> dict:
        op = REGISTRY[name]
        parse = self._parsers.get(name)
        if parse is None:
            parse = self._parsers[name] = build_input_parser(service_model().operation_model(name))
        params = parse({k: v for k, v in wire.items() if v is not None}, "")
        return await execute(service, op.fn, params, write=not op.readonly, caller=caller)


class RequesterPages(ResultPages, HitPages, Pages):
    section = "requester"
    login_path = PREFIX + "/login"
    sessions = Sessions("openturk_requester", PREFIX, 12 * 3600, "openturk.requester-session")

    def __init__(self, app):
        super().__init__(app)
        self.operations = Operations()

    def routes(self) -> list[Route]:
        page = self.page
        return [
            Route(PREFIX, page(self.home), methods=["GET"]),
            Route(PREFIX + "/", page(self.home), methods=["GET"]),
            Route(PREFIX + "/login", page(self.login, signed_in=False), methods=["GET", "POST"]),
            Route(PREFIX + "/logout", page(self.logout, signed_in=False), methods=["POST"]),
            Route(PREFIX + "/types", page(self.types), methods=["GET"]),
            Route(PREFIX + "/types/new", page(self.create), methods=["GET", "POST"]),
            Route(PREFIX + "/types/{type_id}", page(self.type_page), methods=["GET"]),
            Route(PREFIX + "/types/{type_id}/edit", page(self.edit), methods=["GET", "POST"]),
            Route(PREFIX + "/types/{type_id}/status", page(self.set_status), methods=["POST"]),
            Route(PREFIX + "/types/{type_id}/delete", page(self.delete), methods=["POST"]),
            Route(PREFIX + "/types/{type_id}/preview", page(self.preview), methods=["GET"]),
            Route(PREFIX + "/types/{type_id}/workers", page(self.holders), methods=["GET"]),
            Route(PREFIX + "/types/{type_id}/workers/grant", page(self.grant), methods=["POST"]),
            Route(PREFIX + "/types/{type_id}/workers/revoke", page(self.revoke), methods=["POST"]),
            Route(PREFIX + "/types/{type_id}/workers/{worker_id}", page(self.history), methods=["GET"]),
            Route(PREFIX + "/requests", page(self.requests), methods=["GET"]),
            Route(PREFIX + "/requests/decide", page(self.decide), methods=["POST"]),
            *hit_routes(self),
            *result_routes(self),
        ]

    # -- who is signed in ---------------------------------------------------------------------------------

    def _fingerprint(self, secret: str) -> str:
        """Kept in the session instead of the secret: changes when the key's secret does."""
        return hmac.new(self.app.service.session_key, secret.encode(), hashlib.sha256).hexdigest()[:32]

    async def identify(self, page: PageRequest):
        key = page.session.get("access_key_id")
        if not isinstance(key, str):
            return None
        creds = await call(self.app.service, self.app.service.credentials, key)
        if creds is None or not hmac.compare_digest(self._fingerprint(creds.secret), str(page.session.get("check"))):
            return None
        return creds.caller

    async def op(self, page: PageRequest, name: str, **wire) -> dict:
        return await self.operations(self.app.service, page.identity, name, **wire)

    async def act(self, page: PageRequest, name: str, *, done: str, error_key: str, **wire) -> bool:
        """Run a form's operation: flash `done`, or the rule it broke next to the form (`error_key`).
        A ServiceFault is not the user's doing: it goes on to the error page."""
        try:
            await self.op(page, name, **wire)
        except errors.TurkError as exc:
            if exc.kind == "ServiceFault":
                raise
            page.flash(exc.message, "error", key=error_key)
            return False
        page.flash(done)
        return True

    async def _view(self, page: PageRequest, fn, **params):
        return await execute(self.app.service, fn, params, write=False, caller=page.identity)

    # -- sign in and out -------------------------------------------------------------------------------------

    async def home(self, page: PageRequest):
        return page.redirect(PREFIX + "/types")

    async def login(self, page: PageRequest):
        target = same_site_path(page.field("next") or page.request.query_params.get("next"), PREFIX + "/",
                                PREFIX + "/types")
        if page.request.method == "GET":
            if page.identity is not None:
                return page.redirect(target)
            return page.render("requester/login.html", next=target, error=None, access_key_id="")
        key, secret = page.field("access_key_id").strip(), page.field("secret_access_key").strip()
        creds = await call(self.app.service, self.app.service.credentials, key) if key else None
        if creds is None or not hmac.compare_digest(creds.secret.encode(), secret.encode()):
            return page.render("requester/login.html", status=400, next=target, access_key_id=key,
                               error="The access key ID or the secret access key is not right.")
        return self.sign_in(page, {"access_key_id": key, "check": self._fingerprint(creds.secret)}, target)

    # -- qualification types -----------------------------------------------------------------------------------

    async def types(self, page: PageRequest):
        q = page.request.query_params
        query = q.get("query", "").strip()
        next_token = q.get("next_token") or None
        listing = await self.op(page, "ListQualificationTypes", MustBeRequestable=False, MustBeOwnedByCaller=True,
                                Query=query or None, NextToken=next_token, MaxResults=25)
        next_url = (PREFIX + "/types" + query_string(query=query, next_token=listing["next_token"])
                    if listing["more"] else None)
        return page.render("requester/types.html", types=listing["qualification_types"], query=query,
                           next_url=next_url, paged=next_token is not None)

    async def create(self, page: PageRequest):
        if page.request.method == "GET":
            return page.render("requester/type_form.html", qtype=None,
                               values={"QualificationTypeStatus": "Active", "TestDurationInSeconds": "3600"},
                               field_errors={}, general=None)
        values = _type_values(page)
        wire = {name: _wire(name, values[name]) for name in TYPE_FIELDS}
        wire["Description"] = values["Description"]
        wire["AutoGranted"] = values["AutoGranted"] == "on"
        try:
            result = await self.op(page, "CreateQualificationType", **wire)
        except errors.TurkError as exc:
            return self._form_error(page, exc, None, values)
        type_id = result["qualification_type"]["qualification_type_id"]
        page.flash(f"Created the qualification type {values['Name']}.")
        return page.redirect(f"{PREFIX}/types/{type_id}")

    def _form_error(self, page, exc: errors.TurkError, qtype, values):
        if exc.kind == "ServiceFault":
            raise exc
        field = error_parameter(exc)
        if field not in TYPE_FIELDS:
            return page.render("requester/type_form.html", status=400, qtype=qtype, values=values, field_errors={},
                               general=exc.message)
        return page.render("requester/type_form.html", status=400, qtype=qtype, values=values,
                           field_errors={field: exc.message}, general=None)

    async def _type(self, page: PageRequest) -> dict:
        type_id = page.request.path_params["type_id"]
        return (await self.op(page, "GetQualificationType", QualificationTypeId=type_id))["qualification_type"]

    async def type_page(self, page: PageRequest):
        return page.render("requester/type.html", qtype=await self._owned_type(page), page_keys=["status", "delete"])

    async def edit(self, page: PageRequest):
        qtype = await self._owned_type(page)
        type_id = qtype["qualification_type_id"]
        if page.request.method == "GET":
            return page.render("requester/type_form.html", qtype=qtype, values=_current_values(qtype),
                               field_errors={}, general=None)
        values = _type_values(page)
        wire = {"QualificationTypeId": type_id, "Description": values["Description"],
                "QualificationTypeStatus": values["QualificationTypeStatus"] or None,
                "RetryDelayInSeconds": _wire("RetryDelayInSeconds", values["RetryDelayInSeconds"]),
                "AutoGranted": values["AutoGranted"] == "on",
                "AutoGrantedValue": _wire("AutoGrantedValue", values["AutoGrantedValue"])}
        test_fields = {name: values[name] for name in ("Test", "TestDurationInSeconds", "AnswerKey")}
        current = _current_values(qtype)
        # Sending Test replaces the test (and drops an answer key not sent with it); unchanged, it is left out.
        if any(_normal(test_fields[name]) != _normal(current[name]) for name in test_fields):
            wire.update({name: _wire(name, value) for name, value in test_fields.items()})
        try:
            await self.op(page, "UpdateQualificationType", **wire)
        except errors.TurkError as exc:
            return self._form_error(page, exc, qtype, values)
        page.flash("Saved your changes.")
        return page.redirect(f"{PREFIX}/types/{type_id}")

    async def _owned_type(self, page: PageRequest) -> dict:
        """One of the caller's types (GetQualificationType shows the AnswerKey member to the owner only)."""
        qtype = await self._type(page)
        if "answer_key" not in qtype:
            raise errors.permission_denied()
        return qtype

    async def set_status(self, page: PageRequest):
        type_id = page.request.path_params["type_id"]
        status = page.field("status")
        await self.act(page, "UpdateQualificationType", QualificationTypeId=type_id, QualificationTypeStatus=status,
                       done="The type is now active: workers can request it." if status == "Active" else
                            "The type is now inactive: workers cannot request it.", error_key="status")
        return page.redirect(f"{PREFIX}/types/{type_id}")

    async def delete(self, page: PageRequest):
        type_id = page.request.path_params["type_id"]
        if page.field("confirm") != "yes":
            page.flash("Tick the box to confirm that the type should be deleted.", "error", key="delete")
            return page.redirect(f"{PREFIX}/types/{type_id}#delete")
        if not await self.act(page, "DeleteQualificationType", QualificationTypeId=type_id, error_key="delete",
                              done="Deleted the qualification type. Its open requests were rejected."):
            return page.redirect(f"{PREFIX}/types/{type_id}#delete")
        return page.redirect(PREFIX + "/types")

    async def preview(self, page: PageRequest):
        qtype = await self._owned_type(page)
        if not qtype.get("test"):
            page.flash("This type has no test to preview.", "error")
            return page.redirect(f"{PREFIX}/types/{qtype['qualification_type_id']}")
        form = parse_question_form(qtype["test"])
        return page.render("requester/preview.html", qtype=qtype, form=form,
                           remaining=qtype["test_duration_in_seconds"])

    # -- pending requests ------------------------------------------------------------------------------------

    async def requests(self, page: PageRequest):
        q = page.request.query_params
        type_id = q.get("type") or None
        next_token = q.get("next_token") or None
        listing = await self.op(page, "ListQualificationRequests", QualificationTypeId=type_id, NextToken=next_token,
                                MaxResults=REQUESTS_PER_PAGE)
        items = []
        for row in listing["qualification_requests"]:
            form = parse_question_form(row["test"]) if row["test"] else None
            values = render.values_from_answers(parse_answers(row["answer"])) if row["answer"] else {}
            items.append({"request": row, "form": form, "values": values})
        names = await self._view(page, views.type_names,
                                 qualification_type_ids=[type_id] if type_id else
                                 [i["request"]["qualification_type_id"] for i in items])
        next_url = (PREFIX + "/requests" + query_string(type=type_id, next_token=listing["next_token"])
                    if listing["more"] else None)
        back = page.request.url.path + ("?" + page.request.url.query if page.request.url.query else "")
        return page.render("requester/requests.html", items=items, names=names, type_id=type_id, next_url=next_url,
                           back=back, paged=next_token is not None,
                           page_keys=["bulk"] + [i["request"]["qualification_request_id"] for i in items] if items else [])

    async def decide(self, page: PageRequest):
        """Accept (with a value) or reject (with a reason) one request, or every ticked one."""
        back = same_site_path(page.field("back"), PREFIX + "/requests", PREFIX + "/requests")
        action = page.field("action")
        request_ids = [v for v in page.form.getlist("request_id") if isinstance(v, str) and v]
        if action not in ("accept", "reject"):
            page.flash("Choose Accept or Reject.", "error")
            return page.redirect(back)
        if not request_ids:
            page.flash("Tick the requests to decide first.", "error", key="bulk")
            return page.redirect(back)
        bulk = page.field("bulk") == "yes"
        done, failed = 0, []
        for request_id in request_ids:
            try:
                if action == "accept":
                    await self.op(page, "AcceptQualificationRequest", QualificationRequestId=request_id,
                                  IntegerValue=_wire("IntegerValue", page.field("integer_value")))
                else:
                    await self.op(page, "RejectQualificationRequest", QualificationRequestId=request_id,
                                  Reason=page.field("reason").strip() or None)
                done += 1
            except errors.TurkError as exc:
                if exc.kind == "ServiceFault" and not bulk:
                    raise
                failed.append((request_id, exc.message))
        verb = "Accepted" if action == "accept" else "Rejected"
        if done:
            page.flash(f"{verb} {done} request{'' if done == 1 else 's'}.")
        for request_id, message in failed:
            page.flash(f"Request {request_id}: {message}", "error", key="bulk" if bulk else request_id)
        return page.redirect(back)

    # -- holders and history -----------------------------------------------------------------------------------

    async def holders(self, page: PageRequest):
        qtype = await self._owned_type(page)
        q = page.request.query_params
        status = q.get("status") if q.get("status") in ("Granted", "Revoked") else "Granted"
        next_token = q.get("next_token") or None
        listing = await self.op(page, "ListWorkersWithQualificationType",
                                QualificationTypeId=qtype["qualification_type_id"], Status=status,
                                NextToken=next_token, MaxResults=HOLDERS_PER_PAGE)
        base = f"{PREFIX}/types/{qtype['qualification_type_id']}/workers"
        next_url = base + query_string(status=status, next_token=listing["next_token"]) if listing["more"] else None
        return page.render("requester/holders.html", qtype=qtype, holders=listing["qualifications"], shown=status,
                           next_url=next_url, paged=next_token is not None, base=base,
                           page_keys=["grant"] + ([h["worker_id"] for h in listing["qualifications"]]
                                                  if status == "Granted" else []))

    async def grant(self, page: PageRequest):
        type_id = page.request.path_params["type_id"]
        worker_id = page.field("worker_id").strip()
        await self.act(page, "AssociateQualificationWithWorker", QualificationTypeId=type_id, WorkerId=worker_id,
                       IntegerValue=_wire("IntegerValue", page.field("integer_value")),
                       SendNotification=page.field("notify") == "on",
                       done=f"Granted the qualification to {worker_id}.", error_key="grant")
        return page.redirect(f"{PREFIX}/types/{type_id}/workers")

    async def revoke(self, page: PageRequest):
        type_id = page.request.path_params["type_id"]
        worker_id = page.field("worker_id").strip()
        back = same_site_path(page.field("back"), f"{PREFIX}/types/{type_id}/workers", f"{PREFIX}/types/{type_id}/workers")
        await self.act(page, "DisassociateQualificationFromWorker", QualificationTypeId=type_id, WorkerId=worker_id,
                       Reason=page.field("reason").strip() or None,
                       done=f"Revoked the qualification of {worker_id}.", error_key=worker_id)
        return page.redirect(back)

    async def history(self, page: PageRequest):
        result = await self._view(page, views.score_history, qualification_type_id=page.request.path_params["type_id"],
                                  worker_id=page.request.path_params["worker_id"])
        return page.render("requester/history.html", worker_id=page.request.path_params["worker_id"], **result)


def _type_values(page: PageRequest) -> dict[str, str]:
    return {name: page.field(name) for name in TYPE_FIELDS}


def _current_values(qtype: dict) -> dict[str, str]:
    def text(value):
        return "" if value is None else str(value)
    return {"Name": qtype["name"], "Description": qtype["description"], "Keywords": text(qtype.get("keywords")),
            "QualificationTypeStatus": qtype["qualification_type_status"],
            "RetryDelayInSeconds": text(qtype.get("retry_delay_in_seconds")), "Test": text(qtype.get("test")),
            "TestDurationInSeconds": text(qtype.get("test_duration_in_seconds")),
            "AnswerKey": text(qtype.get("answer_key")), "AutoGranted": "on" if qtype.get("auto_granted") else "",
            "AutoGrantedValue": text(qtype.get("auto_granted_value"))}


def _normal(text: str) -> str:
    return text.replace("\r\n", "\n").strip()


def _wire(name: str, raw: str):
    """A form field as the JSON API would carry it: blank → not sent; integers as numbers when they are
    numbers (otherwise the text, so that the model's own message says what is wrong)."""
    value = raw.replace("\r\n", "\n") if name in ("Test", "AnswerKey") else raw.strip()
    if value.strip() == "":
        return None
    if name in INTEGER_FIELDS:
        try:
            return int(value)
        except ValueError:
            return value
    return value
