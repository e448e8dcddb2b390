"""The objects the isolation matrices attack: requester A's types, holders, requests and blocks, worker W1's
test session and pending request — and A's (and the workers') view of them, to compare before and after.

Every secret carries a marker unique to the world, so that a test can search any response body for it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from openturk.testing import TestServer, WorkerClient

from .helpers import QF_NS, answer_key, question_form
from .hit_helpers import external_question

MASTERS_SANDBOX = "2ARFPLSP75KLA8M8DH1HTEQVJT3SY6"


def free_text_form(question: str = "q1") -> str:
    return (f'<QuestionForm xmlns="{QF_NS}"><Question><QuestionIdentifier>{question}</QuestionIdentifier>'
            "<QuestionContent><Text>Say something</Text></QuestionContent><AnswerSpecification><FreeTextAnswer/>"
            "</AnswerSpecification></Question></QuestionForm>")


def worker_id() -> str:
    return "A" + uuid.uuid4().hex[:13].upper()


def unknown_id() -> str:
    """A well-formed id no object has (types and requests are 30 characters of [A-Z0-9])."""
    return ("Z" + uuid.uuid4().hex.upper())[:30]


@dataclass
class World:
    server: TestServer
    unique: str
    a_creds: dict
    b_creds: dict
    a: object                     # boto3 client of requester A (the owner)
    b: object                     # boto3 client of requester B (the intruder)
    w1: WorkerClient              # A's worker: a test session and a pending request
    w2: WorkerClient              # another worker (the intruder on the worker side)
    holder: WorkerClient          # holds A's `tested` type with HOLDER_VALUE
    types: dict[str, str] = field(default_factory=dict)      # role → A's QualificationTypeId
    holder2: str = ""             # a second holder of `tested` (A's holder lists page)
    revoked: str = ""             # a worker whose qualification of `tested` A revoked
    blocked: str = ""             # a worker A blocked
    session: str = ""             # W1's open test session (TestInProgress) on `tested`
    pending: str = ""             # W1's answered request on `manual`, waiting for A
    pending_plain: str = ""       # W2's request on `plain`, waiting for A
    hits: dict[str, str] = field(default_factory=dict)       # role → A's HITId (open, expired, worked)
    assignments: dict[str, str] = field(default_factory=dict)  # role → an AssignmentId of `worked` (submitted, approved)
    w3: WorkerClient | None = None  # did A's `worked` HIT, approved and paid a bonus
    hit_type: str = ""            # the HITTypeId of A's HITs
    before: dict = field(default_factory=dict)

    HOLDER_VALUE = 42

    @property
    def secret_answer(self) -> str:
        return f"secret-answer-{self.unique}"

    @property
    def block_reason(self) -> str:
        return f"secret-block-{self.unique}"

    @property
    def annotation(self) -> str:
        return f"secret-annotation-{self.unique}"

    @property
    def revoke_reason(self) -> str:
        return f"secret-revoke-{self.unique}"

    def secrets(self) -> dict[str, str]:
        """What nobody but A (or the worker concerned) may ever see, by what it is."""
        return {"AnswerKey": "AnswerKey.xsd", "answer": self.secret_answer, "block reason": self.block_reason,
                "revoke reason": self.revoke_reason,
                "HIT annotation": self.annotation, "holder": self.holder.worker_id, "second holder": self.holder2, "revoked holder": self.revoked,
                "W1 (A's requester)": self.w1.worker_id, "pending request": self.pending,
                "pending plain request": self.pending_plain, "test session": self.session}


def build(server: TestServer) -> World:
    unique = "iso" + uuid.uuid4().hex[:10]
    a_creds, b_creds = server.new_requester("owner-a"), server.new_requester("intruder-b")
    world = World(server, unique, a_creds, b_creds, server.client(a_creds), server.client(b_creds),
                  server.create_worker(), server.create_worker(), server.create_worker())
    a = world.a

    def create(role: str, **extra) -> str:
        params = {"QualificationTypeStatus": "Active", **extra}
        type_id = a.create_qualification_type(Name=f"{unique} {role}", Description=f"{unique} {role}", Keywords=unique,
                                              **params)["QualificationType"]["QualificationTypeId"]
        world.types[role] = type_id
        return type_id

    tested = create("tested", Test=question_form(), AnswerKey=answer_key(), TestDurationInSeconds=3600)
    manual = create("manual", Test=free_text_form(), TestDurationInSeconds=3600)
    plain = create("plain")
    create("inactive", QualificationTypeStatus="Inactive", Test=question_form(), AnswerKey=answer_key(),
           TestDurationInSeconds=600)
    disposing = create("disposing", AutoGranted=True)

    for value in (world.HOLDER_VALUE - 1, world.HOLDER_VALUE):      # two messages: the holder's inbox pages
        a.associate_qualification_with_worker(QualificationTypeId=tested, WorkerId=world.holder.worker_id,
                                              IntegerValue=value, SendNotification=True)
    world.holder2 = worker_id()
    a.associate_qualification_with_worker(QualificationTypeId=tested, WorkerId=world.holder2, IntegerValue=7,
                                          SendNotification=False)
    world.revoked = worker_id()
    a.associate_qualification_with_worker(QualificationTypeId=tested, WorkerId=world.revoked, SendNotification=False)
    a.disassociate_qualification_from_worker(QualificationTypeId=tested, WorkerId=world.revoked,
                                             Reason=world.revoke_reason)
    world.blocked = worker_id()
    a.create_worker_block(WorkerId=world.blocked, Reason=world.block_reason)
    a.create_worker_block(WorkerId=worker_id(), Reason=world.block_reason)     # two: A's lists page

    world.session = world.w1.request(tested)["QualificationRequestId"]
    world.pending = world.w1.request(manual)["QualificationRequestId"]
    world.w1.submit(world.pending, {"q1": world.secret_answer})
    world.pending_plain = world.w2.request(plain)["QualificationRequestId"]
    a.delete_qualification_type(QualificationTypeId=disposing)

    requirement = [{"QualificationTypeId": tested, "Comparator": "GreaterThan", "IntegerValues": [10]}]
    for role in ("open", "expired"):
        hit = a.create_hit(Title=f"{unique} {role} HIT", Description=unique, Reward="0.25", MaxAssignments=2,
                           AssignmentDurationInSeconds=600, LifetimeInSeconds=3600, Keywords=unique,
                           Question=external_question(), RequesterAnnotation=world.annotation,
                           QualificationRequirements=requirement)["HIT"]
        world.hits[role] = hit["HITId"]
        world.hit_type = hit["HITTypeId"]
    a.update_expiration_for_hit(HITId=world.hits["expired"], ExpireAt=0)
    worked = a.create_hit(Title=f"{unique} worked HIT", Description=unique, Reward="0.20", MaxAssignments=3,
                          AssignmentDurationInSeconds=600, LifetimeInSeconds=3600, Question=external_question(),
                          RequesterAnnotation=world.annotation)["HIT"]
    world.hits["worked"] = worked["HITId"]
    world.assignments["submitted"] = world.holder.work(worked["HITId"], {"q": world.secret_answer})["AssignmentId"]
    world.w3 = server.create_worker()
    world.assignments["approved"] = world.w3.work(worked["HITId"], {"q": world.secret_answer})["AssignmentId"]
    a.approve_assignment(AssignmentId=world.assignments["approved"])
    a.send_bonus(WorkerId=world.w3.worker_id, BonusAmount="0.10", AssignmentId=world.assignments["approved"],
                 Reason=f"bonus-{unique}")
    # A's HIT type has a notification specification that B would otherwise be able to switch off.
    a.update_notification_settings(HITTypeId=world.hit_type, Active=True, Notification={
        "Destination": "owner-a@example.org", "Transport": "Email", "Version": "2006-05-05",
        "EventTypes": ["AssignmentSubmitted"]})
    world.before = snapshot(world)
    return world


def _outcome(call, **params):
    """A call's result without its metadata, or its TurkErrorCode."""
    try:
        result = call(**params)
    except Exception as exc:                                   # noqa: BLE001 (botocore's ClientError)
        return ("error", getattr(exc, "response", {}).get("TurkErrorCode", repr(exc)))
    result.pop("ResponseMetadata", None)
    return result


def snapshot(world: World) -> dict:
    """Everything A sees of their own objects, and what W1 and the holder see of theirs."""
    a, types = world.a, world.types
    view = {"types": {role: _outcome(a.get_qualification_type, QualificationTypeId=type_id)
                      for role, type_id in types.items()}}
    view["owned"] = _outcome(a.list_qualification_types, MustBeRequestable=False, MustBeOwnedByCaller=True,
                             Query=world.unique, MaxResults=100)
    for role in ("tested", "disposing"):
        for status in ("Granted", "Revoked"):
            view[f"holders {role} {status}"] = _outcome(a.list_workers_with_qualification_type,
                                                        QualificationTypeId=types[role], Status=status, MaxResults=100)
    view["score"] = _outcome(a.get_qualification_score, QualificationTypeId=types["tested"],
                             WorkerId=world.holder.worker_id)
    view["requests"] = _outcome(a.list_qualification_requests, MaxResults=100)
    view["blocks"] = _outcome(a.list_worker_blocks, MaxResults=100)
    view["balance"] = _outcome(a.get_account_balance)
    view["hits"] = {role: _outcome(a.get_hit, HITId=hit_id) for role, hit_id in world.hits.items()}
    view["hit list"] = _outcome(a.list_hits, MaxResults=100)
    view["reviewable"] = _outcome(a.list_reviewable_hits, MaxResults=100)
    view["assignments"] = _outcome(a.list_assignments_for_hit, HITId=world.hits["worked"], MaxResults=100)
    view["bonuses"] = _outcome(a.list_bonus_payments, HITId=world.hits["worked"], MaxResults=100)
    view["w3 assignments"] = world.w3.assignments()
    view["w3 messages"] = world.w3.messages()
    for name, worker in (("w1", world.w1), ("holder", world.holder)):
        view[f"{name} requests"] = worker.requests()
        view[f"{name} qualifications"] = worker.qualifications()
        view[f"{name} messages"] = worker.messages()
    return view
