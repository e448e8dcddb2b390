"""The worker API's OpenAPI document (web/worker_openapi.py) against the worker API itself: the same paths and
methods as its routes, every error status it answers, and real answers of a live server that validate against
the document's schemas (schemathesis's own response validation) with no member the document does not name.
"""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
import openapi_spec_validator
import pytest
import schemathesis

from openturk.web.worker_api import PREFIX, STATUS_BY_CODE, WorkerAPI
from openturk.web.worker_openapi import OPENAPI

from .helpers import question_form
from .hit_helpers import create_hit, external_question

SCHEMA = schemathesis.openapi.from_dict(OPENAPI)
PARAMETER = re.compile(r"\{[^}]+\}")


def _routes() -> set[tuple[str, str]]:
    """(METHOD, path with anonymous parameters) of every route of the worker API but the document itself."""
    out = set()
    for route in WorkerAPI(app=None).routes():
        if route.path == PREFIX + "/openapi.json":
            continue
        for method in route.methods - {"HEAD"}:
            out.add((method, PARAMETER.sub("{}", route.path)))
    return out


def _documented() -> set[tuple[str, str]]:
    return {(method.upper(), PARAMETER.sub("{}", path)) for path, item in OPENAPI["paths"].items() for method in item}


def test_every_route_is_documented_and_every_documented_path_is_a_route():
    assert _routes() == _documented()


def test_path_parameters_are_declared():
    for path, item in OPENAPI["paths"].items():
        for method, operation in item.items():
            declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert declared == set(re.findall(r"\{([^}]+)\}", path)), (method, path)
            assert all(p["required"] for p in operation.get("parameters", []) if p["in"] == "path")


def test_every_error_status_of_the_api_is_documented_somewhere():
    documented = {status for item in OPENAPI["paths"].values() for operation in item.values()
                  for status in operation["responses"]}
    assert {str(s) for s in STATUS_BY_CODE.values()} | {"400", "401"} <= documented
    for path, item in OPENAPI["paths"].items():
        for operation in item.values():     # every operation authenticates and parses its input
            assert {"400", "401"} <= set(operation["responses"]), path


def test_the_document_is_valid_openapi():
    openapi_spec_validator.validate(OPENAPI)


def test_the_served_document_is_this_one(server):
    served = httpx.get(server.endpoint + PREFIX + "/openapi.json", timeout=10)
    assert served.status_code == 200 and served.json() == OPENAPI


# -- real answers against the schemas ---------------------------------------------------------------

def _schema_of(path: str, method: str, status: int) -> dict:
    return OPENAPI["paths"][path][method.lower()]["responses"][str(status)]["content"]["application/json"]["schema"]


def _undocumented(payload, schema: dict, where: str = "") -> list[str]:
    """Members of `payload` that its schema does not name (schemathesis only checks the members named)."""
    if isinstance(payload, dict) and "properties" in schema:
        extra = [f"{where}.{key}" for key in payload if key not in schema["properties"]]
        return extra + [p for key, value in payload.items() if key in schema["properties"]
                        for p in _undocumented(value, schema["properties"][key], f"{where}.{key}")]
    if isinstance(payload, list) and "items" in schema:
        return [p for i, item in enumerate(payload) for p in _undocumented(item, schema["items"], f"{where}[{i}]")]
    return []


class Checked:
    """Raw calls to the worker API, each answer validated against the document; the statuses seen by path."""

    def __init__(self, server):
        self.server = server
        self.seen: set[tuple[str, str, int]] = set()

    def call(self, worker, method: str, template: str, status: int, *, body: dict | None = None,
             query: dict | None = None, **ids) -> dict:
        path = PREFIX + template.format(**ids)
        response = httpx.request(method, self.server.endpoint + path, params=query, timeout=30,
                                 json=body if body is not None else ({} if method == "POST" else None),
                                 headers={"Authorization": f"Bearer {worker.token}"} if worker else {})
        assert response.status_code == status, response.text
        documented = PREFIX + PARAMETER.sub(lambda m: "{" + m.group(0)[1:-1] + "}", template)
        operation = SCHEMA[documented][method]
        assert str(status) in OPENAPI["paths"][documented][method.lower()]["responses"], (method, template, status)
        response.elapsed = timedelta(0)    # (schemathesis reads it; httpx sets it only on streamed reads)
        operation.validate_response(response)
        payload = response.json()
        assert _undocumented(payload, _schema_of(documented, method, status)) == []
        self.seen.add((method, documented, status))
        return payload


def test_real_answers_validate_against_the_document(server):
    creds = server.new_requester("openapi", balance="100.00")
    a = server.client(creds)
    gate = a.create_qualification_type(Name="openapi gate", Description="the gate",
                                       QualificationTypeStatus="Active")["QualificationType"]["QualificationTypeId"]
    keyword = "openapi" + server.create_worker().worker_id.lower()
    form = create_hit(a, max_assignments=3, Question=question_form(), Keywords=keyword)
    external = create_hit(a, max_assignments=2, Question=external_question(), Keywords=keyword,
                          QualificationRequirements=[
                              {"QualificationTypeId": "00000000000000000071", "Comparator": "In",
                               "LocaleValues": [{"Country": "US"}, {"Country": "US", "Subdivision": "NY"}]},
                              {"QualificationTypeId": gate, "Comparator": "GreaterThan", "IntegerValues": [5]}])
    hidden = create_hit(a, Keywords=keyword, QualificationRequirements=[
        {"QualificationTypeId": gate, "Comparator": "Exists", "ActionsGuarded": "PreviewAndAccept"}])
    worker, other = server.create_worker(), server.create_worker()
    c = Checked(server)

    groups = c.call(worker, "GET", "/hit-groups", 200, query={"query": keyword, "max_results": 1})
    assert len(groups["HITGroups"]) == 1 and groups["NextToken"]
    rest = c.call(worker, "GET", "/hit-groups", 200, query={"query": keyword, "next_token": groups["NextToken"],
                                                           "max_results": 100})
    assert c.call(worker, "GET", "/hit-groups", 200, query={"query": keyword, "min_reward": "0.51"}) == {
        "HITGroups": [], "NextToken": None}
    assert {g["HITGroupId"] for g in groups["HITGroups"] + rest["HITGroups"]} >= {form["HITTypeId"],
                                                                                  external["HITTypeId"]}
    c.call(worker, "GET", "/hit-groups", 400, query={"max_results": 0})
    c.call(worker, "GET", "/hit-groups", 400, query={"min_reward": "lots"})
    c.call(None, "GET", "/hit-groups", 401)

    preview = c.call(worker, "GET", "/hits/{HITId}", 200, HITId=external["HITId"])["HIT"]
    assert preview["QualificationRequirements"] and preview["Eligibility"]["Refusals"] and "Question" in preview
    c.call(worker, "GET", "/hits/{HITId}", 403, HITId=hidden["HITId"])
    c.call(worker, "GET", "/hits/{HITId}", 404, HITId="Z" * 30)
    c.call(worker, "POST", "/hits/{HITId}/assignments", 403, HITId=external["HITId"])

    accepted = c.call(worker, "POST", "/hits/{HITId}/assignments", 201, HITId=form["HITId"])["Assignment"]
    assert accepted["AssignmentStatus"] == "Accepted"
    c.call(worker, "POST", "/hits/{HITId}/assignments", 409, HITId=form["HITId"])
    c.call(worker, "POST", "/hits/{HITId}/assignments", 404, HITId="Z" * 30)
    held = c.call(worker, "GET", "/hits/{HITId}", 200, HITId=form["HITId"])["HIT"]
    assert held["Assignment"]["AssignmentId"] == accepted["AssignmentId"]

    c.call(worker, "POST", "/assignments/{AssignmentId}/answers", 400, AssignmentId=accepted["AssignmentId"],
           body={"Answers": {"q1": ["zz"]}})
    submitted = c.call(worker, "POST", "/assignments/{AssignmentId}/answers", 200,
                       AssignmentId=accepted["AssignmentId"], body={"Answers": {"q1": ["a"]}})["Assignment"]
    assert submitted["AssignmentStatus"] == "Submitted" and submitted["Answer"]
    c.call(worker, "POST", "/assignments/{AssignmentId}/answers", 409, AssignmentId=accepted["AssignmentId"],
           body={"Answers": {"q1": ["a"]}})
    c.call(other, "POST", "/assignments/{AssignmentId}/answers", 404, AssignmentId=accepted["AssignmentId"],
           body={"Answers": {"q1": ["a"]}})

    grouped = c.call(other, "POST", "/hit-groups/{HITGroupId}/assignments", 201,
                     HITGroupId=form["HITTypeId"])["Assignment"]
    c.call(other, "POST", "/hit-groups/{HITGroupId}/assignments", 409, HITGroupId=form["HITTypeId"])
    c.call(other, "POST", "/hit-groups/{HITGroupId}/assignments", 409, HITGroupId="Z" * 30)
    returned = c.call(other, "POST", "/assignments/{AssignmentId}/return", 200,
                      AssignmentId=grouped["AssignmentId"])["Assignment"]
    assert returned["AssignmentStatus"] == "Returned" and returned["ReturnTime"]
    c.call(other, "POST", "/assignments/{AssignmentId}/return", 409, AssignmentId=grouped["AssignmentId"])
    c.call(other, "POST", "/assignments/{AssignmentId}/return", 404, AssignmentId="Z" * 30)

    a.approve_assignment(AssignmentId=accepted["AssignmentId"], RequesterFeedback="thanks")
    a.send_bonus(WorkerId=worker.worker_id, BonusAmount="0.10", AssignmentId=accepted["AssignmentId"],
                 Reason="well done", UniqueRequestToken="openapi-" + keyword[-20:])
    mine = c.call(worker, "GET", "/assignments", 200, query={"max_results": 1})
    assert mine["Assignments"][0]["RequesterFeedback"] == "thanks" and mine["NextToken"] is None
    c.call(worker, "GET", "/assignments", 400, query={"next_token": "garbage"})
    earnings = c.call(worker, "GET", "/earnings", 200)
    assert earnings["BonusPayments"] and earnings["AssignmentCounts"]["Approved"] == 1

    exercised = {(m, p) for m, p, _ in c.seen}
    assert exercised == {(m.upper(), p) for p, item in OPENAPI["paths"].items() for m in item
                         if not p.startswith(PREFIX + "/qualification") and not p.endswith("/messages")}


def test_a_wrong_answer_fails_the_check():
    """The validation above is not vacuous: an assignment without its id, or with a member the document does
    not name, is caught."""
    path = PREFIX + "/hits/{HITId}/assignments"
    request = httpx.Request("POST", "http://x" + path)
    response = httpx.Response(201, json={"Assignment": {"HITId": "H"}}, request=request)
    response.elapsed = timedelta(0)
    with pytest.raises(Exception, match="required property"):
        SCHEMA[path]["POST"].validate_response(response)
    assert _undocumented({"Assignment": {"HITId": "H", "Secret": 1}}, _schema_of(path, "POST", 201)) == [
        ".Assignment.Secret"]
