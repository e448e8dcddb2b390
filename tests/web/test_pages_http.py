"""The pages over plain HTTP (no browser): sessions, CSRF, sign-in rules, privacy, headers."""

from __future__ import annotations

import re

import httpx
import pytest

from openturk import ids
from openturk.store import worker_queries

from ..api.hit_helpers import external_question


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


@pytest.fixture
def http(server):
    with httpx.Client(base_url=server.endpoint, follow_redirects=False, timeout=30) as client:
        yield client


def _worker_session(http, worker) -> str:
    response = http.get("/worker/login", params={"token": worker.token})
    assert response.status_code == 303
    return _csrf(http.get("/worker/types").text)


def test_pages_need_a_session_and_come_back_after_sign_in(server, http):
    response = http.get("/worker/qualifications")
    assert response.status_code == 303
    assert response.headers["location"] == "/worker/login?next=%2Fworker%2Fqualifications"
    login = http.get(response.headers["location"])
    worker = server.create_worker()
    response = http.post("/worker/login", data={"csrf_token": _csrf(login.text), "token": worker.token,
                                                "next": "/worker/qualifications"})
    assert response.status_code == 303 and response.headers["location"] == "/worker/qualifications"
    assert http.get("/worker/qualifications").status_code == 200
    assert http.get("/requester/types").status_code == 303         # the worker's session is not a requester's


def test_the_session_cookie_is_signed_http_only_and_same_site(server, http):
    worker = server.create_worker()
    response = http.get("/worker/login", params={"token": worker.token})
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("openturk_worker=")
    for flag in ("HttpOnly", "SameSite=lax", "Path=/worker"):
        assert flag.lower() in cookie.lower(), cookie
    assert worker.token not in cookie
    forged = http.cookies.get("openturk_worker")[:-3] + "abc"
    http.cookies.set("openturk_worker", forged, path="/worker")
    assert http.get("/worker/types").status_code == 303             # a tampered cookie signs nobody in


def test_every_form_needs_the_csrf_token(server, http):
    worker = server.create_worker()
    csrf = _worker_session(http, worker)
    type_id = server.client(server.new_requester()).create_qualification_type(
        Name="csrf", Description="d", QualificationTypeStatus="Active", AutoGranted=True)["QualificationType"][
        "QualificationTypeId"]
    for data in ({}, {"csrf_token": "forged"}):
        response = http.post(f"/worker/types/{type_id}/request", data=data)
        assert response.status_code == 403
        assert "This form has expired" in response.text
    assert worker.qualifications() == []
    response = http.post(f"/worker/types/{type_id}/request", data={"csrf_token": csrf})
    assert response.status_code == 303
    assert [q["IntegerValue"] for q in worker.qualifications()] == [1]
    assert http.post("/worker/logout", data={}).status_code == 403
    assert http.post("/requester/login", data={"access_key_id": "x", "secret_access_key": "y"}).status_code == 403


def test_sign_in_refusals(server, http):
    response = http.get("/worker/login", params={"token": "not-a-token"})
    assert response.status_code == 400 and "This worker token is not valid" in response.text
    creds = server.new_requester()
    csrf = _csrf(http.get("/requester/login").text)
    response = http.post("/requester/login", data={"csrf_token": csrf, "access_key_id": creds["AccessKeyId"],
                                                   "secret_access_key": creds["SecretAccessKey"] + "x"})
    assert response.status_code == 400 and "is not right" in response.text
    response = http.post("/requester/login", data={"csrf_token": csrf, "access_key_id": creds["AccessKeyId"],
                                                   "secret_access_key": creds["SecretAccessKey"]})
    assert response.status_code == 303 and response.headers["location"] == "/requester/types"


def test_sign_in_never_redirects_off_the_site(server, http):
    worker = server.create_worker()
    for target in ("//evil.example/", "https://evil.example/", "/requester/types", "/worker\\..\\x"):
        response = http.get("/worker/login", params={"token": worker.token, "next": target})
        assert response.headers["location"] == "/worker/types", target


def test_a_new_token_signs_old_sessions_out(server, http):
    worker = server.create_worker()
    _worker_session(http, worker)
    assert http.get("/worker/types").status_code == 200
    with server.service.db.transaction(write=True) as tx:
        worker_queries.set_worker_token(tx, worker.worker_id, ids.token_hash(ids.worker_token()))
    assert http.get("/worker/types").status_code == 303


def test_logging_out_ends_the_session(server, http):
    csrf = _worker_session(http, server.create_worker())
    response = http.post("/worker/logout", data={"csrf_token": csrf})
    assert response.status_code == 303
    assert http.get("/worker/types").status_code == 303


def test_requests_and_types_of_others_stay_private(server, http):
    owner = server.client(server.new_requester())
    type_id = owner.create_qualification_type(Name="private", Description="d", QualificationTypeStatus="Active",
                                              )["QualificationType"]["QualificationTypeId"]
    alice, bob = server.create_worker(), server.create_worker()
    request_id = alice.request(type_id)["QualificationRequestId"]
    _worker_session(http, bob)
    response = http.get(f"/worker/requests/{request_id}")
    assert response.status_code == 404 and "does not exist" in response.text

    other = server.new_requester()
    csrf = _csrf(http.get("/requester/login").text)
    http.post("/requester/login", data={"csrf_token": csrf, "access_key_id": other["AccessKeyId"],
                                        "secret_access_key": other["SecretAccessKey"]})
    csrf = _csrf(http.get("/requester/types").text)
    for path in (f"/requester/types/{type_id}", f"/requester/types/{type_id}/edit",
                 f"/requester/types/{type_id}/workers"):
        assert http.get(path).status_code == 403, path
    response = http.post("/requester/requests/decide", data={"csrf_token": csrf, "action": "accept",
                                                             "request_id": request_id}, follow_redirects=True)
    assert "You requested a QualificationRequest that does not exist" in response.text
    assert owner.list_qualification_requests(QualificationTypeId=type_id)["NumResults"] == 1

    hit_id = owner.create_hit(Title="t", Description="d", Reward="0.10", AssignmentDurationInSeconds=60,
                              LifetimeInSeconds=600, Question=external_question())["HIT"]["HITId"]
    assert http.get(f"/requester/hits/{hit_id}").status_code == 400
    for action in ("expire", "extend", "assignments", "review", "delete"):
        response = http.post(f"/requester/hits/{hit_id}/{action}", follow_redirects=True,
                             data={"csrf_token": csrf, "hours": "1", "number": "1", "confirm": "yes"})
        assert response.status_code == 400 and f"Hit {hit_id} does not exist." in response.text, action
    seen = owner.get_hit(HITId=hit_id)["HIT"]
    assert (seen["HITStatus"], seen["MaxAssignments"]) == ("Assignable", 1)


def test_static_files_and_the_worker_api_carry_the_security_headers(server, http):
    for path in ("/static/openturk.css", "/static/countdown.js", "/api/worker/v1/qualifications", "/worker/login"):
        response = http.get(path)
        assert response.headers["x-frame-options"] == "DENY", path
        assert response.headers["x-content-type-options"] == "nosniff", path
        assert "default-src 'self'" in response.headers["content-security-policy"], path
    assert http.get("/static/countdown.js").headers["content-type"].startswith(("text/javascript", "application/javascript"))


def test_html_pages_are_not_cached(server, http):
    assert http.get("/worker/login").headers["cache-control"] == "no-store"


def test_types_and_holders_page_through(server, http, unique):
    client = server.client(server.new_requester())
    for i in range(12):
        client.create_qualification_type(Name=f"{unique} {i:02d}", Description="d", Keywords=unique,
                                         QualificationTypeStatus="Active", AutoGranted=True)
    _worker_session(http, server.create_worker())
    first = http.get("/worker/types", params={"query": unique})
    assert first.text.count('class="card"') == 10
    next_url = re.search(r'<a href="([^"]+)" rel="next">Next page</a>', first.text).group(1).replace("&amp;", "&")
    second = http.get(next_url)
    assert second.text.count('class="card"') == 2 and 'rel="next"' not in second.text
    assert "First page" in second.text
    assert http.get("/worker/types", params={"query": unique, "per_page": 25}).text.count('class="card"') == 12

    creds_http = httpx.Client(base_url=server.endpoint, timeout=30)
    with creds_http:
        owner = server.new_requester()
        other = server.client(owner)
        type_id = other.create_qualification_type(Name=unique, Description="d", QualificationTypeStatus="Active",
                                                  AutoGranted=True)["QualificationType"]["QualificationTypeId"]
        for n in range(27):
            other.associate_qualification_with_worker(QualificationTypeId=type_id, WorkerId=f"AHOLDER{n:04d}",
                                                      IntegerValue=n, SendNotification=False)
        csrf = _csrf(creds_http.get("/requester/login").text)
        creds_http.post("/requester/login", data={"csrf_token": csrf, "access_key_id": owner["AccessKeyId"],
                                                  "secret_access_key": owner["SecretAccessKey"]})
        page_one = creds_http.get(f"/requester/types/{type_id}/workers")
        assert page_one.text.count("AHOLDER") >= 25 and "AHOLDER0026" not in page_one.text
        next_url = re.search(r'<a href="([^"]+)" rel="next">', page_one.text).group(1).replace("&amp;", "&")
        page_two = creds_http.get(next_url)
        assert "AHOLDER0026" in page_two.text and "AHOLDER0000" not in page_two.text
        # The last page has no link to a next one (the API's last page has a NextToken, as MTurk's did).
        assert 'rel="next"' not in page_two.text
        revoked = creds_http.get(f"/requester/types/{type_id}/workers", params={"status": "Revoked"})
        assert "No worker's qualification is revoked" in revoked.text


def test_malformed_forms_are_refused_not_crashed_on(server, http):
    response = http.post("/worker/login", content=b"--x\r\nContent-Disposition: form-data\r\n\r\n--",
                         headers={"content-type": "multipart/form-data; boundary=x"})
    assert response.status_code in (400, 403)
    response = http.post("/worker/login", content=b"a" * 1_100_000,
                         headers={"content-type": "application/x-www-form-urlencoded"})
    assert response.status_code == 413


def test_the_session_cookie_stays_small(server, http):
    worker = server.create_worker()
    _worker_session(http, worker)
    for _ in range(3):
        http.get("/worker/types")
    value = http.cookies.get("openturk_worker")
    assert len(value) < 400
    from itsdangerous import URLSafeTimedSerializer
    data = URLSafeTimedSerializer(server.service.session_key, salt="openturk.worker-session").loads(value)
    assert set(data) == {"csrf", "worker_id", "token_hash"}


def test_nul_characters_in_page_urls_and_forms_are_refused_not_crashed_on(server, http, unique):
    """PostgreSQL cannot compare or store text with U+0000: every page input that reaches the store is checked
    first (found by fuzzing the APIs; the pages share the parameter rules)."""
    owner = server.new_requester()
    type_id = server.client(owner).create_qualification_type(
        Name=unique, Description="d", QualificationTypeStatus="Active")["QualificationType"]["QualificationTypeId"]
    csrf = _csrf(http.get("/requester/login").text)
    http.post("/requester/login", data={"csrf_token": csrf, "access_key_id": owner["AccessKeyId"],
                                        "secret_access_key": owner["SecretAccessKey"]})
    csrf = _csrf(http.get("/requester/types").text)
    for path in (f"/requester/types/{type_id}/workers/A%00B", f"/requester/types/A%00{type_id}",
                 f"/requester/types/{type_id}/workers?status=Gr%00anted", "/requester/types?query=a%00b"):
        assert http.get(path).status_code in (200, 303, 400, 404), path
    for action, data in ((f"types/{type_id}/workers/grant", {"worker_id": "A\x00B", "integer_value": "1"}),
                         (f"types/{type_id}/workers/revoke", {"worker_id": "A\x00B", "reason": "r"}),
                         (f"types/{type_id}/edit", {"Name": unique, "Description": "a\x00b"}),
                         ("requests/decide", {"request_id": "A\x00B", "action": "accept"})):
        response = http.post(f"/requester/{action}", data={"csrf_token": csrf, **data})
        assert response.status_code in (200, 303, 400, 404), (action, response.status_code)
        if response.status_code == 200:
            assert "U+0000" in response.text or "invalid" in response.text.lower(), action
    assert server.client(owner).list_workers_with_qualification_type(QualificationTypeId=type_id)[
        "Qualifications"] == []
    worker = server.create_worker()
    worker_http = httpx.Client(base_url=server.endpoint, follow_redirects=False, timeout=30)
    with worker_http:
        _worker_session(worker_http, worker)
        for path in ("/worker/requests/A%00B", "/worker/requests/A%00B/test", "/worker/types?query=a%00b"):
            assert worker_http.get(path).status_code in (200, 303, 400, 404), path
