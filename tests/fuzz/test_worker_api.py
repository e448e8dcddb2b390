"""Fuzzing the worker API: schemathesis generates requests from its OpenAPI document (web/worker_openapi.py);
the path ids are drawn from a seeded world (A's types with and without tests, W1's open test session, pending
requests, and every request id the fuzzing itself opened) as well as schemathesis's own, the token is a real
worker's (W1 with a session, W2, a holder), garbage or absent, and answer bodies are sometimes real answers
to the world's tests. The HIT and assignment paths draw their ids from HITs of A's made here (a QuestionForm
HIT, an ExternalQuestion HIT, one gated by a requirement, one guarding its preview, an expired one, a deleted
one), assignments of them in every state W1 and W2 can have (Accepted, Submitted, Returned, Approved), the
world's HITs, every assignment the fuzzing itself accepted, and nobody's ids; answer bodies are sometimes
right for the QuestionForm HIT, and sometimes a new worker accepts a HIT just before submitting or returning
it, so that the examples reach the rules and not only "does not exist".

For every example: no 5xx, a JSON answer that matches the document (`{"error": {"code", "message"}}` for
errors), 401 without a valid token, no Python internals in the bytes, nothing logged as a server failure;
the database's invariants afterwards.
"""

from __future__ import annotations

from collections import Counter

import pytest
import schemathesis
from hypothesis import given
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error

from openturk.web.worker_openapi import OPENAPI

from ..api import isolation
from ..api.helpers import question_form
from ..api.hit_helpers import external_question
from .conftest import EXAMPLES, fuzz_settings
from .shapes import ODD_STRINGS
from .test_json_api import assert_clean

SCHEMA = schemathesis.openapi.from_dict(OPENAPI)
OPERATIONS = {f"{op.method.upper()} {op.path}": op for op in (result.ok() for result in SCHEMA.get_all_operations())}

ANSWER_BODIES = [{"Answers": {"q1": ["a"]}}, {"Answers": {"q1": ["b"]}}, {"Answers": {"q1": "free text"}},
                 {"Answers": {"q1": ["a", "b"]}}, {"Answers": {"q1": ["zz"]}}, {"Answers": {"q2": ["a"]}},
                 {"Answers": {}}, {"Answers": {"q1": "x\x00y"}}, {"Answers": {"q1": ["a\x00"]}},
                 {"Answers": {"q1": "é" * 70000}}, {"Answers": {"": ""}},
                 {"Answer": "<QuestionFormAnswers/>"}, {"Answer": "not xml"}, {"Answer": "\x00"},
                 {"Answer": '<?xml version="1.0"?><!DOCTYPE a [<!ENTITY b "c">]><a>&b;</a>'},
                 {"Answers": {"q1": ["a"]}, "Answer": "<QuestionFormAnswers/>"}]


@pytest.fixture
def tokens(world) -> list[str]:
    return [world.w1.token, world.w2.token, world.holder.token]


@pytest.fixture
def work(world) -> dict[str, list[str]]:
    """A's HITs and W1's and W2's assignments of them, by the path parameter that names them."""
    a, unique = world.a, world.unique
    gate = world.types["tested"]

    def hit(question: str, max_assignments: int = 10, **extra) -> dict:
        return a.create_hit(Title=f"{unique} fuzzed HIT", Description=unique, Reward="0.05", Keywords=unique,
                            MaxAssignments=max_assignments, AssignmentDurationInSeconds=600,
                            LifetimeInSeconds=3600, Question=question, **extra)["HIT"]

    # Enough slots for every example's new worker (one accept each) and the fuzzing's own accepts.
    room = 10 + 2 * EXAMPLES
    form, external = hit(question_form(), room), hit(external_question(), room)
    gated = hit(external_question(), QualificationRequirements=[
        {"QualificationTypeId": gate, "Comparator": "GreaterThan", "IntegerValues": [10]}])
    hidden = hit(question_form(), QualificationRequirements=[
        {"QualificationTypeId": gate, "Comparator": "Exists", "ActionsGuarded": "PreviewAndAccept"}])
    expired, deleted = hit(question_form(), 1), hit(question_form(), 1)
    for gone in (expired, deleted):
        a.update_expiration_for_hit(HITId=gone["HITId"], ExpireAt=0)
    a.delete_hit(HITId=deleted["HITId"])
    w1, w2 = world.w1, world.w2
    accepted = w1.accept(form["HITId"])["AssignmentId"]
    submitted = w1.work(external["HITId"], {"field": "value"})["AssignmentId"]
    returned = w2.accept(form["HITId"])["AssignmentId"]
    w2.return_assignment(returned)
    approved = w2.work(external["HITId"], {"field": "value"})["AssignmentId"]
    a.approve_assignment(AssignmentId=approved)
    w2.accept(form["HITId"])       # after W2 returned it: accepted again, and left Accepted
    hits = [form, external, gated, hidden, expired, deleted]
    return {"HITId": [h["HITId"] for h in hits] + list(world.hits.values()) + [isolation.unknown_id()],
            "HITGroupId": sorted({h["HITTypeId"] for h in hits}) + [isolation.unknown_id()],
            "AssignmentId": [accepted, submitted, returned, approved, isolation.unknown_id()],
            "fresh": [form["HITId"], external["HITId"]]}


@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_worker_api_operations(name, server, world, work, tokens, server_errors, invariants_hold):
    operation = OPERATIONS[name]
    types = list(world.types.values()) + [isolation.MASTERS_SANDBOX, isolation.unknown_id()]
    opened = [world.session, world.pending, world.pending_plain, isolation.unknown_id()]
    # (a "/" in an id would leave the API's paths: the router's plain 404, not the API's answer)
    outcomes: Counter = Counter()
    valid = set(tokens)
    odd = st.sampled_from([s for s in ODD_STRINGS if "/" not in s and s.strip(".") and s.encode(errors="ignore")
                           == s.encode(errors="surrogatepass")])

    @given(case=operation.as_strategy(), data=st.data())
    @fuzz_settings()
    def run(case, data):
        if "QualificationTypeId" in (case.path_parameters or {}) and data.draw(st.integers(0, 3)) < 3:
            case.path_parameters["QualificationTypeId"] = data.draw(st.sampled_from(types) | odd)
        if "QualificationRequestId" in (case.path_parameters or {}):
            if data.draw(st.integers(0, 3)) < 3:
                case.path_parameters["QualificationRequestId"] = data.draw(st.sampled_from(opened) | odd)
            if data.draw(st.integers(0, 2)) < 2:
                case.body = data.draw(st.sampled_from(ANSWER_BODIES))
        if name.startswith("GET") and data.draw(st.booleans()):
            case.query = {**(case.query or {}), **data.draw(st.fixed_dictionaries({}, optional={
                "query": st.sampled_from(["\x00", world.unique, "tested", "%", "_", "A" * 300]),
                "max_results": st.sampled_from(["0", "1", "100", "101", "-1", "1.5", "9" * 5000, "١٠", ""]),
                "next_token": st.sampled_from(["", "x", "A" * 300, "WzEsIngiXQ"])}))}
        for parameter in ("HITId", "HITGroupId", "AssignmentId"):
            if parameter in (case.path_parameters or {}) and data.draw(st.integers(0, 3)) < 3:
                case.path_parameters[parameter] = data.draw(st.sampled_from(work[parameter]) | odd)
        if "AssignmentId" in (case.path_parameters or {}) and name.endswith("/answers") \
                and data.draw(st.integers(0, 2)) < 2:
            case.body = data.draw(st.sampled_from(ANSWER_BODIES))
        token = data.draw(st.sampled_from(tokens) | st.sampled_from([None, "", "garbage", tokens[0] + "x"]))
        if "AssignmentId" in (case.path_parameters or {}) and data.draw(st.booleans()):
            # A new worker's own Accepted assignment: the answers reach checking, the return its rule.
            fresh = server.create_worker()
            case.path_parameters["AssignmentId"] = fresh.accept(data.draw(st.sampled_from(work["fresh"])))[
                "AssignmentId"]
            token = fresh.token
            valid.add(token)
        if name.endswith("}/assignments") and data.draw(st.booleans()):
            # A new worker, who holds nothing yet: accepts reach the HIT's rules, not only "already held".
            token = server.create_worker().token
            valid.add(token)
        if "QualificationRequestId" in (case.path_parameters or {}) and data.draw(st.booleans()):
            # A new worker's own open test: the answers reach checking and scoring.
            fresh = server.create_worker()
            role = data.draw(st.sampled_from(["tested", "manual"]))
            case.path_parameters["QualificationRequestId"] = fresh.request(world.types[role])["QualificationRequestId"]
            token = fresh.token
            valid.add(token)
        headers = {} if token is None else {"Authorization": f"Bearer {token}"}
        response = case.call(base_url=server.endpoint, headers=headers)
        case.validate_response(response, checks=(not_a_server_error,))
        assert response.status_code < 500, (case.path, response.text)
        assert response.headers["content-type"][0].startswith("application/json")
        assert_clean(response.text)
        if token not in valid:
            assert response.status_code == 401, response.text
        payload = response.json()
        outcomes[(response.status_code, payload["error"]["code"].rpartition(".")[2] if response.status_code >= 400
                  else "ok")] += 1
        if response.status_code >= 400:
            assert set(payload) == {"error"} and {"code", "message"} <= set(payload["error"]), payload
        elif response.status_code == 201 and "Assignment" in payload:
            work["AssignmentId"].append(payload["Assignment"]["AssignmentId"])
        elif response.status_code == 201:
            opened.append(payload["QualificationRequestId"])
        assert server_errors.take() == []

    run()
    print(f"worker {name}: {dict(outcomes.most_common())}")   # (pytest -s)
