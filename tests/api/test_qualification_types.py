"""CreateQualificationType … DeleteQualificationType through real boto3, on the live server."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest

from .helpers import answer_key, question_form, turk_error

MASTERS = "2F1QJWKUDD8XADTFD2Q0G6UTO95ALH"
MASTERS_SANDBOX = "2ARFPLSP75KLA8M8DH1HTEQVJT3SY6"
LOCALE = "00000000000000000071"
SYSTEM_TYPES = [MASTERS, MASTERS_SANDBOX, LOCALE, "00000000000000000040", "000000000000000000L0",
                "00000000000000000060"]


def create(client, name, **extra):
    params = {"Name": name, "Description": "A description", "QualificationTypeStatus": "Active", **extra}
    return client.create_qualification_type(**params)["QualificationType"]


def get(client, type_id):
    return client.get_qualification_type(QualificationTypeId=type_id)["QualificationType"]


# -- create ---------------------------------------------------------------------------------------

def test_create_returns_the_type_with_mturk_defaults(server, client, unique):
    before = server.clock.now()   # the server's clock: other tests move it forward
    qt = create(client, unique, Keywords="english, writing", RetryDelayInSeconds=3600)
    assert re.fullmatch(r"[A-Z0-9]{30}", qt["QualificationTypeId"])
    assert qt["Name"] == unique and qt["Description"] == "A description"
    assert qt["Keywords"] == "english, writing"
    assert qt["QualificationTypeStatus"] == "Active"
    assert qt["RetryDelayInSeconds"] == 3600
    assert qt["IsRequestable"] is True and qt["AutoGranted"] is False
    assert "AutoGrantedValue" not in qt and "Test" not in qt and "AnswerKey" not in qt
    assert before - timedelta(seconds=5) <= qt["CreationTime"] <= server.clock.now() + timedelta(seconds=5)
    assert get(client, qt["QualificationTypeId"]) == qt


def test_auto_granted_value_defaults_to_1(client, unique):
    qt = create(client, unique, AutoGranted=True)
    assert qt["AutoGranted"] is True and qt["AutoGrantedValue"] == 1
    assert create(client, unique + "b", AutoGranted=True, AutoGrantedValue=5)["AutoGrantedValue"] == 5


def test_duplicate_name_is_refused_with_mturks_message(client, unique):
    first = create(client, unique)
    with turk_error(client, "AWS.MechanicalTurk.QualificationTypeAlreadyExists") as info:
        create(client, unique)
    message = info.value.response["Message"]
    # Mephisto matches the prefix, Dallinger the phrase.
    assert message.startswith("You have already created a QualificationType with this name.")
    assert "already created a QualificationType with this name" in message
    assert re.search(r" \(\d{13}\)$", message)
    assert get(client, first["QualificationTypeId"]) == first


def test_names_are_per_requester_and_case_sensitive(client, other_client, unique):
    a = create(client, unique)
    b = create(other_client, unique)
    c = create(client, unique.upper())
    assert len({a["QualificationTypeId"], b["QualificationTypeId"], c["QualificationTypeId"]}) == 3


@pytest.mark.parametrize("name", ["", "   "])
def test_blank_name_is_refused(client, name):
    with turk_error(client, "AWS.MechanicalTurk.InvalidParameterValue", "Name"):
        create(client, name)


def test_length_limits(client, unique):
    create(client, unique + "n" * (255 - len(unique)))
    with turk_error(client, "AWS.MechanicalTurk.InvalidParameterValue", "Name"):
        create(client, unique + "n" * (256 - len(unique)))
    create(client, unique + "d", Description="d" * 2000)
    with turk_error(client, "AWS.MechanicalTurk.InvalidParameterValue", "Description"):
        create(client, unique + "d2", Description="d" * 2001)
    create(client, unique + "k", Keywords="k" * 1000)
    with turk_error(client, "AWS.MechanicalTurk.InvalidParameterValue", "Keywords"):
        create(client, unique + "k2", Keywords="k" * 1001)
    owned = client.list_qualification_types(MustBeRequestable=False, MustBeOwnedByCaller=True, Query=unique,
                                            MaxResults=100)
    assert sorted(t["Name"][len(unique):][:1] for t in owned["QualificationTypes"]) == ["d", "k", "n"]


def test_test_and_answer_key_size_limit_is_65535_bytes(client, unique):
    base = len(question_form().encode())
    qt = create(client, unique, Test=question_form(padding=65535 - base), TestDurationInSeconds=60)
    assert len(qt["Test"].encode()) == 65535
    with turk_error(client, "AWS.MechanicalTurk.InvalidParameterValue", "65535 bytes"):
        create(client, unique + "x", Test=question_form(padding=65536 - base), TestDurationInSeconds=60)
    # Multi-byte characters count as bytes, not characters.
    with turk_error(client, "AWS.MechanicalTurk.InvalidParameterValue", "65535 bytes"):
        create(client, unique + "y", Test=question_form(question="é" * 32768), TestDurationInSeconds=60)


def test_test_requires_a_duration(client, unique):
    with turk_error(client, "AWS.MissingParameters", "TestDurationInSeconds"):
        create(client, unique, Test=question_form())
    with turk_error(client, "AWS.ParameterOutOfRange", "TestDurationInSeconds"):
        create(client, unique, Test=question_form(), TestDurationInSeconds=0)
    assert not _owned(client, unique)


def test_test_and_auto_grant_are_exclusive(client, unique):
    with turk_error(client, "AWS.MechanicalTurk.InvalidParameterValue", "AutoGranted"):
        create(client, unique, Test=question_form(), TestDurationInSeconds=60, AutoGranted=True)
    assert not _owned(client, unique)


def test_answer_key_requires_a_test(client, unique):
    with turk_error(client, "AWS.MechanicalTurk.InvalidParameterValue", "AnswerKey"):
        create(client, unique, AnswerKey=answer_key())
    with turk_error(client, "AWS.MechanicalTurk.InvalidParameterValue", "TestDurationInSeconds"):
        create(client, unique, TestDurationInSeconds=60)


def test_test_xml_must_be_a_well_formed_question_form(client, unique):
    with turk_error(client, "AWS.MechanicalTurk.XMLParseError", "line 1"):
        create(client, unique, Test="<QuestionForm><Question>", TestDurationInSeconds=60)
    with turk_error(client, "AWS.MechanicalTurk.XMLParseError", "QuestionForm"):
        create(client, unique, Test="<ExternalQuestion/>", TestDurationInSeconds=60)
    with turk_error(client, "AWS.MechanicalTurk.XMLParseError", "AnswerKey"):
        create(client, unique, Test=question_form(), TestDurationInSeconds=60, AnswerKey="<Key/>")
    with turk_error(client, "AWS.MechanicalTurk.XMLParseError", "DOCTYPE"):
        create(client, unique, Test='<!DOCTYPE x [<!ENTITY a "aaaa">]>' + question_form(), TestDurationInSeconds=60)
    assert not _owned(client, unique)


def test_retry_delay_must_not_be_negative(client, unique):
    with turk_error(client, "AWS.ParameterOutOfRange", "RetryDelayInSeconds"):
        create(client, unique, RetryDelayInSeconds=-1)
    assert create(client, unique, RetryDelayInSeconds=0)["RetryDelayInSeconds"] == 0


def test_answer_key_is_shown_only_to_the_owner(client, other_client, unique):
    qt = create(client, unique, Test=question_form(), AnswerKey=answer_key(), TestDurationInSeconds=120)
    assert qt["AnswerKey"] == answer_key() and qt["TestDurationInSeconds"] == 120
    seen_by_other = get(other_client, qt["QualificationTypeId"])
    assert "AnswerKey" not in seen_by_other
    assert seen_by_other["Test"] == question_form()
    listed = other_client.list_qualification_types(MustBeRequestable=True, Query=unique)["QualificationTypes"]
    assert [t["QualificationTypeId"] for t in listed] == [qt["QualificationTypeId"]]
    assert "AnswerKey" not in listed[0]


# -- get ------------------------------------------------------------------------------------------

def test_unknown_type_does_not_exist(client):
    with turk_error(client, "AWS.MechanicalTurk.QualificationTypeDoesNotExist", "does not exist"):
        client.get_qualification_type(QualificationTypeId="NONEXISTENT")


def test_system_types_exist_and_are_not_requestable(client):
    for type_id in SYSTEM_TYPES:
        qt = get(client, type_id)
        assert qt["IsRequestable"] is False and qt["QualificationTypeStatus"] == "Active"
    assert get(client, MASTERS)["Name"] == "Masters"
    assert get(client, LOCALE)["Name"] == "Worker_Locale"


@pytest.mark.parametrize("type_id", [MASTERS, LOCALE])
def test_system_types_cannot_be_changed(client, type_id):
    with turk_error(client, "AWS.MechanicalTurk.PermissionDenied"):
        client.update_qualification_type(QualificationTypeId=type_id, Description="mine now")
    with turk_error(client, "AWS.MechanicalTurk.PermissionDenied"):
        client.delete_qualification_type(QualificationTypeId=type_id)
    assert get(client, type_id)["QualificationTypeStatus"] == "Active"


# -- update ---------------------------------------------------------------------------------------

def test_update_changes_description_and_status(client, unique):
    qt = create(client, unique, Keywords="kw")
    updated = client.update_qualification_type(QualificationTypeId=qt["QualificationTypeId"],
                                               Description="new", QualificationTypeStatus="Inactive")
    updated = updated["QualificationType"]
    assert updated["Description"] == "new" and updated["QualificationTypeStatus"] == "Inactive"
    assert updated["Name"] == unique and updated["Keywords"] == "kw"
    assert updated["CreationTime"] == qt["CreationTime"]
    assert get(client, qt["QualificationTypeId"]) == updated
    back = client.update_qualification_type(QualificationTypeId=qt["QualificationTypeId"],
                                            QualificationTypeStatus="Active")["QualificationType"]
    assert back["QualificationTypeStatus"] == "Active" and back["Description"] == "new"


def test_only_the_owner_may_update_or_delete(client, other_client, unique):
    qt = create(client, unique)
    with turk_error(other_client, "AWS.MechanicalTurk.PermissionDenied",
                    "This user is not authorized to perform the requested operation."):
        other_client.update_qualification_type(QualificationTypeId=qt["QualificationTypeId"], Description="x")
    with turk_error(other_client, "AWS.MechanicalTurk.PermissionDenied"):
        other_client.delete_qualification_type(QualificationTypeId=qt["QualificationTypeId"])
    assert get(client, qt["QualificationTypeId"]) == qt


def test_test_is_replaced_as_a_unit(client, unique):
    qt = create(client, unique, Test=question_form(), AnswerKey=answer_key(), TestDurationInSeconds=60)
    type_id = qt["QualificationTypeId"]
    # Omitting Test leaves the test (and its key and duration) unchanged.
    same = client.update_qualification_type(QualificationTypeId=type_id, Description="d2")["QualificationType"]
    assert (same["Test"], same["AnswerKey"], same["TestDurationInSeconds"]) == (question_form(), answer_key(), 60)
    # A new Test without AnswerKey removes the key.
    new = client.update_qualification_type(QualificationTypeId=type_id, Test=question_form("q2"),
                                           TestDurationInSeconds=90)["QualificationType"]
    assert new["Test"] == question_form("q2") and new["TestDurationInSeconds"] == 90
    assert "AnswerKey" not in new and "AnswerKey" not in get(client, type_id)
    # Changing only the key means sending the Test again.
    keyed = client.update_qualification_type(QualificationTypeId=type_id, Test=question_form("q2"),
                                             TestDurationInSeconds=90,
                                             AnswerKey=answer_key("q2", "b"))["QualificationType"]
    assert keyed["AnswerKey"] == answer_key("q2", "b")


def test_duration_or_key_without_test_is_refused(client, unique):
    qt = create(client, unique, Test=question_form(), AnswerKey=answer_key(), TestDurationInSeconds=60)
    type_id = qt["QualificationTypeId"]
    with turk_error(client, "AWS.MechanicalTurk.InvalidParameterValue", "AnswerKey"):
        client.update_qualification_type(QualificationTypeId=type_id, AnswerKey=answer_key("q1", "b"))
    with turk_error(client, "AWS.MechanicalTurk.InvalidParameterValue", "TestDurationInSeconds"):
        client.update_qualification_type(QualificationTypeId=type_id, TestDurationInSeconds=30)
    with turk_error(client, "AWS.MissingParameters", "TestDurationInSeconds"):
        client.update_qualification_type(QualificationTypeId=type_id, Test=question_form())
    assert get(client, type_id) == qt


def test_a_type_gains_a_test_and_keeps_it(client, unique):
    qt = create(client, unique)
    with_test = client.update_qualification_type(QualificationTypeId=qt["QualificationTypeId"],
                                                 Test=question_form(), TestDurationInSeconds=60)
    assert with_test["QualificationType"]["Test"] == question_form()
    later = client.update_qualification_type(QualificationTypeId=qt["QualificationTypeId"],
                                             QualificationTypeStatus="Inactive")["QualificationType"]
    assert later["Test"] == question_form()


def test_a_type_with_a_test_cannot_become_auto_granted(client, unique):
    qt = create(client, unique, Test=question_form(), TestDurationInSeconds=60)
    with turk_error(client, "AWS.MechanicalTurk.InvalidParameterValue", "AutoGranted"):
        client.update_qualification_type(QualificationTypeId=qt["QualificationTypeId"], AutoGranted=True)
    assert get(client, qt["QualificationTypeId"]) == qt


def test_an_auto_granted_type_gains_a_test_only_when_no_longer_auto_granted(client, unique):
    qt = create(client, unique, AutoGranted=True, AutoGrantedValue=3)
    type_id = qt["QualificationTypeId"]
    with turk_error(client, "AWS.MechanicalTurk.InvalidParameterValue", "AutoGranted"):
        client.update_qualification_type(QualificationTypeId=type_id, Test=question_form(), TestDurationInSeconds=60)
    assert get(client, type_id) == qt
    # boto/boto3#2108: first set AutoGranted false, then add the test; both in one call is also accepted.
    both = client.update_qualification_type(QualificationTypeId=type_id, Test=question_form(),
                                            TestDurationInSeconds=60, AutoGranted=False)["QualificationType"]
    assert both["AutoGranted"] is False and both["Test"] == question_form()
    assert "AutoGrantedValue" not in both


def test_auto_granted_can_be_switched_on_and_its_value_changed(client, unique):
    type_id = create(client, unique)["QualificationTypeId"]
    on = client.update_qualification_type(QualificationTypeId=type_id, AutoGranted=True)["QualificationType"]
    assert on["AutoGranted"] is True and on["AutoGrantedValue"] == 1
    value = client.update_qualification_type(QualificationTypeId=type_id, AutoGrantedValue=7)["QualificationType"]
    assert value["AutoGrantedValue"] == 7 and value["AutoGranted"] is True


def test_retries_can_be_enabled_and_changed_but_never_disabled(client, unique):
    type_id = create(client, unique)["QualificationTypeId"]
    assert "RetryDelayInSeconds" not in get(client, type_id)
    enabled = client.update_qualification_type(QualificationTypeId=type_id, RetryDelayInSeconds=60)
    assert enabled["QualificationType"]["RetryDelayInSeconds"] == 60
    changed = client.update_qualification_type(QualificationTypeId=type_id, RetryDelayInSeconds=0)
    assert changed["QualificationType"]["RetryDelayInSeconds"] == 0
    with turk_error(client, "AWS.ParameterOutOfRange", "RetryDelayInSeconds"):
        client.update_qualification_type(QualificationTypeId=type_id, RetryDelayInSeconds=-1)
    # Omitting it leaves retries enabled.
    kept = client.update_qualification_type(QualificationTypeId=type_id, Description="x")["QualificationType"]
    assert kept["RetryDelayInSeconds"] == 0


def test_update_of_unknown_type(client):
    with turk_error(client, "AWS.MechanicalTurk.QualificationTypeDoesNotExist"):
        client.update_qualification_type(QualificationTypeId="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123", Description="x")


# -- delete ---------------------------------------------------------------------------------------

def test_delete_disposes_the_type_and_reserves_its_name(server, client, unique):
    qt = create(client, unique)
    type_id = qt["QualificationTypeId"]
    assert client.delete_qualification_type(QualificationTypeId=type_id)["ResponseMetadata"]["HTTPStatusCode"] == 200
    with turk_error(client, "AWS.MechanicalTurk.QualificationTypeDoesNotExist"):
        client.get_qualification_type(QualificationTypeId=type_id)
    assert not _owned(client, unique)
    with turk_error(client, "AWS.MechanicalTurk.InvalidQualificationTypeState",
                    "This operation can be called with a status of: Active,Inactive"):
        client.delete_qualification_type(QualificationTypeId=type_id)
    with turk_error(client, "AWS.MechanicalTurk.InvalidQualificationTypeState"):
        client.update_qualification_type(QualificationTypeId=type_id, Description="x")
    with turk_error(client, "AWS.MechanicalTurk.QualificationTypeAlreadyExists"):
        create(client, unique)
    # Once disposal has finished the name is free and the old type is gone.
    server.clock.advance(server.settings.dispose_seconds + 1)
    again = create(client, unique)
    assert again["QualificationTypeId"] != type_id
    with turk_error(client, "AWS.MechanicalTurk.QualificationTypeDoesNotExist"):
        client.delete_qualification_type(QualificationTypeId=type_id)


# -- list -----------------------------------------------------------------------------------------

def _owned(client, query):
    return client.list_qualification_types(MustBeRequestable=False, MustBeOwnedByCaller=True, Query=query,
                                           MaxResults=100)["QualificationTypes"]


def test_paginator_walks_every_page(client, unique):
    ids = [create(client, f"{unique}-{i:02d}")["QualificationTypeId"] for i in range(25)]
    paginator = client.get_paginator("list_qualification_types")
    pages = list(paginator.paginate(MustBeRequestable=True, MustBeOwnedByCaller=True, Query=unique,
                                    PaginationConfig={"PageSize": 10}))
    # MTurk's paging: every page with results has a NextToken, the last one too; the page after it is empty
    # and has none (docs/compatibility.md, Pagination).
    assert [p["NumResults"] for p in pages] == [10, 10, 5, 0]
    assert [len(p["QualificationTypes"]) for p in pages] == [10, 10, 5, 0]
    assert ["NextToken" in p for p in pages] == [True, True, True, False]
    assert [t["QualificationTypeId"] for p in pages for t in p["QualificationTypes"]] == ids
    # Default page size is 10; 100 is the largest allowed.
    default = client.list_qualification_types(MustBeRequestable=True, MustBeOwnedByCaller=True, Query=unique)
    assert default["NumResults"] == 10 and "NextToken" in default
    everything = client.list_qualification_types(MustBeRequestable=True, MustBeOwnedByCaller=True, Query=unique,
                                                 MaxResults=100)
    assert everything["NumResults"] == 25 and everything["NextToken"]
    after = client.list_qualification_types(MustBeRequestable=True, MustBeOwnedByCaller=True, Query=unique,
                                            MaxResults=100, NextToken=everything["NextToken"])
    assert after["NumResults"] == 0 and after["QualificationTypes"] == [] and "NextToken" not in after
    # A type created later is found with the last page's token (the token is a position, not a snapshot).
    late = create(client, f"{unique}-late")["QualificationTypeId"]
    again = client.list_qualification_types(MustBeRequestable=True, MustBeOwnedByCaller=True, Query=unique,
                                            MaxResults=100, NextToken=everything["NextToken"])
    assert [t["QualificationTypeId"] for t in again["QualificationTypes"]] == [late]


def test_max_results_above_100_is_out_of_range(client):
    with turk_error(client, "AWS.ParameterOutOfRange", "MaxResults"):
        client.list_qualification_types(MustBeRequestable=False, MaxResults=101)


def test_query_is_case_insensitive_over_name_description_and_keywords(client, unique):
    by_name = create(client, f"Writing {unique}")["QualificationTypeId"]
    by_description = create(client, unique + "x", Description=f"About {unique.upper()} things")["QualificationTypeId"]
    by_keywords = create(client, unique + "y", Keywords=f"a, {unique}, b")["QualificationTypeId"]
    found = client.list_qualification_types(MustBeRequestable=False, MustBeOwnedByCaller=True,
                                            Query=unique.upper(), MaxResults=100)
    assert {t["QualificationTypeId"] for t in found["QualificationTypes"]} == {by_name, by_description, by_keywords}
    # Wildcard characters are literal.
    assert not _owned(client, unique + "%")
    assert not _owned(client, unique[:3] + "_" + unique[4:])


def test_owned_by_caller_and_requestable_filters(client, other_client, unique):
    mine = create(client, unique + "a")["QualificationTypeId"]
    inactive = create(client, unique + "b", QualificationTypeStatus="Inactive")["QualificationTypeId"]
    theirs = create(other_client, unique + "c")["QualificationTypeId"]

    def listed(**kw):
        items = client.list_qualification_types(Query=unique, MaxResults=100, **kw)["QualificationTypes"]
        return {t["QualificationTypeId"] for t in items}

    assert listed(MustBeRequestable=False) == {mine, inactive, theirs}   # MustBeOwnedByCaller defaults to false
    assert listed(MustBeRequestable=False, MustBeOwnedByCaller=True) == {mine, inactive}
    assert listed(MustBeRequestable=True) == {mine, theirs}
    assert listed(MustBeRequestable=True, MustBeOwnedByCaller=True) == {mine}


def test_system_types_are_listed_only_when_not_requestable_only(client):
    def all_ids(requestable):
        paginator = client.get_paginator("list_qualification_types")
        return {t["QualificationTypeId"] for p in paginator.paginate(MustBeRequestable=requestable,
                                                                     PaginationConfig={"PageSize": 100})
                for t in p["QualificationTypes"]}
    assert set(SYSTEM_TYPES) <= all_ids(False)
    assert not set(SYSTEM_TYPES) & all_ids(True)


def test_dallinger_finds_a_type_by_upper_cased_name(client, unique):
    type_id = create(client, f"Dallinger {unique}")["QualificationTypeId"]
    found = client.list_qualification_types(Query=f"Dallinger {unique}".upper(), MustBeRequestable=False,
                                            MustBeOwnedByCaller=True, MaxResults=100)["QualificationTypes"]
    assert [t["QualificationTypeId"] for t in found if t["Name"].lower() == f"dallinger {unique}".lower()] == [type_id]


def test_next_token_is_tamper_evident_and_bound_to_its_filters(client, unique):
    for i in range(3):
        create(client, f"{unique}{i}")
    first = client.list_qualification_types(MustBeRequestable=False, MustBeOwnedByCaller=True, Query=unique,
                                            MaxResults=1)
    token = first["NextToken"]
    with turk_error(client, "AWS.MechanicalTurk.InvalidParameterValue", "NextToken"):
        client.list_qualification_types(MustBeRequestable=False, MustBeOwnedByCaller=True, Query=unique,
                                        MaxResults=1, NextToken=token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1])
    with turk_error(client, "AWS.MechanicalTurk.InvalidParameterValue", "NextToken"):
        client.list_qualification_types(MustBeRequestable=True, MustBeOwnedByCaller=True, Query=unique,
                                        MaxResults=1, NextToken=token)
    with turk_error(client, "AWS.MechanicalTurk.InvalidParameterValue", "NextToken"):
        client.list_qualification_types(MustBeRequestable=False, MaxResults=1, NextToken="garbage")


def test_pagination_is_stable_under_concurrent_inserts(client, unique):
    """An insert between every two pages: nothing is listed twice, the types that existed come first in
    order, and (a token being a position) the types inserted meanwhile follow. The walk ends at an empty
    page once the inserts stop."""
    original = [create(client, f"{unique}-{i:02d}")["QualificationTypeId"] for i in range(12)]
    seen, inserted = [], []
    token = None
    for _ in range(30):
        kwargs = {"NextToken": token} if token else {}
        page = client.list_qualification_types(MustBeRequestable=False, MustBeOwnedByCaller=True, Query=unique,
                                               MaxResults=5, **kwargs)
        seen += [t["QualificationTypeId"] for t in page["QualificationTypes"]]
        if len(inserted) < 6:
            inserted.append(create(client, f"{unique}-new{len(inserted)}")["QualificationTypeId"])
        token = page.get("NextToken")
        if not token:
            break
    assert token is None, "the walk did not end"
    assert len(seen) == len(set(seen))
    assert seen == original + inserted


# -- races ----------------------------------------------------------------------------------------

def test_concurrent_creates_of_one_name_make_exactly_one_type(server, requester, unique):
    clients = [server.client(requester) for _ in range(8)]
    barrier = threading.Barrier(len(clients))
    outcomes = []

    def attempt(c):
        barrier.wait()
        try:
            create(c, unique)
            outcomes.append("created")
        except c.exceptions.RequestError as exc:
            outcomes.append(exc.response["TurkErrorCode"])

    threads = [threading.Thread(target=attempt, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["AWS.MechanicalTurk.QualificationTypeAlreadyExists"] * 7 + ["created"]
    assert len(_owned(clients[0], unique)) == 1


def test_concurrent_updates_all_apply(server, requester, unique):
    clients = [server.client(requester) for _ in range(8)]
    type_id = create(clients[0], unique)["QualificationTypeId"]
    barrier = threading.Barrier(len(clients))
    errors = []

    def update(i, c):
        barrier.wait()
        try:
            c.update_qualification_type(QualificationTypeId=type_id, Description=f"writer {i}")
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=update, args=(i, c)) for i, c in enumerate(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert get(clients[0], type_id)["Description"] in {f"writer {i}" for i in range(8)}


def test_concurrent_updates_of_different_attributes_keep_each_other(server, requester, unique):
    # Each writer sets its own attribute, again and again: a change is written attribute by attribute, and
    # one checked against the type's test or auto-granting only if the type did not change since it was read
    # (else it is read again, with a lock) — so no writer ever undoes another's change.
    clients = [server.client(requester) for _ in range(4)]
    type_id = create(clients[0], unique)["QualificationTypeId"]
    rounds = 12
    changes = [lambda n: {"Description": f"description {n}"},
               lambda n: {"RetryDelayInSeconds": 60 + n},
               lambda n: {"QualificationTypeStatus": "Active" if n % 2 else "Inactive"},
               lambda n: {"AutoGranted": True, "AutoGrantedValue": 100 + n}]
    barrier = threading.Barrier(len(clients))
    errors = []

    def writer(c, change):
        barrier.wait()
        try:
            for n in range(rounds):
                c.update_qualification_type(QualificationTypeId=type_id, **change(n))
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=pair) for pair in zip(clients, changes)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    final = get(clients[0], type_id)
    assert (final["Description"], final["RetryDelayInSeconds"], final["QualificationTypeStatus"],
            final["AutoGranted"], final["AutoGrantedValue"]) == (
        f"description {rounds - 1}", 60 + rounds - 1, "Active", True, 100 + rounds - 1)


def test_an_update_that_changes_nothing_answers_the_type_as_it_is(client, unique):
    qt = create(client, unique, RetryDelayInSeconds=30)
    same = client.update_qualification_type(QualificationTypeId=qt["QualificationTypeId"],
                                            Description=qt["Description"], RetryDelayInSeconds=30,
                                            QualificationTypeStatus="Active")["QualificationType"]
    assert same == qt


def test_query_folds_case_beyond_ascii(client, unique):
    type_id = create(client, f"Émile Straße {unique}")["QualificationTypeId"]
    for query in ("émile", "ÉMILE", "STRASSE", f"straße {unique}".upper()):
        found = client.list_qualification_types(MustBeRequestable=False, MustBeOwnedByCaller=True, Query=query,
                                                MaxResults=100)["QualificationTypes"]
        assert type_id in {t["QualificationTypeId"] for t in found}, query


def test_query_sees_an_updated_description(client, unique):
    type_id = create(client, unique + "a")["QualificationTypeId"]
    client.update_qualification_type(QualificationTypeId=type_id, Description=f"now about {unique}zebra")
    assert [t["QualificationTypeId"] for t in _owned(client, unique + "zebra")] == [type_id]
