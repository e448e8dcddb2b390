"""The MTurk Requester API, 2017-01-17: AWS JSON 1.1 over POST /, signed with SigV4.

Only translation happens here: authenticate, parse the input by the model's shape, run the
operation, serialise the output by the model's shape, render errors as MTurk did.
"""

from __future__ import annotations

import logging
from time import perf_counter

import orjson

from .. import errors, ids
from ..ops import REGISTRY
from ..ops.runner import run_operation
from ..protocol import sigv4
from ..protocol.json11 import build_input_parser, build_serialiser
from ..protocol.model import SIGNING_SERVICE, TARGET_PREFIX, service_model
from .access import AccessLog
from .asgi import BodyTooLarge, ClientDisconnected, read_body, send_bytes
from .execution import in_database_thread, on_the_loop, runs_inline
from .throttle import RateLimiter

error_log = logging.getLogger("openturk.errors")

CONTENT_TYPE = b"application/x-amz-json-1.1"


class UnknownOperation(Exception):
    pass


def _empty_input(value, path):
    if not isinstance(value, dict) or value:
        raise errors.invalid_value(next(iter(value), "the request body") if isinstance(value, dict) else
                                   "the request body", "this operation takes no parameters")
    return {}


class RequesterAPI:
    def __init__(self, service, access: AccessLog | None = None):
        self.service = service
        self.access = access or AccessLog()
        model = service_model()
        self.operations = {}
        for name, op in REGISTRY.items():
            op_model = model.operation_model(name)
            parse = build_input_parser(op_model) if op_model.input_shape else _empty_input
            dump = build_serialiser(op_model.output_shape) if op_model.output_shape else (lambda _v: {})
            self.operations[TARGET_PREFIX + "." + name] = (op, parse, dump)
        # Where operations run: see web/execution.py. Decided once, here, for the hot path.
        self.inline_reads = runs_inline(service, write=False)
        self.inline_writes = runs_inline(service, write=True)
        self.limiter = RateLimiter.from_settings(service.settings)     # None: --rate-limit is off

    async def __call__(self, scope, receive, send) -> None:
        started = perf_counter()
        request_id = ids.request_id()
        op_name, caller_id = "-", "-"
        try:
            headers: dict[str, list[str]] = {}
            for key, value in scope["headers"]:
                headers.setdefault(key.decode("latin-1"), []).append(value.decode("latin-1"))
            body = await read_body(scope, receive, self.service.settings.max_body_bytes)
            creds = await self._authenticate(scope, headers, body)
            caller_id = creds.caller.requester_id
            target = headers.get("x-amz-target", [""])[0]
            entry = self.operations.get(target)
            if entry is None:
                raise UnknownOperation()
            op, parse, dump = entry
            op_name = op.name
            params = parse(_decode(body), "")
            if self.inline_writes or (self.inline_reads and op.readonly):
                result = run_operation(self.service, op, creds.caller, params)
            else:
                result = await on_the_loop(self.service, run_operation, op, creds.caller, params, on_loop=True)
            status, payload = 200, orjson.dumps(dump(result))
        except errors.TurkError as exc:
            status, payload = self._turk_error(exc)
        except sigv4.AuthError as exc:
            status, payload = exc.status, orjson.dumps({"__type": exc.type, "message": exc.message})
        except UnknownOperation:
            status, payload = 400, orjson.dumps({"__type": "UnknownOperationException",
                                                 "message": "The X-Amz-Target header does not name an "
                                                            "operation of MTurkRequesterServiceV20170117."})
        except BodyTooLarge:
            status, payload = self._turk_error(errors.request_error(
                errors.Code.INVALID_PARAMETER_VALUE,
                f"The request body is larger than {self.service.settings.max_body_bytes} bytes."))
        except ClientDisconnected:
            return
        except Exception:
            error_log.exception("request %s (%s) failed", request_id, op_name,
                                extra={"request_id": request_id})
            status, payload = self._turk_error(errors.service_fault())
        await send_bytes(send, status, payload, [(b"content-type", CONTENT_TYPE),
                                                 (b"x-amzn-requestid", request_id.encode())])
        self.access.record(request_id, "json_api", op_name, caller_id, status, started, scope)

    def _turk_error(self, exc: errors.TurkError) -> tuple[int, bytes]:
        body = {"__type": exc.kind, "Message": f"{exc.message} ({self.service.wall_clock.epoch_ms()})",
                "TurkErrorCode": exc.code}
        return (500 if exc.kind == "ServiceFault" else 400), orjson.dumps(body)

    async def _authenticate(self, scope, headers, body: bytes):
        auth = sigv4.parse_authorization(headers.get("authorization", [None])[0])
        if auth.service != SIGNING_SERVICE:
            raise sigv4.AuthError("InvalidSignatureException",
                                  f"Credential should be scoped to correct service: '{SIGNING_SERVICE}'.")
        amz_date = headers.get("x-amz-date", [None])[0]
        if amz_date is None:
            raise sigv4.incomplete("Authorization header requires existence of either a 'X-Amz-Date' or a "
                                   "'Date' header.")
        # Signatures are about real time, even when a test has moved the service clock.
        sigv4.check_skew(amz_date, self.service.wall_clock.epoch_ms(),
                         self.service.settings.signature_skew_seconds)
        if auth.date != amz_date[:8]:   # else a signing key derived for one day would sign for any day
            raise sigv4.AuthError("InvalidSignatureException",
                                  "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of "
                                  f"date from HTTP: '{auth.date}' != '{amz_date[:8]}', from '{amz_date}'.")
        if self.inline_reads:
            creds = self.service.credentials(auth.access_key_id)
        else:   # a thread hop only when the cache does not have the key
            creds = self.service.cached_credentials(auth.access_key_id) or await in_database_thread(
                self.service, self.service.credentials, auth.access_key_id)
        if creds is None:
            raise sigv4.unrecognized_client()
        sigv4.verify(creds.secret, auth, scope["method"], scope["path"],
                     scope.get("query_string", b"").decode("latin-1"), headers, amz_date, body)
        if self.limiter is not None and not self.limiter.allow(auth.access_key_id):
            # What AWS's front end answers; botocore retries it with back-off (legacy and standard modes).
            raise sigv4.AuthError("ThrottlingException", "Rate exceeded")
        return creds


def _decode(body: bytes):
    if not body.strip():
        return {}
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise errors.request_error(errors.Code.INVALID_PARAMETER_VALUE,
                                   f"The request body is not valid JSON: {exc}") from None
