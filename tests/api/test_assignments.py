"""Assignments through real clients: a scripted worker (the worker API, openturk.testing.WorkerClient) accepts,
returns and submits; the requester (boto3) lists, approves, rejects and pays. Every transition and refusal,
the clock's decisions (abandonment, auto-approval) and the money in the ledger. Runs on SQLite and
PostgreSQL."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from openturk.store import invariants
from openturk.testing import WorkerAPIError

from .helpers import question_form, turk_error
from .hit_helpers import balance, create_hit

HOUR = 3600


def worker_error(code: str):
    return pytest.raises(WorkerAPIError, match=code.replace(".", r"\."))


def assert_consistent(server):
    assert invariants.check(server.service.db) == []


def money(text: str) -> Decimal:
    return Decimal(text)


@pytest.fixture
def worker(server):
    return server.create_worker()


def submitted(server, client, worker, answers=None, **hit):
    created = create_hit(client, **hit)
    assignment = worker.work(created["HITId"], answers or {"answer": "42"})
    return created, assignment


# -- accept, return, abandon ----------------------------------------------------------------------

def test_accept_holds_an_assignment_until_the_deadline(server, client, worker):
    hit = create_hit(client, max_assignments=2, AssignmentDurationInSeconds=600)
    assignment = worker.accept(hit["HITId"])
    assert assignment["AssignmentStatus"] == "Accepted"
    assert assignment["HITId"] == hit["HITId"]
    got = client.get_hit(HITId=hit["HITId"])["HIT"]
    assert (got["NumberOfAssignmentsPending"], got["NumberOfAssignmentsAvailable"]) == (1, 1)
    assert got["HITStatus"] == "Assignable"
    # An assignment being worked on is not the requester's to see yet (the 2017 API's statuses).
    with turk_error(client, "AWS.MechanicalTurk.AssignmentDoesNotExist", "does not exist"):
        client.get_assignment(AssignmentId=assignment["AssignmentId"])
    assert client.list_assignments_for_hit(HITId=hit["HITId"])["NumResults"] == 0


def test_a_worker_accepts_a_hit_once(server, client, worker):
    hit = create_hit(client, max_assignments=3)
    held = worker.accept(hit["HITId"])
    with worker_error("AWS.MechanicalTurk.AssignmentAlreadyExists") as info:
        worker.accept(hit["HITId"])
    assert info.value.status == 409 and held["AssignmentId"] in info.value.message


def test_the_last_assignment_makes_the_hit_unassignable(server, client):
    hit = create_hit(client, max_assignments=1)
    server.create_worker().accept(hit["HITId"])
    assert client.get_hit(HITId=hit["HITId"])["HIT"]["HITStatus"] == "Unassignable"
    with worker_error("AWS.MechanicalTurk.NoHITsAvailableInGroupException") as info:
        server.create_worker().accept(hit["HITId"])
    assert info.value.status == 409


def test_return_makes_the_assignment_available_again(server, client, worker):
    hit = create_hit(client, max_assignments=1)
    assignment = worker.accept(hit["HITId"])
    returned = worker.return_assignment(assignment["AssignmentId"])
    assert returned["AssignmentStatus"] == "Returned" and returned["ReturnTime"]
    got = client.get_hit(HITId=hit["HITId"])["HIT"]
    assert (got["HITStatus"], got["NumberOfAssignmentsAvailable"], got["NumberOfAssignmentsPending"]) == \
        ("Assignable", 1, 0)
    with worker_error("AWS.MechanicalTurk.InvalidAssignmentState"):
        worker.return_assignment(assignment["AssignmentId"])
    with worker_error("AWS.MechanicalTurk.InvalidAssignmentState"):
        worker.submit_assignment(assignment["AssignmentId"], {"answer": "late"})
    again = worker.accept(hit["HITId"])          # the same worker may take it again
    assert again["AssignmentId"] != assignment["AssignmentId"]
    assert worker.earnings()["AssignmentCounts"]["Returned"] == 1


def test_an_assignment_past_its_deadline_is_abandoned_and_available_again(server, client, worker):
    hit = create_hit(client, max_assignments=1, AssignmentDurationInSeconds=60, lifetime=HOUR)
    assignment = worker.accept(hit["HITId"])
    server.advance(61)
    mine = worker.assignments()["Assignments"][0]
    assert mine["AssignmentId"] == assignment["AssignmentId"] and mine["AssignmentStatus"] == "Abandoned"
    got = client.get_hit(HITId=hit["HITId"])["HIT"]
    assert (got["HITStatus"], got["NumberOfAssignmentsAvailable"]) == ("Assignable", 1)
    with worker_error("AWS.MechanicalTurk.InvalidAssignmentState"):
        worker.submit_assignment(assignment["AssignmentId"], {"answer": "too late"})
    assert worker.earnings()["AssignmentCounts"]["Abandoned"] == 1
    # The same worker may accept it again: the abandoned assignment is recorded on the way.
    other = server.create_worker()
    other.accept(hit["HITId"])
    assert client.get_hit(HITId=hit["HITId"])["HIT"]["HITStatus"] == "Unassignable"
    assert_consistent(server)


def test_an_expired_hit_cannot_be_accepted_but_accepted_work_can_still_be_submitted(server, client, worker):
    hit = create_hit(client, max_assignments=2, lifetime=HOUR, AssignmentDurationInSeconds=2 * HOUR)
    assignment = worker.accept(hit["HITId"])
    client.update_expiration_for_hit(HITId=hit["HITId"], ExpireAt=0)
    with worker_error("AWS.MechanicalTurk.NoHITsAvailableInGroupException"):
        server.create_worker().accept(hit["HITId"])
    assert client.get_hit(HITId=hit["HITId"])["HIT"]["HITStatus"] == "Unassignable"   # still being worked on
    worker.submit_assignment(assignment["AssignmentId"], {"answer": "done"})
    assert client.get_hit(HITId=hit["HITId"])["HIT"]["HITStatus"] == "Reviewable"


def test_a_blocked_worker_cannot_accept(server, client, worker):
    hit = create_hit(client)
    client.create_worker_block(WorkerId=worker.worker_id, Reason="spam")
    with worker_error("AWS.MechanicalTurk.PermissionDenied") as info:
        worker.accept(hit["HITId"])
    assert info.value.status == 403


def test_requirements_decide_accept(server, client, worker):
    qt = client.create_qualification_type(Name=f"skill {worker.worker_id}", Description="d",
                                          QualificationTypeStatus="Active")["QualificationType"]
    hit = create_hit(client, QualificationRequirements=[{
        "QualificationTypeId": qt["QualificationTypeId"], "Comparator": "GreaterThan", "IntegerValues": [5],
        "ActionsGuarded": "Accept"}])
    with worker_error("AWS.MechanicalTurk.QualificationRequirementNotMet") as info:
        worker.accept(hit["HITId"])
    assert info.value.status == 403
    assert "Question" in worker.preview(hit["HITId"])          # Accept guards only accepting
    client.associate_qualification_with_worker(QualificationTypeId=qt["QualificationTypeId"],
                                               WorkerId=worker.worker_id, IntegerValue=6, SendNotification=False)
    assert worker.accept(hit["HITId"])["AssignmentStatus"] == "Accepted"


# -- submit ---------------------------------------------------------------------------------------

def test_submit_stores_question_form_answers(server, client, worker):
    hit, assignment = submitted(server, client, worker, {"colour": "blue", "size": "large"})
    assert assignment["AssignmentStatus"] == "Submitted"
    listed = client.list_assignments_for_hit(HITId=hit["HITId"])["Assignments"]
    assert [a["AssignmentId"] for a in listed] == [assignment["AssignmentId"]]
    answer = listed[0]["Answer"]
    assert "<QuestionIdentifier>colour</QuestionIdentifier>" in answer and "<FreeText>blue</FreeText>" in answer
    got = client.get_assignment(AssignmentId=assignment["AssignmentId"])
    assert got["Assignment"]["AssignmentStatus"] == "Submitted"
    assert got["Assignment"]["WorkerId"] == worker.worker_id
    assert got["HIT"]["HITId"] == hit["HITId"]
    delay = got["Assignment"]["AutoApprovalTime"] - got["Assignment"]["SubmitTime"]
    assert delay.total_seconds() == pytest.approx(2_592_000)     # the default AutoApprovalDelayInSeconds
    with worker_error("AWS.MechanicalTurk.InvalidAssignmentState"):
        worker.submit_assignment(assignment["AssignmentId"], {"answer": "again"})


def test_a_question_form_hit_is_answered_against_its_form(server, client, worker):
    hit = create_hit(client, Question=question_form("q1"))
    assignment = worker.accept(hit["HITId"])
    with worker_error("AWS.MechanicalTurk.InvalidParameterValue") as info:
        worker.submit_assignment(assignment["AssignmentId"], {"nope": "x"})
    assert "there is no question 'nope' in the form" in info.value.message
    with worker_error("AWS.MechanicalTurk.InvalidParameterValue") as info:
        worker.submit_assignment(assignment["AssignmentId"], {"q1": ["z"]})
    assert info.value.message.startswith("The answers do not satisfy the HIT's form.")     # not "the test"
    done = worker.submit_assignment(assignment["AssignmentId"], {"q1": ["b"]})
    assert "<SelectionIdentifier>b</SelectionIdentifier>" in done["Answer"]


def test_another_workers_assignment_does_not_exist_for_them(server, client, worker):
    hit = create_hit(client)
    assignment = worker.accept(hit["HITId"])
    with worker_error("AWS.MechanicalTurk.AssignmentDoesNotExist") as info:
        server.create_worker().submit_assignment(assignment["AssignmentId"], {"answer": "mine now"})
    assert info.value.status == 404


def test_list_assignments_filters_and_pages(server, client):
    hit = create_hit(client, max_assignments=5)
    ids = [server.create_worker().work(hit["HITId"], {"answer": str(i)})["AssignmentId"] for i in range(5)]
    client.approve_assignment(AssignmentId=ids[0])
    client.reject_assignment(AssignmentId=ids[1], RequesterFeedback="wrong")
    first = client.list_assignments_for_hit(HITId=hit["HITId"], MaxResults=2)
    assert [a["AssignmentId"] for a in first["Assignments"]] == ids[:2] and first["NextToken"]
    rest = client.list_assignments_for_hit(HITId=hit["HITId"], MaxResults=10, NextToken=first["NextToken"])
    assert [a["AssignmentId"] for a in rest["Assignments"]] == ids[2:] and rest["NextToken"]
    end = client.list_assignments_for_hit(HITId=hit["HITId"], MaxResults=10, NextToken=rest["NextToken"])
    assert end["NumResults"] == 0 and end["Assignments"] == [] and "NextToken" not in end
    by_status = {s: [a["AssignmentId"] for a in client.list_assignments_for_hit(
        HITId=hit["HITId"], AssignmentStatuses=[s])["Assignments"]] for s in ("Submitted", "Approved", "Rejected")}
    assert by_status == {"Submitted": ids[2:], "Approved": ids[:1], "Rejected": ids[1:2]}
    paginator = client.get_paginator("list_assignments_for_hit")
    assert sum(len(p["Assignments"]) for p in paginator.paginate(HITId=hit["HITId"],
                                                                 PaginationConfig={"PageSize": 2})) == 5


def test_another_requesters_assignments_do_not_exist(server, client, other_client, worker):
    hit, assignment = submitted(server, client, worker)
    with turk_error(other_client, "AWS.MechanicalTurk.AssignmentDoesNotExist"):
        other_client.get_assignment(AssignmentId=assignment["AssignmentId"])
    with turk_error(other_client, "AWS.MechanicalTurk.AssignmentDoesNotExist"):
        other_client.approve_assignment(AssignmentId=assignment["AssignmentId"])
    with turk_error(other_client, "AWS.MechanicalTurk.HITDoesNotExist"):
        other_client.list_assignments_for_hit(HITId=hit["HITId"])


# -- approve, reject, money -----------------------------------------------------------------------

def test_approval_pays_the_reward_from_what_the_hit_reserved(server, client, worker):
    before = money(balance(client))
    hit, assignment = submitted(server, client, worker, max_assignments=2)      # $0.50 + 20% fee, twice
    assert money(balance(client)) == before - Decimal("1.20")
    client.approve_assignment(AssignmentId=assignment["AssignmentId"], RequesterFeedback="Great work")
    assert money(balance(client)) == before - Decimal("1.20")       # reserved already: nothing more
    got = client.get_assignment(AssignmentId=assignment["AssignmentId"])["Assignment"]
    assert got["AssignmentStatus"] == "Approved" and got["RequesterFeedback"] == "Great work"
    assert got["ApprovalTime"] >= got["SubmitTime"]
    mine = worker.assignments()["Assignments"][0]
    assert (mine["AssignmentStatus"], mine["RequesterFeedback"], mine["Reward"]) == ("Approved", "Great work", "0.50")
    assert worker.earnings()["ApprovedRewards"] == "0.50"
    with turk_error(client, "AWS.MechanicalTurk.InvalidAssignmentState", "with a status of: Submitted"):
        client.approve_assignment(AssignmentId=assignment["AssignmentId"])
    with turk_error(client, "AWS.MechanicalTurk.InvalidAssignmentState"):
        client.reject_assignment(AssignmentId=assignment["AssignmentId"], RequesterFeedback="changed my mind")
    # Expire and delete: the unused assignment's reservation comes back.
    client.update_expiration_for_hit(HITId=hit["HITId"], ExpireAt=0)
    client.delete_hit(HITId=hit["HITId"])
    assert money(balance(client)) == before - Decimal("0.60")
    assert_consistent(server)


def test_rejection_gives_the_reservation_back_and_tells_the_worker(server, client, worker):
    before = money(balance(client))
    hit, assignment = submitted(server, client, worker)
    client.reject_assignment(AssignmentId=assignment["AssignmentId"], RequesterFeedback="Answers were random")
    assert money(balance(client)) == before
    got = client.get_assignment(AssignmentId=assignment["AssignmentId"])["Assignment"]
    assert got["AssignmentStatus"] == "Rejected" and got["RejectionTime"] and "ApprovalTime" not in got
    assert any(m["Text"] == "Answers were random" for m in worker.messages())
    assert client.get_hit(HITId=hit["HITId"])["HIT"]["NumberOfAssignmentsCompleted"] == 1
    assert worker.earnings()["ApprovedRewards"] == "0.00"
    assert_consistent(server)


def test_override_rejection_within_30_days_pays(server, client, worker):
    before = money(balance(client))
    _, assignment = submitted(server, client, worker)
    aid = assignment["AssignmentId"]
    client.reject_assignment(AssignmentId=aid, RequesterFeedback="no")
    with turk_error(client, "AWS.MechanicalTurk.InvalidAssignmentState"):
        client.approve_assignment(AssignmentId=aid)                       # without OverrideRejection
    client.approve_assignment(AssignmentId=aid, OverrideRejection=True, RequesterFeedback="sorry")
    assert money(balance(client)) == before - Decimal("0.60")
    assert client.get_assignment(AssignmentId=aid)["Assignment"]["AssignmentStatus"] == "Approved"
    assert worker.earnings()["AssignmentCounts"] | {} == {"Accepted": 1, "Submitted": 1, "Approved": 1,
                                                           "Rejected": 0, "Returned": 0, "Abandoned": 0}
    assert_consistent(server)


def test_override_rejection_after_30_days_is_refused(server, client, worker):
    _, assignment = submitted(server, client, worker)
    client.reject_assignment(AssignmentId=assignment["AssignmentId"], RequesterFeedback="no")
    server.advance(31 * 86400)
    with turk_error(client, "AWS.MechanicalTurk.InvalidAssignmentState", "30 days"):
        client.approve_assignment(AssignmentId=assignment["AssignmentId"], OverrideRejection=True)


def test_auto_approval_at_auto_approval_time(server, client, worker):
    before = money(balance(client))
    hit, assignment = submitted(server, client, worker, AutoApprovalDelayInSeconds=600, max_assignments=1)
    server.advance(599)
    assert client.get_assignment(AssignmentId=assignment["AssignmentId"])["Assignment"]["AssignmentStatus"] == \
        "Submitted"
    with turk_error(client, "AWS.MechanicalTurk.InvalidHITState"):
        client.delete_hit(HITId=hit["HITId"])
    server.advance(2)
    got = client.get_assignment(AssignmentId=assignment["AssignmentId"])["Assignment"]
    assert got["AssignmentStatus"] == "Approved" and got["ApprovalTime"] == got["AutoApprovalTime"]
    assert worker.earnings()["ApprovedRewards"] == "0.50"
    with turk_error(client, "AWS.MechanicalTurk.InvalidAssignmentState"):
        client.reject_assignment(AssignmentId=assignment["AssignmentId"], RequesterFeedback="too late")
    assert_consistent(server)                                   # decided by the clock, not yet recorded
    client.delete_hit(HITId=hit["HITId"])                       # records and pays it first
    assert money(balance(client)) == before - Decimal("0.60")
    assert_consistent(server)


def test_the_sweeper_records_the_clocks_decisions_once(server, client):
    from openturk.ops.assignments import sweep
    from openturk.ops.runner import run
    hit = create_hit(client, max_assignments=2, AssignmentDurationInSeconds=60, AutoApprovalDelayInSeconds=0)
    done = server.create_worker().work(hit["HITId"], {"answer": "x"})
    server.create_worker().accept(hit["HITId"])
    server.advance(61)
    recorded = run(server.service, sweep, {}, write=True)
    assert recorded >= 2
    assert run(server.service, sweep, {}, write=True) == 0
    assert client.get_assignment(AssignmentId=done["AssignmentId"])["Assignment"]["AssignmentStatus"] == "Approved"
    assert_consistent(server)


def test_approval_with_feedback_too_long_is_refused(server, client, worker):
    _, assignment = submitted(server, client, worker)
    with turk_error(client, "AWS.MechanicalTurk.InvalidParameterValue", "RequesterFeedback"):
        client.approve_assignment(AssignmentId=assignment["AssignmentId"], RequesterFeedback="x" * 1025)


# -- bonuses --------------------------------------------------------------------------------------

def test_send_bonus_pays_bonus_and_fee_once_per_token(server, client, worker):
    hit, assignment = submitted(server, client, worker)
    client.approve_assignment(AssignmentId=assignment["AssignmentId"])
    before = money(balance(client))
    params = {"WorkerId": worker.worker_id, "BonusAmount": "1.00", "AssignmentId": assignment["AssignmentId"],
              "Reason": "Thanks for the care", "UniqueRequestToken": f"bonus-{worker.worker_id}"}
    client.send_bonus(**params)
    assert money(balance(client)) == before - Decimal("1.20")
    with turk_error(client, "AWS.MechanicalTurk.DuplicateRequest", "has already been processed"):
        client.send_bonus(**params)
    assert money(balance(client)) == before - Decimal("1.20")
    for listed in (client.list_bonus_payments(HITId=hit["HITId"]),
                   client.list_bonus_payments(AssignmentId=assignment["AssignmentId"])):
        assert [(b["WorkerId"], b["BonusAmount"], b["Reason"]) for b in listed["BonusPayments"]] == \
            [(worker.worker_id, "1.00", "Thanks for the care")]
    assert worker.earnings()["Bonuses"] == "1.00"
    assert any("bonus" in m["Subject"].lower() for m in worker.messages())
    assert_consistent(server)


def test_send_bonus_refusals(server, client, other_client, worker):
    _, assignment = submitted(server, client, worker)
    aid = assignment["AssignmentId"]
    with turk_error(client, "AWS.MechanicalTurk.InvalidParameterValue", "WorkerId"):
        client.send_bonus(WorkerId="A1SOMEONEELSE", BonusAmount="1.00", AssignmentId=aid, Reason="r")
    with turk_error(other_client, "AWS.MechanicalTurk.AssignmentDoesNotExist"):
        other_client.send_bonus(WorkerId=worker.worker_id, BonusAmount="1.00", AssignmentId=aid, Reason="r")
    with turk_error(client, "AWS.MechanicalTurk.InvalidParameterValue", "BonusAmount"):
        client.send_bonus(WorkerId=worker.worker_id, BonusAmount="0.00", AssignmentId=aid, Reason="r")
    poor = server.new_requester("poor", balance="1.00")
    poor_client = server.client(poor)
    hit = create_hit(poor_client)                                  # reserves $0.60 of $1.00
    done = server.create_worker().work(hit["HITId"], {"answer": "x"})
    with turk_error(poor_client, "AWS.MechanicalTurk.InsufficientFunds"):
        poor_client.send_bonus(WorkerId=done["WorkerId"] if "WorkerId" in done else _worker_of(poor_client, done),
                               BonusAmount="0.40", AssignmentId=done["AssignmentId"], Reason="r")
    assert balance(poor_client) == "0.40"
    with pytest.raises(client.exceptions.RequestError):
        client.list_bonus_payments()                               # neither HITId nor AssignmentId


def _worker_of(client, assignment: dict) -> str:
    return client.get_assignment(AssignmentId=assignment["AssignmentId"])["Assignment"]["WorkerId"]


# -- NotifyWorkers --------------------------------------------------------------------------------

def test_notify_workers_reaches_only_workers_the_requester_decided_on(server, client, worker):
    _, assignment = submitted(server, client, worker)
    stranger = server.create_worker()
    result = client.notify_workers(Subject="New batch", MessageText="More HITs tomorrow",
                                   WorkerIds=[worker.worker_id, stranger.worker_id])
    # Submitted but not yet decided: nobody can be notified.
    assert {f["WorkerId"] for f in result["NotifyWorkersFailureStatuses"]} == {worker.worker_id, stranger.worker_id}
    client.approve_assignment(AssignmentId=assignment["AssignmentId"])
    result = client.notify_workers(Subject="New batch", MessageText="More HITs tomorrow",
                                   WorkerIds=[worker.worker_id, stranger.worker_id, "A1NEVERSEENHERE"])
    failures = {f["WorkerId"]: f["NotifyWorkersFailureCode"] for f in result["NotifyWorkersFailureStatuses"]}
    assert failures == {stranger.worker_id: "HardFailure", "A1NEVERSEENHERE": "HardFailure"}
    assert [m["Text"] for m in worker.messages() if m["Subject"] == "New batch"] == ["More HITs tomorrow"]
    assert not [m for m in stranger.messages() if m["Subject"] == "New batch"]


def test_notify_workers_limits(server, client):
    with turk_error(client, "AWS.ParameterOutOfRange"):
        client.notify_workers(Subject="s", MessageText="m", WorkerIds=[f"A{i:013d}" for i in range(101)])
    with turk_error(client, "AWS.MechanicalTurk.InvalidParameterValue", "Subject"):
        client.notify_workers(Subject="s" * 201, MessageText="m", WorkerIds=["A1234567890123"])


# -- the counting system qualifications -----------------------------------------------------------

def test_number_hits_approved_counts_and_gates(server, client, worker):
    gated = create_hit(client, QualificationRequirements=[{
        "QualificationTypeId": "00000000000000000040", "Comparator": "GreaterThanOrEqualTo",
        "IntegerValues": [2], "ActionsGuarded": "Accept"}])
    for _ in range(2):
        _, assignment = submitted(server, client, worker)
        with worker_error("AWS.MechanicalTurk.QualificationRequirementNotMet"):
            worker.accept(gated["HITId"])
        client.approve_assignment(AssignmentId=assignment["AssignmentId"])
    score = client.get_qualification_score(QualificationTypeId="00000000000000000040", WorkerId=worker.worker_id)
    assert score["Qualification"]["IntegerValue"] == 2
    # Below 100 assignments the approval rate is 100%, as on MTurk.
    rate = client.get_qualification_score(QualificationTypeId="000000000000000000L0", WorkerId=worker.worker_id)
    assert rate["Qualification"]["IntegerValue"] == 100
    assert worker.accept(gated["HITId"])["AssignmentStatus"] == "Accepted"


def test_system_scores_only_for_workers_of_the_requester(server, client, other_client, worker):
    submitted(server, client, worker)
    with turk_error(other_client, "AWS.MechanicalTurk.QualificationDoesNotExist"):
        other_client.get_qualification_score(QualificationTypeId="00000000000000000040", WorkerId=worker.worker_id)


# -- the worker's search ----------------------------------------------------------------------------

def test_search_pages_through_the_open_groups_newest_first(server, client, worker, unique):
    """More groups than a page (and than the first batch the search reads): each open group once, newest
    first; a group whose every assignment is held is left out; FirstHITId is the oldest HIT with an
    assignment available, Expiration the latest of the group's HITs."""
    other = server.create_worker()
    open_groups = []
    for i in range(7):
        first = create_hit(client, lifetime=HOUR, Title=f"page {i} {unique}")
        if i in (2, 5):             # one HIT, its one assignment held by another worker
            other.accept(first["HITId"])
            continue
        second = create_hit(client, lifetime=2 * HOUR, max_assignments=2, Title=f"page {i} {unique}")
        if i == 3:                  # its oldest HIT is full: the first with one available is the second
            other.accept(first["HITId"])
        open_groups.append((i, first, second))
    seen, token, pages = [], None, 0
    while True:
        page = worker.search(query=unique, max_results=2, next_token=token)
        seen += page["HITGroups"]
        pages += 1
        token = page["NextToken"]
        if token is None:
            break
    newest_first = open_groups[::-1]
    assert pages == 3 and [g["Title"] for g in seen] == [f"page {i} {unique}" for i, _, _ in newest_first]
    for group, (i, first, second) in zip(seen, newest_first, strict=True):
        assert group["FirstHITId"] == (second if i == 3 else first)["HITId"]
        assert datetime.fromisoformat(group["Expiration"].replace("Z", "+00:00")) == second["Expiration"]
        assert (group["NumberOfHITs"], group["NumberOfAssignmentsAvailable"]) == (2, 2 if i == 3 else 3)


def test_search_lists_discoverable_groups_with_their_counts(server, client, worker, unique):
    hidden_type = client.create_qualification_type(Name=f"hidden {unique}", Description="d",
                                                   QualificationTypeStatus="Active")["QualificationType"]
    visible = create_hit(client, max_assignments=3, Title=f"visible {unique}")
    create_hit(client, max_assignments=2, Title=f"visible {unique}")          # the same group
    create_hit(client, Title=f"hidden {unique}", QualificationRequirements=[{
        "QualificationTypeId": hidden_type["QualificationTypeId"], "Comparator": "Exists",
        "ActionsGuarded": "DiscoverPreviewAndAccept"}])
    found = worker.search(query=unique)["HITGroups"]
    assert [(g["Title"], g["NumberOfHITs"], g["NumberOfAssignmentsAvailable"]) for g in found] == \
        [(f"visible {unique}", 2, 5)]
    assert found[0]["HITGroupId"] == visible["HITGroupId"]
    assert worker.search(query=unique, min_reward="0.51")["HITGroups"] == []
    worker.accept_from_group(visible["HITGroupId"])
    assert worker.search(query=unique)["HITGroups"][0]["NumberOfAssignmentsAvailable"] == 4
    with worker_error("AWS.MechanicalTurk.QualificationRequirementNotMet"):
        hidden = [h for h in client.list_hits(MaxResults=100)["HITs"] if h["Title"] == f"hidden {unique}"][0]
        worker.preview(hidden["HITId"])
