"""Every page: one h1, a language, a label for every control, alt text for every image, unique ids, a skip
link first in the tab order, and no sideways scrolling on a phone-sized screen."""

from __future__ import annotations

import re

from ..api.hit_helpers import external_question
from ..unit.xml.support import SEATING_FORM, document
from .conftest import requester_sign_in, worker_sign_in

CHECK = """() => {
  const problems = [];
  if (document.documentElement.lang !== "en") problems.push("no lang");
  const h1 = document.querySelectorAll("h1").length;
  if (h1 !== 1) problems.push(h1 + " h1 elements");
  for (const el of document.querySelectorAll("input, select, textarea")) {
    if (el.type === "hidden") continue;
    if (!(el.labels && el.labels.length) && !el.getAttribute("aria-label")) problems.push("unlabelled " + el.outerHTML);
  }
  for (const img of document.querySelectorAll("img")) if (!img.hasAttribute("alt")) problems.push("no alt " + img.outerHTML);
  const ids = {};
  for (const el of document.querySelectorAll("[id]")) { if (ids[el.id]) problems.push("duplicate id " + el.id); ids[el.id] = 1; }
  for (const b of document.querySelectorAll("button, a")) if (!b.textContent.trim() && !b.getAttribute("aria-label")) problems.push("empty " + b.outerHTML);
  if (document.documentElement.scrollWidth > window.innerWidth + 1) problems.push("scrolls sideways: " + document.documentElement.scrollWidth);
  return problems;
}"""


def _check(page, path: str) -> None:
    page.goto(path)
    problems = page.evaluate(CHECK)
    assert problems == [], (path, problems)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link", path


def test_every_page_is_labelled_and_fits_a_phone(server, new_page, unique):
    creds = server.new_requester("a11y")
    client = server.client(creds)
    type_id = client.create_qualification_type(
        Name=unique, Description="d", QualificationTypeStatus="Active", RetryDelayInSeconds=60,
        Test=document(SEATING_FORM),
        TestDurationInSeconds=600)["QualificationType"]["QualificationTypeId"]
    worker = server.create_worker()
    client.associate_qualification_with_worker(QualificationTypeId=type_id, WorkerId=worker.worker_id,
                                               IntegerValue=5)
    request = worker.request(type_id)
    hit = client.create_hit(Title="Label pictures", Description="d", Reward="0.50", AssignmentDurationInSeconds=600,
                            LifetimeInSeconds=3600, Question=external_question(), QualificationRequirements=[
                                {"QualificationTypeId": type_id, "Comparator": "Exists"}])["HIT"]
    form_hit = client.create_hit(Title=f"Seats {unique}", Description="d", Reward="0.20", Keywords=unique,
                                 AssignmentDurationInSeconds=600, LifetimeInSeconds=3600,
                                 Question=document(SEATING_FORM))["HIT"]
    preview_hit = client.create_hit(Title=f"More seats {unique}", Description="d", Reward="0.20", Keywords=unique,
                                    AssignmentDurationInSeconds=600, LifetimeInSeconds=3600,
                                    Question=document(SEATING_FORM))["HIT"]
    task = worker.accept(form_hit["HITId"])
    worker.work(hit["HITId"], {"q": "a"})
    for width in (1200, 390):
        worker_page = new_page(width=width, height=800)
        worker_sign_in(worker_page, worker)
        for path in ("/worker/login", "/worker/types", f"/worker/requests/{request['QualificationRequestId']}/test",
                     "/worker/requests", "/worker/qualifications", "/worker/messages",
                     f"/worker/hits?query={unique}", f"/worker/hits/{preview_hit['HITId']}",
                     f"/worker/assignments/{task['AssignmentId']}", "/worker/assignments"):
            _check(worker_page, path)
        requester_page = new_page(width=width, height=800)
        requester_sign_in(requester_page, creds)
        for path in ("/requester/types", "/requester/types/new", f"/requester/types/{type_id}",
                     f"/requester/types/{type_id}/edit", f"/requester/types/{type_id}/preview",
                     f"/requester/types/{type_id}/workers", f"/requester/types/{type_id}/workers/{worker.worker_id}",
                     "/requester/hits", "/requester/hits?status=Reviewable", f"/requester/hits/{hit['HITId']}",
                     f"/requester/hits/{hit['HITId']}/results"):
            _check(requester_page, path)
    worker.submit(request["QualificationRequestId"], {"seat": "B2", "crowd": ["full"]})
    _check(requester_page, "/requester/requests")
    _check(worker_page, f"/worker/requests/{request['QualificationRequestId']}")
    assert re.search("waiting for review", worker_page.content())
