"""What the worker and requester pages share: templates, signed session cookies, CSRF tokens, flash
messages, the page wrapper that renders a TurkError as an HTML message, and time formatting.

Pages only translate: read the form, call the same operation or worker action as the APIs, render the
result or the TurkError next to the form field it is about.
"""

from __future__ import annotations

import hmac
import logging
import re
import secrets
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlencode

import jinja2
from itsdangerous import BadSignature, URLSafeTimedSerializer
from markupsafe import Markup
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from ... import errors
from .. import access
from ..asgi import BodyTooLarge, ClientDisconnected, read_body
from . import render

log = logging.getLogger("openturk.errors")

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
CSRF_FIELD = "csrf_token"
MAX_FORM_BYTES = 1_048_576      # as the APIs: a test and its answer key fit many times over
MAX_FLASH = 12

# Where a TurkError's message belongs on a form: the parameter it names. The phrases are those of
# errors.py and protocol/json11.py ("The value for Name is invalid", "… for parameter RetryDelayInSeconds
# is out of range", "Required parameters include TestDurationInSeconds", "parsing the XML in Test").
_NAMED_PARAMETER = re.compile(r"(?:value for|for parameter|parameters include|the XML in|FormattedContent in) "
                              r"([A-Za-z]+)")
_PARAMETER_BY_CODE = {errors.Code.QUALIFICATION_TYPE_ALREADY_EXISTS: "Name"}

environment = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)),
                                 autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
                                 trim_blocks=True, lstrip_blocks=True)


def error_parameter(exc: errors.TurkError) -> str | None:
    """The request parameter a TurkError is about, if its message names one."""
    if exc.code in _PARAMETER_BY_CODE:
        return _PARAMETER_BY_CODE[exc.code]
    match = _NAMED_PARAMETER.search(exc.message)
    return match.group(1) if match else None


# -- formatting -------------------------------------------------------------------------------------

def to_datetime(value) -> datetime | None:
    """Epoch milliseconds (operations) or an ISO-8601 string (worker actions) → an aware datetime."""
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(value / 1000, timezone.utc)
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def when(value) -> Markup:
    """A <time> element: UTC, to the second."""
    moment = to_datetime(value)
    if moment is None:
        return Markup("—")
    moment = moment.astimezone(timezone.utc)
    return Markup('<time datetime="{}">{}</time>').format(moment.isoformat().replace("+00:00", "Z"),
                                                          moment.strftime("%Y-%m-%d %H:%M:%S UTC"))


def duration(seconds) -> str:
    """3600 → "1 hour"; 90 → "1 minute 30 seconds"."""
    if seconds is None:
        return "—"
    seconds = int(seconds)
    parts = []
    for name, size in (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1)):
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count} {name}{'' if count == 1 else 's'}")
    return " ".join(parts[:2]) or "0 seconds"


def query_string(**params) -> str:
    kept = {k: v for k, v in params.items() if v not in (None, "")}
    return "?" + urlencode(kept) if kept else ""


environment.filters.update(when=when, duration=duration)
environment.globals.update(kind=lambda item: item.__class__.__name__, query_string=query_string,
                           sanitise=lambda content: render.sanitise_xhtml(content), safe_url=render.safe_media_url,
                           widget=render.selection_widget, hints=render.answer_hints, CSRF_FIELD=CSRF_FIELD)


# -- sessions ---------------------------------------------------------------------------------------

class Sessions:
    """A signed (not encrypted) cookie holding a small dict: who signed in and the CSRF token. HttpOnly,
    SameSite=Lax, limited to one path prefix, Secure over HTTPS."""

    def __init__(self, cookie: str, path: str, max_age: int, salt: str):
        self.cookie, self.path, self.max_age, self.salt = cookie, path, max_age, salt

    def load(self, service, request: Request) -> dict:
        raw = request.cookies.get(self.cookie)
        if raw:
            try:
                data = URLSafeTimedSerializer(service.session_key, salt=self.salt).loads(raw, max_age=self.max_age)
                if isinstance(data, dict) and isinstance(data.get("csrf"), str):
                    return data
            except BadSignature:
                pass
        return {"csrf": secrets.token_urlsafe(24), "new": True}

    def store(self, service, request: Request, response: Response, data: dict) -> None:
        data = {k: v for k, v in data.items() if k != "new"}
        value = URLSafeTimedSerializer(service.session_key, salt=self.salt).dumps(data)
        response.set_cookie(self.cookie, value, max_age=self.max_age, path=self.path, httponly=True,
                            samesite="lax", secure=request.url.scheme == "https")


def new_session(extra: dict) -> dict:
    """A fresh session (at sign-in: a new CSRF token, nothing carried over from before)."""
    return {"csrf": secrets.token_urlsafe(24), **extra}


# -- the page wrapper ---------------------------------------------------------------------------------

class PageRequest:
    """What a handler gets: the request, its form (POST), the session, and helpers to answer."""

    def __init__(self, pages: "Pages", request: Request, session: dict, form: FormData | None):
        self.pages = pages
        self.request = request
        self.session = session
        self.form = form
        self.identity = None

    @property
    def service(self):
        return self.pages.app.service

    def flash(self, text: str, kind: str = "ok", key: str | None = None) -> None:
        messages = self.session.setdefault("flash", [])
        if len(messages) < MAX_FLASH:
            messages.append({"kind": kind, "text": text[:2000], "key": key})
        self.session["dirty"] = True

    def take_flash(self) -> list[dict]:
        messages = self.session.pop("flash", [])
        if messages:
            self.session["dirty"] = True
        return messages

    def field(self, name: str, default: str = "") -> str:
        value = self.form.get(name) if self.form is not None else None
        return value if isinstance(value, str) else default

    def render(self, template: str, status: int = 200, **context) -> HTMLResponse:
        flashes = self.take_flash()
        html = environment.get_template(template).render(
            request=self.request, csrf=self.session["csrf"], identity=self.identity, flashes=flashes,
            section=self.pages.section, **context)
        response = HTMLResponse(html, status_code=status)
        response.headers["Cache-Control"] = "no-store"
        return response

    def redirect(self, url: str) -> RedirectResponse:
        return RedirectResponse(url, status_code=303)


class Pages:
    """The base of WorkerPages and RequesterPages."""

    section = ""            # "worker" | "requester"
    sessions: Sessions
    login_path = ""

    def __init__(self, app):
        self.app = app      # the OpenTurkApp: its service is set at start-up

    async def identify(self, page: PageRequest):
        """The signed-in identity for this session, or None."""
        raise NotImplementedError

    def page(self, handler, *, signed_in: bool = True):
        async def run(request: Request) -> Response:
            service = self.app.service
            if service is None:
                return HTMLResponse("starting", status_code=503)
            session = self.sessions.load(service, request)
            form = None
            page = PageRequest(self, request, session, form)
            try:
                if request.method == "POST":
                    page.form = await _read_form(request)
                    sent = page.form.get(CSRF_FIELD)
                    if not isinstance(sent, str) or not hmac.compare_digest(sent, session["csrf"]):
                        response = page.render("forbidden.html", status=403)
                        return self._finish(page, response)
                page.identity = await self.identify(page)
                access.set_caller(request.scope, getattr(page.identity, "requester_id", page.identity))
                if signed_in and page.identity is None:
                    if request.method == "GET":
                        return self._finish(page, page.redirect(
                            self.login_path + query_string(next=request.url.path + (
                                "?" + request.url.query if request.url.query else ""))))
                    page.flash("Your session has ended. Please sign in again.", "error")
                    return self._finish(page, page.redirect(self.login_path))
                response = await handler(page)
            except errors.TurkError as exc:
                if exc.kind == "ServiceFault":
                    rid = access.request_id(request.scope)
                    log.warning("page %s %s (request %s): %s", request.method, request.url.path, rid, exc,
                                extra={"request_id": rid})
                response = page.render("error.html", status=_status(exc), error=exc)
            except ClientDisconnected:      # nobody to answer (web/protocol.py may have answered 408)
                return Response(status_code=400)
            except FormTooLarge:
                response = page.render("error.html", status=413, error=errors.invalid_value(
                    "form", f"the form is larger than {MAX_FORM_BYTES} bytes"))
            except HTTPException as exc:            # a form the multipart parser refused
                response = page.render("error.html", status=400, error=errors.invalid_value("form", str(exc.detail)))
            except Exception:
                rid = access.request_id(request.scope)
                log.exception("page %s %s failed (request %s)", request.method, request.url.path, rid,
                              extra={"request_id": rid})
                response = page.render("error.html", status=500, error=errors.service_fault())
            return self._finish(page, response)
        return run

    def _finish(self, page: PageRequest, response: Response) -> Response:
        session = page.session
        changed = [session.pop(flag, False) for flag in ("new", "dirty", "replace")]
        if any(changed):
            self.sessions.store(self.app.service, page.request, response, session)
        if session.get("signed_out"):
            response.delete_cookie(self.sessions.cookie, path=self.sessions.path)
        return response

    def sign_in(self, page: "PageRequest", identity: dict, target: str):
        """Start a fresh session for `identity` (a new CSRF token, the cookie re-issued) and go on."""
        page.session.clear()
        page.session.update(new_session(identity))
        page.session["replace"] = True
        return page.redirect(target)

    async def logout(self, page: "PageRequest"):
        page.session.clear()
        page.session["signed_out"] = True
        return page.redirect(self.login_path)


class FormTooLarge(Exception):
    pass


async def _read_form(request: Request) -> FormData:
    """The posted form. The body is read first, up to MAX_FORM_BYTES in all (`read_body` stops there, also
    for a chunked body without Content-Length), and then parsed from memory."""
    try:
        body = await read_body(request.scope, request.receive, MAX_FORM_BYTES)
    except BodyTooLarge:
        raise FormTooLarge() from None

    async def replay():
        return {"type": "http.request", "body": body, "more_body": False}
    return await Request(request.scope, replay).form(max_files=0, max_fields=5000, max_part_size=MAX_FORM_BYTES)


def _status(exc: errors.TurkError) -> int:
    if exc.kind == "ServiceFault":
        return 500
    if exc.code in (errors.Code.QUALIFICATION_TYPE_DOES_NOT_EXIST, errors.Code.QUALIFICATION_REQUEST_DOES_NOT_EXIST):
        return 404
    if exc.code in (errors.Code.PERMISSION_DENIED, errors.Code.NOT_AUTHORIZED):
        return 403
    return 400


def same_site_path(value: str | None, prefix: str, default: str) -> str:
    """A `next` target that stays on this site, under `prefix` (never //host or a scheme)."""
    if not value or not value.startswith(prefix) or value.startswith("//") or "\\" in value:
        return default
    return value
