"""Hostile input on every front end (JSON API, legacy API, worker API, pages): XML bombs and tricks, bodies
over the limit sent without end, deeply nested JSON, invalid UTF-8, huge Query strings and regex answers.
Each gets a clear error of its front end, quickly, and the server goes on serving.
(test_bad_input.py has the JSON API's basic cases; tests/cli/test_slow_clients.py the slow clients.)"""

from __future__ import annotations

import socket
import time

import httpx
import pytest
from lxml import etree

from openturk import errors
from openturk.testing import WorkerAPIError

from ..legacy.helpers import post, signed
from .signed_http import call, sign, turk_error
from .test_bad_input import BILLION_LAUGHS, CREATE, question_form, with_test

Code = errors.Code
NO_DOCTYPE = "document type declarations (DOCTYPE) and entity declarations are not allowed"
ANSWERS_NS = "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/QuestionFormAnswers.xsd"

# The same DOCTYPE and entity as BILLION_LAUGHS, hidden from a byte search by a declared UTF-7 encoding.
UTF7_DOCTYPE = ('<?xml version="1.0" encoding="UTF-7"?>+ADw-!DOCTYPE QuestionForm +AFs-+ADw-!ENTITY a '
                '+ACI-aaaa+ACI-+AD4-+AF0-+AD4-' + question_form("&a;"))
XINCLUDE = question_form('<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="file:///etc/passwd" '
                         'parse="text"/>')
QUADRATIC = ('<?xml version="1.0"?><!DOCTYPE q [<!ENTITY a "' + "a" * 30000 + '">]>'
             + question_form("&a;" * 1000))
HUGE_ATTRIBUTE = question_form().replace("<QuestionForm ", '<QuestionForm x="' + "a" * 70000 + '" ')


@pytest.mark.parametrize("test, code, phrase", [
    pytest.param(UTF7_DOCTYPE, Code.XML_PARSE_ERROR, "There was an error parsing the XML in Test: line 1: ",
                 id="DOCTYPE hidden by UTF-7"),
    pytest.param(QUADRATIC, Code.XML_PARSE_ERROR, NO_DOCTYPE, id="quadratic blow-up"),
    pytest.param(XINCLUDE, Code.XML_PARSE_ERROR, "There was an error parsing the XML in Test", id="XInclude"),
    pytest.param(HUGE_ATTRIBUTE, Code.INVALID_PARAMETER_VALUE, "it must not be longer than 65535 bytes",
                 id="huge attribute"),
])
def test_xml_tricks_in_a_test_are_refused(server, requester, client, test, code, phrase):
    started = time.monotonic()
    response = call(server.endpoint, requester, "CreateQualificationType", with_test(test))
    assert phrase in turk_error(response, code)
    assert "root:" not in response.text                 # nothing of /etc/passwd
    assert time.monotonic() - started < 2
    assert client.list_qualification_types(MustBeRequestable=False, MustBeOwnedByCaller=True)[
        "QualificationTypes"] == []


def test_a_declared_encoding_does_not_change_how_the_text_is_read(client):
    """The Test arrives as JSON text: its bytes are UTF-8 whatever the XML declaration says."""
    test = '<?xml version="1.0" encoding="ISO-8859-1"?>' + question_form("Caf\u00e9?")
    created = client.create_qualification_type(**CREATE, Test=test, TestDurationInSeconds=60)["QualificationType"]
    assert created["Test"] == test


def test_xml_tricks_in_an_answer_key_are_refused(server, requester):
    body = with_test(question_form(), AnswerKey=BILLION_LAUGHS.replace("QuestionForm", "AnswerKey"))
    message = turk_error(call(server.endpoint, requester, "CreateQualificationType", body), Code.XML_PARSE_ERROR)
    assert message.startswith("There was an error parsing the XML in AnswerKey: line 1: ")


# -- the worker API's answers ------------------------------------------------------------------------------

@pytest.fixture
def open_request(server, client):
    test = question_form().replace("<FreeTextAnswer/>", '<FreeTextAnswer><Constraints><AnswerFormatRegex '
                                                          'regex="(a|aa)+$" errorText="only a"/></Constraints>'
                                                          '</FreeTextAnswer>')
    type_id = client.create_qualification_type(**CREATE, Test=test, TestDurationInSeconds=600)[
        "QualificationType"]["QualificationTypeId"]
    worker = server.create_worker()
    return worker, worker.request(type_id)["QualificationRequestId"]


def answers(text: str, doctype: str = "") -> str:
    return (f'<?xml version="1.0"?>{doctype}<QuestionFormAnswers xmlns="{ANSWERS_NS}"><Answer>'
            f"<QuestionIdentifier>q1</QuestionIdentifier><FreeText>{text}</FreeText></Answer></QuestionFormAnswers>")


@pytest.mark.parametrize("document", [
    pytest.param(answers("&lol3;", '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">'
                                   '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;">]>'), id="billion laughs"),
    pytest.param(answers("&xxe;", '<!DOCTYPE q [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'), id="external entity"),
    pytest.param(answers("&a;", '<!DOCTYPE q [<!ENTITY a SYSTEM "http://127.0.0.1:9/x">]>'), id="http entity"),
    pytest.param(answers("x").replace('encoding', '').replace('<?xml version="1.0"?>',
                                                               '<?xml version="1.0" encoding="UTF-7"?>+ADw-!DOCTYPE q+AD4-'),
                 id="DOCTYPE hidden by UTF-7"),
])
def test_xml_tricks_in_submitted_answers_are_refused(open_request, document):
    worker, request_id = open_request
    with pytest.raises(WorkerAPIError) as info:
        worker.submit(request_id, answer=document)
    assert info.value.status == 400
    assert info.value.code == Code.XML_PARSE_ERROR
    assert "root:" not in info.value.message


def test_a_backtracking_answer_format_regex_answers_quickly(open_request):
    """The requester's pattern (a|aa)+$ against a worker's 'aaa…a!' takes hours in a backtracking engine
    without a time limit."""
    worker, request_id = open_request
    started = time.monotonic()
    with pytest.raises(WorkerAPIError) as info:
        worker.submit(request_id, answers={"q1": "a" * 80 + "!"})
    assert time.monotonic() - started < 2
    assert info.value.status == 400
    assert [q["Message"] for q in info.value.questions] in (
        [["only a"]], ["only a"], ["The answer could not be checked against the required format in time (the "
                                   "pattern takes too long with this answer)."]), info.value.questions


# -- bodies over the limit, sent without end ----------------------------------------------------------------

def endless_body(server, head: bytes) -> bytes:
    """Send `head` with a chunked body that goes on past 1 MiB and never ends; the server's answer."""
    sock = socket.create_connection(("127.0.0.1", server.port))
    sock.settimeout(15)
    sock.sendall(head + b"Transfer-Encoding: chunked\r\n\r\n")
    chunk = b"10000\r\n" + b" " * 65536 + b"\r\n"
    try:
        for _ in range(40):                 # 2.5 MiB, then wait for the answer without finishing
            sock.sendall(chunk)
    except (BrokenPipeError, ConnectionResetError):
        pass
    answer = b""
    try:
        while b"\r\n\r\n" not in answer or len(answer) < answer.index(b"\r\n\r\n") + 40:
            data = sock.recv(65536)
            if not data:
                break
            answer += data
    finally:
        sock.close()
    return answer


def test_the_json_api_refuses_an_endless_body_at_the_limit(server, requester):
    url, headers, _ = sign(server.endpoint, requester, "GetAccountBalance", b"{}")
    head = b"POST / HTTP/1.1\r\nHost: x\r\n" + b"".join(
        f"{k}: {v}\r\n".encode() for k, v in headers.items() if k.lower() != "content-length")
    answer = endless_body(server, head)
    assert answer.startswith(b"HTTP/1.1 400 "), answer[:300]
    assert b"The request body is larger than 1048576 bytes." in answer


def test_the_legacy_api_refuses_an_endless_body_at_the_limit(server):
    answer = endless_body(server, b"POST /onca/xml HTTP/1.1\r\nHost: x\r\n"
                                  b"Content-Type: application/x-www-form-urlencoded\r\n")
    assert answer.startswith(b"HTTP/1.1 400 "), answer[:300]
    assert b"the body is larger than 1048576 bytes" in answer


def test_the_worker_api_refuses_an_endless_body_at_the_limit(server, open_request):
    worker, request_id = open_request
    answer = endless_body(server, f"POST /api/worker/v1/qualification-requests/{request_id}/answers HTTP/1.1\r\n"
                                  f"Host: x\r\nAuthorization: Bearer {worker.token}\r\n".encode())
    assert answer.startswith(b"HTTP/1.1 400 "), answer[:300]
    assert b"the request body is larger than 1048576 bytes" in answer


def test_a_page_form_refuses_an_endless_body_at_the_limit(server):
    answer = endless_body(server, b"POST /worker/login HTTP/1.1\r\nHost: x\r\n"
                                  b"Content-Type: application/x-www-form-urlencoded\r\n")
    assert answer.startswith(b"HTTP/1.1 413 "), answer[:300]


@pytest.mark.parametrize("path, extra", [
    ("/api/worker/v1/qualification-requests/R/answers", "worker"),
    ("/worker/login", "form"),
    ("/onca/xml", "form"),
])
def test_a_huge_content_length_is_refused_before_reading(server, open_request, path, extra):
    worker, _ = open_request
    headers = {"Content-Length": str(10**12), "Authorization": f"Bearer {worker.token}",
               "Content-Type": "application/x-www-form-urlencoded"}
    sock = socket.create_connection(("127.0.0.1", server.port))
    sock.settimeout(10)
    sock.sendall(f"POST {path} HTTP/1.1\r\nHost: x\r\n".encode()
                 + b"".join(f"{k}: {v}\r\n".encode() for k, v in headers.items()) + b"\r\n")
    answer = sock.recv(65536)
    sock.close()
    assert answer.split(b" ")[1] in (b"400", b"413"), answer[:300]


# -- JSON: nesting, numbers, UTF-8 --------------------------------------------------------------------------

@pytest.mark.parametrize("body", [b"[" * 100_000, b'{"Answers": ' * 100_000, b'{"Answers": {"q1": "\xff\xfe"}}',
                                  b'{"Answer": ' + b"9" * 100_000 + b"}"])
def test_the_worker_api_answers_hostile_json_with_a_clear_error(open_request, body):
    worker, request_id = open_request
    response = httpx.post(f"{worker.endpoint}/api/worker/v1/qualification-requests/{request_id}/answers",
                          content=body, headers={"Authorization": f"Bearer {worker.token}"}, timeout=10)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == Code.INVALID_PARAMETER_VALUE


def test_invalid_utf8_in_headers_is_not_a_server_error(server, requester, open_request):
    worker, _ = open_request
    url, headers, body = sign(server.endpoint, requester, "GetAccountBalance", b"{}")
    for name, value in [("X-Amz-Date", b"\xff\xfe"), ("Authorization", b"AWS4-HMAC-SHA256 Credential=\xff/x")]:
        raw = {**{k: v.encode() for k, v in headers.items()}, name: value}
        response = httpx.post(url, content=body, headers=raw, timeout=10)
        assert 400 <= response.status_code < 500, response.text
    response = httpx.get(f"{worker.endpoint}/api/worker/v1/qualifications",
                         headers={"Authorization": b"Bearer \xff\xfe" + worker.token.encode()}, timeout=10)
    assert response.status_code == 401


def test_invalid_utf8_in_a_page_form_is_a_clear_400(server):
    login = httpx.get(server.endpoint + "/worker/login", timeout=10)
    response = httpx.post(server.endpoint + "/worker/login", content=b"token=\xff%FF&csrf_token=x",
                          headers={"Content-Type": "application/x-www-form-urlencoded"},
                          cookies=login.cookies, timeout=10)
    assert 400 <= response.status_code < 500
    assert "Traceback" not in response.text


def test_invalid_utf8_in_a_legacy_query_string_is_a_clear_error(server, requester):
    response = httpx.get(server.endpoint + "/?Operation=GetAccountBalance&AWSAccessKeyId=%FF%FE", timeout=10)
    assert response.status_code == 400
    assert etree.fromstring(response.content).findtext("Errors/Error/Code") == Code.INVALID_PARAMETER_VALUE


# -- huge strings ----------------------------------------------------------------------------------------------

def test_a_query_longer_than_any_searchable_text_is_refused(client, server, requester):
    from openturk.domain.qualification_types import MAX_QUERY_CHARS
    assert MAX_QUERY_CHARS == 255 + 2000 + 1000 + 2
    assert client.list_qualification_types(MustBeRequestable=False, Query="x" * MAX_QUERY_CHARS)[
        "QualificationTypes"] == []
    response = call(server.endpoint, requester, "ListQualificationTypes",
                    {"MustBeRequestable": False, "Query": "x" * 500_000})
    assert turk_error(response, Code.INVALID_PARAMETER_VALUE) == (
        f"The value for Query is invalid: it must be at most {MAX_QUERY_CHARS} characters long (it is 500000)")
    legacy = post(server.endpoint, signed(requester, "SearchQualificationTypes", {"Query": "x" * 500_000,
                                                                        "MustBeRequestable": "false"}))
    assert b"it must be at most 3257 characters long" in legacy.content
    worker = server.create_worker()
    with pytest.raises(WorkerAPIError) as info:
        worker.list_types(query="x" * 50_000)
    assert info.value.code == Code.INVALID_PARAMETER_VALUE


@pytest.mark.parametrize("member, limit", [("Name", 255), ("Description", 2000), ("Keywords", 1000)])
def test_long_names_descriptions_and_keywords_are_refused(server, requester, member, limit):
    for size in (limit + 1, 900_000):
        response = call(server.endpoint, requester, "CreateQualificationType", {**CREATE, member: "x" * size})
        assert f"The value for {member} is invalid: it must be at most {limit} characters long" in turk_error(
            response, Code.INVALID_PARAMETER_VALUE)


def test_the_test_clock_answers_deeply_nested_json_with_a_clear_error(server):
    """POST /_openturk/clock (--test-clock, loopback only) parses with the standard library's json, which
    raises RecursionError on deep nesting."""
    response = httpx.post(server.endpoint + "/_openturk/clock", content=b"[" * 100_000, timeout=10)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == Code.INVALID_PARAMETER_VALUE
