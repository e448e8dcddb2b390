"""The OpenAPI 3 description of the worker API, served at /api/worker/v1/openapi.json."""

from __future__ import annotations

_ERROR = {"type": "object", "required": ["error"], "properties": {"error": {
    "type": "object", "required": ["code", "message"],
    "properties": {"code": {"type": "string", "description": "an MTurk TurkErrorCode"},
                   "message": {"type": "string"},
                   "questions": {"type": "array", "items": {"type": "object", "properties": {
                       "QuestionIdentifier": {"type": "string"}, "Message": {"type": "string"}}}}}}}}

_TS = {"type": "string", "format": "date-time", "nullable": True}

_TYPE = {"type": "object", "properties": {
    "QualificationTypeId": {"type": "string"}, "Name": {"type": "string"}, "Description": {"type": "string"},
    "Keywords": {"type": "string", "nullable": True}, "CreationTime": _TS, "HasTest": {"type": "boolean"},
    "TestDurationInSeconds": {"type": "integer", "nullable": True},
    "RetryDelayInSeconds": {"type": "integer", "nullable": True}, "AutoGranted": {"type": "boolean"}}}

_REQUEST = {"type": "object", "properties": {
    "QualificationRequestId": {"type": "string"}, "QualificationTypeId": {"type": "string"},
    "Status": {"type": "string", "enum": ["TestInProgress", "Pending", "Granted", "Rejected", "Expired"]},
    "Test": {"type": "string", "nullable": True, "description": "the QuestionForm while the test is open"},
    "TestDeadline": _TS, "RequestTime": _TS, "SubmitTime": _TS,
    "IntegerValue": {"type": "integer", "nullable": True}, "Reason": {"type": "string", "nullable": True},
    "Score": {"type": "object", "description": "the scorer's breakdown (auto-graded tests)"}}}


_QUAL = {"type": "object", "properties": {
    "QualificationTypeId": {"type": "string"}, "Name": {"type": "string"},
    "Status": {"type": "string", "enum": ["Granted", "Revoked"]},
    "IntegerValue": {"type": "integer", "nullable": True}, "GrantTime": _TS}}


_ANSWERS_BODY = {"required": True, "content": {"application/json": {"schema": {
    "type": "object", "properties": {
        "Answer": {"type": "string", "description": "a QuestionFormAnswers document"},
        "Answers": {"type": "object", "additionalProperties": {"oneOf": [
            {"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
            "description": "QuestionIdentifier → SelectionIdentifiers (list) or free text"}}}}}}

_MONEY = {"type": "string", "pattern": r"^\d+\.\d\d$", "description": "US dollars, e.g. 0.50"}
_STRING = {"type": "string", "nullable": True}

# A HIT group of the worker's search (ops/work.py search): a HIT type and its live HITs.
_GROUP = {"type": "object", "required": [
    "HITGroupId", "HITTypeId", "RequesterId", "Title", "Description", "Keywords", "Reward",
    "AssignmentDurationInSeconds", "NumberOfHITs", "NumberOfAssignmentsAvailable", "FirstHITId", "Expiration",
    "CanPreview", "CanAccept"], "properties": {
    "HITGroupId": {"type": "string", "description": "the HITTypeId: a group is a HIT type's live HITs"},
    "HITTypeId": {"type": "string"}, "RequesterId": {"type": "string"}, "Title": {"type": "string"},
    "Description": {"type": "string"}, "Keywords": _STRING, "Reward": _MONEY,
    "AssignmentDurationInSeconds": {"type": "integer"},
    "NumberOfHITs": {"type": "integer", "minimum": 1},
    "NumberOfAssignmentsAvailable": {"type": "integer", "minimum": 1},
    "FirstHITId": {"type": "string", "description": "the oldest HIT of the group with an assignment available"},
    "Expiration": {"type": "string", "format": "date-time", "description": "the latest of its HITs'"},
    "CanPreview": {"type": "boolean"}, "CanAccept": {"type": "boolean"}}}

# One QualificationRequirement as the worker's view of a HIT shows it (domain/requirements.py present).
_REQUIREMENT = {"type": "object", "required": ["qualification_type_id", "comparator", "actions_guarded"],
                "description": "a QualificationRequirement (served with snake_case member names)",
                "properties": {
    "qualification_type_id": {"type": "string"}, "comparator": {"type": "string"},
    "actions_guarded": {"type": "string", "enum": ["Accept", "PreviewAndAccept", "DiscoverPreviewAndAccept"]},
    "integer_values": {"type": "array", "items": {"type": "integer"}},
    "locale_values": {"type": "array", "items": {"type": "object", "required": ["country"], "properties": {
        "country": {"type": "string"}, "subdivision": {"type": "string"}}}},
    "required_to_preview": {"type": "boolean"}}}

_ELIGIBILITY = {"type": "object", "required": ["Discover", "Preview", "Accept", "Refusals"], "properties": {
    "Discover": {"type": "boolean"}, "Preview": {"type": "boolean"}, "Accept": {"type": "boolean"},
    "Refusals": {"type": "array", "items": {"type": "object", "required": ["Requirement", "Reason"], "properties": {
        "Requirement": {"type": "integer", "minimum": 0,
                        "description": "the requirement's 1-based position; 0: not a requirement (a block, the "
                                       "HIT's status)"},
        "Reason": {"type": "string"}}}}}}

_ASSIGNMENT_STATUSES = ["Accepted", "Submitted", "Approved", "Rejected", "Returned", "Abandoned"]

# An assignment as its worker sees it (ops/work.py present_assignment).
_ASSIGNMENT = {"type": "object", "required": [
    "AssignmentId", "HITId", "HITTypeId", "Title", "AssignmentStatus", "AcceptTime", "Deadline", "SubmitTime",
    "AutoApprovalTime", "ApprovalTime", "RejectionTime", "ReturnTime", "Reward", "RequesterFeedback", "Answer"],
    "properties": {
    "AssignmentId": {"type": "string"}, "HITId": {"type": "string"},
    "HITTypeId": _STRING, "Title": _STRING,
    "AssignmentStatus": {"type": "string", "enum": _ASSIGNMENT_STATUSES,
                         "description": "as of now: an Accepted one past its Deadline is Abandoned, a Submitted "
                                        "one past its AutoApprovalTime is Approved"},
    "AcceptTime": _TS, "Deadline": _TS, "SubmitTime": _TS, "AutoApprovalTime": _TS, "ApprovalTime": _TS,
    "RejectionTime": _TS, "ReturnTime": _TS, "Reward": {**_MONEY, "nullable": True},
    "RequesterFeedback": {"type": "string", "nullable": True, "description": "once Approved or Rejected"},
    "Answer": {"type": "string", "nullable": True, "description": "the QuestionFormAnswers submitted"}}}

# A HIT as a worker sees it (ops/work.py present_hit): never the RequesterAnnotation; the Question only if
# they may preview it (or hold one of its assignments, which is then shown too).
_HIT = {"type": "object", "required": [
    "HITId", "HITTypeId", "HITGroupId", "RequesterId", "Title", "Description", "Keywords", "Reward", "HITStatus",
    "MaxAssignments", "NumberOfAssignmentsAvailable", "Expiration", "AssignmentDurationInSeconds",
    "AutoApprovalDelayInSeconds", "QuestionType", "FrameHeight", "QualificationRequirements", "Eligibility"],
    "properties": {
    "HITId": {"type": "string"}, "HITTypeId": {"type": "string"}, "HITGroupId": {"type": "string"},
    "RequesterId": {"type": "string"}, "Title": {"type": "string"}, "Description": {"type": "string"},
    "Keywords": _STRING, "Reward": _MONEY,
    "HITStatus": {"type": "string", "enum": ["Assignable", "Unassignable", "Reviewable", "Reviewing", "Disposed"]},
    "MaxAssignments": {"type": "integer"}, "NumberOfAssignmentsAvailable": {"type": "integer", "minimum": 0},
    "Expiration": _TS, "AssignmentDurationInSeconds": {"type": "integer"},
    "AutoApprovalDelayInSeconds": {"type": "integer"},
    "QuestionType": {"type": "string", "enum": ["ExternalQuestion", "HTMLQuestion", "QuestionForm"]},
    "FrameHeight": {"type": "integer", "nullable": True},
    "QualificationRequirements": {"type": "array", "items": _REQUIREMENT},
    "Eligibility": _ELIGIBILITY,
    "Question": {"type": "string", "description": "the HIT's question document, if the worker may preview"},
    "Assignment": {**_ASSIGNMENT, "description": "the worker's own assignment of the HIT, if they hold one"}}}

_ONE_ASSIGNMENT = {"type": "object", "required": ["Assignment"], "properties": {"Assignment": _ASSIGNMENT}}

_EARNINGS = {"type": "object", "required": [
    "ApprovedRewards", "Bonuses", "TotalEarnings", "PendingRewards", "BonusPayments", "AssignmentCounts"],
    "properties": {
    "ApprovedRewards": _MONEY, "Bonuses": _MONEY,
    "TotalEarnings": {**_MONEY, "description": "ApprovedRewards + Bonuses"},
    "PendingRewards": {**_MONEY, "description": "the rewards of the work submitted and not yet decided"},
    "BonusPayments": {"type": "array", "items": {"type": "object", "required": [
        "AssignmentId", "HITId", "BonusAmount", "Reason", "GrantTime"], "properties": {
        "AssignmentId": {"type": "string"}, "HITId": {"type": "string"}, "BonusAmount": _MONEY,
        "Reason": {"type": "string"}, "GrantTime": _TS}}},
    "AssignmentCounts": {"type": "object", "required": list(_ASSIGNMENT_STATUSES),
                         "properties": {s: {"type": "integer", "minimum": 0} for s in _ASSIGNMENT_STATUSES}}}}


def _id(name: str) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}


def _ok(schema: dict, status: str = "200") -> dict:
    return {status: {"description": "OK", "content": {"application/json": {"schema": schema}}},
            "400": {"description": "bad input", "content": {"application/json": {"schema": _ERROR}}},
            "401": {"description": "missing or bad token", "content": {"application/json": {"schema": _ERROR}}}}


def _errors(*statuses: str) -> dict:
    return {s: {"description": "refused", "content": {"application/json": {"schema": _ERROR}}} for s in statuses}


_PAGING = [{"name": "next_token", "in": "query", "schema": {"type": "string"}},
           {"name": "max_results", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100}}]

OPENAPI = {
    "openapi": "3.0.3",
    "info": {"title": "openturk worker API", "version": "1",
             "description": "What a worker does on MTurk's worker site: find qualification types, request them, "
                            "take their tests, read their qualifications and messages; find HITs, preview, "
                            "accept, return and submit them; read their assignments and earnings. Errors are "
                            "{\"error\": {\"code\": <TurkErrorCode>, \"message\"}}."},
    "components": {"securitySchemes": {"token": {"type": "http", "scheme": "bearer"}}},
    "security": [{"token": []}],
    "paths": {
        "/api/worker/v1/qualification-types": {"get": {
            "summary": "Requestable, Active qualification types", "parameters": [
                {"name": "query", "in": "query", "schema": {"type": "string"}}, *_PAGING],
            "responses": _ok({"type": "object", "properties": {
                "QualificationTypes": {"type": "array", "items": _TYPE},
                "NextToken": {"type": "string", "nullable": True}}})}},
        "/api/worker/v1/qualification-types/{QualificationTypeId}/requests": {"post": {
            "summary": "Request a qualification", "parameters": [
                {"name": "QualificationTypeId", "in": "path", "required": True, "schema": {"type": "string"}}],
            "responses": {**_ok(_REQUEST, "201"), **_errors("403", "404", "409")}}},
        "/api/worker/v1/qualification-requests/{QualificationRequestId}/answers": {"post": {
            "summary": "Submit the answers of a test", "parameters": [
                {"name": "QualificationRequestId", "in": "path", "required": True, "schema": {"type": "string"}}],
            "requestBody": _ANSWERS_BODY,
            "responses": {**_ok(_REQUEST), **_errors("404", "409")}}},
        "/api/worker/v1/qualification-requests": {"get": {
            "summary": "The worker's requests, newest first", "parameters": _PAGING,
            "responses": _ok({"type": "object", "properties": {
                "QualificationRequests": {"type": "array", "items": _REQUEST},
                "NextToken": {"type": "string", "nullable": True}}})}},
        "/api/worker/v1/qualifications": {"get": {
            "summary": "The worker's qualifications",
            "responses": _ok({"type": "object", "properties": {"Qualifications": {"type": "array", "items": _QUAL}}})}},
        "/api/worker/v1/messages": {"get": {
            "summary": "The worker's inbox", "parameters": _PAGING,
            "responses": _ok({"type": "object", "properties": {
                "Messages": {"type": "array", "items": {"type": "object", "properties": {
                    "Subject": {"type": "string"}, "Text": {"type": "string"}, "Time": _TS,
                    "QualificationTypeId": {"type": "string", "nullable": True}}}},
                "NextToken": {"type": "string", "nullable": True}}})}},
        "/api/worker/v1/hit-groups": {"get": {
            "summary": "HIT groups the worker may discover and that have an assignment available, newest first",
            "parameters": [
                {"name": "query", "in": "query", "schema": {"type": "string"},
                 "description": "words of the title, description or keywords"},
                {"name": "min_reward", "in": "query", "schema": {"type": "string"},
                 "description": "the least reward, in US dollars (e.g. 0.10)"},
                {"name": "next_token", "in": "query", "schema": {"type": "string"}},
                {"name": "max_results", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100,
                                                                    "default": 20}}],
            "responses": _ok({"type": "object", "required": ["HITGroups", "NextToken"], "properties": {
                "HITGroups": {"type": "array", "items": _GROUP},
                "NextToken": {"type": "string", "nullable": True}}})}},
        "/api/worker/v1/hit-groups/{HITGroupId}/assignments": {"post": {
            "summary": "Accept the oldest HIT of the group that has an assignment available and that the worker "
                       "does not hold", "parameters": [_id("HITGroupId")],
            "responses": {**_ok(_ONE_ASSIGNMENT, "201"), **_errors("403", "404", "409")}}},
        "/api/worker/v1/hits/{HITId}": {"get": {
            "summary": "Preview a HIT (any requester's), with the worker's assignment of it if they hold one",
            "parameters": [_id("HITId")],
            "responses": {**_ok({"type": "object", "required": ["HIT"], "properties": {"HIT": _HIT}}),
                          **_errors("403", "404")}}},
        "/api/worker/v1/hits/{HITId}/assignments": {"post": {
            "summary": "Accept the HIT: a new assignment, due at AcceptTime + AssignmentDurationInSeconds",
            "parameters": [_id("HITId")],
            "responses": {**_ok(_ONE_ASSIGNMENT, "201"), **_errors("403", "404", "409")}}},
        "/api/worker/v1/assignments": {"get": {
            "summary": "The worker's assignments, newest first", "parameters": [
                _PAGING[0], {**_PAGING[1], "schema": {**_PAGING[1]["schema"], "default": 20}}],
            "responses": _ok({"type": "object", "required": ["Assignments", "NextToken"], "properties": {
                "Assignments": {"type": "array", "items": _ASSIGNMENT},
                "NextToken": {"type": "string", "nullable": True}}})}},
        "/api/worker/v1/assignments/{AssignmentId}/answers": {"post": {
            "summary": "Submit the work of an Accepted assignment, before its Deadline: a QuestionForm's answers "
                       "are checked against the form; an ExternalQuestion's or HTMLQuestion's fields are "
                       "stored as FreeText answers", "parameters": [_id("AssignmentId")],
            "requestBody": _ANSWERS_BODY,
            "responses": {**_ok(_ONE_ASSIGNMENT), **_errors("404", "409")}}},
        "/api/worker/v1/assignments/{AssignmentId}/return": {"post": {
            "summary": "Return an Accepted assignment: its slot is available again at once",
            "parameters": [_id("AssignmentId")],
            "responses": {**_ok(_ONE_ASSIGNMENT), **_errors("404", "409")}}},
        "/api/worker/v1/earnings": {"get": {
            "summary": "What the worker has earned and may still earn, and their assignments by outcome",
            "responses": _ok(_EARNINGS)}},
    },
}
