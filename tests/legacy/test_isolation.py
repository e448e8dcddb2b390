"""The isolation matrix of the legacy REST/XML API: requester B, signing legacy requests, tries every legacy
operation on requester A's objects (built by tests/api/isolation.py) and gets the error its 2017
successor gives; no secret of A's is in the XML B receives, and A's view is unchanged after each case.
`test_every_legacy_operation_has_a_case` fails when a legacy operation is added without a case."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import pytest

from openturk.errors import Code
from openturk.protocol.legacy import OPERATIONS

from ..api import isolation
from .helpers import call, error_code, text, texts

NO_FOREIGN_OBJECT = {"GetAccountBalance": "reads the caller's own balance; takes no id"}


@pytest.fixture(scope="module")
def world(server):
    return isolation.build(server)


@dataclass(frozen=True)
class Case:
    operation: str
    target: str
    params: Callable[[isolation.World], dict]
    code: str | None                       # the TurkErrorCode B gets; None: B's call succeeds on B's own things
    check: Callable | None = None          # (world, response) → assertions on a success

    @property
    def id(self) -> str:
        return f"{self.operation}-{self.target}"


def _type(role: str) -> Callable[[isolation.World], dict]:
    return lambda w: {"QualificationTypeId": w.types[role]}


def _no_answer_key(w, response):
    assert "AnswerKey" not in response.text and texts(response, ".//QualificationType/Test")


def _only_public_types(w, response):
    listed = set(texts(response, ".//QualificationType/QualificationTypeId")) & set(w.types.values())
    assert listed == {w.types[r] for r in ("tested", "manual", "plain", "inactive")}
    assert "AnswerKey" not in response.text


def _none_of_a(w, response):
    assert not set(texts(response, ".//QualificationTypeId")) & set(w.types.values())


def _no_requests(w, response):
    assert text(response, ".//TotalNumResults") == "0" and not texts(response, ".//QualificationRequest")


def _not_a_s_type(w, response):
    assert text(response, ".//QualificationType/QualificationTypeId") not in w.types.values()


DENIED, NO_TYPE, NO_REQUEST = (Code.PERMISSION_DENIED, Code.QUALIFICATION_TYPE_DOES_NOT_EXIST,
                               Code.QUALIFICATION_REQUEST_DOES_NOT_EXIST)
HOLDER = lambda w: w.holder.worker_id       # noqa: E731

CASES = [
    Case("CreateQualificationType", "name of A's type",
         lambda w: {"Name": f"{w.unique} tested", "Description": "B's", "QualificationTypeStatus": "Inactive"},
         None, _not_a_s_type),
    Case("GetQualificationType", "type with an answer key", _type("tested"), None, _no_answer_key),
    Case("GetQualificationType", "disposing type", _type("disposing"), NO_TYPE),
    Case("UpdateQualificationType", "description", lambda w: {**_type("tested")(w), "Description": "B's"}, DENIED),
    Case("UpdateQualificationType", "status", lambda w: {**_type("inactive")(w), "QualificationTypeStatus": "Active"},
         DENIED),
    Case("DisposeQualificationType", "type with holders", _type("tested"), DENIED),
    Case("DisposeQualificationType", "disposing type", _type("disposing"), DENIED),
    Case("SearchQualificationTypes", "everyone's types",
         lambda w: {"Query": w.unique, "MustBeRequestable": "false", "PageSize": "100"}, None, _only_public_types),
    Case("SearchQualificationTypes", "owned by caller",
         lambda w: {"Query": w.unique, "MustBeRequestable": "false", "MustBeOwnedByCaller": "true"}, None, _none_of_a),
    Case("GetQualificationRequests", "A's type", _type("manual"), DENIED),
    Case("GetQualificationRequests", "all", lambda w: {}, None, _no_requests),
    Case("GrantQualification", "answered test", lambda w: {"QualificationRequestId": w.pending, "IntegerValue": "9"},
         NO_REQUEST),
    Case("GrantQualification", "request without test", lambda w: {"QualificationRequestId": w.pending_plain},
         NO_REQUEST),
    Case("GrantQualification", "test in progress", lambda w: {"QualificationRequestId": w.session}, NO_REQUEST),
    Case("RejectQualificationRequest", "answered test", lambda w: {"QualificationRequestId": w.pending}, NO_REQUEST),
    Case("RejectQualificationRequest", "request without test",
         lambda w: {"QualificationRequestId": w.pending_plain, "Reason": "B says no"}, NO_REQUEST),
    Case("AssignQualification", "new holder",
         lambda w: {**_type("tested")(w), "WorkerId": w.w2.worker_id, "IntegerValue": "100"}, DENIED),
    Case("AssignQualification", "revoked qualification",
         lambda w: {**_type("tested")(w), "WorkerId": w.revoked}, DENIED),
    Case("RevokeQualification", "holder", lambda w: {**_type("tested")(w), "SubjectId": HOLDER(w), "Reason": "B"},
         DENIED),
    Case("GetQualificationScore", "holder", lambda w: {**_type("tested")(w), "SubjectId": HOLDER(w)}, DENIED),
    Case("GetQualificationScore", "never granted", lambda w: {**_type("tested")(w), "SubjectId": w.w2.worker_id},
         DENIED),
    Case("UpdateQualificationScore", "holder",
         lambda w: {**_type("tested")(w), "SubjectId": HOLDER(w), "IntegerValue": "0"}, DENIED),
    Case("GetQualificationsForQualificationType", "granted", _type("tested"), DENIED),
    Case("GetQualificationsForQualificationType", "revoked", lambda w: {**_type("tested")(w), "Status": "Revoked"},
         DENIED),
    Case("BlockWorker", "worker A blocked", lambda w: {"WorkerId": w.blocked, "Reason": "B's own reason"}, None),
    Case("UnblockWorker", "A's block", lambda w: {"WorkerId": w.blocked, "Reason": "B lifts it"}, None),
    Case("GetBlockedWorkers", "A's blocks", lambda w: {"PageSize": "100"}, None,
         lambda w, response: texts(response, ".//WorkerBlock/Reason") in ([], ["B's own reason"])),
]


@pytest.mark.parametrize("item", CASES, ids=[c.id for c in CASES])
def test_requester_b_cannot_reach_requester_a(world, item):
    params = item.params(world)
    response = call(world.server.endpoint, world.b_creds, item.operation, params)
    assert response.status_code == 200
    assert error_code(response) == item.code, response.text
    if item.check is not None:
        assert item.check(world, response) is not False
    sent = " ".join(params.values())
    for what, secret in world.secrets().items():
        if secret not in sent:
            assert secret not in response.text, f"B received A's {what} ({secret})"
    assert isolation.snapshot(world) == world.before


def test_every_legacy_operation_has_a_case():
    covered = {c.operation for c in CASES}
    assert sorted(set(OPERATIONS) - covered - set(NO_FOREIGN_OBJECT)) == []
    assert covered <= set(OPERATIONS) and not covered & set(NO_FOREIGN_OBJECT)
    assert len({c.id for c in CASES}) == len(CASES)
