"""Reading the legacy parameters: GET and POST, both paths, booleans in every spelling, boto 2's literal
`None`, flattened lists, ResponseGroup=Request, Version and Service, unknown parameters."""

from __future__ import annotations

from urllib.parse import urlencode

import httpx
import pytest

from openturk import errors
from openturk.protocol import legacy

from .helpers import call, error_code, get, post, signed, text, texts, xml


@pytest.fixture
def creds(server):
    return server.new_requester("params")


def create(server, creds, unique, **params) -> str:
    response = call(server.endpoint, creds, "CreateQualificationType",
                    {"Name": unique, "Description": "d", "QualificationTypeStatus": "Active", **params})
    assert error_code(response) is None, response.text
    return text(response, "QualificationType/QualificationTypeId")


# -- pure parsing ---------------------------------------------------------------------------------------

def test_flattened_lists_in_index_order():
    params = legacy.parse_parameters(
        b"QualificationRequirement.2.QualificationTypeId=B&QualificationRequirement.1.QualificationTypeId=A"
        b"&QualificationRequirement.1.Comparator=In&QualificationRequirement.1.IntegerValue.2=20"
        b"&QualificationRequirement.1.IntegerValue.1=10&QualificationRequirement.2.LocaleValue.Country=US"
        b"&QualificationRequirement.10.QualificationTypeId=J&WorkerId.1=W1&WorkerId.2=W2", None)
    assert legacy.nested(params, "QualificationRequirement") == [
        {"QualificationTypeId": "A", "Comparator": "In", "IntegerValue": ["10", "20"]},
        {"QualificationTypeId": "B", "LocaleValue": {"Country": "US"}},
        {"QualificationTypeId": "J"}]
    assert legacy.nested(params, "WorkerId") == ["W1", "W2"]
    assert legacy.nested(params, "Nothing") == []


def test_flattened_lists_refuse_contradictions():
    for query in (b"P.1=a&P.1.X=b", b"P.1=a&P.X=b"):
        with pytest.raises(errors.TurkError):
            legacy.nested(legacy.parse_parameters(query, None), "P")


def test_flattened_list_indexes_are_ascii_numbers():
    """Found by tests/fuzz: `str.isdigit` also holds for '²' (which int() refuses) and for 5000 digits (more
    than int() converts), and either was a ValueError, answered as AWS.ServiceUnavailable."""
    params = legacy.parse_parameters("P.²=a&P.٣=b".encode(), None)
    assert legacy.nested(params, "P") == {"²": "a", "٣": "b"}      # names, not indexes
    with pytest.raises(errors.TurkError) as info:
        legacy.nested(legacy.parse_parameters(b"P." + b"9" * 5000 + b"=a", None), "P")
    assert info.value.code == errors.Code.INVALID_PARAMETER_VALUE
    assert "a list index has at most 9 digits" in info.value.message


@pytest.mark.parametrize("name", ["ResponseGroup." + "9" * 5000, "ResponseGroup.²", "ResponseGroup.1.²"])
def test_odd_response_group_indexes_are_request_errors(server, creds, name):
    response = call(server.endpoint, creds, "GetAccountBalance", {name: "Request"})
    assert response.status_code == 200, response.text
    assert error_code(response) in (None, errors.Code.INVALID_PARAMETER_VALUE)


@pytest.mark.parametrize("operation,params", [
    ("BlockWorker", {"WorkerId": "ANULREASON1", "Reason": "a\x00b"}),
    ("CreateQualificationType", {"Name": "n\x00", "Description": "d", "QualificationTypeStatus": "Active"}),
])
def test_nul_characters_are_invalid_values(server, creds, operation, params):
    """Found by tests/fuzz: PostgreSQL cannot store U+0000 in text (a ServiceUnavailable there)."""
    response = call(server.endpoint, creds, operation, params)
    assert response.status_code == 200, response.text
    assert error_code(response) == errors.Code.INVALID_PARAMETER_VALUE
    assert b"must not contain the character U+0000" in response.content
    blocks = call(server.endpoint, creds, "GetBlockedWorkers")
    assert texts(blocks, ".//WorkerBlock/WorkerId") == []


@pytest.mark.parametrize("spelling,value", [("true", True), ("True", True), ("TRUE", True), ("1", True),
                                            ("false", False), ("False", False), ("0", False)])
def test_boolean_spellings(spelling, value):
    assert legacy.boolean("AutoGranted", spelling) is value


@pytest.mark.parametrize("spelling", ["yes", "", "2", "None"])
def test_other_booleans_are_invalid(spelling):
    with pytest.raises(errors.TurkError) as info:
        legacy.boolean("AutoGranted", spelling)
    assert info.value.code == errors.Code.INVALID_PARAMETER_VALUE


def test_query_and_body_are_merged_and_utf8_is_required():
    params = legacy.parse_parameters(b"Service=S&A=1", "B=caf%C3%A9&A=1".encode())
    assert (params["Service"], params["A"], params["B"]) == (["S"], ["1", "1"], ["café"])
    assert legacy.single(params, "A") == "1"
    with pytest.raises(errors.TurkError):
        legacy.single(legacy.parse_parameters(b"A=1&A=2", None), "A")
    with pytest.raises(errors.TurkError):
        legacy.parse_parameters(b"A=%FF", None)


# -- through the server -------------------------------------------------------------------------------------

@pytest.mark.parametrize("spelling,shown", [("true", "1"), ("True", "1"), ("1", "1"), ("false", "0"),
                                            ("False", "0"), ("0", "0")])
def test_every_boolean_spelling_creates(server, creds, unique, spelling, shown):
    type_id = create(server, creds, unique, AutoGranted=spelling)
    response = call(server.endpoint, creds, "GetQualificationType", {"QualificationTypeId": type_id})
    assert text(response, "QualificationType/AutoGranted") == shown


def test_a_bad_boolean_is_an_invalid_value(server, creds, unique):
    response = call(server.endpoint, creds, "CreateQualificationType",
                    {"Name": unique, "Description": "d", "QualificationTypeStatus": "Active", "AutoGranted": "yes"})
    assert error_code(response) == "AWS.MechanicalTurk.InvalidParameterValue"
    assert "AutoGranted" in text(response, ".//Message")


def test_boto2_none_means_absent_for_optional_parameters(server, creds, unique):
    """boto 2 stringifies unset arguments: `Query=None`, `Reason=None`, `Keywords=None`."""
    type_id = create(server, creds, unique, Keywords="None", RetryDelayInSeconds="None")
    response = call(server.endpoint, creds, "GetQualificationType", {"QualificationTypeId": type_id})
    assert text(response, "QualificationType/Keywords") is None
    assert text(response, "QualificationType/RetryDelayInSeconds") is None
    search = call(server.endpoint, creds, "SearchQualificationTypes",
                  {"Query": "None", "MustBeRequestable": "False", "MustBeOwnedByCaller": "True", "PageSize": "100"})
    assert unique in texts(search, ".//QualificationType/Name")
    worker = server.create_worker()
    assigned = call(server.endpoint, creds, "AssignQualification", {"QualificationTypeId": type_id,
                                                                     "WorkerId": worker.worker_id,
                                                                     "SendNotification": "False"})
    assert error_code(assigned) is None
    revoked = call(server.endpoint, creds, "RevokeQualification", {"SubjectId": worker.worker_id,
                                                                   "QualificationTypeId": type_id, "Reason": "None"})
    assert error_code(revoked) is None
    assert worker.messages() == []   # no Reason, so the worker is not told


def test_none_is_a_value_for_required_parameters(server, creds):
    """A type may be called "None": a required parameter is never taken for absent."""
    other = server.new_requester("none")
    response = call(server.endpoint, other, "CreateQualificationType",
                    {"Name": "None", "Description": "None", "QualificationTypeStatus": "Active"})
    assert text(response, "QualificationType/Name") == "None"
    assert text(response, "QualificationType/Description") == "None"


def test_missing_required_parameters(server, creds):
    response = call(server.endpoint, creds, "CreateQualificationType", {"Name": "n", "Description": "d"})
    assert error_code(response) == "AWS.MissingParameters"
    assert "QualificationTypeStatus" in text(response, ".//Message")
    response = call(server.endpoint, creds, "RevokeQualification", {"QualificationTypeId": "ABC"})
    assert "SubjectId" in text(response, ".//Message")


def test_values_are_validated_like_the_2017_api(server, creds, unique):
    cases = [("CreateQualificationType", {"Name": unique, "Description": "d", "QualificationTypeStatus": "Sleeping"},
              "AWS.MechanicalTurk.InvalidParameterValue"),
             ("CreateQualificationType", {"Name": unique, "Description": "d", "QualificationTypeStatus": "Active",
                                          "RetryDelayInSeconds": "soon"}, "AWS.MechanicalTurk.InvalidParameterValue"),
             ("CreateQualificationType", {"Name": unique, "Description": "d" * 2001, "QualificationTypeStatus": "Active"},
              "AWS.MechanicalTurk.InvalidParameterValue"),
             ("GetQualificationScore", {"QualificationTypeId": "abc", "SubjectId": "A1"},
              "AWS.MechanicalTurk.InvalidParameterValue"),
             ("AssignQualification", {"QualificationTypeId": "ABC", "WorkerId": "A1", "IntegerValue": "99999999999"},
              "AWS.ParameterOutOfRange"),
             ("GetQualificationsForQualificationType", {"QualificationTypeId": "ABC", "Status": "Maybe"},
              "AWS.MechanicalTurk.InvalidParameterValue"),
             ("GetBlockedWorkers", {"PageNumber": "0"}, "AWS.ParameterOutOfRange")]
    for operation, params, code in cases:
        response = call(server.endpoint, creds, operation, params)
        assert (response.status_code, error_code(response)) == (200, code), (operation, params, response.text)


def test_unknown_parameters_are_ignored(server, creds, unique):
    """rturk sends Name and Keywords to UpdateQualificationType; MTurk never documented them as updatable."""
    type_id = create(server, creds, unique, Keywords="k")
    response = call(server.endpoint, creds, "UpdateQualificationType",
                    {"QualificationTypeId": type_id, "Name": "renamed", "Keywords": "changed", "Description": "new",
                     "Whatever": "x"})
    assert error_code(response) is None
    assert (text(response, "QualificationType/Name"), text(response, "QualificationType/Keywords"),
            text(response, "QualificationType/Description")) == (unique, "k", "new")


def test_response_group_request_echoes_the_request(server, creds, unique):
    type_id = create(server, creds, unique)
    for groups in ({"ResponseGroup": "Request"}, {"ResponseGroup.1": "Minimal", "ResponseGroup.2": "Request"}):
        response = call(server.endpoint, creds, "GetQualificationType", {"QualificationTypeId": type_id, **groups})
        echoed = "".join(f"<ResponseGroup>{g}</ResponseGroup>" for g in groups.values())
        assert (f"<QualificationType><Request><IsValid>True</IsValid><GetQualificationTypeRequest><QualificationTypeId>"
                f"{type_id}</QualificationTypeId>{echoed}</GetQualificationTypeRequest></Request><QualificationTypeId>"
                ).encode() in response.content
    failed = call(server.endpoint, creds, "GetQualificationType",
                  {"QualificationTypeId": "NOSUCHTYPE", "ResponseGroup": "Request"})
    assert (b"<Request><IsValid>False</IsValid><GetQualificationTypeRequest><QualificationTypeId>NOSUCHTYPE"
            b"</QualificationTypeId><ResponseGroup>Request</ResponseGroup></GetQualificationTypeRequest><Errors>"
            ) in failed.content
    minimal = call(server.endpoint, creds, "GetQualificationType", {"QualificationTypeId": type_id,
                                                                    "ResponseGroup": "Minimal"})
    assert b"<Request><IsValid>True</IsValid></Request>" in minimal.content


@pytest.mark.parametrize("version", ["2005-10-01", "2006-08-23", "2012-03-25", "2014-08-15", None])
def test_every_legacy_version_is_accepted(server, creds, version):
    response = call(server.endpoint, creds, "GetAccountBalance", version=version)
    assert error_code(response) is None


@pytest.mark.parametrize("version", ["2017-01-17", "2005-09-30", "latest"])
def test_other_versions_are_refused(server, creds, version):
    response = call(server.endpoint, creds, "GetAccountBalance", version=version)
    assert response.status_code == 200
    assert text(response, "GetAccountBalanceResult/Request/Errors/Error/Code") == "AWS.MechanicalTurk.InvalidParameterValue"
    assert "Version" in text(response, ".//Message")


def test_service_is_optional_but_must_be_right(server, creds):
    assert error_code(call(server.endpoint, creds, "GetAccountBalance",
                           {"Service": "AWSMechanicalTurkRequester"})) is None
    wrong = call(server.endpoint, creds, "GetAccountBalance", {"Service": "AWSECommerceService"}, scheme="v1")
    assert error_code(wrong) == "AWS.MechanicalTurk.InvalidParameterValue"


def test_grant_qualification_takes_the_2005_value_parameter(server, creds, unique):
    type_id = create(server, creds, unique)
    worker = server.create_worker()
    request = worker.request(type_id)
    response = call(server.endpoint, creds, "GrantQualification",
                    {"QualificationRequestId": request["QualificationRequestId"], "Value": "7"}, version="2005-10-01")
    assert error_code(response) is None
    score = call(server.endpoint, creds, "GetQualificationScore", {"QualificationTypeId": type_id,
                                                                   "SubjectId": worker.worker_id})
    assert text(score, "Qualification/IntegerValue") == "7"


def test_both_paths_and_get(server, creds):
    params = signed(creds, "GetAccountBalance")
    for response in (post(server.endpoint, params, path="/onca/xml"), get(server.endpoint, params, path="/onca/xml"),
                     get(server.endpoint, params)):
        assert error_code(response) is None, response.text


def test_get_without_an_operation_is_not_the_legacy_api(server):
    assert httpx.get(server.endpoint + "/", timeout=30).status_code == 404
    assert httpx.get(server.endpoint + "/?Foo=Operation=", timeout=30).status_code == 404


def test_missing_or_malformed_operation_is_a_front_end_error(server, creds):
    params = signed(creds, "GetAccountBalance")
    for change in ({"Operation": None}, {"Operation": "Get Account<Balance>"}):
        body = {k: v for k, v in {**params, **change}.items() if v is not None}
        response = post(server.endpoint, body)
        assert response.status_code == 400
        assert xml(response).tag == "Response" and error_code(response) in (
            "AWS.MissingParameters", "AWS.MechanicalTurk.InvalidParameterValue")


def test_operations_not_built_are_unsupported(server, creds):
    response = call(server.endpoint, creds, "CreateHIT", {"Title": "t"})
    assert response.status_code == 200
    assert xml(response).tag == "CreateHITResponse"
    assert text(response, "OperationRequest/Errors/Error/Code") == "AWS.MechanicalTurk.UnsupportedOperation"
    assert "CreateHIT" in text(response, ".//Message")


def test_a_body_that_is_not_a_form_is_not_read(server, creds):
    params = signed(creds, "GetAccountBalance")
    response = httpx.post(server.endpoint + "/", content=urlencode(params).encode(),
                          headers={"Content-Type": "text/plain"}, timeout=30)
    assert response.status_code == 400 and error_code(response) == "AWS.MissingParameters"


def test_a_huge_body_is_refused(server, creds):
    params = signed(creds, "CreateQualificationType", {"Name": "n", "Description": "d" * 2_000_000,
                                                       "QualificationTypeStatus": "Active"})
    response = post(server.endpoint, params)
    assert response.status_code == 400 and xml(response).tag == "Response"


def test_every_legacy_operation_runs_a_built_operation():
    """Each legacy parameter is a member of its 2017 shape (or declared as legacy-only), and each legacy
    operation runs an operation that is built: a 2017 one or a function of ops/legacy.py."""
    from openturk.ops import REGISTRY
    from openturk.ops import legacy as legacy_ops
    for op in legacy.OPERATIONS.values():
        assert set(op.members) | set(op.extra) == set(op.params), op.name
        assert set(op.required) <= set(op.params), op.name
        if op.implementation is not None:
            assert callable(getattr(legacy_ops, op.implementation)), op.name
        else:
            assert REGISTRY[op.model].implemented, op.name
