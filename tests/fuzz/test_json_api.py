"""Fuzzing the JSON 1.1 API: every operation of the model, with inputs generated from its input shape,
sent (a) through boto3's own serializer (client-side validation off, so wrong types reach the server) and
(b) as raw, correctly signed JSON bodies of any kind.

For every example: no 5xx, a well-formed MTurk answer (a JSON object on success; `__type`, `Message` with its
epoch-ms suffix and `TurkErrorCode` on error), no traceback or Python repr in the bytes, nothing logged as a
server failure; after each operation's run, the database's invariants hold. Ids come from a seeded world
(types with tests and answer keys, holders, revoked holders, blocks, open test sessions, pending requests) as
well as from nowhere, so the examples reach the operations' rules, not only "does not exist".
"""

from __future__ import annotations

import re
from collections import Counter

import httpx
import orjson
import pytest
from botocore import xform_name
from botocore.config import Config
from botocore.exceptions import ClientError
from hypothesis import given
from hypothesis import strategies as st

from openturk.errors import Code
from openturk.ops import REGISTRY
from openturk.protocol.model import service_model

from ..api.signed_http import JSON_TYPE, sign
from .conftest import EXAMPLES, fuzz_settings
from .shapes import raw_body, structure

IMPLEMENTED = sorted(name for name, op in REGISTRY.items() if op.implemented)
UNSUPPORTED = sorted(name for name, op in REGISTRY.items() if not op.implemented)
# Operations openturk does not implement only validate their input: fewer examples reach all they do.
UNSUPPORTED_EXAMPLES = max(5, EXAMPLES // 3)

CODES = {value for name, value in vars(Code).items() if name.isupper()}
PYTHON_LEAKS = re.compile(r"Traceback|File \"|object at 0x|<class '|NoneType|\b[A-Z][A-Za-z]*(Error|Exception)\(")
STAMP = re.compile(r" \(\d{13}\)\Z")
OUTCOMES: Counter = Counter()   # what the examples got, printed per run (pytest -s shows it)


def assert_clean(text: str) -> None:
    leak = PYTHON_LEAKS.search(text)
    assert leak is None, f"Python internals in a response: {leak.group(0)!r} in {text[:500]!r}"


def check_answer(status: int, content_type: str, body: bytes) -> dict:
    """A JSON API answer to any input: a success object, or an MTurk RequestError."""
    assert status < 500, (status, body[:500])
    assert content_type == JSON_TYPE, content_type
    text = body.decode("utf-8")
    assert_clean(text)
    payload = orjson.loads(body)
    assert isinstance(payload, dict), payload
    if status == 200:
        assert "__type" not in payload, payload
        OUTCOMES["200"] += 1
        return payload
    assert status == 400, (status, payload)
    assert set(payload) == {"__type", "Message", "TurkErrorCode"}, payload
    assert payload["__type"] == "RequestError", payload
    assert payload["TurkErrorCode"] in CODES, payload
    assert STAMP.search(payload["Message"]), payload
    OUTCOMES[f"{status} {payload['TurkErrorCode'].rpartition('.')[2]}"] += 1
    return payload


def operation_settings(name: str):
    return fuzz_settings(EXAMPLES if REGISTRY[name].implemented else UNSUPPORTED_EXAMPLES)


def input_shape(name: str):
    return service_model().operation_model(name).input_shape


class Boto:
    """A boto3 client of the world's owner that sends what it is given and keeps the raw answer."""

    def __init__(self, server, creds):
        import boto3
        self.client = boto3.client(
            "mturk", endpoint_url=server.endpoint, region_name="us-east-1", aws_access_key_id=creds["AccessKeyId"],
            aws_secret_access_key=creds["SecretAccessKey"],
            config=Config(parameter_validation=False, retries={"total_max_attempts": 1}))
        self.answers: list[tuple[int, str, bytes]] = []
        self.client.meta.events.register("after-call.mturk", self._keep)

    def _keep(self, http_response, **_):
        self.answers.append((http_response.status_code, http_response.headers.get("content-type"),
                             http_response.content))

    def send(self, operation: str, params: dict):
        """The raw answer, or None when boto3's serializer refused the value before sending anything."""
        self.answers.clear()
        try:
            getattr(self.client, xform_name(operation))(**params)
        except ClientError as exc:
            assert self.answers, exc
            assert exc.response["ResponseMetadata"]["HTTPStatusCode"] < 500, exc.response
            assert exc.response["Error"]["Code"] == "RequestError", exc.response
            assert exc.response.get("TurkErrorCode") in CODES, exc.response
        except Exception:   # noqa: BLE001 - boto3's serializer refusing a value of the wrong type
            if self.answers:
                raise
            return None
        assert len(self.answers) == 1, self.answers
        return self.answers[0]


@pytest.fixture
def boto(server, world):
    return Boto(server, world.a_creds)


@pytest.fixture
def raw(server, world):
    with httpx.Client(timeout=30) as http:
        def send(operation: str, body: bytes) -> httpx.Response:
            url, headers, data = sign(server.endpoint, world.a_creds, operation, body)
            return http.post(url, content=data, headers=headers)
        yield send


def _report(front: str, name: str) -> None:
    print(f"{front} {name}: {dict(OUTCOMES.most_common())}")
    OUTCOMES.clear()


def _fuzz_boto(name, boto, pools, server_errors):
    shape = input_shape(name)
    tried, sent = [], []

    @given(params=structure(shape, pools) if shape is not None else st.just({}))
    @operation_settings(name)
    def run(params):
        tried.append(params)
        answer = boto.send(name, params)
        if answer is not None:
            sent.append(params)
            check_answer(*answer)
        assert server_errors.take() == []

    run()
    _report("boto3", name)
    # The serializer refuses some wrong-typed values; most examples must still have reached the server.
    assert len(sent) * 2 >= len(tried), (len(sent), len(tried))


def _fuzz_raw(name, raw, pools, server_errors):
    @given(body=raw_body(input_shape(name), pools))
    @operation_settings(name)
    def run(body):
        response = raw(name, body)
        check_answer(response.status_code, response.headers.get("content-type"), response.content)
        assert server_errors.take() == []

    run()
    _report("raw", name)


@pytest.mark.parametrize("name", IMPLEMENTED)
def test_boto3_serialized_inputs(name, boto, pools, server_errors, invariants_hold):
    _fuzz_boto(name, boto, pools, server_errors)


@pytest.mark.parametrize("name", IMPLEMENTED)
def test_raw_json_bodies(name, raw, pools, server_errors, invariants_hold):
    _fuzz_raw(name, raw, pools, server_errors)


@pytest.fixture(scope="module")
def shared_world(server):
    from ..api import isolation
    return isolation.build(server)


def test_operations_openturk_does_not_implement(server, shared_world, server_errors, invariants_hold):
    """The stubs validate their input against the model before answering UnsupportedOperation: the same
    guarantees, with fewer examples each (they share one world: they change nothing)."""
    from .conftest import pools_of
    pools = pools_of(shared_world)
    boto = Boto(server, shared_world.a_creds)
    with httpx.Client(timeout=30) as http:
        def raw(operation, body):
            url, headers, data = sign(server.endpoint, shared_world.a_creds, operation, body)
            return http.post(url, content=data, headers=headers)
        for name in UNSUPPORTED:
            _fuzz_boto(name, boto, pools, server_errors)
            _fuzz_raw(name, raw, pools, server_errors)
