"""Correctly signed requests with bad input: every one is a 4xx with a JSON error body (never a 500,
never a traceback), and none of them changes or creates anything."""

from __future__ import annotations

import json
import uuid

import httpx
import pytest
from botocore.exceptions import ClientError

from openturk import errors
from openturk.ops import REGISTRY
from openturk.protocol.model import service_model

from .signed_http import JSON_TYPE, TARGET_PREFIX, aws_error, call, send, sign, turk_error

Code = errors.Code
QF_NS = "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2017-11-06/QuestionForm.xsd"
AK_NS = "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/AnswerKey.xsd"


def question_form(text: str = "What is 2 + 2?", padding: str = "") -> str:
    return (f'<QuestionForm xmlns="{QF_NS}"><Question><QuestionIdentifier>q1</QuestionIdentifier>'
            f"<QuestionContent><Text>{text}</Text></QuestionContent><AnswerSpecification><FreeTextAnswer/>"
            f"</AnswerSpecification></Question>{padding}</QuestionForm>")


def sized_question_form(size: int, filler: str = " ") -> str:
    """A valid QuestionForm of exactly `size` bytes of UTF-8."""
    base = len(question_form().encode())
    count, rest = divmod(size - base, len(filler.encode()))
    assert rest == 0
    return question_form(padding=filler * count)


VALID_TEST = question_form()
BILLION_LAUGHS = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                  '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
                  '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
                  + question_form("&lol3;"))
EXTERNAL_ENTITY = ('<?xml version="1.0"?><!DOCTYPE QuestionForm [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
                   + question_form("&xxe;"))
TOO_DEEP = f'<QuestionForm xmlns="{QF_NS}">' + "<Overview>" * 64 + "</Overview>" * 64 + "</QuestionForm>"
TWO_MB = 2 * 1024 * 1024

CREATE = {"Name": "victim", "Description": "created by a bad request", "QualificationTypeStatus": "Active"}
INVALID, XML, MISSING, RANGE = (Code.INVALID_PARAMETER_VALUE, Code.XML_PARSE_ERROR, Code.MISSING_PARAMETERS,
                                Code.PARAMETER_OUT_OF_RANGE)
XML_ERROR = "There was an error parsing the XML in Test: "
NOT_JSON = "The request body is not valid JSON: "
TOO_LARGE = "The request body is larger than 1048576 bytes."
NO_DOCTYPE = (XML_ERROR + "line 1: document type declarations (DOCTYPE) and entity declarations are not "
              "allowed")
NOT_A_PARAMETER = "is invalid: it is not a parameter of this operation"
WRONG_ROOT = "the root element must be QuestionForm in namespace"


def with_test(test: str, **more) -> dict:
    return {**CREATE, "Test": test, "TestDurationInSeconds": 60, **more}


def case(case_id: str, body, code: str, phrase: str):
    return pytest.param(body, code, phrase, id=case_id)


CREATE_CASES = [
    case("truncated JSON", b'{"Name": "victim", "Description": ', INVALID, NOT_JSON),
    case("trailing garbage", json.dumps(CREATE).encode() + b" {}", INVALID, NOT_JSON),
    case("single quotes", b"{'Name': 'victim'}", INVALID, NOT_JSON),
    case("NaN", b'{"Name": "victim", "RetryDelayInSeconds": NaN}', INVALID, NOT_JSON),
    case("infinite number", b'{"RetryDelayInSeconds": 1e400}', INVALID, NOT_JSON),
    case("JSON array", json.dumps([CREATE]).encode(), INVALID,
         "The value for the request body is invalid: expected an object, got list"),
    case("JSON null", b"null", INVALID, "expected an object, got null"),
    case("JSON string", b'"victim"', INVALID, "expected an object, got string"),
    case("invalid UTF-8", b'{"Name": "vic\xff\xfetim", "Description": "d", "QualificationTypeStatus": "A"}',
         INVALID, NOT_JSON),
    case("UTF-16", json.dumps(CREATE).encode("utf-16"), INVALID, NOT_JSON),
    case("byte order mark", b"\xef\xbb\xbf" + json.dumps(CREATE).encode(), INVALID, NOT_JSON),
    case("100000 nested arrays", b"[" * 100_000, INVALID, NOT_JSON),
    case("100000 nested objects", b'{"Name":' * 100_000 + b"1" + b"}" * 100_000, INVALID, NOT_JSON),
    case("2 MB body", json.dumps({**CREATE, "Description": "x" * TWO_MB}).encode(), INVALID, TOO_LARGE),
    case("Name is a number", {**CREATE, "Name": 5}, INVALID,
         "The value for Name is invalid: expected a string, got int"),
    case("delay is a string", {**CREATE, "RetryDelayInSeconds": "60"}, INVALID,
         "The value for RetryDelayInSeconds is invalid: expected an integer, got string"),
    case("AutoGranted is a string", {**CREATE, "AutoGranted": "false"}, INVALID,
         "The value for AutoGranted is invalid: expected a boolean, got string"),
    case("status is a list", {**CREATE, "QualificationTypeStatus": ["Active"]}, INVALID,
         "The value for QualificationTypeStatus is invalid: expected a string, got list"),
    # Found by tests/fuzz: PostgreSQL cannot store U+0000 in text (a 500 there, stored on SQLite).
    case("NUL in Name", {**CREATE, "Name": "vic\u0000tim"}, INVALID,
         "The value for Name is invalid: it must not contain the character U+0000"),
    case("NUL in Keywords", {**CREATE, "Keywords": "\u0000"}, INVALID,
         "The value for Keywords is invalid: it must not contain the character U+0000"),
    case("Keywords is null", {**CREATE, "Keywords": None}, INVALID,
         "The value for Keywords is invalid: null is not allowed"),
    case("huge integer", {**CREATE, "RetryDelayInSeconds": 10**30}, RANGE,
         "for parameter RetryDelayInSeconds is out of range"),
    case("negative delay", {**CREATE, "RetryDelayInSeconds": -1}, RANGE,
         "The value -1 for parameter RetryDelayInSeconds is out of range."),
    case("unknown member", {**CREATE, "QualificationTypeId": "ABC"}, INVALID,
         "The value for QualificationTypeId " + NOT_A_PARAMETER),
    case("missing Name", {k: v for k, v in CREATE.items() if k != "Name"}, MISSING,
         "Your request is missing required parameters. Required parameters include Name."),
    case("Retired", {**CREATE, "QualificationTypeStatus": "Retired"}, INVALID,
         "'Retired' is not one of Active, Inactive"),
    case("malformed XML", with_test(VALID_TEST[:-5]), XML, XML_ERROR + "line 1: "),
    case("not XML", with_test("What is 2 + 2?"), XML, XML_ERROR),
    case("root is not QuestionForm", with_test(f'<AnswerKey xmlns="{AK_NS}"/>'), XML, WRONG_ROOT),
    case("QuestionForm without namespace", with_test("<QuestionForm/>"), XML, WRONG_ROOT),
    case("billion laughs", with_test(BILLION_LAUGHS), XML, NO_DOCTYPE),
    case("external entity", with_test(EXTERNAL_ENTITY), XML, NO_DOCTYPE),
    case("XML nested 65 deep", with_test(TOO_DEEP), XML, "elements are nested deeper than 64 levels"),
    case("Test of 65536 bytes", with_test(sized_question_form(65536)), INVALID,
         "The value for Test is invalid: it must not be longer than 65535 bytes (it is 65536 bytes)"),
    case("Test of 65535 characters, more bytes",
         with_test(question_form(padding="é" * (65535 - len(question_form())))), INVALID,
         "The value for Test is invalid: it must not be longer than 65535 bytes"),
    case("malformed AnswerKey", with_test(VALID_TEST, AnswerKey="<AnswerKey"), XML,
         "There was an error parsing the XML in AnswerKey: line 1: "),
    case("Test without duration", {**CREATE, "Test": VALID_TEST}, MISSING,
         "Required parameters include TestDurationInSeconds."),
]


def owned_types(client) -> list[dict]:
    listed = client.list_qualification_types(MustBeRequestable=False, MustBeOwnedByCaller=True)
    return listed["QualificationTypes"]


@pytest.mark.parametrize("body, code, phrase", CREATE_CASES)
def test_bad_create_requests_create_nothing(server, requester, client, body, code, phrase):
    response = call(server.endpoint, requester, "CreateQualificationType", body)
    assert phrase in turk_error(response, code)
    assert owned_types(client) == []
    # The same requester can still create the type with a good request.
    assert client.create_qualification_type(**CREATE)["QualificationType"]["Name"] == "victim"


def test_a_2mb_body_sent_in_chunks_is_refused(server, requester, client):
    url, headers, body = sign(server.endpoint, requester, "CreateQualificationType",
                              {**CREATE, "Description": "x" * TWO_MB})

    def chunks():
        for i in range(0, len(body), 65536):
            yield body[i:i + 65536]
    response = httpx.post(url, content=chunks(), headers=headers, timeout=30)
    assert "content-length" not in {k.lower() for k in response.request.headers}
    assert turk_error(response, Code.INVALID_PARAMETER_VALUE) == TOO_LARGE
    assert owned_types(client) == []


def test_a_body_of_exactly_the_limit_is_read(server, requester, client):
    body = json.dumps(CREATE).encode()
    body = body[:-1] + b" " * (1_048_576 - len(body)) + b"}"
    assert len(body) == server.settings.max_body_bytes
    response = call(server.endpoint, requester, "CreateQualificationType", body)
    assert response.status_code == 200, response.text
    assert [t["Name"] for t in owned_types(client)] == ["victim"]


def test_a_test_of_65535_bytes_is_accepted(client):
    test = sized_question_form(65535)
    created = client.create_qualification_type(**CREATE, Test=test, TestDurationInSeconds=60)
    assert created["QualificationType"]["Test"] == test


# -- the same against an existing type ---------------------------------------------------------------------

@pytest.fixture
def victim(client):
    created = client.create_qualification_type(
        Name="victim", Description="the original", Keywords="a,b", QualificationTypeStatus="Active",
        RetryDelayInSeconds=60, Test=VALID_TEST, TestDurationInSeconds=300)["QualificationType"]
    return created


def update(**members):
    """An UpdateQualificationType body for the victim type (its id is filled in by the test)."""
    return lambda type_id: {"QualificationTypeId": type_id, **members}


UPDATE_CASES = [
    case("truncated JSON", lambda t: f'{{"QualificationTypeId": "{t}", "Description": "x"'.encode(),
         INVALID, NOT_JSON),
    case("JSON array", lambda t: [{"QualificationTypeId": t, "Description": "x"}], INVALID,
         "expected an object, got list"),
    case("invalid UTF-8",
         lambda t: f'{{"QualificationTypeId": "{t}", "Description": "'.encode() + b'\xc3\x28"}',
         INVALID, NOT_JSON),
    case("Name is not updatable", update(Name="renamed"), INVALID, "The value for Name " + NOT_A_PARAMETER),
    case("Keywords are not updatable", update(Keywords="c"), INVALID,
         "The value for Keywords " + NOT_A_PARAMETER),
    case("Description is a number", update(Description=5), INVALID,
         "The value for Description is invalid: expected a string, got int"),
    case("Description is null", update(Description=None), INVALID, "null is not allowed"),
    case("delay is a bool", update(RetryDelayInSeconds=True), INVALID,
         "The value for RetryDelayInSeconds is invalid: expected an integer, got bool"),
    case("Retired", update(QualificationTypeStatus="Retired"), INVALID,
         "'Retired' is not one of Active, Inactive"),
    case("Disposing", update(QualificationTypeStatus="Disposing"), INVALID,
         "'Disposing' is not one of Active, Inactive"),
    case("lower-case id", lambda t: {"QualificationTypeId": t.lower(), "Description": "x"}, INVALID,
         "The value for QualificationTypeId is invalid: it must match the pattern"),
    case("id with a newline", lambda t: {"QualificationTypeId": t + "\n", "Description": "x"}, INVALID,
         "The value for QualificationTypeId is invalid: it must match the pattern"),
    case("id of 65 characters", lambda t: {"QualificationTypeId": (t * 3)[:65], "Description": "x"}, INVALID,
         "it must be at most 64 characters long"),
    case("malformed XML", update(Description="x", Test="<QuestionForm>", TestDurationInSeconds=60), XML,
         XML_ERROR + "line 1: "),
    case("root is not QuestionForm",
         update(Test=f'<QuestionFormX xmlns="{QF_NS}"/>', TestDurationInSeconds=60), XML, WRONG_ROOT),
    case("billion laughs", update(Test=BILLION_LAUGHS, TestDurationInSeconds=60), XML, NO_DOCTYPE),
    case("Test of 65536 bytes", update(Test=sized_question_form(65536), TestDurationInSeconds=60), INVALID,
         "it must not be longer than 65535 bytes (it is 65536 bytes)"),
    case("duration without Test", update(TestDurationInSeconds=60), INVALID,
         "TestDurationInSeconds is invalid: it can only be given together with a Test"),
    case("AutoGranted with a test", update(AutoGranted=True), INVALID,
         "the QualificationType has a test, so it cannot be updated to be AutoGranted"),
    case("2 MB body", update(Description="x" * TWO_MB), INVALID, TOO_LARGE),
]


@pytest.mark.parametrize("make_body, code, phrase", UPDATE_CASES)
def test_bad_update_requests_change_nothing(server, requester, client, victim, make_body, code, phrase):
    type_id = victim["QualificationTypeId"]
    response = call(server.endpoint, requester, "UpdateQualificationType", make_body(type_id))
    assert phrase in turk_error(response, code)
    assert client.get_qualification_type(QualificationTypeId=type_id)["QualificationType"] == victim
    assert owned_types(client) == [victim]


def test_a_valid_change_with_an_invalid_test_changes_nothing(server, requester, client, victim):
    type_id = victim["QualificationTypeId"]
    response = call(server.endpoint, requester, "UpdateQualificationType", {
        "QualificationTypeId": type_id, "Description": "changed", "QualificationTypeStatus": "Inactive",
        "RetryDelayInSeconds": 5, "Test": BILLION_LAUGHS, "TestDurationInSeconds": 60})
    turk_error(response, Code.XML_PARSE_ERROR)
    assert client.get_qualification_type(QualificationTypeId=type_id)["QualificationType"] == victim


@pytest.mark.parametrize("case", ["not JSON", "unknown member", "bad XML"])
def test_bad_requests_to_other_operations_leave_the_type_alone(server, requester, client, victim, case):
    type_id = victim["QualificationTypeId"]
    body = {"not JSON": f'{{"QualificationTypeId": "{type_id}"'.encode(),
            "unknown member": {"QualificationTypeId": type_id, "Force": True},
            "bad XML": {"QualificationTypeId": type_id, "Test": "<x"}}[case]
    turk_error(call(server.endpoint, requester, "DeleteQualificationType", body), INVALID)
    assert client.get_qualification_type(QualificationTypeId=type_id)["QualificationType"] == victim


# -- targets -----------------------------------------------------------------------------------------------

UNKNOWN_OPERATION = ("The X-Amz-Target header does not name an operation of "
                     "MTurkRequesterServiceV20170117.")


@pytest.mark.parametrize("target", [
    TARGET_PREFIX + "NoSuchOperation",
    TARGET_PREFIX + "createQualificationType",
    TARGET_PREFIX + "Create QualificationType",
    TARGET_PREFIX + "CreateQualificationType.",
    TARGET_PREFIX,
    "CreateQualificationType",
    "MTurkRequesterServiceV20140801.CreateQualificationType",
    "AmazonSQS.CreateQueue",
    "",
])
def test_an_unknown_target_is_an_unknown_operation(server, requester, client, target):
    response = send(*sign(server.endpoint, requester, None, CREATE, target=target))
    assert aws_error(response, 400, "UnknownOperationException") == UNKNOWN_OPERATION
    assert owned_types(client) == []


def test_a_json_request_without_a_target_is_an_unknown_operation(server, requester):
    url, headers, body = sign(server.endpoint, requester, None, b"{}")
    assert "X-Amz-Target" not in headers        # only the Content-Type says "JSON API"
    assert "x-amz-target" not in headers["Authorization"].lower()
    assert aws_error(send(url, headers, body), 400, "UnknownOperationException") == UNKNOWN_OPERATION


def test_an_operation_not_built_answers_that_it_is_not_supported(client):
    with pytest.raises(ClientError) as info:
        client.list_review_policy_results_for_hit(HITId="3ZURAPD288NPHFU4VJCB8HBGR6Q1FT")
    error = info.value.response
    assert error["Error"]["Code"] == "RequestError"
    assert error["TurkErrorCode"] == Code.UNSUPPORTED_OPERATION
    assert error["Error"]["Message"].startswith("The operation ListReviewPolicyResultsForHIT is not supported by "
                                                "this server yet")
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_every_operation_not_built_answers_a_request_error(server, requester):
    """Over the wire, with the least input the model allows: {} where nothing is required, else the
    required members with values of their shapes. (One test, not one per operation: as operations get built
    the list shrinks, and an empty parametrization would be skipped.)"""
    not_built = sorted(name for name, op in REGISTRY.items() if not op.implemented)
    assert not_built, "every operation is built: this test has nothing left to check"
    samples = {"HITId": "3ZURAPD288NPHFU4VJCB8HBGR6Q1FT", "HITTypeId": "3ZURAPD288NPHFU4VJCB8HBGR6Q1FT",
               "AssignmentId": "3ZURAPD288NPHFU4VJCB8HBGR6Q1FT", "QuestionIdentifier": "q1",
               "TestEventType": "Ping", "Notification": {"Destination": "arn:aws:sqs:us-east-1:1:q",
                                                         "Transport": "SQS", "Version": "2006-05-05",
                                                         "EventTypes": ["AssignmentSubmitted"]}}
    for operation in not_built:
        required = service_model().operation_model(operation).input_shape.required_members
        params = {member: samples[member] for member in required}
        message = turk_error(call(server.endpoint, requester, operation, params), Code.UNSUPPORTED_OPERATION)
        assert message.startswith(f"The operation {operation} is not supported by this server yet")


# -- successful responses ------------------------------------------------------------------------------

def test_successful_responses_are_amz_json_with_a_request_id(server, requester):
    ids = set()
    for _ in range(3):
        response = call(server.endpoint, requester, "GetAccountBalance")
        assert response.status_code == 200
        assert response.headers["content-type"] == JSON_TYPE
        ids.add(str(uuid.UUID(response.headers["x-amzn-requestid"])))
    assert len(ids) == 3


def test_errors_carry_a_request_id_too(server, requester):
    response = call(server.endpoint, requester, "GetQualificationType", {})
    turk_error(response, Code.MISSING_PARAMETERS)
    uuid.UUID(response.headers["x-amzn-requestid"])


def test_boto3_exposes_the_request_id(client):
    metadata = client.get_account_balance()["ResponseMetadata"]
    assert metadata["HTTPStatusCode"] == 200
    assert metadata["HTTPHeaders"]["content-type"] == JSON_TYPE
    assert metadata["RequestId"] == metadata["HTTPHeaders"]["x-amzn-requestid"]
    uuid.UUID(metadata["RequestId"])
    with pytest.raises(ClientError) as info:
        client.get_qualification_type(QualificationTypeId="NOSUCHTYPE0000000000")
    error_metadata = info.value.response["ResponseMetadata"]
    assert error_metadata["RequestId"] == error_metadata["HTTPHeaders"]["x-amzn-requestid"]
    assert error_metadata["RequestId"] != metadata["RequestId"]
