"""The ASGI application: `create_app(settings)`.

The JSON API (POST / with X-Amz-Target) is the hot path and is dispatched straight to its raw ASGI
handler; everything else goes through a Starlette router.
"""

from __future__ import annotations

import logging

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route

from ..config import Settings
from ..service import Service
from .requester_api import RequesterAPI

log = logging.getLogger("openturk")


def _is_json_api(scope) -> bool:
    if scope["method"] != "POST" or scope["path"] != "/":
        return False
    for name, value in scope["headers"]:
        if name == b"x-amz-target" or (name == b"content-type" and value.startswith(b"application/x-amz-json")):
            return True
    return False


class OpenTurkApp:
    def __init__(self, settings: Settings, service: Service | None = None, clock=None):
        self.settings = settings
        self._service = service
        self._clock = clock
        self.service: Service | None = service
        self.requester_api: RequesterAPI | None = None
        self.router = Starlette(routes=[
            Route("/healthz", self.healthz, methods=["GET", "HEAD"]),
        ])
        if service is not None:
            self._ready(service)

    def _ready(self, service: Service) -> None:
        self.service = service
        self.requester_api = RequesterAPI(service)

    async def healthz(self, request: Request):
        if self.service is None:
            return PlainTextResponse("starting", status_code=503)
        return JSONResponse({"status": "ok"})

    async def __call__(self, scope, receive, send):
        kind = scope["type"]
        if kind == "http":
            if self.requester_api is not None and _is_json_api(scope):
                await self.requester_api(scope, receive, send)
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
                except Exception as exc:  # reported to uvicorn, which stops
                    log.exception("start-up failed")
                    await send({"type": "lifespan.startup.failed", "message": str(exc)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self.service is not None and self._service is None:
                    self.service.close()
                await send({"type": "lifespan.shutdown.complete"})
                return


def create_app(settings: Settings, *, service: Service | None = None, clock=None) -> OpenTurkApp:
    return OpenTurkApp(settings, service, clock)
