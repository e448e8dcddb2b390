"""The worker's HIT pages over HTTP: search, preview, accept, the task page, submit, return, my assignments —
and their refusals and headers (the CSP is widened only where a task needs it)."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, parse_qsl, urlsplit

import httpx
import pytest

from openturk.testing import WorkerAPIError
from openturk.web import external_submit
from openturk.web.pages import security, worker_hits

from ..api.helpers import QF_NS
from ..api.hit_helpers import external_question, html_question
from .test_page_isolation import worker_browser

FREE_TEXT_FORM = (f'<QuestionForm xmlns="{QF_NS}"><Question><QuestionIdentifier>colour</QuestionIdentifier>'
                  "<IsRequired>true</IsRequired><QuestionContent><Text>Which colour is the sky?</Text></QuestionContent>"
                  "<AnswerSpecification><FreeTextAnswer/></AnswerSpecification></Question></QuestionForm>")
TASK_URL = "https://tasks.example.org/task?lang=en&x=1#top"


def _hit(client, unique, *, title=None, question=None, reward="0.40", max_assignments=1, **extra) -> dict:
    return client.create_hit(Title=title or f"{unique} task", Description=f"Do {unique}", Reward=reward,
                             Keywords=unique, MaxAssignments=max_assignments, AssignmentDurationInSeconds=900,
                             LifetimeInSeconds=3600, Question=question or external_question(TASK_URL.replace("&", "&amp;")), **extra)["HIT"]


def _iframe(html: str) -> dict:
    tag = re.search(r"<iframe\b[^>]*>", html).group(0)
    return {name: value.replace("&amp;", "&") for name, value in re.findall(r'([a-z-]+)="([^"]*)"', tag)}


@pytest.fixture
def requester(server):
    return server.new_requester("Sky Lab")


@pytest.fixture
def client(server, requester):
    return server.client(requester)


@pytest.fixture
def worker(server):
    return server.create_worker()


@pytest.fixture
def pages(server, worker):
    return worker_browser(server, worker)


# -- units ----------------------------------------------------------------------------------------------

def test_parameters_are_appended_keeping_the_url_s_own_query_and_fragment():
    url = worker_hits.with_parameters(TASK_URL, {"assignmentId": "A B", "hitId": "H"})
    assert url == "https://tasks.example.org/task?lang=en&x=1&assignmentId=A+B&hitId=H#top"
    assert worker_hits.with_parameters("http://h/t?hitId=old&a=", {"hitId": "new"}) == "http://h/t?a=&hitId=new"
    assert worker_hits.origin_of("https://Tasks.example.org:8443/x?y") == "https://tasks.example.org:8443"
    assert worker_hits.origin_of("http://[::1]:81/") == "http://[::1]:81"
    assert worker_hits.origin_of("javascript:alert(1)") is None


def test_only_a_plain_mturk_form_action_is_rewritten():
    target = "http://127.0.0.1:9/mturk/externalSubmit"
    html = ("<form name='mturk_form' method='post' action='https://www.mturk.com/mturk/externalSubmit'></form>"
            '<FORM ACTION="https://workersandbox.mturk.com/mturk/externalSubmit" method=post></FORM>'
            "<form action=https://www.mturk.com/mturk/externalSubmit>"
            '<a href="https://www.mturk.com/mturk/externalSubmit">x</a><form action="https://evil.example/s">'
            '<script>f.action = "https://www.mturk.com/mturk/externalSubmit";</script>')
    out = worker_hits.rewrite_mturk_action(html, target)
    assert out.count(target) == 3
    assert '<a href="https://www.mturk.com/mturk/externalSubmit">' in out
    assert 'f.action = "https://www.mturk.com/mturk/externalSubmit"' in out
    assert 'action="https://evil.example/s"' in out


def test_route_policies_keep_the_default_and_refuse_what_is_not_an_origin():
    assert security.EXTERNAL_SUBMIT_PATH == external_submit.PATH
    assert security.task_page_headers(None) == {}
    widened = security.task_page_headers("https://tasks.example.org")["Content-Security-Policy"]
    assert widened.startswith(security.CONTENT_SECURITY_POLICY)
    assert widened.endswith("; frame-src 'self' https://tasks.example.org")
    for bad in ("https://a.example; script-src *", "https://a b", "data:", "https://a.example/path"):
        with pytest.raises(ValueError):
            security.task_page_headers(bad)
    policy = security.html_question_headers("http://127.0.0.1:8000")["Content-Security-Policy"]
    assert policy.startswith("sandbox allow-scripts allow-forms;") and "allow-same-origin" not in policy
    assert "frame-ancestors 'self'" in policy


# -- search ---------------------------------------------------------------------------------------------

def test_search_lists_groups_with_counts_and_requester(server, client, pages, unique):
    hit = _hit(client, unique, max_assignments=3)
    _hit(client, unique, max_assignments=2)        # same type: one group of 2 HITs, 5 assignments
    _hit(client, unique, title=f"{unique} cheap", reward="0.05")
    response = pages.get("/worker/hits", query=unique)
    assert response.status_code == 200
    cards = re.findall(r'<li class="card hit-group".*?</li>', response.text, re.S)
    assert len(cards) == 2
    group = next(c for c in cards if hit["HITTypeId"] in c)
    assert "Sky Lab" in group and "$0.40" in group and "15 minutes" in group
    assert "2 HITs, 5 assignments" in group
    assert f'href="/worker/hits/{hit["HITId"]}"' in group or "/worker/hits/" in group
    assert f'action="/worker/groups/{hit["HITTypeId"]}/accept"' in group
    assert 'aria-current="page">Find HITs' in response.text
    # Minimum reward
    cheap = pages.get("/worker/hits", query=unique, min_reward="0.10").text
    assert f"{unique} cheap" not in cheap and f"{unique} task" in cheap
    bad = pages.get("/worker/hits", query=unique, min_reward="lots")
    assert bad.status_code == 400 and 'role="alert"' in bad.text


def test_search_pages_by_next_token(server, client, pages, unique):
    for i in range(worker_hits.GROUPS_PER_PAGE + 2):
        _hit(client, unique, title=f"{unique} group {i}")
    first = pages.get("/worker/hits", query=unique).text
    assert first.count('class="card hit-group"') == worker_hits.GROUPS_PER_PAGE
    next_url = re.search(r'href="([^"]+)" rel="next"', first).group(1).replace("&amp;", "&")
    assert "next_token=" in next_url and f"query={unique}" in next_url
    second = pages.get("/worker/hits", **dict(parse_qsl(urlsplit(next_url).query))).text
    assert second.count('class="card hit-group"') == 2
    assert 'rel="next"' not in second and "First page" in second


def test_a_requirement_guarding_discover_hides_the_group(server, client, pages, unique):
    type_id = client.create_qualification_type(Name=f"{unique} q", Description="d",
                                               QualificationTypeStatus="Active")["QualificationType"]["QualificationTypeId"]
    for guard in ("DiscoverPreviewAndAccept", "PreviewAndAccept", "Accept"):
        _hit(client, unique, title=f"{unique} {guard}", QualificationRequirements=[
            {"QualificationTypeId": type_id, "Comparator": "Exists", "ActionsGuarded": guard}])
    text = pages.get("/worker/hits", query=unique).text
    assert f"{unique} DiscoverPreviewAndAccept" not in text
    preview_guarded = re.search(rf'<li class="card hit-group"[^>]*>\s*<h2[^>]*>{unique} PreviewAndAccept</h2>.*?</li>',
                                text, re.S).group(0)
    assert "Preview<" not in preview_guarded and "Accept &amp; work" not in preview_guarded
    accept_guarded = re.search(rf'<li class="card hit-group"[^>]*>\s*<h2[^>]*>{unique} Accept</h2>.*?</li>',
                               text, re.S).group(0)
    assert "Preview<" in accept_guarded and "Accept &amp; work" not in accept_guarded
    assert "do not meet" in accept_guarded


def test_search_needs_a_session(server):
    response = httpx.get(server.endpoint + "/worker/hits?query=x", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/worker/login?next=")


# -- preview ----------------------------------------------------------------------------------------------

def test_preview_of_an_external_question(server, client, pages, unique):
    hit = _hit(client, unique)
    response = pages.get(f"/worker/hits/{hit['HITId']}")
    assert response.status_code == 200
    frame = _iframe(response.text)
    assert "sandbox" not in frame
    assert frame["height"] == "600"
    src = urlsplit(frame["src"])
    assert (src.scheme, src.netloc, src.path, src.fragment) == ("https", "tasks.example.org", "/task", "top")
    assert parse_qs(src.query) == {"lang": ["en"], "x": ["1"], "assignmentId": ["ASSIGNMENT_ID_NOT_AVAILABLE"],
                                   "hitId": [hit["HITId"]]}
    assert f'action="/worker/hits/{hit["HITId"]}/accept"' in response.text
    policy = response.headers["content-security-policy"]
    assert policy == security.CONTENT_SECURITY_POLICY + "; frame-src 'self' https://tasks.example.org"
    assert response.headers["x-frame-options"] == "DENY"


def test_preview_of_an_html_question_is_sandboxed_and_its_content_served_apart(server, client, pages, unique):
    body = ("<form name='mturk_form' method='post' action='https://www.mturk.com/mturk/externalSubmit'>"
            f"<p>{unique} inside</p><input name='x'>")
    hit = _hit(client, unique, question=html_question(body, frame_height=0))
    response = pages.get(f"/worker/hits/{hit['HITId']}")
    frame = _iframe(response.text)
    assert frame["sandbox"] == "allow-scripts allow-forms"
    assert "height" not in frame and "task-frame-full" in frame["class"]
    assert frame["src"].startswith(f"/worker/hits/{hit['HITId']}/content?")
    assert parse_qs(urlsplit(frame["src"]).query) == {"assignmentId": ["ASSIGNMENT_ID_NOT_AVAILABLE"],
                                                      "hitId": [hit["HITId"]]}
    assert f"{unique} inside" not in response.text                 # not in openturk's own page
    assert response.headers["content-security-policy"] == security.CONTENT_SECURITY_POLICY

    content = pages.get(frame["src"])
    assert content.status_code == 200 and f"{unique} inside" in content.text
    assert f"action='{server.endpoint}/mturk/externalSubmit'" in content.text
    policy = content.headers["content-security-policy"]
    assert policy.startswith("sandbox allow-scripts allow-forms;") and "allow-same-origin" not in policy
    assert "frame-ancestors 'self'" in policy and f"form-action 'self' {server.endpoint}" in policy
    assert content.headers["x-frame-options"] == "SAMEORIGIN"
    assert content.headers["cache-control"] == "no-store"
    # Another kind of question has no content route; nor does anyone signed out.
    other = _hit(client, unique)
    assert pages.get(f"/worker/hits/{other['HITId']}/content").status_code == 404
    assert httpx.get(server.endpoint + frame["src"], follow_redirects=False).status_code == 303


def test_preview_of_a_question_form(server, client, pages, unique):
    hit = _hit(client, unique, question=FREE_TEXT_FORM)
    text = pages.get(f"/worker/hits/{hit['HITId']}").text
    assert "Which colour is the sky?" in text and "<iframe" not in text
    assert re.search(r'<input type="text"[^>]*readonly', text)


def test_preview_refused_shows_why(server, client, pages, unique):
    type_id = client.create_qualification_type(Name=f"{unique} q", Description="d",
                                               QualificationTypeStatus="Active")["QualificationType"]["QualificationTypeId"]
    guarded = _hit(client, unique, QualificationRequirements=[
        {"QualificationTypeId": type_id, "Comparator": "Exists", "ActionsGuarded": "PreviewAndAccept"}])
    response = pages.get(f"/worker/hits/{guarded['HITId']}")
    assert response.status_code == 403
    assert "QualificationRequirementNotMet" in response.text and "<iframe" not in response.text
    assert "tasks.example.org" not in response.text
    accept_only = _hit(client, unique, QualificationRequirements=[
        {"QualificationTypeId": type_id, "Comparator": "Exists", "ActionsGuarded": "Accept"}])
    text = pages.get(f"/worker/hits/{accept_only['HITId']}").text
    assert "You may preview this HIT but not accept it" in text and "/accept" not in text
    missing = pages.get("/worker/hits/" + "Z" * 30)
    assert missing.status_code == 404 and "does not exist" in missing.text


# -- accept, the task page, submit ---------------------------------------------------------------------------

def _accept(pages, hit_id: str) -> str:
    response = pages.post(f"/worker/hits/{hit_id}/accept", {})
    assert response.status_code == 303, response.text[:300]
    found = re.match(r"/worker/assignments/([A-Z0-9]{30})$", response.headers["location"])
    assert found, response.headers["location"]
    return found.group(1)


def test_accept_an_external_question_and_submit_through_external_submit(server, client, worker, pages, unique):
    hit = _hit(client, unique)
    assignment_id = _accept(pages, hit["HITId"])
    response = pages.get(f"/worker/assignments/{assignment_id}")
    assert response.status_code == 200
    frame = _iframe(response.text)
    assert parse_qs(urlsplit(frame["src"]).query) == {
        "lang": ["en"], "x": ["1"], "assignmentId": [assignment_id], "hitId": [hit["HITId"]],
        "workerId": [worker.worker_id], "turkSubmitTo": [server.endpoint]}
    assert frame["data-done-url"] == f"/worker/assignments/{assignment_id}"
    assert re.search(r'data-remaining-seconds="(900|899)"', response.text) and "/static/countdown.js" in response.text
    assert "/static/task.js" in response.text
    assert f'action="/worker/assignments/{assignment_id}/return"' in response.text
    assert response.headers["content-security-policy"].endswith("frame-src 'self' https://tasks.example.org")
    # The preview now leads to the task.
    again = pages.get(f"/worker/hits/{hit['HITId']}")
    assert again.status_code == 303 and again.headers["location"] == f"/worker/assignments/{assignment_id}"

    posted = httpx.post(server.endpoint + "/mturk/externalSubmit",
                        data={"assignmentId": assignment_id, "answer": f"blue {unique}"})
    assert posted.status_code == 200 and "Your work was submitted" in posted.text
    assert "frame-ancestors 'self'" in posted.headers["content-security-policy"]
    assert posted.headers["x-frame-options"] == "SAMEORIGIN"
    assert 'data-submitted-assignment-id="' + assignment_id in posted.text
    listed = client.list_assignments_for_hit(HITId=hit["HITId"])["Assignments"]
    assert [a["AssignmentStatus"] for a in listed] == ["Submitted"] and f"blue {unique}" in listed[0]["Answer"]
    # The task page now leads to "My assignments", which says so.
    done = pages.http.get(f"/worker/assignments/{assignment_id}")
    assert done.status_code == 303 and done.headers["location"] == "/worker/assignments"
    mine = pages.http.get("/worker/assignments").text
    assert "was submitted" in mine and assignment_id in mine
    # Submitting twice is refused.
    twice = httpx.post(server.endpoint + "/mturk/externalSubmit", data={"assignmentId": assignment_id, "answer": "x"})
    assert twice.status_code == 409 and "InvalidAssignmentState" in twice.text


def test_html_question_task_has_the_parameters_in_its_content_url(server, client, worker, pages, unique):
    hit = _hit(client, unique, question=html_question("<input name='x'>"))
    assignment_id = _accept(pages, hit["HITId"])
    response = pages.get(f"/worker/assignments/{assignment_id}")
    frame = _iframe(response.text)
    assert frame["sandbox"] == "allow-scripts allow-forms"
    assert parse_qs(urlsplit(frame["src"]).query) == {
        "assignmentId": [assignment_id], "hitId": [hit["HITId"]], "workerId": [worker.worker_id],
        "turkSubmitTo": [server.endpoint]}
    assert response.headers["content-security-policy"] == security.CONTENT_SECURITY_POLICY
    assert pages.get(frame["src"]).status_code == 200
    # A page post is not how such a task submits.
    refused = pages.post(f"/worker/assignments/{assignment_id}", {"x": "1"})
    assert refused.status_code == 400


def test_question_form_task_is_submitted_and_checked(server, client, pages, unique):
    hit = _hit(client, unique, question=FREE_TEXT_FORM)
    assignment_id = _accept(pages, hit["HITId"])
    page = pages.get(f"/worker/assignments/{assignment_id}")
    assert page.status_code == 200 and "Which colour is the sky?" in page.text and "<iframe" not in page.text
    assert page.headers["content-security-policy"] == security.CONTENT_SECURITY_POLICY
    empty = pages.post(f"/worker/assignments/{assignment_id}", {"q0": ""})
    assert empty.status_code == 400 and "Your answers were not accepted yet" in empty.text
    done = pages.post(f"/worker/assignments/{assignment_id}", {"q0": f"blue {unique}"})
    assert done.status_code == 303 and done.headers["location"] == "/worker/assignments"
    assert "was submitted" in pages.last
    answer = client.get_assignment(AssignmentId=assignment_id)["Assignment"]["Answer"]
    assert "<QuestionIdentifier>colour</QuestionIdentifier>" in answer and f"blue {unique}" in answer
    twice = pages.post(f"/worker/assignments/{assignment_id}", {"q0": "green"})
    assert twice.status_code == 409 and "can no longer be submitted" in twice.text
    assert "green" not in client.get_assignment(AssignmentId=assignment_id)["Assignment"]["Answer"]


def test_a_question_form_answer_that_breaks_its_rules_is_refused_by_the_worker_api_too(server, client, worker,
                                                                                     unique):
    # ops.work._check passed AnswerProblem objects where errors.answers_rejected takes (identifier, message)
    # pairs: every front end answered a ServiceFault instead of naming the question.
    hit = _hit(client, unique, question=FREE_TEXT_FORM)
    assignment = worker.accept(hit["HITId"])
    with pytest.raises(WorkerAPIError) as refused:
        worker.submit_assignment(assignment["AssignmentId"], {"colour": ""})
    assert refused.value.status == 400
    assert refused.value.questions and refused.value.questions[0]["QuestionIdentifier"] == "colour"


def test_accept_from_the_group_and_refusals(server, client, requester, pages, unique):
    hit = _hit(client, unique)
    response = pages.post(f"/worker/groups/{hit['HITTypeId']}/accept", {"back": f"/worker/hits?query={unique}"})
    assert response.status_code == 303 and response.headers["location"].startswith("/worker/assignments/")
    # The group's only assignment is taken: none left for another worker.
    other = worker_browser(server, server.create_worker())
    refused = other.post(f"/worker/groups/{hit['HITTypeId']}/accept", {"back": f"/worker/hits?query={unique}"})
    assert refused.headers["location"] == f"/worker/hits?query={unique}#group-{hit['HITTypeId']}"
    assert "There are no more HITs in this group" in other.last
    other.post(f"/worker/hits/{hit['HITId']}/accept", {})
    assert 'role="alert"' in other.last and "NoHITsAvailable" not in other.last     # the message, on the preview
    # A worker the requester blocked.
    blocked = _hit(client, unique, title=f"{unique} blocked")
    victim = server.create_worker()
    client.create_worker_block(WorkerId=victim.worker_id, Reason="no")
    victim_pages = worker_browser(server, victim)
    assert f"{unique} blocked" not in victim_pages.get("/worker/hits", query=unique).text
    victim_pages.post(f"/worker/hits/{blocked['HITId']}/accept", {})
    assert "not authorized" in victim_pages.last
    assert client.list_assignments_for_hit(HITId=blocked["HITId"])["Assignments"] == []
    # A forged post without the CSRF token.
    forged = httpx.post(server.endpoint + f"/worker/hits/{blocked['HITId']}/accept",
                        cookies=dict(other.http.cookies), follow_redirects=False)
    assert forged.status_code == 403


def test_return_and_my_assignments_with_earnings(server, client, worker, pages, unique):
    returned_hit = _hit(client, unique, title=f"{unique} returned")
    assignment_id = _accept(pages, returned_hit["HITId"])
    response = pages.post(f"/worker/assignments/{assignment_id}/return", {})
    assert response.headers["location"] == "/worker/assignments"
    assert "You returned" in pages.last
    assert client.get_hit(HITId=returned_hit["HITId"])["HIT"]["NumberOfAssignmentsAvailable"] == 1
    pages.post(f"/worker/assignments/{assignment_id}/return", {})
    assert "InvalidAssignmentState" in pages.last or "status of" in pages.last

    approved_hit = _hit(client, unique, title=f"{unique} approved", reward="1.25")
    approved = worker.work(approved_hit["HITId"], {"a": "1"})["AssignmentId"]
    client.approve_assignment(AssignmentId=approved, RequesterFeedback=f"Great work {unique}")
    client.send_bonus(WorkerId=worker.worker_id, BonusAmount="0.50", AssignmentId=approved,
                      Reason=f"bonus reason {unique}", UniqueRequestToken=unique)
    pending_hit = _hit(client, unique, title=f"{unique} pending", reward="0.30")
    worker.work(pending_hit["HITId"], {"a": "1"})
    rejected_hit = _hit(client, unique, title=f"{unique} rejected", reward="0.70")
    rejected = worker.work(rejected_hit["HITId"], {"a": "1"})["AssignmentId"]
    client.reject_assignment(AssignmentId=rejected, RequesterFeedback=f"Wrong {unique}")

    text = pages.get("/worker/assignments").text
    rows = {m.group(1): m.group(0) for m in re.finditer(r'<tr id="assignment-([A-Z0-9]+)".*?</tr>', text, re.S)}
    assert "Returned" in rows[assignment_id] and "Approved" in rows[approved] and "Rejected" in rows[rejected]
    assert f"Great work {unique}" in rows[approved] and f"Wrong {unique}" in rows[rejected]
    assert "$1.25" in rows[approved]
    assert re.search(r'class="approved-rewards">\$1\.25<', text)
    assert re.search(r'class="bonuses">\$0\.50<', text)
    assert re.search(r'class="total-earnings"><strong>\$1\.75<', text)
    assert re.search(r'class="pending-rewards">\$0\.30<', text)
    assert f"bonus reason {unique}" in text and 'href="/worker/messages"' in text
    assert 'aria-current="page">My assignments' in text
