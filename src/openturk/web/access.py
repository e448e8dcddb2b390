"""One access-log line and the request metrics for every request, on every front end.

The JSON and legacy APIs (raw ASGI handlers, the hot path) call `AccessLog.record` themselves, with
the request id they return to the client (`x-amzn-RequestId`, the legacy envelope's RequestId).
Everything the router answers (worker API, pages, static files, /healthz, /metrics) passes through
`RouterAccess`, which makes the request id, returns it as `x-request-id`, and lets handlers name the
caller (`set_caller`) and find the request id for their error lines (`request_id`).
"""

from __future__ import annotations

import logging
from time import perf_counter

from .. import ids
from ..logs import ACCESS_LINE, ACCESS_LOGGER

log = logging.getLogger(ACCESS_LOGGER)
SCOPE_KEY = "openturk.access"
# Methods named in the route label; any other (clients may send any token) counts as OTHER, so the
# metrics' label values stay a small, fixed set.
METHODS = frozenset(("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"))


class AccessLog:
    def __init__(self, metrics=None):
        self.metrics = metrics

    def record(self, request_id: str, front_end: str, operation: str, caller: str, status: int,
               started: float, scope) -> None:
        """`operation` must come from a fixed set (a model operation, a route): it is a metric label."""
        seconds = perf_counter() - started
        if self.metrics is not None:
            self.metrics.observe(front_end, operation, status, seconds)
        if log.isEnabledFor(logging.INFO):
            client = scope.get("client")
            log.info(ACCESS_LINE, request_id, front_end, operation, caller, status, seconds * 1000,
                     client[0] if client else "-")


class RequestInfo:
    __slots__ = ("request_id", "caller")

    def __init__(self, request_id: str):
        self.request_id = request_id
        self.caller = "-"


def set_caller(scope, caller_id: str | None) -> None:
    """The worker or requester a router request acts for (an id, never a token or secret)."""
    info = scope.get(SCOPE_KEY)
    if info is not None and caller_id:
        info.caller = caller_id


def request_id(scope) -> str:
    info = scope.get(SCOPE_KEY)
    return info.request_id if info is not None else "-"


def front_end(path: str) -> str:
    if path.startswith("/api/worker/"):
        return "worker_api"
    if path.startswith(("/worker/", "/requester/")) or path in ("/worker", "/requester"):
        return "pages"
    if path.startswith("/static/"):
        return "static"
    if path in ("/healthz", "/metrics"):
        return path[1:]
    return "other"


def route_name(scope) -> str:
    """`GET /api/worker/v1/qualification-types/{type_id}/requests`: the method and the route's template
    (set on the scope by Starlette's router), `unmatched` when no route matched."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    if path is None:
        return "unmatched"
    method = scope["method"]
    return f"{method if method in METHODS else 'OTHER'} {path or '/'}"


class RouterAccess:
    """ASGI middleware around the router: request id, `x-request-id`, one access record per request."""

    def __init__(self, app, access: AccessLog):
        self.app = app
        self.access = access

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = perf_counter()
        info = scope[SCOPE_KEY] = RequestInfo(ids.request_id())
        header = (b"x-request-id", info.request_id.encode())
        status = 500     # if the app fails before it answers, Starlette answers 500

        async def send_with_id(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message = {**message, "headers": [*message.get("headers", []), header]}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            self.access.record(info.request_id, front_end(scope["path"]), route_name(scope), info.caller,
                               status, started, scope)
