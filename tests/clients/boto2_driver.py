"""Runs INSIDE the boto 2 virtualenv (scripts/client-venv boto2), not in the project's: drives boto 2.49.0's
own, unmodified `boto.mturk.connection.MTurkConnection` against an openturk server's legacy REST/XML API and
prints what every call returned or raised, as one JSON object on stdout.

The only change to boto is the fix for its Python 3 bug: `boto.mturk.connection.basestring = str` (its
create/update_qualification_type test `isinstance(answer_key, basestring)`). The scripted workers use the
worker API over plain HTTP (urllib): the worker pages do not exist yet.

Input (environment): OPENTURK_ENDPOINT, OPENTURK_KEY, OPENTURK_SECRET, OPENTURK_PREFIX (makes names unique to
one run), OPENTURK_WORKERS (JSON {"name": {"id": …, "token": …}}), OPENTURK_BOTO3_TYPE (a type the test made
with boto3, and OPENTURK_BOTO3_WORKER holding it).
"""

from __future__ import annotations

import json
import os
import re
import sys
import traceback
import urllib.error
import urllib.request
import warnings

warnings.simplefilter("ignore")   # boto 2's vendored six and `imp` warn on Python 3.11

import boto  # noqa: E402
import boto.mturk.connection  # noqa: E402
from boto.mturk.connection import MTurkConnection, MTurkRequestError  # noqa: E402
from boto.mturk.question import (AnswerSpecification, Overview, Question, QuestionContent,  # noqa: E402
                                 QuestionForm, SelectionAnswer)

boto.mturk.connection.basestring = str

ENDPOINT = os.environ["OPENTURK_ENDPOINT"]
KEY, SECRET = os.environ["OPENTURK_KEY"], os.environ["OPENTURK_SECRET"]
PREFIX = os.environ["OPENTURK_PREFIX"]
WORKERS = json.loads(os.environ["OPENTURK_WORKERS"])
BOTO3_TYPE, BOTO3_WORKER = os.environ["OPENTURK_BOTO3_TYPE"], os.environ["OPENTURK_BOTO3_WORKER"]
HOST, PORT = ENDPOINT.removeprefix("http://").split(":")

ANSWER_KEY = ('<AnswerKey xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/'
              'AnswerKey.xsd"><Question><QuestionIdentifier>colour</QuestionIdentifier><AnswerOption>'
              '<SelectionIdentifier>green</SelectionIdentifier><AnswerScore>10</AnswerScore></AnswerOption>'
              '</Question></AnswerKey>')


def connection(key: str = KEY, secret: str = SECRET) -> MTurkConnection:
    return MTurkConnection(aws_access_key_id=key, aws_secret_access_key=secret, host=HOST, port=int(PORT),
                           is_secure=False)


def test_form(question_text: str) -> QuestionForm:
    """A one-question multiple-choice test, built with boto 2's own QuestionForm classes."""
    form = QuestionForm()
    overview = Overview()
    overview.append_field("Title", "Colours")
    form.append(overview)
    content = QuestionContent()
    content.append_field("Text", question_text)
    answer = SelectionAnswer(style="radiobutton", selections=[("Red", "red"), ("Green", "green"), ("Blue", "blue")])
    form.append(Question("colour", content, AnswerSpecification(answer), is_required=True))
    return form


def plain(value):
    """A boto result as JSON: a ResultSet becomes {"status", "items", and its attributes}."""
    if isinstance(value, list):
        attrs = {k: v for k, v in getattr(value, "__dict__", {}).items() if isinstance(v, (str, int, bool))}
        return {"status": getattr(value, "status", None), "items": [plain(item) for item in value], **attrs}
    if hasattr(value, "__dict__"):
        out = {k: plain(v) for k, v in vars(value).items() if not k.startswith("_") and k != "answers"}
        if hasattr(value, "answers"):   # QualificationRequest: [[QuestionFormAnswer]] parsed from the Answer text
            out["answers"] = [[{"qid": a.qid, "fields": a.fields} for a in rs] for rs in value.answers]
        return out
    return value if isinstance(value, (str, int, float, bool, type(None))) else repr(value)


results: dict = {"boto_version": boto.__version__, "boto_file": boto.__file__, "calls": {}}


def call(label: str, fn, *args, **kwargs):
    """Run one boto call; record {"ok": result} or {"raised": class, "status", "code", "message", "body"}."""
    try:
        outcome = {"ok": plain(fn(*args, **kwargs))}
    except MTurkRequestError as exc:
        body = exc.body.decode() if isinstance(exc.body, bytes) else str(exc.body)
        code = re.search(r"<Code>(.*?)</Code>", body)
        message = re.search(r"<Message>(.*?)</Message>", body)
        outcome = {"raised": "MTurkRequestError", "status": exc.status, "code": code and code.group(1),
                   "message": message and message.group(1), "body": body}
    except Exception as exc:  # noqa: BLE001 - the outcome is what the test asserts on
        outcome = {"raised": type(exc).__name__, "message": str(exc), "traceback": traceback.format_exc()}
    results["calls"][label] = outcome
    return outcome.get("ok")


def worker_call(label: str, worker: str, method: str, path: str, body: dict | None = None):
    """A scripted worker, through the worker API."""
    request = urllib.request.Request(f"{ENDPOINT}/api/worker/v1{path}", method=method,
                                     data=None if body is None else json.dumps(body).encode(),
                                     headers={"Authorization": f"Bearer {WORKERS[worker]['token']}",
                                              "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            outcome = {"ok": json.loads(response.read() or b"{}")}
    except urllib.error.HTTPError as exc:
        outcome = {"raised": exc.code, "body": json.loads(exc.read() or b"{}")}
    results["calls"][label] = outcome
    return outcome.get("ok")


mturk = connection()
w1, w2, w3, w4 = (WORKERS[name]["id"] for name in ("w1", "w2", "w3", "w4"))

# -- the connection ---------------------------------------------------------------------------------
call("balance", mturk.get_account_balance)
call("unknown_key", connection("AKIANOSUCHKEY0000000", SECRET).get_account_balance)
call("wrong_secret", connection(KEY, "not-the-secret").get_account_balance)

# -- a type with a test and an answer key -----------------------------------------------------------
name = f"{PREFIX}-Colours"
created = call("create", mturk.create_qualification_type, name, "Pick a colour", "Active",
               keywords=["colour", "test"], retry_delay=60, test=test_form("Which colour is grass?"),
               answer_key=ANSWER_KEY, test_duration=600)
qid = created["items"][0]["QualificationTypeId"] if created else None
results["ids"] = {"type": qid}
call("create_duplicate", mturk.create_qualification_type, name, "again", "Active")
call("get", mturk.get_qualification_type, qid)

# w2 takes the auto-graded test
request = worker_call("w2_request", "w2", "POST", f"/qualification-types/{qid}/requests", {})
worker_call("w2_submit", "w2", "POST", f"/qualification-requests/{request['QualificationRequestId']}/answers",
            {"Answers": {"colour": ["green"]}})
call("score_w2", mturk.get_qualification_score, qid, w2)

# -- UpdateQualificationType, the 2006-08-23 rules --------------------------------------------------
call("update_duration_without_test", mturk.update_qualification_type, qid, test_duration=900)
call("update_answer_key_without_test", mturk.update_qualification_type, qid, answer_key=ANSWER_KEY)
call("update_test_without_duration", mturk.update_qualification_type, qid, test=test_form("Again?"))
call("update_description", mturk.update_qualification_type, qid, description="Pick the colour of grass")
call("get_after_description", mturk.get_qualification_type, qid)
call("update_test_without_answer_key", mturk.update_qualification_type, qid,
     test=test_form("Which colour is the sky?"), test_duration=900)
call("get_after_new_test", mturk.get_qualification_type, qid)
call("update_auto_granted_with_test", mturk.update_qualification_type, qid, auto_granted=True)
call("update_inactive", mturk.update_qualification_type, qid, status="Inactive")
call("update_active", mturk.update_qualification_type, qid, status="Active", retry_delay=120)

# w1 takes the test, which has no answer key now: a request for the owner
request = worker_call("w1_request", "w1", "POST", f"/qualification-types/{qid}/requests", {})
worker_call("w1_submit", "w1", "POST", f"/qualification-requests/{request['QualificationRequestId']}/answers",
            {"Answers": {"colour": ["blue"]}})
requests = call("requests", mturk.get_qualification_requests, qid)
call("requests_all_types", mturk.get_qualification_requests, None)
request_id = requests["items"][0]["QualificationRequestId"] if requests and requests["items"] else None
call("grant", mturk.grant_qualification, request_id, 42)
call("grant_again", mturk.grant_qualification, request_id, 43)
call("requests_after_grant", mturk.get_qualification_requests, qid)
call("score_w1", mturk.get_qualification_score, qid, w1)

# -- assign, update score, revoke -------------------------------------------------------------------
call("assign_w3", mturk.assign_qualification, qid, w3, 5, send_notification=False)
call("assign_w3_again", mturk.assign_qualification, qid, w3, 6)
call("score_w3_after_assign", mturk.get_qualification_score, qid, w3)
call("update_score_w3", mturk.update_qualification_score, qid, w3, 8)
call("score_w3_after_update", mturk.get_qualification_score, qid, w3)
call("update_score_never_granted", mturk.update_qualification_score, qid, "ANEVERGRANTED1", 3)
call("holders", mturk.get_qualifications_for_qualification_type, qid)
call("revoke_w3", mturk.revoke_qualification, w3, qid, reason="conformance test")
call("score_w3_revoked", mturk.get_qualification_score, qid, w3)
call("update_score_w3_revoked", mturk.update_qualification_score, qid, w3, 9)
call("holders_after_revoke", mturk.get_qualifications_for_qualification_type, qid)
call("assign_w3_after_revoke", mturk.assign_qualification, qid, w3, 2)
call("score_w3_regranted", mturk.get_qualification_score, qid, w3)

# -- the other way round: a type and a score made with boto3 ------------------------------------------
call("get_boto3_type", mturk.get_qualification_type, BOTO3_TYPE)
call("score_boto3_worker", mturk.get_qualification_score, BOTO3_TYPE, BOTO3_WORKER)

# -- search, paged ------------------------------------------------------------------------------------
for letter in "CAB":
    call(f"create_{letter}", mturk.create_qualification_type, f"{PREFIX}-Search-{letter}", "searchable", "Active")
call("search_page_1", mturk.search_qualification_types, query=f"{PREFIX}-Search", sort_direction="Ascending",
     page_size=2, page_number=1, must_be_requestable=False)
call("search_page_2", mturk.search_qualification_types, query=f"{PREFIX}-Search", sort_direction="Ascending",
     page_size=2, page_number=2, must_be_requestable=False)
call("search_descending", mturk.search_qualification_types, query=f"{PREFIX}-Search", sort_direction="Descending",
     must_be_requestable=False)
call("search_page_size_101", mturk.search_qualification_types, query=PREFIX, page_size=101)

# -- worker blocks ------------------------------------------------------------------------------------
call("block_w4", mturk.block_worker, w4, "conformance test")
call("unblock_w4", mturk.unblock_worker, w4, "done")

# -- dispose ------------------------------------------------------------------------------------------
call("dispose", mturk.dispose_qualification_type, qid)
call("dispose_again", mturk.dispose_qualification_type, qid)
call("get_disposed", mturk.get_qualification_type, qid)

json.dump(results, sys.stdout, default=str)
