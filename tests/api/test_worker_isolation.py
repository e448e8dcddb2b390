"""The isolation matrix of the worker API: for every path of its OpenAPI document, a caller without a token,
with a wrong token, with a requester's credential, and worker W2 against worker W1's requests, test
sessions, answers, qualifications and messages. And the other way round: a worker's token on the
requester endpoints (JSON API, legacy API, requester pages).

As in test_isolation.py, after every case no secret of A's or W1's is in the caller's response (unless the
caller sent it) and A's and the workers' views are what they were. Coverage is asserted from the OpenAPI
document: a new path fails `test_every_path_has_every_access_kind` until its cases are here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Callable
from urllib.parse import urlencode

import httpx
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from openturk.errors import Code
from openturk.web.worker_openapi import OPENAPI

from ..legacy.helpers import call as legacy_call
from ..legacy.helpers import error_code
from . import isolation
from .helpers import question_form
from .signed_http import call as signed_call

PREFIX = "/api/worker/v1"


@pytest.fixture(scope="module")
def world(server):
    return isolation.build(server)


class Caller:
    """Raw HTTP to the worker API, keeping what was sent and received."""

    def __init__(self, world: isolation.World):
        self.world = world
        self.sent: list[str] = []
        self.received: list[str] = []

    def send(self, method: str, path: str, *, headers: dict | None = None, body: dict | None = None,
             query: dict | None = None) -> httpx.Response:
        url = self.world.server.endpoint + PREFIX + path + ("?" + urlencode(query) if query else "")
        content = None if body is None else json.dumps(body).encode()
        self.sent.append(f"{path} {query} {content}")
        response = httpx.request(method, url, content=content, timeout=30,
                                 headers={"Content-Type": "application/json", **(headers or {})})
        self.received.append(response.text)
        return response

    def as_worker(self, worker, method: str, path: str, **kwargs) -> httpx.Response:
        return self.send(method, path, headers={"Authorization": f"Bearer {worker.token}"}, **kwargs)


def refused(response: httpx.Response, status: int, code: str) -> str:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code, error
    return error["message"]


@pytest.fixture
def caller(world):
    """After the case: nothing of A's or W1's in the answers, and their views unchanged."""
    item = Caller(world)
    yield item
    sent, received = " ".join(item.sent), " ".join(item.received)
    secrets = world.secrets()
    del secrets["pending plain request"]      # W2's own request (W2 is the intruder here)
    for what, secret in secrets.items():
        if secret not in sent:
            assert secret not in received, f"the caller received {what} ({secret})"
    assert isolation.snapshot(world) == world.before


# -- every path: who may call it at all ---------------------------------------------------------------------

def _operations() -> list[tuple[str, str]]:
    return [(method.upper(), path.removeprefix(PREFIX)) for path, item in OPENAPI["paths"].items() for method in item]


def _concrete(world, path: str) -> str:
    """The path with W1's objects in it."""
    return (path.replace("{QualificationTypeId}", world.types["tested"])
            .replace("{QualificationRequestId}", world.session).replace("{HITId}", world.hits["worked"])
            .replace("{HITGroupId}", world.hit_type).replace("{AssignmentId}", world.assignments["submitted"]))


def _body(method: str, path: str) -> dict | None:
    return {"Answers": {"q1": ["b"]}} if path.endswith("/answers") else {} if method == "POST" else None


def _sigv4_headers(world, method: str, url: str) -> dict:
    request = AWSRequest(method=method, url=url, data=b"{}")
    SigV4Auth(Credentials(world.a_creds["AccessKeyId"], world.a_creds["SecretAccessKey"]), "mturk-requester",
              "us-east-1").add_auth(request)
    return dict(request.headers.items())


UNAUTHENTICATED: dict[str, Callable[[isolation.World, str, str], dict]] = {
    "no token": lambda w, m, url: {},
    "bearer without a token": lambda w, m, url: {"Authorization": "Bearer"},
    "wrong token": lambda w, m, url: {"Authorization": "Bearer " + "x" * 43},
    "W1's token with another scheme": lambda w, m, url: {"Authorization": f"Basic {w.w1.token}"},
    "requester's secret as token": lambda w, m, url: {"Authorization": f"Bearer {w.a_creds['SecretAccessKey']}"},
    "requester's access key as token": lambda w, m, url: {"Authorization": f"Bearer {w.a_creds['AccessKeyId']}"},
    "requester's SigV4 signature": _sigv4_headers,
}


@pytest.mark.parametrize("access", UNAUTHENTICATED)
@pytest.mark.parametrize(("method", "path"), _operations(), ids=[f"{m} {p}" for m, p in _operations()])
def test_no_worker_no_answer(world, caller, method, path, access):
    concrete = _concrete(world, path)
    headers = UNAUTHENTICATED[access](world, method, world.server.endpoint + PREFIX + concrete)
    response = caller.send(method, concrete, headers=headers, body=_body(method, path))
    message = refused(response, 401, Code.NOT_AUTHORIZED)
    assert response.headers["www-authenticate"] == "Bearer"
    assert set(response.json()["error"]) == {"code", "message"} and "token" in message


# -- worker W2 against worker W1's objects ------------------------------------------------------------------

@dataclass(frozen=True)
class Case:
    method: str
    path: str            # as in the OpenAPI document
    target: str
    run: Callable[[isolation.World, Caller], None]

    @property
    def id(self) -> str:
        return f"{self.method} {self.path} — {self.target}"


CASES: list[Case] = []


def case(method: str, path: str, target: str):
    def register(fn):
        CASES.append(Case(method, path, target, fn))
        return fn
    return register


TYPES, REQUESTS = "/qualification-types", "/qualification-requests"


@case("GET", TYPES, "A's types: no answer key, no test before it is requested")
def _(w, c):
    listed = c.as_worker(w.w2, "GET", TYPES, query={"query": w.unique, "max_results": 100}).json()
    theirs = {t["QualificationTypeId"]: t for t in listed["QualificationTypes"]}
    assert set(theirs) & set(w.types.values()) == {w.types[r] for r in ("tested", "manual", "plain")}
    assert all(set(t) >= {"HasTest"} and "Test" not in t and "AnswerKey" not in t for t in theirs.values())


@case("POST", TYPES + "/{QualificationTypeId}/requests", "type A blocked the worker from")
def _(w, c):
    blocked = w.server.create_worker(w.blocked)
    for role in ("tested", "plain"):
        refused(c.as_worker(blocked, "POST", f"{TYPES}/{w.types[role]}/requests", body={}), 403,
                Code.PERMISSION_DENIED)


@case("POST", TYPES + "/{QualificationTypeId}/requests", "A's type, the worker blocked by B (not A)")
def _(w, c):
    worker = w.server.create_worker()
    w.b.create_worker_block(WorkerId=worker.worker_id, Reason="B's reason")
    w.b.delete_worker_block(WorkerId=w.blocked)           # and B's unblocking frees no one A blocked
    response = c.as_worker(worker, "POST", f"{TYPES}/{w.types['tested']}/requests", body={})
    assert response.status_code == 201 and response.json()["Status"] == "TestInProgress", response.text
    blocked = w.server.create_worker(w.blocked)
    refused(c.as_worker(blocked, "POST", f"{TYPES}/{w.types['tested']}/requests", body={}), 403,
            Code.PERMISSION_DENIED)


@case("POST", TYPES + "/{QualificationTypeId}/requests", "A's disposing type")
def _(w, c):
    refused(c.as_worker(w.w2, "POST", f"{TYPES}/{w.types['disposing']}/requests", body={}), 404,
            Code.QUALIFICATION_TYPE_DOES_NOT_EXIST)


@case("POST", TYPES + "/{QualificationTypeId}/requests", "a test W1 is taking: W2 gets a session of its own")
def _(w, c):
    response = c.as_worker(w.w2, "POST", f"{TYPES}/{w.types['tested']}/requests", body={})
    opened = response.json()
    assert response.status_code == 201 and opened["Status"] == "TestInProgress", opened
    assert opened["QualificationRequestId"] != w.session and opened["Test"] == question_form()
    assert "AnswerKey" not in opened


def _own_page(w, worker, path: str) -> dict:
    """A page of one item that the worker reads of their own (not the intruder's answer: not checked)."""
    return httpx.get(w.server.endpoint + PREFIX + path, params={"max_results": 1}, timeout=30,
                     headers={"Authorization": f"Bearer {worker.token}"}).json()


def _answers_refused(w, c, request_id: str, body: dict) -> None:
    """W2's answers to W1's request: the answer for an id that exists nowhere, whatever W1's request's state."""
    path = f"{REQUESTS}/{request_id}/answers"
    theirs = refused(c.as_worker(w.w2, "POST", path, body=body), 404, Code.QUALIFICATION_REQUEST_DOES_NOT_EXIST)
    nobodys_id = isolation.unknown_id()
    nobodys = refused(c.as_worker(w.w2, "POST", f"{REQUESTS}/{nobodys_id}/answers", body=body), 404,
                      Code.QUALIFICATION_REQUEST_DOES_NOT_EXIST)
    assert theirs.replace(request_id, "ID") == nobodys.replace(nobodys_id, "ID")


@case("POST", REQUESTS + "/{QualificationRequestId}/answers", "W1's test in progress (right answers)")
def _(w, c):
    _answers_refused(w, c, w.session, {"Answers": {"q1": ["a"]}})


@case("POST", REQUESTS + "/{QualificationRequestId}/answers", "W1's test in progress (an XML answer)")
def _(w, c):
    _answers_refused(w, c, w.session, {"Answer": "<QuestionFormAnswers/>"})


@case("POST", REQUESTS + "/{QualificationRequestId}/answers", "W1's answered request")
def _(w, c):
    _answers_refused(w, c, w.pending, {"Answers": {"q1": "overwritten"}})


@case("GET", REQUESTS, "W1's requests")
def _(w, c):
    listed = c.as_worker(w.w2, "GET", REQUESTS, query={"max_results": 100}).json()["QualificationRequests"]
    assert w.pending_plain in {r["QualificationRequestId"] for r in listed}      # W2's own


@case("GET", REQUESTS, "W1's next token")
def _(w, c):
    token = _own_page(w, w.w1, REQUESTS)["NextToken"]
    refused(c.as_worker(w.w2, "GET", REQUESTS, query={"next_token": token}), 400, Code.INVALID_PARAMETER_VALUE)


@case("GET", "/qualifications", "W1's and the holder's qualifications")
def _(w, c):
    held = c.as_worker(w.w2, "GET", "/qualifications").json()["Qualifications"]
    assert w.types["tested"] not in {q["QualificationTypeId"] for q in held if q["Status"] == "Granted"}


@case("GET", "/messages", "the holder's messages")
def _(w, c):
    assert c.as_worker(w.w2, "GET", "/messages", query={"max_results": 100}).json()["Messages"] == []


@case("GET", "/messages", "the holder's next token")
def _(w, c):
    token = _own_page(w, w.holder, "/messages")["NextToken"]
    refused(c.as_worker(w.w2, "GET", "/messages", query={"next_token": token}), 400, Code.INVALID_PARAMETER_VALUE)


# HITs and assignments: W2 finds and previews A's HITs as any worker may, never the holder's work; the
# holder's assignment does not exist for W2, exactly as an id that exists nowhere.

def _refused_as_unknown(w, c, method: str, path: str, object_id: str, status: int, code: str, body=None) -> None:
    theirs = refused(c.as_worker(w.w2, method, path.replace("{id}", object_id), body=body), status, code)
    nobodys_id = isolation.unknown_id()
    nobodys = refused(c.as_worker(w.w2, method, path.replace("{id}", nobodys_id), body=body), status, code)
    assert theirs.replace(object_id, "ID") == nobodys.replace(nobodys_id, "ID")


@case("GET", "/hit-groups", "A's groups")
def _(w, c):
    groups = c.as_worker(w.w2, "GET", "/hit-groups", query={"query": w.unique, "max_results": 100}).json()
    assert w.hits["worked"] in {g["FirstHITId"] for g in groups["HITGroups"]}
    assert all(set(g) >= {"HITGroupId", "NumberOfAssignmentsAvailable"} for g in groups["HITGroups"])


@case("POST", "/hit-groups/{HITGroupId}/assignments", "A's expired group")
def _(w, c):
    expired_group = w.a.get_hit(HITId=w.hits["expired"])["HIT"]["HITGroupId"]
    refused(c.as_worker(w.w2, "POST", f"/hit-groups/{expired_group}/assignments", body={}), 409,
            Code.NO_HITS_AVAILABLE)


@case("GET", "/hits/{HITId}", "a HIT the holder worked on")
def _(w, c):
    hit = c.as_worker(w.w2, "GET", f"/hits/{w.hits['worked']}").json()["HIT"]
    assert "Assignment" not in hit and "RequesterAnnotation" not in hit


@case("POST", "/hits/{HITId}/assignments", "a HIT W2 is not qualified for")
def _(w, c):
    refused(c.as_worker(w.w2, "POST", f"/hits/{w.hits['open']}/assignments", body={}), 403,
            Code.QUALIFICATION_REQUIREMENT_NOT_MET)


@case("GET", "/assignments", "the holder's assignments")
def _(w, c):
    listed = c.as_worker(w.w2, "GET", "/assignments", query={"max_results": 100}).json()["Assignments"]
    assert w.assignments["submitted"] not in {a["AssignmentId"] for a in listed}


@case("POST", "/assignments/{AssignmentId}/answers", "the holder's submitted assignment")
def _(w, c):
    _refused_as_unknown(w, c, "POST", "/assignments/{id}/answers", w.assignments["submitted"], 404,
                        Code.ASSIGNMENT_DOES_NOT_EXIST, body={"Answers": {"q": "W2's"}})


@case("POST", "/assignments/{AssignmentId}/return", "the holder's submitted assignment")
def _(w, c):
    _refused_as_unknown(w, c, "POST", "/assignments/{id}/return", w.assignments["submitted"], 404,
                        Code.ASSIGNMENT_DOES_NOT_EXIST, body={})


@case("GET", "/earnings", "w3's bonus")
def _(w, c):
    earnings = c.as_worker(w.w2, "GET", "/earnings").json()
    assert earnings["BonusPayments"] == [] and earnings["ApprovedRewards"] == "0.00"


@pytest.mark.parametrize("item", CASES, ids=[c.id for c in CASES])
def test_worker_w2_cannot_reach_worker_w1(world, caller, item):
    item.run(world, caller)


def test_every_path_has_every_access_kind():
    """Every operation of the OpenAPI document is in the unauthenticated matrix (by construction) and has at
    least one case of another worker."""
    assert {(c.method, c.path) for c in CASES} == set(_operations())
    assert len({c.id for c in CASES}) == len(CASES)


# -- a worker's token on the requester's endpoints ----------------------------------------------------------

def test_a_worker_token_opens_no_requester_endpoint(world):
    w1, endpoint = world.w1, world.server.endpoint
    target = {"X-Amz-Target": "MTurkRequesterServiceV20170117.GetQualificationType",
              "Content-Type": "application/x-amz-json-1.1"}
    body = json.dumps({"QualificationTypeId": world.types["tested"]}).encode()
    as_bearer = httpx.post(endpoint + "/", content=body, headers={**target, "Authorization": f"Bearer {w1.token}"})
    assert as_bearer.status_code == 400 and as_bearer.json()["__type"] == "IncompleteSignatureException"
    # The worker id and token as if they were an access key and its secret: an unknown access key.
    as_key = signed_call(endpoint, {"AccessKeyId": w1.worker_id, "SecretAccessKey": w1.token}, "GetQualificationType",
                         {"QualificationTypeId": world.types["tested"]})
    assert as_key.status_code == 400 and as_key.json()["__type"] == "UnrecognizedClientException"
    for response in (as_bearer, as_key):
        assert "AnswerKey" not in response.text and "Test" not in response.json()

    legacy = legacy_call(endpoint, {"AccessKeyId": w1.worker_id, "SecretAccessKey": w1.token}, "GetQualificationType",
                         {"QualificationTypeId": world.types["tested"]})
    assert error_code(legacy) == "AWS.NotAuthorized" and "AnswerKey" not in legacy.text

    with httpx.Client(base_url=endpoint, follow_redirects=False, timeout=30) as http:
        http.get("/worker/login", params={"token": w1.token})            # a worker's page session
        for path in ("/requester/types", f"/requester/types/{world.types['tested']}", "/requester/requests"):
            page = http.get(path, headers={"Authorization": f"Bearer {w1.token}"})
            assert page.status_code == 303 and page.headers["location"].startswith("/requester/login"), path
