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
                            "take their tests, read their qualifications and messages."},
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
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "properties": {
                    "Answer": {"type": "string", "description": "a QuestionFormAnswers document"},
                    "Answers": {"type": "object", "additionalProperties": {"oneOf": [
                        {"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
                        "description": "QuestionIdentifier → SelectionIdentifiers (list) or free text"}}}}}},
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
    },
}
