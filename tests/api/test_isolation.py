"""The isolation matrix of the JSON API: requester B tries every operation on requester A's objects.

Each case is one (operation × access kind × object) and asserts the documented answer. After every case
the `checked` fixture asserts that no response B received contains one of A's secrets (the AnswerKey, a
worker's answers, a type's holders, A's block reasons, request ids) — unless B sent that text itself — and
that A's view of their objects (and the workers' view of theirs) is exactly what it was.

`test_every_operation_has_a_case` derives the operations from the registry: a new operation fails it until
it has a case here or is listed in NO_FOREIGN_OBJECT with the reason.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Callable

import pytest
from botocore import xform_name
from botocore.exceptions import ClientError

from openturk.errors import Code
from openturk.ops.registry import REGISTRY

from . import isolation
from .helpers import answer_key, question_form
from .hit_helpers import external_question

NO_FOREIGN_OBJECT = {
    "GetAccountBalance": "reads the caller's own balance; takes no id",
    "SendTestEventNotification": "sends one event to the destination the caller names; takes no id",
}


@pytest.fixture(scope="module")
def world(server):
    return isolation.build(server)


class Intruder:
    """B's calls, with the raw bytes of every response (botocore's parser drops members it does not know,
    so a leak is looked for in the bytes) and the parameters B sent."""

    def __init__(self, world: isolation.World):
        self.world = world
        self.bodies: list[bytes] = []
        self.sent: list[str] = []
        world.b.meta.events.register("before-parse.mturk", self._capture)

    def _capture(self, response_dict, **_):
        self.bodies.append(response_dict["body"])

    def call(self, operation: str, **params) -> dict:
        self.sent.append(json.dumps(params, default=str))
        result = getattr(self.world.b, xform_name(operation))(**params)
        result.pop("ResponseMetadata", None)
        return result

    def refused(self, operation: str, code: str, **params) -> str:
        """B's call answers RequestError `code` (HTTP 400); its message."""
        with pytest.raises(ClientError) as info:
            self.call(operation, **params)
        error = info.value.response
        assert error["ResponseMetadata"]["HTTPStatusCode"] == 400, error
        assert error["Error"]["Code"] == "RequestError" and error["TurkErrorCode"] == code, error
        return error["Error"]["Message"]

    def refused_as_unknown(self, operation: str, code: str, member: str, object_id: str, **params) -> None:
        """A's object answers exactly what an id that exists nowhere answers (B learns nothing of it)."""
        theirs = self.refused(operation, code, **{member: object_id}, **params)
        nobodys_id = isolation.unknown_id()
        nobodys = self.refused(operation, code, **{member: nobodys_id}, **params)
        assert _without_suffix(theirs).replace(object_id, "ID") == _without_suffix(nobodys).replace(nobodys_id, "ID")


def _without_suffix(message: str) -> str:
    return re.sub(r" \(\d{13}\)$", "", message)


@pytest.fixture(scope="module")
def b(world):
    return Intruder(world)


@pytest.fixture
def checked(world, b):
    """After the case: no secret of A's in B's responses, and A's objects as they were."""
    b.bodies.clear()
    b.sent.clear()
    yield b
    sent = " ".join(b.sent)
    received = b"".join(b.bodies).decode()
    for what, secret in world.secrets().items():
        if secret not in sent:
            assert secret not in received, f"B received A's {what} ({secret})"
    assert isolation.snapshot(world) == world.before


# -- the cases ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Case:
    operation: str
    access: str          # read, change, delete, resolve, list, create, notify
    target: str          # which of A's objects
    run: Callable[[isolation.World, Intruder], None]

    @property
    def id(self) -> str:
        return f"{self.operation}-{self.access}-{self.target}"


CASES: list[Case] = []


def case(operation: str, access: str, target: str):
    def register(fn):
        CASES.append(Case(operation, access, target, fn))
        return fn
    return register


PERMISSION_DENIED = Code.PERMISSION_DENIED
TYPE_DOES_NOT_EXIST = Code.QUALIFICATION_TYPE_DOES_NOT_EXIST
REQUEST_DOES_NOT_EXIST = Code.QUALIFICATION_REQUEST_DOES_NOT_EXIST


# GetQualificationType: types are public (any requester may use one in a HIT's requirements), the AnswerKey
# is the owner's alone; a type being disposed of is gone for everyone but its owner.

@case("GetQualificationType", "read", "type with an answer key")
def _(w, b):
    qtype = b.call("GetQualificationType", QualificationTypeId=w.types["tested"])["QualificationType"]
    assert qtype["Test"] == question_form() and "AnswerKey" not in qtype


@case("GetQualificationType", "read", "inactive type")
def _(w, b):
    qtype = b.call("GetQualificationType", QualificationTypeId=w.types["inactive"])["QualificationType"]
    assert qtype["QualificationTypeStatus"] == "Inactive" and "AnswerKey" not in qtype


@case("GetQualificationType", "read", "disposing type")
def _(w, b):
    b.refused_as_unknown("GetQualificationType", TYPE_DOES_NOT_EXIST, "QualificationTypeId", w.types["disposing"])


@case("ListQualificationTypes", "list", "everyone's types")
def _(w, b):
    listed = b.call("ListQualificationTypes", MustBeRequestable=False, Query=w.unique, MaxResults=100)
    theirs = {t["QualificationTypeId"] for t in listed["QualificationTypes"]} & set(w.types.values())
    assert theirs == {w.types[role] for role in ("tested", "manual", "plain", "inactive")}
    assert not any("AnswerKey" in t for t in listed["QualificationTypes"])


@case("ListQualificationTypes", "list", "requestable types")
def _(w, b):
    listed = b.call("ListQualificationTypes", MustBeRequestable=True, Query=w.unique, MaxResults=100)
    theirs = {t["QualificationTypeId"] for t in listed["QualificationTypes"]} & set(w.types.values())
    assert theirs == {w.types[role] for role in ("tested", "manual", "plain")}


@case("ListQualificationTypes", "list", "owned by caller")
def _(w, b):
    listed = b.call("ListQualificationTypes", MustBeRequestable=False, MustBeOwnedByCaller=True, Query=w.unique)
    assert not {t["QualificationTypeId"] for t in listed["QualificationTypes"]} & set(w.types.values())


@case("CreateQualificationType", "create", "name of A's type")
def _(w, b):
    # Names are unique per requester: A's name is free for B, and B is not told A's type id.
    for role in ("tested", "disposing"):
        created = b.call("CreateQualificationType", Name=f"{w.unique} {role}", Description="B's own",
                         QualificationTypeStatus="Inactive")["QualificationType"]
        assert created["QualificationTypeId"] not in w.types.values()
        assert w.types[role] not in json.dumps(created, default=str)


# UpdateQualificationType, DeleteQualificationType: owner only; PermissionDenied ("ownership is checked first").

@case("UpdateQualificationType", "change", "description")
def _(w, b):
    b.refused("UpdateQualificationType", PERMISSION_DENIED, QualificationTypeId=w.types["tested"], Description="mine")


@case("UpdateQualificationType", "change", "test and answer key")
def _(w, b):
    b.refused("UpdateQualificationType", PERMISSION_DENIED, QualificationTypeId=w.types["tested"],
              Test=question_form(), AnswerKey=answer_key(selection="b"), TestDurationInSeconds=60)


@case("UpdateQualificationType", "change", "status")
def _(w, b):
    b.refused("UpdateQualificationType", PERMISSION_DENIED, QualificationTypeId=w.types["inactive"],
              QualificationTypeStatus="Active")


@case("UpdateQualificationType", "change", "auto-grant")
def _(w, b):
    b.refused("UpdateQualificationType", PERMISSION_DENIED, QualificationTypeId=w.types["plain"], AutoGranted=True,
              AutoGrantedValue=100)


@case("UpdateQualificationType", "change", "disposing type")
def _(w, b):
    b.refused("UpdateQualificationType", PERMISSION_DENIED, QualificationTypeId=w.types["disposing"],
              Description="mine")


@case("UpdateQualificationType", "change", "system type")
def _(w, b):
    b.refused("UpdateQualificationType", PERMISSION_DENIED, QualificationTypeId=isolation.MASTERS_SANDBOX,
              Description="mine")


@case("DeleteQualificationType", "delete", "type with holders and requests")
def _(w, b):
    for role in ("tested", "manual", "plain"):
        b.refused("DeleteQualificationType", PERMISSION_DENIED, QualificationTypeId=w.types[role])


@case("DeleteQualificationType", "delete", "disposing type")
def _(w, b):
    b.refused("DeleteQualificationType", PERMISSION_DENIED, QualificationTypeId=w.types["disposing"])


# Qualifications of A's types: owner only, and the same answer whether or not the worker holds one (B cannot
# find out who holds A's type).

@case("AssociateQualificationWithWorker", "change", "holder's score")
def _(w, b):
    b.refused("AssociateQualificationWithWorker", PERMISSION_DENIED, QualificationTypeId=w.types["tested"],
              WorkerId=w.holder.worker_id, IntegerValue=0)


@case("AssociateQualificationWithWorker", "change", "revoked qualification")
def _(w, b):
    b.refused("AssociateQualificationWithWorker", PERMISSION_DENIED, QualificationTypeId=w.types["tested"],
              WorkerId=w.revoked, IntegerValue=100)


@case("AssociateQualificationWithWorker", "change", "new holder")
def _(w, b):
    for role in ("tested", "inactive", "disposing"):
        b.refused("AssociateQualificationWithWorker", PERMISSION_DENIED, QualificationTypeId=w.types[role],
                  WorkerId=w.w2.worker_id, IntegerValue=100)


@case("DisassociateQualificationFromWorker", "change", "holder")
def _(w, b):
    b.refused("DisassociateQualificationFromWorker", PERMISSION_DENIED, QualificationTypeId=w.types["tested"],
              WorkerId=w.holder.worker_id, Reason="B says so")


@case("DisassociateQualificationFromWorker", "change", "worker without it")
def _(w, b):
    b.refused("DisassociateQualificationFromWorker", PERMISSION_DENIED, QualificationTypeId=w.types["tested"],
              WorkerId=w.w2.worker_id, Reason="B says so")


@case("GetQualificationScore", "read", "holder, revoked and never granted")
def _(w, b):
    messages = {b.refused("GetQualificationScore", PERMISSION_DENIED, QualificationTypeId=w.types[role],
                          WorkerId=worker) for role in ("tested", "disposing")
                for worker in (w.holder.worker_id, w.revoked, w.w2.worker_id)}
    assert len({_without_suffix(m) for m in messages}) == 1


@case("ListWorkersWithQualificationType", "list", "holders")
def _(w, b):
    for role in ("tested", "disposing"):
        for status in ("Granted", "Revoked", None):
            params = {"Status": status} if status else {}
            b.refused("ListWorkersWithQualificationType", PERMISSION_DENIED, QualificationTypeId=w.types[role],
                      **params)


@case("ListWorkersWithQualificationType", "list", "A's next token")
def _(w, b):
    # A's token names A's type; B's own type with A's token is refused, not continued.
    token = w.a.list_workers_with_qualification_type(QualificationTypeId=w.types["tested"], MaxResults=1)["NextToken"]
    own = b.call("CreateQualificationType", Name=f"{w.unique} b-holders", Description="d",
                 QualificationTypeStatus="Active")["QualificationType"]["QualificationTypeId"]
    b.refused("ListWorkersWithQualificationType", Code.INVALID_PARAMETER_VALUE, QualificationTypeId=own,
              NextToken=token)


# Qualification requests are private: someone else's request "does not exist" for the caller, whatever its state.

@case("ListQualificationRequests", "list", "A's type")
def _(w, b):
    for role in ("manual", "plain", "tested", "disposing"):
        b.refused("ListQualificationRequests", PERMISSION_DENIED, QualificationTypeId=w.types[role])


@case("ListQualificationRequests", "list", "all")
def _(w, b):
    assert b.call("ListQualificationRequests", MaxResults=100)["NumResults"] == 0


@case("ListQualificationRequests", "list", "A's next token")
def _(w, b):
    token = w.a.list_qualification_requests(MaxResults=1)["NextToken"]
    b.refused("ListQualificationRequests", Code.INVALID_PARAMETER_VALUE, NextToken=token)


for _operation in ("AcceptQualificationRequest", "RejectQualificationRequest"):
    for _target, _attribute in (("answered test", "pending"), ("request without test", "pending_plain"),
                                ("test in progress", "session")):
        def _resolve(w, b, operation=_operation, attribute=_attribute):
            extra = {"IntegerValue": 100} if operation.startswith("Accept") else {"Reason": "B says no"}
            b.refused_as_unknown(operation, REQUEST_DOES_NOT_EXIST, "QualificationRequestId", getattr(w, attribute),
                                 **extra)
        case(_operation, "resolve", _target)(_resolve)


# Worker blocks are per requester: B's blocks never touch A's, and B lists only B's.

@case("CreateWorkerBlock", "change", "worker A blocked")
def _(w, b):
    b.call("CreateWorkerBlock", WorkerId=w.blocked, Reason="B's own reason")
    assert (w.blocked, "B's own reason") in {(x["WorkerId"], x["Reason"]) for x in
                                             b.call("ListWorkerBlocks", MaxResults=100)["WorkerBlocks"]}


@case("DeleteWorkerBlock", "delete", "A's block")
def _(w, b):
    b.call("DeleteWorkerBlock", WorkerId=w.blocked, Reason="B lifts it")


@case("ListWorkerBlocks", "list", "A's blocks")
def _(w, b):
    listed = b.call("ListWorkerBlocks", MaxResults=100)["WorkerBlocks"]
    assert all(x["Reason"] != w.block_reason for x in listed)


@case("ListWorkerBlocks", "list", "A's next token")
def _(w, b):
    token = w.a.list_worker_blocks(MaxResults=1)["NextToken"]
    b.refused("ListWorkerBlocks", Code.INVALID_PARAMETER_VALUE, NextToken=token)


# HITs: requirements may name anyone's active type (types are public); A's HITs are A's alone — another
# requester's HIT answers exactly what a HIT that exists nowhere answers.

HIT_DOES_NOT_EXIST = Code.HIT_DOES_NOT_EXIST


def _b_hit(b, w, **extra) -> dict:
    return b.call("CreateHIT", Title="B's HIT", Description="d", Reward="0.01", AssignmentDurationInSeconds=60,
                  LifetimeInSeconds=600, MaxAssignments=1, Question=external_question(), **extra)["HIT"]


@case("CreateHITType", "create", "requirement on A's type")
def _(w, b):
    created = b.call("CreateHITType", AssignmentDurationInSeconds=60, Reward="0.10", Title="t", Description="d",
                     QualificationRequirements=[{"QualificationTypeId": w.types["tested"], "Comparator": "Exists"}])
    assert created["HITTypeId"] != w.hit_type


@case("CreateHITType", "create", "same values as A's type")
def _(w, b):
    # HIT types are per requester: B's equal values get B's own HITTypeId.
    created = b.call("CreateHITType", AssignmentDurationInSeconds=600, Reward="0.25", Title=f"{w.unique} open HIT",
                     Description=w.unique, Keywords=w.unique,
                     QualificationRequirements=[{"QualificationTypeId": w.types["tested"],
                                                 "Comparator": "GreaterThan", "IntegerValues": [10]}])
    assert created["HITTypeId"] != w.hit_type


@case("CreateHIT", "create", "requirement on A's disposing type")
def _(w, b):
    def attempt(type_id):
        return b.refused("CreateHIT", TYPE_DOES_NOT_EXIST, Title="t", Description="d", Reward="0.01",
                         AssignmentDurationInSeconds=60, LifetimeInSeconds=600, Question=external_question(),
                         QualificationRequirements=[{"QualificationTypeId": type_id, "Comparator": "Exists"}])
    nobodys = isolation.unknown_id()
    theirs = attempt(w.types["disposing"])
    assert _without_suffix(theirs).replace(w.types["disposing"], "ID") == \
        _without_suffix(attempt(nobodys)).replace(nobodys, "ID")


@case("CreateHIT", "create", "A's annotation and token")
def _(w, b):
    # Request tokens are per requester: B's token equal to one A might use creates B's own HIT.
    hit = _b_hit(b, w, UniqueRequestToken=f"{w.unique}-token", RequesterAnnotation="B's")
    assert hit["HITId"] not in w.hits.values()


@case("CreateHITWithHITType", "create", "A's HIT type")
def _(w, b):
    b.refused("CreateHITWithHITType", Code.INVALID_PARAMETER_VALUE, HITTypeId=w.hit_type, LifetimeInSeconds=600,
              Question=external_question())


@case("GetHIT", "read", "open and expired HIT")
def _(w, b):
    for role in ("open", "expired"):
        b.refused_as_unknown("GetHIT", HIT_DOES_NOT_EXIST, "HITId", w.hits[role])


@case("ListHITs", "list", "A's HITs")
def _(w, b):
    listed = b.call("ListHITs", MaxResults=100)["HITs"]
    assert not {h["HITId"] for h in listed} & set(w.hits.values())


@case("ListReviewableHITs", "list", "A's HIT type")
def _(w, b):
    for status in ("Reviewable", "Reviewing"):
        listed = b.call("ListReviewableHITs", HITTypeId=w.hit_type, Status=status, MaxResults=100)
        assert listed["NumResults"] == 0


@case("ListHITsForQualificationType", "list", "A's type")
def _(w, b):
    # B sees only B's own HITs that use A's type, never A's.
    own = _b_hit(b, w, QualificationRequirements=[{"QualificationTypeId": w.types["plain"], "Comparator": "Exists"}])
    for role in ("tested", "plain"):
        listed = b.call("ListHITsForQualificationType", QualificationTypeId=w.types[role], MaxResults=100)["HITs"]
        assert {h["HITId"] for h in listed} == ({own["HITId"]} if role == "plain" else set())


@case("UpdateExpirationForHIT", "change", "open and expired HIT")
def _(w, b):
    for role in ("open", "expired"):
        b.refused_as_unknown("UpdateExpirationForHIT", HIT_DOES_NOT_EXIST, "HITId", w.hits[role], ExpireAt=0)


@case("UpdateHITReviewStatus", "change", "expired HIT")
def _(w, b):
    b.refused_as_unknown("UpdateHITReviewStatus", HIT_DOES_NOT_EXIST, "HITId", w.hits["expired"], Revert=False)


@case("UpdateHITTypeOfHIT", "change", "A's HIT to B's type")
def _(w, b):
    own_type = b.call("CreateHITType", AssignmentDurationInSeconds=60, Reward="0.01", Title="b", Description="d")
    b.refused_as_unknown("UpdateHITTypeOfHIT", HIT_DOES_NOT_EXIST, "HITId", w.hits["open"],
                         HITTypeId=own_type["HITTypeId"])


@case("UpdateHITTypeOfHIT", "change", "B's HIT to A's type")
def _(w, b):
    own = _b_hit(b, w)
    b.refused("UpdateHITTypeOfHIT", Code.INVALID_PARAMETER_VALUE, HITId=own["HITId"], HITTypeId=w.hit_type)


@case("DeleteHIT", "delete", "expired HIT")
def _(w, b):
    for role in ("open", "expired"):
        b.refused_as_unknown("DeleteHIT", HIT_DOES_NOT_EXIST, "HITId", w.hits[role])


@case("CreateAdditionalAssignmentsForHIT", "change", "open HIT")
def _(w, b):
    b.refused_as_unknown("CreateAdditionalAssignmentsForHIT", HIT_DOES_NOT_EXIST, "HITId", w.hits["open"],
                         NumberOfAdditionalAssignments=1)


@case("ListHITs", "list", "A's next token")
def _(w, b):
    token = w.a.list_hits(MaxResults=1)["NextToken"]
    b.refused("ListHITs", Code.INVALID_PARAMETER_VALUE, NextToken=token)


# Assignments: another requester's assignment does not exist for B, exactly as an id that exists nowhere.

ASSIGNMENT_DOES_NOT_EXIST = Code.ASSIGNMENT_DOES_NOT_EXIST


@case("GetAssignment", "read", "submitted assignment")
def _(w, b):
    for role in ("submitted", "approved"):
        b.refused_as_unknown("GetAssignment", ASSIGNMENT_DOES_NOT_EXIST, "AssignmentId", w.assignments[role])


@case("ListAssignmentsForHIT", "list", "worked HIT")
def _(w, b):
    b.refused_as_unknown("ListAssignmentsForHIT", HIT_DOES_NOT_EXIST, "HITId", w.hits["worked"])


@case("ApproveAssignment", "resolve", "submitted assignment")
def _(w, b):
    b.refused_as_unknown("ApproveAssignment", ASSIGNMENT_DOES_NOT_EXIST, "AssignmentId", w.assignments["submitted"],
                         RequesterFeedback="B approves")


@case("RejectAssignment", "resolve", "submitted assignment")
def _(w, b):
    b.refused_as_unknown("RejectAssignment", ASSIGNMENT_DOES_NOT_EXIST, "AssignmentId", w.assignments["submitted"],
                         RequesterFeedback="B rejects")


@case("SendBonus", "create", "approved assignment")
def _(w, b):
    b.refused_as_unknown("SendBonus", ASSIGNMENT_DOES_NOT_EXIST, "AssignmentId", w.assignments["approved"],
                         WorkerId=w.w3.worker_id, BonusAmount="1.00", Reason="from B")


@case("ListBonusPayments", "list", "worked HIT")
def _(w, b):
    b.refused_as_unknown("ListBonusPayments", HIT_DOES_NOT_EXIST, "HITId", w.hits["worked"])


@case("ListBonusPayments", "list", "approved assignment")
def _(w, b):
    b.refused_as_unknown("ListBonusPayments", ASSIGNMENT_DOES_NOT_EXIST, "AssignmentId", w.assignments["approved"])


@case("NotifyWorkers", "notify", "A's approved worker")
def _(w, b):
    # B has decided no work of w3's: the message is refused for that worker, and nothing reaches them (the
    # snapshot compares w3's inbox).
    result = b.call("NotifyWorkers", Subject="from B", MessageText="m", WorkerIds=[w.w3.worker_id])
    assert [f["WorkerId"] for f in result["NotifyWorkersFailureStatuses"]] == [w.w3.worker_id]


@case("UpdateNotificationSettings", "change", "A's HIT type")
def _(w, b):
    # Neither a new specification nor switching A's off: both answer what a HIT type that exists nowhere does.
    b.refused_as_unknown("UpdateNotificationSettings", Code.INVALID_PARAMETER_VALUE, "HITTypeId", w.hit_type,
                         Active=False)
    b.refused_as_unknown("UpdateNotificationSettings", Code.INVALID_PARAMETER_VALUE, "HITTypeId", w.hit_type,
                         Notification={"Destination": "intruder-b@example.org", "Transport": "Email",
                                       "Version": "2006-05-05", "EventTypes": ["AssignmentSubmitted"]})


@pytest.mark.parametrize("item", CASES, ids=[c.id for c in CASES])
def test_requester_b_cannot_reach_requester_a(world, checked, item):
    item.run(world, checked)


def test_every_operation_has_a_case():
    """Every registered operation has a case, is listed as taking no foreign object, or is not built yet
    (and answers UnsupportedOperation to every caller; building it makes it need a case)."""
    covered = {c.operation for c in CASES}
    missing = sorted(name for name, op in REGISTRY.items()
                     if op.implemented and name not in covered and name not in NO_FOREIGN_OBJECT)
    assert missing == [], f"operations without an isolation case: {missing}"
    assert covered | set(NO_FOREIGN_OBJECT) <= set(REGISTRY)
    assert not covered & set(NO_FOREIGN_OBJECT)
    assert len(set(c.id for c in CASES)) == len(CASES)


def test_ids_stay_private_after_the_owner_resolves(world, checked):
    """Even a resolved request stays "does not exist" for B (the state would tell B something)."""
    request_id = world.w2.request(world.types["manual"])["QualificationRequestId"]
    world.w2.submit(request_id, {"q1": "w2's answer"})
    world.a.reject_qualification_request(QualificationRequestId=request_id, Reason="no")
    checked.refused_as_unknown("AcceptQualificationRequest", REQUEST_DOES_NOT_EXIST, "QualificationRequestId",
                               request_id)
