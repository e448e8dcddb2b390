"""The legacy MTurk Requester API (REST/XML, 2005-10-01 … 2014-08-15) at `/` and `/onca/xml`, for boto 2,
MTurkR, rturk and the old SDKs.

Only translation happens here: read the parameters, authenticate, run the same operation the 2017 API runs
(or its legacy variant in ops/legacy.py), write the result or the error in the legacy XML envelope. The
shapes are in protocol/legacy.py.
"""

from __future__ import annotations

import logging
from time import perf_counter

from .. import errors, ids
from ..ops import REGISTRY
from ..ops import legacy as legacy_ops
from ..protocol import legacy
from .access import AccessLog
from .asgi import BodyTooLarge, ClientDisconnected, read_body, send_bytes
from .execution import call, execute
from .throttle import RateLimiter

error_log = logging.getLogger("openturk.errors")

CONTENT_TYPE = b"text/xml;charset=UTF-8"


class RequestRefused(Exception):
    """An error of the request itself (before any operation ran): written inside OperationRequest."""

    def __init__(self, error: errors.TurkError):
        self.error = error


class Throttled(Exception):
    """Over `--rate-limit`: HTTP 503 AWS.ServiceUnavailable, which legacy clients retry."""


class LegacyAPI:
    def __init__(self, service, access: AccessLog | None = None):
        self.service = service
        self.access = access or AccessLog()
        self.limiter = RateLimiter.from_settings(service.settings)     # None: --rate-limit is off
        self.operations = {}
        for name, op in legacy.OPERATIONS.items():
            if op.implementation is not None:
                fn, write = getattr(legacy_ops, op.implementation), not op.readonly
            else:
                registered = REGISTRY[op.model]
                fn, write = registered.fn, not registered.readonly
            self.operations[name] = (op, fn, write)

    async def __call__(self, scope, receive, send) -> None:
        started = perf_counter()
        request_id = ids.request_id()
        operation, caller_id, status = "-", "-", 200
        try:
            body = await read_body(scope, receive, self.service.settings.max_body_bytes)
            form = scope["method"] == "POST" and _is_form(scope)
            params = legacy.parse_parameters(scope.get("query_string", b""), body if form else None)
            operation = legacy.single(params, "Operation")
            if operation is None:
                raise errors.missing_parameter("Operation")
            if not legacy.OPERATION_NAME.match(operation):
                raise errors.invalid_value("Operation", "it is not the name of an operation")
            try:
                creds = await self._authenticate(params, operation)
                caller_id = creds.caller.requester_id
                entry = self.operations.get(operation)
                if entry is None:
                    raise RequestRefused(errors.legacy_unsupported_operation(operation))
            except RequestRefused as refused:
                payload = legacy.request_failure(operation, request_id, refused.error, self._epoch_ms())
            else:
                status, payload = await self._run(entry, params, creds.caller, request_id)
        except errors.TurkError as exc:   # before the operation was known, or from AWS's front end
            status, payload = 400, legacy.front_end_failure(request_id, exc)
        except BodyTooLarge:
            status, payload = 400, legacy.front_end_failure(request_id, errors.invalid_value(
                "the request", f"the body is larger than {self.service.settings.max_body_bytes} bytes"))
        except Throttled:
            status, payload = 503, legacy.front_end_failure(request_id, errors.request_error(
                errors.Code.SERVICE_UNAVAILABLE, "Rate exceeded"))
        except ClientDisconnected:
            return
        await send_bytes(send, status, payload, [(b"content-type", CONTENT_TYPE)])
        # The operation is a metric label: only names of legacy operations, never what a client made up.
        self.access.record(request_id, "legacy_api", operation if operation in self.operations else "-",
                           caller_id, status, started, scope)

    async def _authenticate(self, params, operation: str):
        """Credentials, then the Timestamp (RequestExpired comes from the front end), then the signature."""
        try:
            claims = legacy.claims(params)
        except errors.TurkError as exc:
            raise RequestRefused(exc) from None
        try:
            # Signatures are about real time, even when a test has moved the service clock.
            legacy.check_timestamp(claims.timestamp, self._epoch_ms(), self.service.settings.signature_skew_seconds)
        except errors.TurkError as exc:
            if exc.code in legacy.FRONT_END_CODES:
                raise
            raise RequestRefused(exc) from None
        creds = self.service.cached_credentials(claims.access_key_id) or await call(
            self.service, self.service.credentials, claims.access_key_id)
        if creds is None:
            raise RequestRefused(errors.legacy_not_authorized())
        try:
            legacy.verify_signature(creds.secret, params, operation, claims, self._epoch_ms())
        except errors.TurkError as exc:
            raise RequestRefused(exc) from None
        if self.limiter is not None and not self.limiter.allow(claims.access_key_id):
            raise Throttled()
        return creds

    async def _run(self, entry, params, caller, request_id: str) -> tuple[int, bytes]:
        op, fn, write = entry
        echo = ""
        try:
            if "Request" in legacy.response_groups(params):
                echo = op.echo(params)
            legacy.check_common(params)
            kwargs = op.parse(params)
            result = await execute(self.service, fn, kwargs, write=write, caller=caller)
            return 200, legacy.success(op, request_id, result, echo)
        except errors.TurkError as exc:
            if exc.kind == "ServiceFault":
                return 503, self._unavailable(op, request_id, params, echo)
            return 200, legacy.failure(op, request_id, exc, self._epoch_ms(), params, echo)
        except Exception:
            error_log.exception("legacy request %s (%s) failed", request_id, op.name,
                                extra={"request_id": request_id})
            return 503, self._unavailable(op, request_id, params, echo)

    def _unavailable(self, op, request_id: str, params, echo: str) -> bytes:
        """"Transient or our bug": the legacy service's AWS.ServiceUnavailable, HTTP 503 (clients retry it)."""
        fault = errors.request_error(errors.Code.SERVICE_UNAVAILABLE,
                                     "The service is temporarily unable to process your request. Please retry.")
        return legacy.failure(op, request_id, fault, self._epoch_ms(), params, echo)

    def _epoch_ms(self) -> int:
        return self.service.wall_clock.epoch_ms()


def _is_form(scope) -> bool:
    """A POST body is parameters when it says it is form-encoded, or says nothing."""
    for name, value in scope["headers"]:
        if name == b"content-type":
            return value.split(b";", 1)[0].strip().lower() == b"application/x-www-form-urlencoded"
    return True
