"""HIT types and HITs through real boto3: every operation, the derived status under the moving test clock,
UniqueRequestToken, money."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from .helpers import question_form, turk_error
from .hit_helpers import TYPE, balance, create_hit, external_question, html_question


def test_create_hit_type_returns_the_same_id_for_equal_values(client, other_client):
    first = client.create_hit_type(**TYPE)["HITTypeId"]
    assert client.create_hit_type(**TYPE)["HITTypeId"] == first
    assert client.create_hit_type(**{**TYPE, "Reward": "0.51"})["HITTypeId"] != first
    assert client.create_hit_type(**{**TYPE, "AutoApprovalDelayInSeconds": 60})["HITTypeId"] != first
    # The default AutoApprovalDelayInSeconds is 30 days: saying so explicitly is the same type.
    assert client.create_hit_type(**{**TYPE, "AutoApprovalDelayInSeconds": 2592000})["HITTypeId"] == first
    # Another requester's equal values are another requester's type.
    assert other_client.create_hit_type(**TYPE)["HITTypeId"] != first
    assert len(first) == 30 and first.isalnum() and first.isupper()


def test_create_hit_answers_every_member_of_the_hit(server, client):
    before = server.clock.now()
    hit = create_hit(client, lifetime=3600, max_assignments=3, RequesterAnnotation="batch 7",
                     AutoApprovalDelayInSeconds=86400)
    assert set(hit) == {"HITId", "HITTypeId", "HITGroupId", "CreationTime", "Title", "Description", "Question",
                        "Keywords", "HITStatus", "MaxAssignments", "Reward", "AutoApprovalDelayInSeconds",
                        "Expiration", "AssignmentDurationInSeconds", "RequesterAnnotation",
                        "QualificationRequirements", "HITReviewStatus", "NumberOfAssignmentsPending",
                        "NumberOfAssignmentsAvailable", "NumberOfAssignmentsCompleted"}
    assert hit["HITStatus"] == "Assignable" and hit["HITReviewStatus"] == "NotReviewed"
    assert (hit["NumberOfAssignmentsAvailable"], hit["NumberOfAssignmentsPending"],
            hit["NumberOfAssignmentsCompleted"]) == (3, 0, 0)
    assert hit["Reward"] == "0.50" and hit["MaxAssignments"] == 3 and hit["AssignmentDurationInSeconds"] == 600
    assert hit["AutoApprovalDelayInSeconds"] == 86400 and hit["RequesterAnnotation"] == "batch 7"
    assert hit["Title"] == TYPE["Title"] and hit["Keywords"] == TYPE["Keywords"]
    assert hit["Question"] == external_question() and hit["QualificationRequirements"] == []
    assert abs(hit["CreationTime"] - before) < timedelta(seconds=5)
    assert hit["Expiration"] - hit["CreationTime"] == timedelta(hours=1)
    # CreateHIT's type is the requester's type with those values.
    assert hit["HITTypeId"] == client.create_hit_type(**TYPE, AutoApprovalDelayInSeconds=86400)["HITTypeId"]
    assert client.get_hit(HITId=hit["HITId"])["HIT"] == hit


def test_create_hit_with_hit_type_and_its_defaults(client, other_client):
    type_id = client.create_hit_type(**TYPE)["HITTypeId"]
    hit = client.create_hit_with_hit_type(HITTypeId=type_id, LifetimeInSeconds=600,
                                          Question=html_question())["HIT"]
    assert hit["HITTypeId"] == type_id and hit["MaxAssignments"] == 1
    assert hit["AutoApprovalDelayInSeconds"] == 2592000 and "RequesterAnnotation" not in hit
    # QuestionForm HITs too.
    client.create_hit_with_hit_type(HITTypeId=type_id, LifetimeInSeconds=600, Question=question_form())
    # Another requester cannot use the type.
    with turk_error(other_client, "AWS.MechanicalTurk.InvalidParameterValue", type_id):
        other_client.create_hit_with_hit_type(HITTypeId=type_id, LifetimeInSeconds=600, Question=html_question())


def test_hits_of_another_requester_do_not_exist_for_the_caller(client, other_client):
    hit = create_hit(client)
    for call in (lambda c: c.get_hit(HITId=hit["HITId"]), lambda c: c.delete_hit(HITId=hit["HITId"]),
                 lambda c: c.update_expiration_for_hit(HITId=hit["HITId"], ExpireAt=datetime(2015, 1, 1))):
        with turk_error(other_client, "AWS.MechanicalTurk.HITDoesNotExist", f"Hit {hit['HITId']} does not exist."):
            call(other_client)
    with turk_error(client, "AWS.MechanicalTurk.HITDoesNotExist"):
        client.get_hit(HITId="3ZURAPD288NPHFU4VJCB8HBGR6Q1FT")


def test_status_follows_the_moving_clock_and_expiration_updates(server, client):
    hit = create_hit(client, lifetime=120, max_assignments=2)
    hit_id = hit["HITId"]
    server.advance(119)
    assert client.get_hit(HITId=hit_id)["HIT"]["HITStatus"] == "Assignable"
    server.advance(2)
    expired = client.get_hit(HITId=hit_id)["HIT"]
    assert expired["HITStatus"] == "Reviewable" and expired["NumberOfAssignmentsAvailable"] == 0
    # A future time brings it back; a time in the past expires it at once (Dallinger sends 0, psiTurk 2015).
    later = server.clock.now() + timedelta(hours=2)
    client.update_expiration_for_hit(HITId=hit_id, ExpireAt=later)
    extended = client.get_hit(HITId=hit_id)["HIT"]
    assert extended["HITStatus"] == "Assignable" and extended["NumberOfAssignmentsAvailable"] == 2
    assert abs(extended["Expiration"] - later) < timedelta(seconds=1)
    client.update_expiration_for_hit(HITId=hit_id, ExpireAt=datetime(2015, 1, 1, tzinfo=timezone.utc))
    now_expired = client.get_hit(HITId=hit_id)["HIT"]
    assert now_expired["HITStatus"] == "Reviewable"
    assert abs(now_expired["Expiration"] - server.clock.now()) < timedelta(seconds=2)
    client.update_expiration_for_hit(HITId=hit_id, ExpireAt=0)
    assert client.get_hit(HITId=hit_id)["HIT"]["Expiration"] == now_expired["Expiration"]
    with turk_error(client, "AWS.MechanicalTurk.InvalidParameterValue", "ExpireAt"):
        client.update_expiration_for_hit(HITId=hit_id, ExpireAt=server.clock.now() + timedelta(days=400))


def test_review_status_and_reviewable_listings(server, client, unique):
    hits = [create_hit(client, lifetime=60, RequesterAnnotation=unique) for _ in range(3)]
    live = create_hit(client, lifetime=3600)
    with turk_error(client, "AWS.MechanicalTurk.InvalidHITState", "This operation can be called with a status "
                                                                  "of: Reviewable"):
        client.update_hit_review_status(HITId=live["HITId"])
    server.advance(61)
    reviewable = {h["HITId"] for h in _all(client, "list_reviewable_hits")}
    assert {h["HITId"] for h in hits} <= reviewable and live["HITId"] not in reviewable
    client.update_hit_review_status(HITId=hits[0]["HITId"], Revert=False)
    assert client.get_hit(HITId=hits[0]["HITId"])["HIT"]["HITStatus"] == "Reviewing"
    with turk_error(client, "AWS.MechanicalTurk.InvalidHITState", "Reviewable"):
        client.update_hit_review_status(HITId=hits[0]["HITId"])
    assert hits[0]["HITId"] in {h["HITId"] for h in _all(client, "list_reviewable_hits", Status="Reviewing")}
    assert hits[0]["HITId"] not in {h["HITId"] for h in _all(client, "list_reviewable_hits")}
    client.update_hit_review_status(HITId=hits[0]["HITId"], Revert=True)
    assert client.get_hit(HITId=hits[0]["HITId"])["HIT"]["HITStatus"] == "Reviewable"
    with turk_error(client, "AWS.MechanicalTurk.InvalidHITState", "Reviewing"):
        client.update_hit_review_status(HITId=hits[0]["HITId"], Revert=True)
    # The HITTypeId filter.
    other_type = create_hit(client, lifetime=30, Title="another type " + unique)
    server.advance(31)
    only = _all(client, "list_reviewable_hits", HITTypeId=other_type["HITTypeId"])
    assert [h["HITId"] for h in only] == [other_type["HITId"]]


def _all(client, operation: str, **params) -> list[dict]:
    pages = client.get_paginator(operation).paginate(**params, PaginationConfig={"PageSize": 4})
    return [h for page in pages for h in page["HITs"]]


def test_list_hits_pages_in_creation_order_and_omits_deleted(server, client, other_client):
    created = [create_hit(client, lifetime=30)["HITId"] for _ in range(9)]
    listed = [h["HITId"] for h in _all(client, "list_hits")]
    assert listed[-9:] == created
    first = client.list_hits(MaxResults=4)
    assert first["NumResults"] == 4 and "NextToken" in first
    assert not set(created) & {h["HITId"] for h in _all(other_client, "list_hits")}
    server.advance(31)
    client.delete_hit(HITId=created[0])
    assert created[0] not in [h["HITId"] for h in _all(client, "list_hits")]
    assert client.get_hit(HITId=created[0])["HIT"]["HITStatus"] == "Disposed"
    with turk_error(client, "AWS.MechanicalTurk.InvalidParameterValue", "NextToken"):
        client.list_hits(NextToken="forged")


def test_a_page_of_hits_counts_their_assignments_in_one_query(server, requester, client):
    from openturk.ops.context import Caller
    from openturk.ops.registry import REGISTRY
    from openturk.ops.runner import run

    for _ in range(12):
        create_hit(client, max_assignments=3)
    listed = client.list_hits(MaxResults=12)["HITs"]

    def statements_of(operation, **params):
        def call(ctx):
            answer = REGISTRY[operation].fn(ctx, **params)
            return answer, ctx.conn.statements
        return run(server.service, call, {}, write=False, caller=Caller(requester["RequesterId"], "alice"))

    for n in (1, 12):
        answer, statements = statements_of("ListHITs", max_results=n)
        assert statements == 2 and answer["num_results"] == n     # the HITs, then their assignments
    assert [h["NumberOfAssignmentsAvailable"] for h in listed] == [3] * 12
    _, statements = statements_of("ListReviewableHITs", max_results=5)
    assert statements <= 2 * (1 + 12 // 6 + 1)     # per batch of 6: the HITs and their assignments


def test_delete_hit_only_when_reviewable(server, client):
    hit = create_hit(client, lifetime=60)
    with turk_error(client, "AWS.MechanicalTurk.InvalidHITState",
                    "This HIT is currently in the state 'Assignable'.  This operation can be called with a status "
                    "of: Reviewable"):
        client.delete_hit(HITId=hit["HITId"])
    client.update_expiration_for_hit(HITId=hit["HITId"], ExpireAt=0)
    client.delete_hit(HITId=hit["HITId"])
    with turk_error(client, "AWS.MechanicalTurk.InvalidHITState", "'Disposed'"):
        client.delete_hit(HITId=hit["HITId"])
    with turk_error(client, "AWS.MechanicalTurk.InvalidHITState", "'Disposed'"):
        client.update_expiration_for_hit(HITId=hit["HITId"], ExpireAt=0)


def test_update_hit_type_of_hit(client, other_client):
    hit = create_hit(client)
    cheaper = client.create_hit_type(**{**TYPE, "Reward": "0.10", "Title": "cheaper"})["HITTypeId"]
    before = Decimal(balance(client))
    client.update_hit_type_of_hit(HITId=hit["HITId"], HITTypeId=cheaper)
    changed = client.get_hit(HITId=hit["HITId"])["HIT"]
    assert changed["HITTypeId"] == cheaper and changed["Reward"] == "0.10" and changed["Title"] == "cheaper"
    # The reservation follows the reward: 0.50 + 0.10 fee reserved before, 0.10 + 0.02 now.
    assert Decimal(balance(client)) == before + Decimal("0.48")
    theirs = other_client.create_hit_type(**TYPE)["HITTypeId"]
    with turk_error(client, "AWS.MechanicalTurk.InvalidParameterValue", theirs):
        client.update_hit_type_of_hit(HITId=hit["HITId"], HITTypeId=theirs)


def test_additional_assignments_and_the_ten_rule(client):
    small = create_hit(client, max_assignments=3)
    client.create_additional_assignments_for_hit(HITId=small["HITId"], NumberOfAdditionalAssignments=6)
    got = client.get_hit(HITId=small["HITId"])["HIT"]
    assert got["MaxAssignments"] == 9 and got["NumberOfAssignmentsAvailable"] == 9
    with turk_error(client, "AWS.MechanicalTurk.InvalidMaximumAssignmentsIncrease", "fewer than 10"):
        client.create_additional_assignments_for_hit(HITId=small["HITId"], NumberOfAdditionalAssignments=1)
    large = create_hit(client, max_assignments=10)
    client.create_additional_assignments_for_hit(HITId=large["HITId"], NumberOfAdditionalAssignments=5)
    assert client.get_hit(HITId=large["HITId"])["HIT"]["MaxAssignments"] == 15
    with turk_error(client, "AWS.ParameterOutOfRange"):
        client.create_additional_assignments_for_hit(HITId=large["HITId"], NumberOfAdditionalAssignments=0)
    # The token: a retry adds nothing more and names the HIT.
    client.create_additional_assignments_for_hit(HITId=large["HITId"], NumberOfAdditionalAssignments=2,
                                                 UniqueRequestToken="more-" + large["HITId"])
    with turk_error(client, "AWS.MechanicalTurk.HitAlreadyExists", large["HITId"]):
        client.create_additional_assignments_for_hit(HITId=large["HITId"], NumberOfAdditionalAssignments=2,
                                                     UniqueRequestToken="more-" + large["HITId"])
    assert client.get_hit(HITId=large["HITId"])["HIT"]["MaxAssignments"] == 17


def test_a_retried_token_is_answered_before_the_ten_rule(client):
    """A retry must not act twice and must say so, even when acting again would now break a rule: 5 + 4 is
    9, a second + 4 would cross 10. The retry is recognised by its token first."""
    hit = create_hit(client, max_assignments=5)
    token = "extend-" + hit["HITId"]
    client.create_additional_assignments_for_hit(HITId=hit["HITId"], NumberOfAdditionalAssignments=4,
                                                 UniqueRequestToken=token)
    with turk_error(client, "AWS.MechanicalTurk.HitAlreadyExists", "Assignments were already added to the HIT "
                    + hit["HITId"]):
        client.create_additional_assignments_for_hit(HITId=hit["HITId"], NumberOfAdditionalAssignments=4,
                                                     UniqueRequestToken=token)
    assert client.get_hit(HITId=hit["HITId"])["HIT"]["MaxAssignments"] == 9
    # A refused request keeps no token: the same token then works for a request that is allowed.
    with turk_error(client, "AWS.MechanicalTurk.InvalidMaximumAssignmentsIncrease", "This HIT has 9 assignments"):
        client.create_additional_assignments_for_hit(HITId=hit["HITId"], NumberOfAdditionalAssignments=5,
                                                     UniqueRequestToken="other-" + token)
    other = create_hit(client, max_assignments=1)
    client.create_additional_assignments_for_hit(HITId=other["HITId"], NumberOfAdditionalAssignments=1,
                                                 UniqueRequestToken="other-" + token)
    assert client.get_hit(HITId=other["HITId"])["HIT"]["MaxAssignments"] == 2


# -- validation ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("overrides, code, text", [
    ({"LifetimeInSeconds": 29}, "AWS.ParameterOutOfRange", "LifetimeInSeconds"),
    ({"LifetimeInSeconds": 31536001}, "AWS.ParameterOutOfRange", "LifetimeInSeconds"),
    ({"AssignmentDurationInSeconds": 29}, "AWS.ParameterOutOfRange", "AssignmentDurationInSeconds"),
    ({"AutoApprovalDelayInSeconds": 2592001}, "AWS.ParameterOutOfRange", "AutoApprovalDelayInSeconds"),
    ({"MaxAssignments": 0}, "AWS.ParameterOutOfRange", "MaxAssignments"),
    ({"Reward": "0.505"}, "AWS.MechanicalTurk.InvalidParameterValue", "Reward"),
    ({"Reward": "-1"}, "AWS.MechanicalTurk.InvalidParameterValue", "Reward"),
    ({"Reward": "1000000"}, "AWS.ParameterOutOfRange", "Reward"),
    ({"Title": ""}, "AWS.MechanicalTurk.InvalidParameterValue", "Title"),
    ({"Title": "x" * 129}, "AWS.MechanicalTurk.InvalidParameterValue", "Title"),
    ({"Description": "x" * 2001}, "AWS.MechanicalTurk.InvalidParameterValue", "Description"),
    ({"Keywords": "x" * 1001}, "AWS.MechanicalTurk.InvalidParameterValue", "Keywords"),
    ({"RequesterAnnotation": "x" * 256}, "AWS.MechanicalTurk.InvalidParameterValue", "RequesterAnnotation"),
    ({"Question": "<not xml"}, "AWS.MechanicalTurk.XMLParseError", "Question"),
    ({"Question": "<Foo/>"}, "AWS.MechanicalTurk.XMLParseError", "Question"),
    ({"Question": question_form(padding=65536)}, "AWS.MechanicalTurk.InvalidParameterValue", "65535"),
    ({"Question": None}, "AWS.MissingParameters", "Question"),
    ({"Question": None, "HITLayoutId": "ABC123"}, "AWS.MechanicalTurk.InvalidParameterValue", "HIT layouts"),
    ({"AssignmentReviewPolicy": {"PolicyName": "ScoreMyKnownAnswers/2011-09-01"}},
     "AWS.MechanicalTurk.InvalidParameterValue", "review policies"),
])
def test_create_hit_refuses_bad_values_and_creates_nothing(client, overrides, code, text):
    before = balance(client), len(_all(client, "list_hits"))
    params = {**TYPE, "LifetimeInSeconds": 600, "Question": external_question(), **overrides}
    params = {k: v for k, v in params.items() if v is not None}
    with turk_error(client, code, text):
        client.create_hit(**params)
    assert (balance(client), len(_all(client, "list_hits"))) == before


# -- UniqueRequestToken --------------------------------------------------------------------------------

def test_a_retried_token_creates_one_hit_and_names_it(server, client, unique):
    hit = create_hit(client, UniqueRequestToken=unique)
    spent = balance(client)
    with turk_error(client, "AWS.MechanicalTurk.HitAlreadyExists", hit["HITId"]) as info:
        create_hit(client, UniqueRequestToken=unique)
    assert hit["HITId"] in info.value.response["Message"]
    type_id = client.create_hit_type(**TYPE)["HITTypeId"]
    with turk_error(client, "AWS.MechanicalTurk.HitAlreadyExists", hit["HITId"]):
        client.create_hit_with_hit_type(HITTypeId=type_id, LifetimeInSeconds=600, Question=external_question(),
                                        UniqueRequestToken=unique)
    assert balance(client) == spent
    # After 24 hours the token is forgotten.
    server.advance(24 * 3600 + 1)
    again = create_hit(client, UniqueRequestToken=unique)
    assert again["HITId"] != hit["HITId"]


def test_eight_concurrent_identical_creates_make_one_hit(server, requester, unique):
    clients = [server.client(requester) for _ in range(8)]
    type_id = clients[0].create_hit_type(**TYPE)["HITTypeId"]
    start = balance(clients[0])
    outcomes: list = []
    barrier = threading.Barrier(8)

    def create(c):
        barrier.wait()
        try:
            outcomes.append(("ok", c.create_hit_with_hit_type(HITTypeId=type_id, LifetimeInSeconds=600,
                                                              Question=external_question(),
                                                              UniqueRequestToken=unique)["HIT"]["HITId"]))
        except c.exceptions.RequestError as exc:
            outcomes.append((exc.response["TurkErrorCode"], exc.response["Message"]))

    threads = [threading.Thread(target=create, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    created = [value for kind, value in outcomes if kind == "ok"]
    assert len(created) == 1, outcomes
    refused = [value for kind, value in outcomes if kind != "ok"]
    assert len(refused) == 7 and all(created[0] in message for message in refused), outcomes
    assert {kind for kind, _ in outcomes} == {"ok", "AWS.MechanicalTurk.HitAlreadyExists"}
    assert Decimal(start) - Decimal(balance(clients[0])) == Decimal("0.60")


# -- money ---------------------------------------------------------------------------------------------

def test_the_balance_adds_up_after_a_sequence_of_creates(server):
    client = server.client(server.new_requester("payer", balance="100.00"))
    assert balance(client) == "100.00"
    create_hit(client, Reward="0.50", max_assignments=3)              # (0.50 + 0.10) × 3 = 1.80
    create_hit(client, Reward="1.00", max_assignments=10)             # (1.00 + 0.40) × 10 = 14.00
    create_hit(client, Reward="0.01", max_assignments=2)              # (0.01 + 0.01 minimum fee) × 2 = 0.04
    create_hit(client, Reward="2.00", max_assignments=1, QualificationRequirements=[
        {"QualificationTypeId": "2ARFPLSP75KLA8M8DH1HTEQVJT3SY6", "Comparator": "Exists"}])   # 2.00 + 0.50
    create_hit(client, Reward="0.00", max_assignments=5)              # nothing
    assert balance(client) == "81.66"
    with turk_error(client, "AWS.MechanicalTurk.InsufficientFunds", "81.66"):
        create_hit(client, Reward="10.00", max_assignments=10)        # 140.00
    assert balance(client) == "81.66"
    # Deleting an expired HIT gives back what its unused assignments reserved.
    hit = create_hit(client, Reward="1.00", max_assignments=1, lifetime=30)
    assert balance(client) == "80.46"
    server.advance(31)
    client.delete_hit(HITId=hit["HITId"])
    assert balance(client) == "81.66"


def test_insufficient_funds_for_additional_assignments(server):
    client = server.client(server.new_requester("thrifty", balance="2.00"))
    hit = create_hit(client, Reward="0.50", max_assignments=2)        # 1.20
    with turk_error(client, "AWS.MechanicalTurk.InsufficientFunds"):
        client.create_additional_assignments_for_hit(HITId=hit["HITId"], NumberOfAdditionalAssignments=2)
    assert balance(client) == "0.80"
    assert client.get_hit(HITId=hit["HITId"])["HIT"]["MaxAssignments"] == 2
