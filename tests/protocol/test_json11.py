"""The JSON 1.1 parser and serialiser, built from the real botocore shapes of the MTurk model."""

from __future__ import annotations

from datetime import datetime, timezone

import orjson
import pytest
from botocore.parsers import create_parser

from openturk import errors
from openturk.protocol.json11 import build_parser, build_serialiser
from openturk.protocol.model import service_model

MODEL = service_model()


def parser(operation: str):
    return build_parser(MODEL.operation_model(operation).input_shape)


def serialiser(operation: str):
    return build_serialiser(MODEL.operation_model(operation).output_shape)


CREATE = parser("CreateQualificationType")
UPDATE = parser("UpdateQualificationType")
LIST = parser("ListQualificationTypes")
GET = parser("GetQualificationType")
CREATE_HIT = parser("CreateHIT")
EXPIRE_HIT = parser("UpdateExpirationForHIT")
BALANCE = parser("GetAccountBalance")

TYPE_ID = "3" * 10 + "ABCDEFGHIJ" + "0123456789"
VALID_CREATE = {"Name": "Skill", "Description": "A skill", "QualificationTypeStatus": "Active"}
VALID_HIT = {"LifetimeInSeconds": 60, "AssignmentDurationInSeconds": 60, "Reward": "0.10", "Title": "T",
             "Description": "D"}


def fails(parse, value, code: str) -> errors.TurkError:
    with pytest.raises(errors.TurkError) as info:
        parse(value, "")
    assert info.value.kind == "RequestError"
    assert info.value.code == code
    return info.value


def invalid(parse, value) -> str:
    return fails(parse, value, errors.Code.INVALID_PARAMETER_VALUE).message


# -- what comes out ------------------------------------------------------------------------------------

def test_members_come_out_under_their_snake_case_names():
    parsed = CREATE({**VALID_CREATE, "RetryDelayInSeconds": 30, "TestDurationInSeconds": 600,
                     "AutoGranted": False, "AutoGrantedValue": 0, "Keywords": ""}, "")
    assert parsed == {"name": "Skill", "description": "A skill", "qualification_type_status": "Active",
                      "retry_delay_in_seconds": 30, "test_duration_in_seconds": 600, "auto_granted": False,
                      "auto_granted_value": 0, "keywords": ""}


def test_nested_structures_and_lists_are_parsed():
    parsed = CREATE_HIT({**VALID_HIT, "QualificationRequirements": [
        {"QualificationTypeId": "000000000000000000L0", "Comparator": "In", "IntegerValues": [1, 2],
         "LocaleValues": [{"Country": "US", "Subdivision": "WA"}], "ActionsGuarded": "Accept"}]}, "")
    assert parsed["qualification_requirements"] == [
        {"qualification_type_id": "000000000000000000L0", "comparator": "In", "integer_values": [1, 2],
         "locale_values": [{"country": "US", "subdivision": "WA"}], "actions_guarded": "Accept"}]


def test_an_operation_without_parameters_takes_an_empty_object():
    assert BALANCE({}, "") == {}
    assert "it is not a parameter of this operation" in invalid(BALANCE, {"Anything": 1})


# -- required members ------------------------------------------------------------------------------------

@pytest.mark.parametrize("missing", ["Name", "Description", "QualificationTypeStatus"])
def test_each_required_member_is_required(missing):
    body = {k: v for k, v in VALID_CREATE.items() if k != missing}
    error = fails(CREATE, body, errors.Code.MISSING_PARAMETERS)
    assert error.message == ("Your request is missing required parameters. "
                             f"Required parameters include {missing}.")


def test_an_empty_body_misses_the_required_members():
    assert "include QualificationTypeId" in fails(GET, {}, errors.Code.MISSING_PARAMETERS).message
    assert "include MustBeRequestable" in fails(LIST, {}, errors.Code.MISSING_PARAMETERS).message


def test_required_members_of_nested_structures_are_named_by_their_path():
    body = {**VALID_HIT, "QualificationRequirements": [{"QualificationTypeId": "X", "Comparator": "Exists"},
                                                       {"Comparator": "Exists"}]}
    error = fails(CREATE_HIT, body, errors.Code.MISSING_PARAMETERS)
    assert "Required parameters include QualificationRequirements[1].QualificationTypeId." in error.message


# -- JSON types --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("member, value, phrase", [
    ("RetryDelayInSeconds", "10", "expected an integer, got string"),
    ("RetryDelayInSeconds", True, "expected an integer, got bool"),
    ("RetryDelayInSeconds", False, "expected an integer, got bool"),
    ("RetryDelayInSeconds", 1.5, "expected an integer, got float"),
    ("AutoGrantedValue", "1", "expected an integer, got string"),
    ("AutoGrantedValue", [1], "expected an integer, got list"),
    ("Name", 5, "expected a string, got int"),
    ("Name", 5.0, "expected a string, got float"),
    ("Name", True, "expected a string, got bool"),
    ("Name", ["Skill"], "expected a string, got list"),
    ("Name", {"value": "Skill"}, "expected a string, got object"),
    ("AutoGranted", "true", "expected a boolean, got string"),
    ("AutoGranted", 1, "expected a boolean, got int"),
    ("QualificationTypeStatus", 1, "expected a string, got int"),
])
def test_wrong_json_types_are_invalid_values(member, value, phrase):
    message = invalid(CREATE, {**VALID_CREATE, member: value})
    assert message == f"The value for {member} is invalid: {phrase}"


@pytest.mark.parametrize("member", ["Name", "Keywords", "RetryDelayInSeconds", "AutoGranted"])
def test_null_is_an_invalid_value(member):
    message = invalid(CREATE, {**VALID_CREATE, member: None})
    assert message == f"The value for {member} is invalid: null is not allowed (omit the parameter instead)"


@pytest.mark.parametrize("body, got", [([VALID_CREATE], "list"), ("Skill", "string"), (1, "int"),
                                       (None, "null")])
def test_the_body_must_be_an_object(body, got):
    assert invalid(CREATE, body) == (
        f"The value for the request body is invalid: expected an object, got {got}")


@pytest.mark.parametrize("requirements, phrase", [
    ({"QualificationTypeId": "X", "Comparator": "Exists"},
     "QualificationRequirements is invalid: expected a list, got object"),
    (["X"], "QualificationRequirements[0] is invalid: expected an object, got string"),
    ([{"QualificationTypeId": "X", "Comparator": "Exists", "IntegerValues": ["1"]}],
     "QualificationRequirements[0].IntegerValues[0] is invalid: expected an integer, got string"),
])
def test_nested_type_errors_name_their_path(requirements, phrase):
    assert phrase in invalid(CREATE_HIT, {**VALID_HIT, "QualificationRequirements": requirements})


def test_an_integral_float_is_an_integer():
    assert LIST({"MustBeRequestable": False, "MaxResults": 100.0}, "")["max_results"] == 100


# -- ranges ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("value", [0, 101, -1, 2**40])
def test_max_results_outside_1_to_100_is_out_of_range(value):
    error = fails(LIST, {"MustBeRequestable": True, "MaxResults": value}, errors.Code.PARAMETER_OUT_OF_RANGE)
    assert error.message == (f"The value {value} for parameter MaxResults is out of range. "
                             "Valid values range from 1 to 100.")


@pytest.mark.parametrize("value", [1, 100])
def test_max_results_of_1_and_100_are_accepted(value):
    assert LIST({"MustBeRequestable": True, "MaxResults": value}, "")["max_results"] == value


def test_integers_are_32_bit_and_longs_64_bit():
    assert CREATE({**VALID_CREATE, "AutoGrantedValue": 2**31 - 1}, "")["auto_granted_value"] == 2**31 - 1
    error = fails(CREATE, {**VALID_CREATE, "AutoGrantedValue": 2**31}, errors.Code.PARAMETER_OUT_OF_RANGE)
    assert f"The value {2**31} for parameter AutoGrantedValue is out of range" in error.message
    longest = CREATE({**VALID_CREATE, "RetryDelayInSeconds": 2**63 - 1}, "")
    assert longest["retry_delay_in_seconds"] == 2**63 - 1
    fails(CREATE, {**VALID_CREATE, "RetryDelayInSeconds": 2**63}, errors.Code.PARAMETER_OUT_OF_RANGE)
    fails(CREATE, {**VALID_CREATE, "RetryDelayInSeconds": -(2**63) - 1}, errors.Code.PARAMETER_OUT_OF_RANGE)


# -- strings: patterns, enums, lengths -----------------------------------------------------------------------

def test_a_well_formed_id_is_accepted():
    assert GET({"QualificationTypeId": TYPE_ID}, "") == {"qualification_type_id": TYPE_ID}


@pytest.mark.parametrize("value", [TYPE_ID.lower(), "3ABC-DEF", " 3ABC", "3ABC ", "3ABC\n", "\n3ABC",
                                   "3AB\nC", "3ÄBC"])
def test_ids_must_match_the_pattern(value):
    assert invalid(GET, {"QualificationTypeId": value}) == (
        "The value for QualificationTypeId is invalid: it must match the pattern ^[A-Z0-9]+$")


def test_ids_have_between_1_and_64_characters():
    assert GET({"QualificationTypeId": "A" * 64}, "")["qualification_type_id"] == "A" * 64
    assert invalid(GET, {"QualificationTypeId": "A" * 65}) == (
        "The value for QualificationTypeId is invalid: it must be at most 64 characters long")
    assert invalid(GET, {"QualificationTypeId": ""}) == (
        "The value for QualificationTypeId is invalid: it must be at least 1 characters long")


def test_the_pagination_token_has_at_most_255_characters():
    assert LIST({"MustBeRequestable": True, "NextToken": "x" * 255}, "")["next_token"] == "x" * 255
    assert "NextToken is invalid: it must be at most 255 characters long" in invalid(
        LIST, {"MustBeRequestable": True, "NextToken": "x" * 256})


@pytest.mark.parametrize("value", ["Retired", "Disposing", "active", "ACTIVE", ""])
def test_statuses_outside_the_enum_are_invalid(value):
    assert invalid(UPDATE, {"QualificationTypeId": TYPE_ID, "QualificationTypeStatus": value}) == (
        f"The value for QualificationTypeStatus is invalid: {value!r} is not one of Active, Inactive")


@pytest.mark.parametrize("value", ["0.10", "1", "10.", "12.5"])
def test_currency_amounts_match_their_pattern(value):
    assert CREATE_HIT({**VALID_HIT, "Reward": value}, "")["reward"] == value


@pytest.mark.parametrize("value", ["0.101", "$1", "1,00", "-1", "1.00\n"])
def test_malformed_currency_amounts_are_invalid(value):
    message = invalid(CREATE_HIT, {**VALID_HIT, "Reward": value})
    assert message == r"The value for Reward is invalid: it must match the pattern ^[0-9]+(\.)?[0-9]{0,2}$"


# -- unknown members -------------------------------------------------------------------------------------

@pytest.mark.parametrize("member", ["Name", "Keywords", "qualificationTypeId", "Foo", ""])
def test_unknown_members_are_refused(member):
    message = invalid(UPDATE, {"QualificationTypeId": TYPE_ID, member: "x"})
    assert message == f"The value for {member} is invalid: it is not a parameter of this operation"


def test_unknown_members_of_nested_structures_are_refused():
    body = {**VALID_HIT, "QualificationRequirements": [{"QualificationTypeId": "X", "Comparator": "Exists",
                                                        "Required": True}]}
    assert invalid(CREATE_HIT, body) == ("The value for QualificationRequirements[0].Required is invalid: "
                                         "it is not a parameter of this operation")


# -- timestamps in -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("value, ms", [(1700000000, 1700000000000), (1700000000.25, 1700000000250),
                                       (0, 0), ("2023-11-14T22:13:20Z", 1700000000000),
                                       ("2023-11-14T22:13:20+00:00", 1700000000000)])
def test_timestamps_are_read_as_epoch_seconds_or_iso_8601(value, ms):
    assert EXPIRE_HIT({"HITId": "H", "ExpireAt": value}, "") == {"hit_id": "H", "expire_at": ms}


@pytest.mark.parametrize("value, got", [(True, "bool"), ("yesterday", "string"), ([1], "list")])
def test_other_timestamps_are_invalid(value, got):
    assert invalid(EXPIRE_HIT, {"HITId": "H", "ExpireAt": value}) == (
        f"The value for ExpireAt is invalid: expected a timestamp (epoch seconds), got {got}")


# -- serialising -----------------------------------------------------------------------------------------

TYPE_RESULT = {
    "qualification_type_id": TYPE_ID, "creation_time": 1700000000000, "name": "Skill",
    "description": "A skill", "keywords": None, "qualification_type_status": "Active", "test": None,
    "test_duration_in_seconds": None, "retry_delay_in_seconds": 0, "is_requestable": True,
    "auto_granted": False,
}


def test_none_members_are_omitted_and_false_and_zero_are_kept():
    out = serialiser("GetQualificationType")({"qualification_type": TYPE_RESULT})
    assert out == {"QualificationType": {
        "QualificationTypeId": TYPE_ID, "CreationTime": 1700000000, "Name": "Skill", "Description": "A skill",
        "QualificationTypeStatus": "Active", "RetryDelayInSeconds": 0, "IsRequestable": True,
        "AutoGranted": False}}
    assert serialiser("GetQualificationType")({"qualification_type": None}) == {}
    assert serialiser("DeleteQualificationType")({}) == {}


def test_timestamps_are_written_as_epoch_seconds():
    dump = serialiser("GetQualificationType")
    whole = dump({"qualification_type": {**TYPE_RESULT, "creation_time": 1700000000000}})
    assert whole["QualificationType"]["CreationTime"] == 1700000000
    assert type(whole["QualificationType"]["CreationTime"]) is int
    fraction = dump({"qualification_type": {**TYPE_RESULT, "creation_time": 1700000000123}})
    assert fraction["QualificationType"]["CreationTime"] == 1700000000.123


def test_lists_are_serialised_item_by_item():
    out = serialiser("ListQualificationTypes")({"num_results": 2, "next_token": None, "qualification_types": [
        TYPE_RESULT, {**TYPE_RESULT, "name": "Other", "auto_granted": True, "auto_granted_value": 3}]})
    assert out["NumResults"] == 2 and "NextToken" not in out
    assert [t["Name"] for t in out["QualificationTypes"]] == ["Skill", "Other"]
    assert out["QualificationTypes"][1]["AutoGrantedValue"] == 3


def test_botocore_reads_back_what_was_written():
    operation = MODEL.operation_model("GetQualificationType")
    body = orjson.dumps(build_serialiser(operation.output_shape)(
        {"qualification_type": {**TYPE_RESULT, "creation_time": 1700000000123}}))
    parsed = create_parser("json").parse({"status_code": 200, "headers": {}, "body": body},
                                         operation.output_shape)
    qt = parsed["QualificationType"]
    assert qt["CreationTime"] == datetime(2023, 11, 14, 22, 13, 20, 123000, tzinfo=qt["CreationTime"].tzinfo)
    assert qt["CreationTime"].utcoffset().total_seconds() == 0
    assert qt["AutoGranted"] is False and qt["RetryDelayInSeconds"] == 0
    assert datetime.fromtimestamp(1700000000, timezone.utc) == qt["CreationTime"].replace(microsecond=0)
