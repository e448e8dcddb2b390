"""The ASGI application: `create_app(settings)`.

CLOCK_PATH (with `--test-clock`) moves business time for tests.

The JSON API (POST / with X-Amz-Target) is the hot path and is dispatched straight to its raw ASGI
handler; so is the legacy REST/XML API (any other POST /, GET / with an Operation parameter, /onca/xml);
everything else goes through a Starlette router.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import re
from datetime import datetime, timezone

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route

from ..config import Settings, metrics_multiprocess_dir
from ..service import Service
from ..domain.requests import iso
from ..ops.assignments import sweep as sweep_assignments
from ..ops.worker_actions import sweep
from .access import AccessLog, RouterAccess
from .execution import execute, in_database_thread
from ..notify.sender import Sender
from ..store.notification_queries import counts as outbox_counts
from .external_submit import ExternalSubmit
from .legacy_api import LegacyAPI
from .metrics import CONTENT_TYPE as METRICS_CONTENT_TYPE, Metrics
from .pages import STATIC_PATH, RequesterPages, SecurityHeaders, WorkerPages, static_files
from .requester_api import RequesterAPI
from .worker_api import WorkerAPI, http_error

log = logging.getLogger("openturk")
CLOCK_PATH = "/_openturk/clock"
METRICS_PATH = "/metrics"


def _is_json_api(scope) -> bool:
    if scope["method"] != "POST" or scope["path"] != "/":
        return False
    for name, value in scope["headers"]:
        if name == b"x-amz-target" or (name == b"content-type" and value.startswith(b"application/x-amz-json")):
            return True
    return False


_OPERATION_PARAMETER = re.compile(rb"(?:^|&)Operation=")


def _is_legacy_api(scope) -> bool:
    """After `_is_json_api`: any other POST /, GET / with an Operation parameter, anything at /onca/xml."""
    path, method = scope["path"], scope["method"]
    if path == "/onca/xml":
        return True
    return path == "/" and (method == "POST" or (method == "GET" and bool(
        _OPERATION_PARAMETER.search(scope.get("query_string", b"")))))


class OpenTurkApp:
    def __init__(self, settings: Settings, service: Service | None = None, clock=None):
        self.settings = settings
        self._service = service
        self._clock = clock
        self.service: Service | None = service
        self.requester_api: RequesterAPI | None = None
        self.legacy_api: LegacyAPI | None = None
        self.metrics = Metrics(metrics_multiprocess_dir())
        self.access = AccessLog(self.metrics)
        routes = [Route("/healthz", self.healthz, methods=["GET", "HEAD"]),
                  Route(METRICS_PATH, self.scrape, methods=["GET"]), *WorkerAPI(self).routes(),
                  *ExternalSubmit(self).routes()]
        routes += [*WorkerPages(self).routes(), *RequesterPages(self).routes(),
                   Mount(STATIC_PATH, static_files(), name="static")]
        if settings.test_clock:
            routes.append(Route(CLOCK_PATH, self.move_clock, methods=["GET", "POST"]))
        # Security headers (CSP, X-Frame-Options, nosniff, Referrer-Policy) on everything the router answers.
        # Outermost: the request id and one access record for everything the router answers.
        self.router = RouterAccess(SecurityHeaders(Starlette(routes=routes, exception_handlers={HTTPException: http_error})),
                                   self.access)
        self._sweeper: asyncio.Task | None = None
        self._deliverer: asyncio.Task | None = None
        self.sender: Sender | None = None
        self._sampler: asyncio.Task | None = None
        if service is not None:
            self._ready(service)

    def _ready(self, service: Service) -> None:
        self.service = service
        self.requester_api = RequesterAPI(service, self.access)
        self.legacy_api = LegacyAPI(service, self.access)
        self.metrics.watch_pool(service.db.engine)

    async def move_clock(self, request: Request):
        """`--test-clock` only, loopback only: GET reads, POST {"advance_seconds": N} or {"now": ISO} moves
        business time."""
        if not _is_loopback(request.client.host if request.client else ""):
            return JSONResponse({"error": {"code": "AWS.NotAuthorized", "message": "loopback only"}}, 403)
        clock = self.service.clock
        if request.method == "POST":
            try:
                body = await request.json()
                if "advance_seconds" in body:
                    clock.advance(float(body["advance_seconds"]))
                elif "now" in body:
                    when = datetime.fromisoformat(str(body["now"]).replace("Z", "+00:00"))
                    if when.tzinfo is None:
                        when = when.replace(tzinfo=timezone.utc)
                    clock.set_epoch_ms(int(when.timestamp() * 1000))
                else:
                    raise ValueError("give advance_seconds or now")
            except (ValueError, TypeError, AttributeError, RecursionError) as exc:
                return JSONResponse({"error": {"code": "AWS.MechanicalTurk.InvalidParameterValue",
                                               "message": f"Invalid clock request: {exc}"}}, 400)
        ms = clock.epoch_ms()
        return JSONResponse({"now": iso(ms), "epoch_ms": ms})

    async def scrape(self, request: Request):
        """Prometheus metrics; loopback clients only unless `metrics_public` (docs/deploy.md#metrics)."""
        if not self.settings.metrics_public and not _is_loopback(request.client.host if request.client else ""):
            return PlainTextResponse("/metrics answers loopback clients only (see --metrics-public).", 403)
        if self.service is not None:
            self.metrics.set_notifications(await in_database_thread(self.service, self._outbox_counts))
        return Response(self.metrics.render(), media_type=METRICS_CONTENT_TYPE)

    def _outbox_counts(self) -> dict[str, int]:
        with self.service.db.transaction(write=False) as tx:
            return outbox_counts(tx)

    async def healthz(self, request: Request):
        if self.service is None:
            return PlainTextResponse("starting", status_code=503)
        return JSONResponse({"status": "ok"})

    async def __call__(self, scope, receive, send):
        kind = scope["type"]
        if kind == "http":
            if self.requester_api is not None and _is_json_api(scope):
                await self.requester_api(scope, receive, send)
            elif self.legacy_api is not None and _is_legacy_api(scope):
                await self.legacy_api(scope, receive, send)
            else:
                await self.router(scope, receive, send)
        elif kind == "lifespan":
            await self._lifespan(receive, send)
        else:
            await self.router(scope, receive, send)

    async def _lifespan(self, receive, send):
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    if self.service is None:
                        self._ready(Service.open(self.settings, self._clock))
                    self._sweeper = asyncio.create_task(self._sweep_forever())
                    if self.settings.notifications:
                        self.sender = Sender(self.service)
                        self._deliverer = asyncio.create_task(self._deliver_forever())
                    if self.metrics.multiprocess_dir is not None:
                        self._sampler = asyncio.create_task(self.metrics.sample_forever())
                except Exception as exc:  # reported to uvicorn, which stops
                    log.exception("start-up failed")
                    await send({"type": "lifespan.startup.failed", "message": str(exc)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                for task in (self._sweeper, self._sampler, self._deliverer):
                    if task is not None:
                        task.cancel()
                if self.service is not None:
                    await self.service.db.dispose_loop_engine()    # its connections belong to this loop
                if self.service is not None and self._service is None:
                    self.service.close()
                await send({"type": "lifespan.shutdown.complete"})
                return


    async def _sweep_forever(self) -> None:
        """Record expired test sessions, abandoned and auto-approved assignments now and then (and pay the
        auto-approved ones). Nothing depends on it for correctness: reads decide deadlines."""
        while True:
            await asyncio.sleep(self.settings.sweep_seconds)
            try:
                await execute(self.service, sweep, {}, write=True)
                await execute(self.service, sweep_assignments, {}, write=True)
            except Exception:  # noqa: BLE001 - logged; the next round tries again
                log.exception("sweeping expired test sessions and assignments failed")


    async def _deliver_forever(self) -> None:
        """Deliver the outbox's notifications: look (a read) every notify_poll_ms, deliver what is due (in a
        thread: boto3 blocks), and go on at once while there is more."""
        pause = self.settings.notify_poll_ms / 1000
        while True:
            try:
                if await in_database_thread(self.service, self.sender.has_due):
                    if await asyncio.to_thread(self.sender.deliver_once):
                        continue
            except Exception:  # noqa: BLE001 - logged; the rows stay in the outbox and the next round retries
                log.exception("delivering notifications failed")
            await asyncio.sleep(pause)


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def create_app(settings: Settings, *, service: Service | None = None, clock=None) -> OpenTurkApp:
    return OpenTurkApp(settings, service, clock)
