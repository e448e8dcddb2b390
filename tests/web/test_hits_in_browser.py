"""A worker finds, previews, accepts, does and submits HITs in chromium — an ExternalQuestion served by a
small task app of the test's own, an HTMLQuestion, a QuestionForm — or returns one; the requester then reads
the answer with boto3. And an HTMLQuestion's scripts run, but never as openturk."""

from __future__ import annotations

import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import expect

from ..api.hit_helpers import HTML_NS, external_question
from .conftest import worker_sign_in
from .test_worker_hit_pages import FREE_TEXT_FORM

# The task app's page: what psiTurk's and Dallinger's pages do, in a few lines — read assignmentId and
# turkSubmitTo from the query string, post the form to turkSubmitTo + "/mturk/externalSubmit".
TASK_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Task</title></head><body>
<p id="mode">loading</p>
<form id="task" method="post">
  <input type="hidden" name="assignmentId" id="assignmentId">
  <label for="answer">Your answer</label> <input id="answer" name="answer">
  <button type="submit" id="send">Send</button>
</form>
<script>
  var query = new URLSearchParams(window.location.search);
  var id = query.get("assignmentId");
  document.getElementById("assignmentId").value = id;
  document.getElementById("mode").textContent = (id === "ASSIGNMENT_ID_NOT_AVAILABLE" ? "preview " : "working ") + id
      + " hit " + query.get("hitId") + " worker " + query.get("workerId");
  document.getElementById("task").action = query.get("turkSubmitTo") + "/mturk/externalSubmit";
  if (id === "ASSIGNMENT_ID_NOT_AVAILABLE") { document.getElementById("send").disabled = true; }
</script></body></html>"""

# An HTMLQuestion as requesters write them: a plain form posting to MTurk, a script filling assignmentId
# in — and probes of what the script can reach of openturk (nothing: it runs as an opaque origin).
HTML_TASK = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>HTML task</title></head><body>
<form name="mturk_form" method="post" id="mturk_form" action="https://www.mturk.com/mturk/externalSubmit">
  <input type="hidden" value="" name="assignmentId" id="assignmentId">
  <p id="mode">loading</p>
  <label for="label">Label</label> <input id="label" name="label">
  <input type="submit" id="submitButton" value="Submit">
</form>
<p id="probes"></p>
<script>
  var query = new URLSearchParams(window.location.search);
  var id = query.get("assignmentId");
  document.getElementById("assignmentId").value = id;
  document.getElementById("mode").textContent = (id === "ASSIGNMENT_ID_NOT_AVAILABLE" ? "preview " : "working ") + id;
  if (id === "ASSIGNMENT_ID_NOT_AVAILABLE") { document.getElementById("submitButton").disabled = true; }
  var probes = [];
  function probe(name, fn) { try { probes.push(name + "=" + fn()); } catch (e) { probes.push(name + "=blocked"); } }
  probe("origin", function () { return window.origin; });
  probe("cookie", function () { return JSON.stringify(document.cookie); });
  probe("parent", function () { return window.parent.document.title; });
  probe("storage", function () { return String(window.localStorage.length); });
  document.getElementById("probes").textContent = probes.join(" ");
  fetch("/worker/assignments", {credentials: "include"}).then(function (r) { return r.text(); })
    .then(function (t) { window.__fetched = "read " + t.length; document.getElementById("probes").textContent += " fetch=read"; },
          function () { document.getElementById("probes").textContent += " fetch=blocked"; });
</script></body></html>"""


def html_question(document: str, frame_height: int = 500) -> str:
    return (f'<HTMLQuestion xmlns="{HTML_NS}"><HTMLContent><![CDATA[{document}]]></HTMLContent>'
            f"<FrameHeight>{frame_height}</FrameHeight></HTMLQuestion>")


class _TaskApp(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's name)
        body = TASK_PAGE.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def task_app():
    """The ExternalQuestion's own server, on a free port of its own (another origin than openturk's)."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _TaskApp)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def _hit(client, unique: str, question: str, title: str) -> dict:
    return client.create_hit(Title=title, Description=f"A task of {unique}", Reward="0.35", Keywords=unique,
                             MaxAssignments=1, AssignmentDurationInSeconds=1200, LifetimeInSeconds=3600,
                             Question=question)["HIT"]


def _free_text(answer: str) -> dict[str, str]:
    """A QuestionFormAnswers document's FreeText answers by QuestionIdentifier."""
    return dict(re.findall(r"<QuestionIdentifier>([^<]*)</QuestionIdentifier>\s*<FreeText>([^<]*)</FreeText>", answer))


def _find_and_preview(page, unique: str, title: str):
    page.get_by_role("link", name="Find HITs").click()
    page.get_by_label("Search by title, description or keyword").fill(unique)
    page.get_by_role("button", name="Search").click()
    card = page.locator("li.hit-group", has=page.get_by_role("heading", name=title, exact=True))
    expect(card).to_contain_text("$0.35")
    expect(card).to_contain_text("20 minutes")
    expect(card).to_contain_text("1 HIT, 1 assignment")
    card.get_by_role("link", name=re.compile("^Preview")).click()
    page.wait_for_url(re.compile(r"/worker/hits/\w+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(title)


def _accept(page) -> str:
    page.get_by_role("button", name="Accept this HIT").click()
    page.wait_for_url(re.compile(r"/worker/assignments/\w{30}$"))
    expect(page.locator(".countdown-live")).to_be_visible()            # the countdown script runs
    expect(page.locator("[data-countdown]")).to_have_text(re.compile(r"^(20:00|19:5\d)$"))
    return page.url.rsplit("/", 1)[1]


def _landed_on_my_assignments(page, title: str, assignment_id: str) -> None:
    page.wait_for_url(re.compile(r"/worker/assignments$"))
    expect(page.locator(".flash-ok")).to_contain_text(f"Your work on “{title}” was submitted.")
    expect(page.locator(f"#assignment-{assignment_id} .status")).to_have_text("Submitted")


def test_external_question_from_search_to_the_requester(server, page, task_app, unique):
    client = server.client(server.new_requester("Task App Lab"))
    title = f"Describe a picture {unique}"
    hit = _hit(client, unique, external_question(f"{task_app}/task?study=7", frame_height=400), title)
    worker = server.create_worker()
    worker_sign_in(page, worker)
    _find_and_preview(page, unique, title)
    task = page.frame_locator("#task-frame")
    expect(task.locator("#mode")).to_have_text(f"preview ASSIGNMENT_ID_NOT_AVAILABLE hit {hit['HITId']} worker null")
    expect(task.locator("#send")).to_be_disabled()

    assignment_id = _accept(page)
    expect(task.locator("#mode")).to_have_text(f"working {assignment_id} hit {hit['HITId']} worker {worker.worker_id}")
    task.get_by_label("Your answer").fill(f"a red bicycle {unique}")
    task.get_by_role("button", name="Send").click()
    _landed_on_my_assignments(page, title, assignment_id)

    listed = client.list_assignments_for_hit(HITId=hit["HITId"])["Assignments"]
    assert [(a["AssignmentId"], a["WorkerId"], a["AssignmentStatus"]) for a in listed] == [
        (assignment_id, worker.worker_id, "Submitted")]
    assert _free_text(listed[0]["Answer"]) == {"answer": f"a red bicycle {unique}"}


def test_html_question_with_a_plain_mturk_form(server, page, unique):
    client = server.client(server.new_requester("HTML Lab"))
    title = f"Label a sentence {unique}"
    hit = _hit(client, unique, html_question(HTML_TASK), title)
    worker_sign_in(page, server.create_worker())
    _find_and_preview(page, unique, title)
    task = page.frame_locator("#task-frame")
    expect(task.locator("#mode")).to_have_text("preview ASSIGNMENT_ID_NOT_AVAILABLE")

    assignment_id = _accept(page)
    expect(task.locator("#mode")).to_have_text(f"working {assignment_id}")
    task.get_by_label("Label").fill(f"positive {unique}")
    task.get_by_role("button", name="Submit").click()
    _landed_on_my_assignments(page, title, assignment_id)
    answer = client.list_assignments_for_hit(HITId=hit["HITId"])["Assignments"][0]["Answer"]
    assert _free_text(answer) == {"label": f"positive {unique}"}


def test_html_question_scripts_run_but_never_as_openturk(server, page, unique):
    client = server.client(server.new_requester())
    title = f"Probe {unique}"
    hit = _hit(client, unique, html_question(HTML_TASK), title)
    worker_sign_in(page, server.create_worker())
    page.goto(f"/worker/hits/{hit['HITId']}")
    probes = page.frame_locator("#task-frame").locator("#probes")
    expect(probes).to_contain_text("fetch=")                         # its scripts ran
    expect(probes).to_have_text('origin=null cookie=blocked parent=blocked storage=blocked fetch=blocked')
    assert page.evaluate("window.__fetched") is None
    # Opened on its own (its "parent" is itself), the content is still sandboxed by its own CSP.
    content_url = page.locator("#task-frame").get_attribute("src")
    page.goto(content_url)
    expect(page.locator("#probes")).to_have_text('origin=null cookie=blocked parent=HTML task storage=blocked '
                                                 'fetch=blocked')


def test_question_form_hit(server, page, unique):
    client = server.client(server.new_requester("Form Lab"))
    title = f"Colours {unique}"
    _hit(client, unique, FREE_TEXT_FORM, title)
    worker_sign_in(page, server.create_worker())
    _find_and_preview(page, unique, title)
    expect(page.get_by_text("Which colour is the sky?")).to_be_visible()
    assignment_id = _accept(page)
    page.get_by_role("button", name="Submit").click()                 # required, empty: refused
    expect(page.locator("#error-summary")).to_contain_text("Question 1")
    page.get_by_label("Your answer").fill(f"blue {unique}")
    page.get_by_role("button", name="Submit").click()
    _landed_on_my_assignments(page, title, assignment_id)
    answer = client.get_assignment(AssignmentId=assignment_id)["Assignment"]["Answer"]
    assert _free_text(answer) == {"colour": f"blue {unique}"}


def test_return_a_hit(server, page, task_app, unique):
    client = server.client(server.new_requester())
    title = f"Returned {unique}"
    hit = _hit(client, unique, external_question(f"{task_app}/task"), title)
    worker_sign_in(page, server.create_worker())
    _find_and_preview(page, unique, title)
    assignment_id = _accept(page)
    page.get_by_role("button", name="Return this HIT").click()
    page.wait_for_url(re.compile(r"/worker/assignments$"))
    expect(page.locator(".flash-ok")).to_contain_text(f"You returned “{title}”")
    expect(page.locator(f"#assignment-{assignment_id} .status")).to_have_text("Returned")
    assert client.get_hit(HITId=hit["HITId"])["HIT"]["NumberOfAssignmentsAvailable"] == 1
    page.get_by_role("link", name="Find HITs").click()
    page.get_by_label("Search by title, description or keyword").fill(unique)
    page.get_by_role("button", name="Search").click()
    expect(page.locator("li.hit-group")).to_contain_text("1 HIT, 1 assignment")
