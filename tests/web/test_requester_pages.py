"""The requester pages in the browser: types (create, edit, deactivate, preview, delete), holders (grant,
filter, revoke, history), pending requests decided in bulk."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from openturk.xml.answers import parse_answers

from ..unit.xml.support import LIBRARY_KEY, LIBRARY_TEST, document
from .conftest import find_type, question, requester_sign_in, worker_sign_in


def _error_message(client, **params) -> str:
    """What the JSON API answers for the same parameters (without its trailing timestamp)."""
    try:
        client.create_qualification_type(**params)
    except client.exceptions.RequestError as exc:
        return re.sub(r" \(\d+\)$", "", exc.response["Error"]["Message"])
    raise AssertionError("the API accepted it")


def test_create_edit_preview_and_delete_a_type(server, page, unique):
    creds = server.new_requester("forms")
    client = server.client(creds)
    requester_sign_in(page, creds)
    page.get_by_role("link", name="New qualification type").click()
    page.get_by_label("Name", exact=True).fill(unique)
    page.get_by_label("Description").fill("Reads well.")
    page.get_by_label("Test (QuestionForm XML)").fill("<QuestionForm>")
    page.get_by_label("Test duration in seconds").fill("600")
    page.get_by_role("button", name="Create qualification type").click()

    expected = _error_message(client, Name=unique + "x", Description="Reads well.", QualificationTypeStatus="Active",
                              Test="<QuestionForm>", TestDurationInSeconds=600)
    test_field = page.locator(".field", has=page.get_by_label("Test (QuestionForm XML)"))
    expect(test_field.locator(".field-error")).to_have_text(re.compile(re.escape(expected)))
    expect(page.get_by_label("Test (QuestionForm XML)")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Name", exact=True)).to_have_value(unique)          # what was typed is kept

    page.get_by_label("Test (QuestionForm XML)").fill(document(LIBRARY_TEST))
    page.get_by_label("Retry delay in seconds").fill("soon")
    page.get_by_role("button", name="Create qualification type").click()
    retry_field = page.locator(".field", has=page.get_by_label("Retry delay in seconds"))
    expect(retry_field.locator(".field-error")).to_contain_text("The value for RetryDelayInSeconds is invalid")

    page.get_by_label("Retry delay in seconds").fill("3600")
    page.get_by_label("Grant automatically").check()
    page.get_by_role("button", name="Create qualification type").click()
    expect(page.locator(".field", has=page.get_by_label("Grant automatically")).locator(".field-error")) \
        .to_contain_text("cannot be AutoGranted")
    page.get_by_label("Grant automatically").uncheck()
    page.get_by_label("Answer key (AnswerKey XML)").fill(document(LIBRARY_KEY))
    page.get_by_role("button", name="Create qualification type").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(unique)
    expect(page.locator(".flash-ok")).to_contain_text("Created the qualification type")
    expect(page.locator(".facts")).to_contain_text("10 minutes, scored by the answer key")

    page.get_by_role("link", name="Preview the test").click()
    expect(page.locator(".preview-banner")).to_be_visible()
    expect(page.locator("fieldset.question")).to_have_count(3)
    expect(page.locator("[data-countdown]")).to_have_text("10:00")
    page.go_back()

    page.get_by_role("link", name="Edit", exact=True).click()
    page.get_by_label("Description").fill("Reads very well.")
    page.get_by_label("Test duration in seconds").fill("0")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator(".field", has=page.get_by_label("Test duration in seconds")).locator(".field-error")) \
        .to_contain_text("TestDurationInSeconds")
    page.get_by_label("Test duration in seconds").fill("900")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator(".description")).to_have_text("Reads very well.")
    expect(page.locator(".facts")).to_contain_text("15 minutes, scored by the answer key")   # the key was sent again

    page.get_by_role("button", name="Deactivate").click()
    expect(page.locator(".page-head .badge")).to_have_text("Inactive")
    type_id = client.list_qualification_types(Query=unique, MustBeRequestable=False,
                                              MustBeOwnedByCaller=True)["QualificationTypes"][0]
    assert type_id["QualificationTypeStatus"] == "Inactive" and type_id["Description"] == "Reads very well."
    page.get_by_role("button", name="Activate").click()
    expect(page.locator(".page-head .badge")).to_have_text("Active")

    page.get_by_role("button", name="Delete this type").click()
    expect(page.locator("#delete .field-error")).to_contain_text("Tick the box")
    page.get_by_label(f"Yes, delete “{unique}”").check()
    page.get_by_role("button", name="Delete this type").click()
    expect(page.locator(".flash-ok")).to_contain_text("Deleted the qualification type")
    expect(page.get_by_role("link", name=unique)).to_have_count(0)


def test_holders_grant_filter_revoke_and_history(server, new_page, unique):
    creds = server.new_requester("holders")
    client = server.client(creds)
    type_id = client.create_qualification_type(Name=unique, Description="d", QualificationTypeStatus="Active",
                                               AutoGranted=True)["QualificationType"]["QualificationTypeId"]
    worker = server.create_worker()
    page = new_page()
    requester_sign_in(page, creds)
    page.goto(f"/requester/types/{type_id}/workers")
    expect(page.locator(".empty")).to_contain_text("No worker's qualification is granted")
    page.get_by_label("WorkerId").fill("not-a-worker")
    page.get_by_role("button", name="Grant", exact=True).click()
    expect(page.locator("section.panel .field-error")).to_contain_text("The value for WorkerId is invalid")
    page.get_by_label("WorkerId").fill(worker.worker_id)
    page.get_by_label("Score").fill("42")
    page.get_by_role("button", name="Grant", exact=True).click()
    row = page.locator("tr", has_text=worker.worker_id)
    expect(row.locator(".score")).to_have_text("42")

    row.get_by_label(f"Reason for revoking {worker.worker_id}").fill("Scores were copied.")
    row.get_by_role("button", name=re.compile("^Revoke")).click()
    expect(page.locator(".flash-ok")).to_contain_text(f"Revoked the qualification of {worker.worker_id}")
    expect(page.locator("tr", has_text=worker.worker_id)).to_have_count(0)
    page.get_by_role("link", name="Revoked").click()
    expect(page.locator("tr", has_text=worker.worker_id)).to_have_count(1)
    page.get_by_role("link", name=worker.worker_id).click()
    history = page.locator("table tbody tr")
    expect(history).to_have_count(2)
    expect(history.nth(0)).to_contain_text("AssociateQualificationWithWorker")
    expect(history.nth(1)).to_contain_text("Scores were copied.")

    worker_page = new_page(width=390, height=844)                       # a phone
    worker_sign_in(worker_page, worker)
    worker_page.get_by_role("link", name="Messages").click()
    expect(worker_page.locator("li.card", has_text="Scores were copied.")).to_have_count(1)
    assert worker_page.evaluate("document.documentElement.scrollWidth") <= 390     # no sideways scrolling


def test_pending_requests_decided_in_bulk(server, new_page, unique):
    creds = server.new_requester("bulk")
    client = server.client(creds)
    name = unique + " review"
    type_id = client.create_qualification_type(Name=name, Description="Requests are reviewed.", Keywords=unique,
                                               QualificationTypeStatus="Active")["QualificationType"]["QualificationTypeId"]
    workers = [server.create_worker() for _ in range(3)]
    worker_page = new_page()
    worker_sign_in(worker_page, workers[2])
    find_type(worker_page, unique, name).get_by_role("button", name=re.compile("^Request")).click()
    expect(worker_page.locator(".result")).to_contain_text("waiting for review")
    for worker in workers[:2]:
        worker.request(type_id)                                     # the worker API: the same action

    page = new_page()
    requester_sign_in(page, creds)
    page.get_by_role("link", name="Pending requests").click()
    expect(page.locator("li.review")).to_have_count(3)
    page.get_by_role("button", name="Accept ticked").click()
    expect(page.locator(".bulk-bar .field-error")).to_contain_text("Tick the requests")
    for worker in workers[:2]:
        page.locator("li.review", has_text=worker.worker_id).get_by_role("checkbox").check()
    page.get_by_label("Score when accepting").fill("7")
    page.get_by_role("button", name="Accept ticked").click()
    expect(page.locator(".flash-ok")).to_have_text("Accepted 2 requests.")
    last = page.locator("li.review", has_text=workers[2].worker_id)
    expect(page.locator("li.review")).to_have_count(1)
    last.get_by_label("Reason").fill("Too few approved HITs.")
    last.get_by_role("button", name=re.compile("^Reject")).click()
    expect(page.locator(".flash-ok")).to_have_text("Rejected 1 request.")
    expect(page.locator(".empty")).to_contain_text("No requests are waiting")

    held = {q["WorkerId"]: q["IntegerValue"]
            for q in client.list_workers_with_qualification_type(QualificationTypeId=type_id)["Qualifications"]}
    assert held == {workers[0].worker_id: 7, workers[1].worker_id: 7}
    card = find_type(worker_page, unique, name)
    expect(card).to_contain_text("Not granted")
    worker_page.get_by_role("link", name="My requests").click()
    worker_page.get_by_role("link", name=name).click()
    expect(worker_page.locator(".result")).to_contain_text("Too few approved HITs.")


def test_a_selection_with_other_text_is_answered_in_the_browser(server, page, unique):
    """OtherSelection next to selections (checkboxes here): both go into the answer."""
    ns = "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/QuestionForm.xsd"
    test = (f'<QuestionForm xmlns="{ns}"><Question><QuestionIdentifier>langs</QuestionIdentifier><QuestionContent>'
            "<Text>Which languages do you speak?</Text><List><ListItem>Natively</ListItem><ListItem>Fluently</ListItem>"
            "</List></QuestionContent><AnswerSpecification><SelectionAnswer><MinSelectionCount>1</MinSelectionCount>"
            "<MaxSelectionCount>3</MaxSelectionCount><StyleSuggestion>multichooser</StyleSuggestion><Selections>"
            "<Selection><SelectionIdentifier>en</SelectionIdentifier><Text>English</Text></Selection>"
            "<Selection><SelectionIdentifier>de</SelectionIdentifier><Text>German</Text></Selection>"
            "<OtherSelection/></Selections></SelectionAnswer></AnswerSpecification></Question></QuestionForm>")
    client = server.client(server.new_requester())
    client.create_qualification_type(Name=unique, Description="d", QualificationTypeStatus="Active", Test=test,
                                     TestDurationInSeconds=300)
    worker_sign_in(page, server.create_worker())
    find_type(page, unique).get_by_role("button", name=re.compile("Take the test")).click()
    box = question(page, "langs")
    expect(box.locator("li")).to_have_text(["Natively", "Fluently"])
    box.get_by_label("Your answer").select_option(["en", "de"])          # a list box: several with Ctrl
    box.get_by_label("Other (your own answer)").fill("Welsh")
    page.get_by_role("button", name="Submit answers").click()
    expect(page.locator(".result")).to_contain_text("waiting for review")
    answer = parse_answers(client.list_qualification_requests(MaxResults=100)["QualificationRequests"][0]["Answer"])
    assert answer.answer("langs").selection_identifiers == ("en", "de")
    assert answer.answer("langs").other_selection_text == "Welsh"
