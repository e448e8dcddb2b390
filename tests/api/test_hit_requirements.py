"""QualificationRequirements on HITs through real boto3, and the eligibility decision (openturk.testing's
`eligibility`, the same function the CLI and the worker's side call): every comparator met and not met, a
worker without the qualification, a revoked one, the system types, ActionsGuarded."""

from __future__ import annotations

import uuid

import pytest

from .helpers import turk_error
from .hit_helpers import create_hit, external_question, hit_with_requirements


def worker_id() -> str:
    return "A" + uuid.uuid4().hex[:13].upper()


@pytest.fixture
def qual(client, unique) -> str:
    return client.create_qualification_type(Name="skill " + unique, Description="d",
                                            QualificationTypeStatus="Active")["QualificationType"]["QualificationTypeId"]


def grant(client, qual: str, worker: str, value: int) -> None:
    client.associate_qualification_with_worker(QualificationTypeId=qual, WorkerId=worker, IntegerValue=value,
                                               SendNotification=False)


def accepts(server, hit: dict, worker: str) -> bool:
    return server.eligibility(hit["HITId"], worker)["Accept"]


# (comparator, IntegerValues, a value that meets it, a value that does not)
INTEGER_CASES = [
    ("LessThan", [10], 9, 10),
    ("LessThanOrEqualTo", [10], 10, 11),
    ("GreaterThan", [10], 11, 10),
    ("GreaterThanOrEqualTo", [10], 10, 9),
    ("EqualTo", [10], 10, 11),
    ("NotEqualTo", [10], 11, 10),
    ("In", [1, 3, 5], 3, 4),
    ("NotIn", [1, 3, 5], 4, 3),
    ("Exists", [], 0, None),
]


@pytest.mark.parametrize("comparator, values, meets, fails", INTEGER_CASES)
def test_every_integer_comparator(server, client, qual, comparator, values, meets, fails):
    requirement = {"QualificationTypeId": qual, "Comparator": comparator}
    if values:
        requirement["IntegerValues"] = values
    hit = hit_with_requirements(client, [requirement])
    assert hit["QualificationRequirements"] == [{**requirement, "ActionsGuarded": "Accept"}]
    good, bad, without, revoked = worker_id(), worker_id(), worker_id(), worker_id()
    grant(client, qual, good, meets)
    if fails is not None:
        grant(client, qual, bad, fails)
        assert not accepts(server, hit, bad)
    grant(client, qual, revoked, meets)
    client.disassociate_qualification_from_worker(QualificationTypeId=qual, WorkerId=revoked)
    assert accepts(server, hit, good)
    # Without the qualification (or with a revoked one) only DoesNotExist is met — NotEqualTo and NotIn too.
    assert not accepts(server, hit, without)
    assert not accepts(server, hit, revoked)


def test_does_not_exist(server, client, qual):
    hit = hit_with_requirements(client, [{"QualificationTypeId": qual, "Comparator": "DoesNotExist"}])
    holder, revoked, stranger = worker_id(), worker_id(), worker_id()
    grant(client, qual, holder, 1)
    grant(client, qual, revoked, 1)
    client.disassociate_qualification_from_worker(QualificationTypeId=qual, WorkerId=revoked)
    assert not accepts(server, hit, holder)
    assert accepts(server, hit, revoked) and accepts(server, hit, stranger)


def test_locale_comparators(server, client):
    locale = "00000000000000000071"
    us, us_ny, gb, nowhere = worker_id(), worker_id(), worker_id(), worker_id()
    server.set_worker(us, locale="US")
    server.set_worker(us_ny, locale="US-NY")
    server.set_worker(gb, locale="GB")
    cases = [
        ({"Comparator": "EqualTo", "LocaleValues": [{"Country": "US"}]}, {us, us_ny}),
        ({"Comparator": "EqualTo", "LocaleValues": [{"Country": "US", "Subdivision": "NY"}]}, {us_ny}),
        ({"Comparator": "NotEqualTo", "LocaleValues": [{"Country": "US"}]}, {gb}),
        ({"Comparator": "In", "LocaleValues": [{"Country": "GB"}, {"Country": "US", "Subdivision": "NY"}]},
         {gb, us_ny}),
        ({"Comparator": "NotIn", "LocaleValues": [{"Country": "GB"}, {"Country": "CA"}]}, {us, us_ny}),
        ({"Comparator": "Exists"}, {us, us_ny, gb}),
        ({"Comparator": "DoesNotExist"}, {nowhere}),
    ]
    for requirement, admitted in cases:
        hit = hit_with_requirements(client, [{"QualificationTypeId": locale, **requirement}])
        got = {w for w in (us, us_ny, gb, nowhere) if accepts(server, hit, w)}
        assert got == admitted, requirement


def test_adult_masters_and_counting_types(server, client):
    adult, minor, unknown, master = worker_id(), worker_id(), worker_id(), worker_id()
    server.set_worker(adult, adult=True)
    server.set_worker(minor, adult=False)
    hit = hit_with_requirements(client, [{"QualificationTypeId": "00000000000000000060", "Comparator": "EqualTo",
                                          "IntegerValues": [1]}])
    assert accepts(server, hit, adult) and not accepts(server, hit, minor) and not accepts(server, hit, unknown)
    # psiTurk's requirements: approval rate ≥ 95 and NumberHITsApproved ≥ 0 — a new worker meets them (100%
    # below 100 assignments, 0 approved) but not NumberHITsApproved ≥ 1.
    hit = hit_with_requirements(client, [
        {"QualificationTypeId": "000000000000000000L0", "Comparator": "GreaterThanOrEqualTo", "IntegerValues": [95]},
        {"QualificationTypeId": "00000000000000000040", "Comparator": "GreaterThanOrEqualTo", "IntegerValues": [0]},
        {"QualificationTypeId": "000000000000000000S0", "Comparator": "LessThan", "IntegerValues": [5]}])
    assert accepts(server, hit, unknown)
    hit = hit_with_requirements(client, [
        {"QualificationTypeId": "00000000000000000040", "Comparator": "GreaterThanOrEqualTo", "IntegerValues": [1]}])
    assert not accepts(server, hit, unknown)
    # Masters is granted by the operator (`openturk qualification assign`): here straight through the store.
    from openturk.ops.bulk import assign_many
    assign_many(server.service, "2ARFPLSP75KLA8M8DH1HTEQVJT3SY6", [(1, master, 1)], notify=False)
    hit = hit_with_requirements(client, [{"QualificationTypeId": "2ARFPLSP75KLA8M8DH1HTEQVJT3SY6",
                                          "Comparator": "Exists"}])
    assert accepts(server, hit, master) and not accepts(server, hit, unknown)


def test_actions_guarded_decide_discover_preview_and_accept(server, client, qual):
    stranger = worker_id()
    expected = {"Accept": (True, True, False), "PreviewAndAccept": (True, False, False),
                "DiscoverPreviewAndAccept": (False, False, False)}
    for guarded, (discover, preview, accept) in expected.items():
        hit = hit_with_requirements(client, [{"QualificationTypeId": qual, "Comparator": "Exists",
                                              "ActionsGuarded": guarded}])
        decision = server.eligibility(hit["HITId"], stranger)
        assert (decision["Discover"], decision["Preview"], decision["Accept"]) == (discover, preview, accept)
        assert decision["Refusals"][0]["Requirement"] == 1 and qual in decision["Refusals"][0]["Reason"]
    # The deprecated RequiredToPreview: true is PreviewAndAccept, and the HIT answers it as given.
    hit = hit_with_requirements(client, [{"QualificationTypeId": qual, "Comparator": "Exists",
                                          "RequiredToPreview": True}])
    assert hit["QualificationRequirements"][0]["RequiredToPreview"] is True
    assert hit["QualificationRequirements"][0]["ActionsGuarded"] == "PreviewAndAccept"
    decision = server.eligibility(hit["HITId"], stranger)
    assert (decision["Discover"], decision["Preview"], decision["Accept"]) == (True, False, False)
    # Every requirement must hold to accept; the one that fails is named.
    ok = worker_id()
    grant(client, qual, ok, 5)
    hit = hit_with_requirements(client, [
        {"QualificationTypeId": qual, "Comparator": "GreaterThan", "IntegerValues": [1]},
        {"QualificationTypeId": qual, "Comparator": "LessThan", "IntegerValues": [3], "ActionsGuarded": "Accept"}])
    decision = server.eligibility(hit["HITId"], ok)
    assert decision["Accept"] is False and decision["Preview"] is True
    assert [r["Requirement"] for r in decision["Refusals"]] == [2]


def test_an_expired_hit_and_a_blocked_worker(server, client):
    hit = create_hit(client, lifetime=30)
    blocked, free = worker_id(), worker_id()
    client.create_worker_block(WorkerId=blocked, Reason="spam")
    assert server.eligibility(hit["HITId"], free)["Accept"] is True
    decision = server.eligibility(hit["HITId"], blocked)
    assert (decision["Discover"], decision["Preview"], decision["Accept"]) == (False, False, False)
    assert "blocked" in decision["Refusals"][0]["Reason"]
    server.advance(31)
    decision = server.eligibility(hit["HITId"], free)
    assert decision["HITStatus"] == "Reviewable" and not decision["Accept"] and not decision["Discover"]


# -- refused requirements -----------------------------------------------------------------------------

LOCALE = "00000000000000000071"


@pytest.mark.parametrize("requirement, text", [
    ({"Comparator": "GreaterThan"}, "exactly one IntegerValue"),
    ({"Comparator": "GreaterThan", "IntegerValues": [1, 2]}, "exactly one IntegerValue"),
    ({"Comparator": "In", "IntegerValues": []}, "between 1 and 15"),
    ({"Comparator": "In", "IntegerValues": list(range(16))}, "between 1 and 15"),
    ({"Comparator": "Exists", "IntegerValues": [1]}, "cannot have values"),
    ({"Comparator": "EqualTo", "LocaleValues": [{"Country": "US"}]}, "cannot have LocaleValues"),
    ({"Comparator": "Exists", "ActionsGuarded": "Accept", "RequiredToPreview": True}, "both ActionsGuarded"),
])
def test_refused_integer_requirements_name_the_requirement(client, qual, requirement, text):
    good = {"QualificationTypeId": qual, "Comparator": "Exists"}
    with turk_error(client, "AWS.MechanicalTurk.InvalidParameterValue", "QualificationRequirements.2") as info:
        hit_with_requirements(client, [good, {"QualificationTypeId": qual, **requirement}])
    assert text in info.value.response["Message"]


@pytest.mark.parametrize("requirement, text", [
    ({"Comparator": "EqualTo", "IntegerValues": [1]}, "cannot have IntegerValues"),
    ({"Comparator": "GreaterThan", "LocaleValues": [{"Country": "US"}]}, "cannot use GreaterThan"),
    ({"Comparator": "EqualTo", "LocaleValues": [{"Country": "US"}, {"Country": "GB"}]}, "exactly one LocaleValue"),
    ({"Comparator": "In", "LocaleValues": [{"Country": "US"}] * 31}, "between 1 and 30"),
    ({"Comparator": "EqualTo", "LocaleValues": [{"Country": "us"}]}, "Country"),
    ({"Comparator": "EqualTo", "LocaleValues": [{"Country": "US", "Subdivision": "n!"}]}, "Subdivision"),
])
def test_refused_locale_requirements(client, requirement, text):
    with turk_error(client, "AWS.MechanicalTurk.InvalidParameterValue", "QualificationRequirements.1") as info:
        hit_with_requirements(client, [{"QualificationTypeId": LOCALE, **requirement}])
    assert text in info.value.response["Message"]


def test_at_most_ten_requirements(client, qual):
    eleven = [{"QualificationTypeId": qual, "Comparator": "Exists"}] * 11
    with turk_error(client, "AWS.MechanicalTurk.InvalidParameterValue", "at most 10"):
        hit_with_requirements(client, eleven)
    assert len(hit_with_requirements(client, eleven[:10])["QualificationRequirements"]) == 10


def test_requirements_on_missing_inactive_or_deleted_types_are_refused(client, other_client, unique):
    with turk_error(client, "AWS.MechanicalTurk.QualificationTypeDoesNotExist", "QualificationRequirements.1"):
        hit_with_requirements(client, [{"QualificationTypeId": "NOSUCHTYPE0000000000000000000", "Comparator": "Exists"}])
    inactive = client.create_qualification_type(Name="inactive " + unique, Description="d",
                                                QualificationTypeStatus="Inactive")["QualificationType"]
    with turk_error(client, "AWS.MechanicalTurk.InvalidParameterValue", "Inactive"):
        client.create_hit_type(Title="t", Description="d", Reward="0.10", AssignmentDurationInSeconds=60,
                               QualificationRequirements=[{"QualificationTypeId": inactive["QualificationTypeId"],
                                                           "Comparator": "Exists"}])
    # Another requester's type may be used, as on MTurk.
    theirs = other_client.create_qualification_type(Name="theirs " + unique, Description="d",
                                                    QualificationTypeStatus="Active")["QualificationType"]
    hit_with_requirements(client, [{"QualificationTypeId": theirs["QualificationTypeId"], "Comparator": "Exists"}])


def test_a_type_used_by_hits_stays_disposing_until_they_are_deleted(server, client, unique):
    qual = client.create_qualification_type(Name="gate " + unique, Description="d",
                                            QualificationTypeStatus="Active")["QualificationType"]["QualificationTypeId"]
    requirement = [{"QualificationTypeId": qual, "Comparator": "Exists"}]
    type_id = client.create_hit_type(Title="gated " + unique, Description="d", Reward="0.10",
                                     AssignmentDurationInSeconds=60, QualificationRequirements=requirement)["HITTypeId"]
    hit = client.create_hit_with_hit_type(HITTypeId=type_id, LifetimeInSeconds=60,
                                          Question=external_question())["HIT"]
    listed = client.list_hits_for_qualification_type(QualificationTypeId=qual)
    assert [h["HITId"] for h in listed["HITs"]] == [hit["HITId"]] and listed["NumResults"] == 1
    client.delete_qualification_type(QualificationTypeId=qual)
    # No new HITs or HIT types with it.
    with turk_error(client, "AWS.MechanicalTurk.QualificationTypeDoesNotExist", "deleted"):
        client.create_hit_with_hit_type(HITTypeId=type_id, LifetimeInSeconds=60,
                                        Question=external_question())
    # Long after the disposal time, the type is still Disposing while its HIT lives: its HITs are listed and
    # its name is still taken.
    server.advance(3 * 24 * 3600)
    assert [h["HITId"] for h in client.list_hits_for_qualification_type(QualificationTypeId=qual)["HITs"]] == [
        hit["HITId"]]
    with turk_error(client, "AWS.MechanicalTurk.QualificationTypeAlreadyExists"):
        client.create_qualification_type(Name="gate " + unique, Description="d", QualificationTypeStatus="Active")
    client.delete_hit(HITId=hit["HITId"])
    with turk_error(client, "AWS.MechanicalTurk.QualificationTypeDoesNotExist"):
        client.list_hits_for_qualification_type(QualificationTypeId=qual)
    client.create_qualification_type(Name="gate " + unique, Description="d", QualificationTypeStatus="Active")
