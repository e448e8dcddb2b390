"""Standard security headers for every response of the router (pages, static files, worker API), and the
static files (stylesheet, countdown and task scripts).

The Content-Security-Policy allows scripts and styles only from this server's own files (no inline
script, no eval), images and media from the http(s) URLs a QuestionForm's Binary and FormattedContent
may name, no plugins, no framing.

Three route-specific policies, and nothing else, relax it (each response sets its own headers, which the
middleware then leaves alone):
- a worker's ExternalQuestion page may frame the ExternalURL's origin (`task_page_headers`);
- the HTMLQuestion content route serves the requester's document in a CSP sandbox without
  allow-same-origin (`html_question_headers`): its scripts run, but as an opaque origin that can never act
  as openturk, even if the URL is opened on its own; only openturk's own pages may frame it;
- `POST /mturk/externalSubmit` answers inside the task's frame, so openturk's own pages may frame it
  (FRAMED_BY_SELF).
"""

from __future__ import annotations

import re
from pathlib import Path

from starlette.staticfiles import StaticFiles

STATIC_PATH = "/static"
STATIC_DIR = Path(__file__).resolve().parent.parent / "static"

CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' http: https:; "
                           "media-src 'self' http: https:; object-src 'none'; base-uri 'none'; form-action 'self'; "
                           "frame-ancestors 'none'")
HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
_NAMES = frozenset(name for name, _ in HEADERS)

# Paths whose answers are shown inside a frame of openturk's own task page.
EXTERNAL_SUBMIT_PATH = "/mturk/externalSubmit"      # web/external_submit.py's route
FRAMED_BY_SELF = frozenset({EXTERNAL_SUBMIT_PATH})
_FRAMED_BY_SELF_POLICY = CONTENT_SECURITY_POLICY.replace("frame-ancestors 'none'", "frame-ancestors 'self'")
FRAMED_BY_SELF_HEADERS = [(b"content-security-policy", _FRAMED_BY_SELF_POLICY.encode()),
                          (b"x-frame-options", b"SAMEORIGIN")]
# An origin as a CSP source expression: scheme://host[:port], nothing that could end the directive.
_ORIGIN = re.compile(r"^https?://[A-Za-z0-9.\-]+(?::[0-9]{1,5})?$|^https?://\[[0-9A-Fa-f:.]+\](?::[0-9]{1,5})?$")


def is_source_origin(origin: str) -> bool:
    return bool(_ORIGIN.match(origin))


def task_page_headers(frame_origin: str | None) -> dict[str, str]:
    """The worker's preview or task page: the default policy, and frames from openturk and (ExternalQuestion)
    the ExternalURL's origin. Everything else, including frame-ancestors 'none', stays as it is."""
    if frame_origin is None:
        return {}
    if not is_source_origin(frame_origin):
        raise ValueError(f"not an origin: {frame_origin!r}")
    return {"Content-Security-Policy": CONTENT_SECURITY_POLICY + f"; frame-src 'self' {frame_origin}"}


def html_question_headers(own_origin: str) -> dict[str, str]:
    """The HTMLQuestion's document: sandboxed (scripts and forms, never same-origin, no popups, no top
    navigation); its scripts, styles, images and requests may come from anywhere, as they did on MTurk; its
    forms may post only to openturk (/mturk/externalSubmit); only openturk's own pages may frame it."""
    if not is_source_origin(own_origin):
        raise ValueError(f"not an origin: {own_origin!r}")
    policy = ("sandbox allow-scripts allow-forms; default-src * data: blob: 'unsafe-inline' 'unsafe-eval'; "
              f"object-src 'none'; form-action 'self' {own_origin}; frame-ancestors 'self'")
    return {"Content-Security-Policy": policy, "X-Frame-Options": "SAMEORIGIN"}


class SecurityHeaders:
    """ASGI middleware: adds HEADERS to each HTTP response that does not set them itself."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                defaults = FRAMED_BY_SELF_HEADERS + HEADERS if scope.get("path") in FRAMED_BY_SELF else HEADERS
                extra = []
                for name, value in defaults:
                    if name not in present:
                        extra.append((name, value))
                        present.add(name)
                if extra:
                    message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def static_files() -> StaticFiles:
    return StaticFiles(directory=str(STATIC_DIR))
