"""The requester's HIT pages in the browser: the list with status and counters, a HIT's details and
requirements, expire, extend, add assignments, review status, delete — each answering what the API answers."""

from __future__ import annotations

import re
import uuid
from decimal import Decimal

from playwright.sync_api import expect

from ..api.hit_helpers import balance, create_hit
from .conftest import requester_sign_in, save_screenshot

LOCALE = "00000000000000000071"


def _api_message(call, **params) -> str:
    try:
        call(**params)
    except Exception as exc:                                   # noqa: BLE001 (botocore's ClientError)
        return re.sub(r" \(\d+\)$", "", exc.response["Error"]["Message"])
    raise AssertionError("the API accepted it")


def test_follow_expire_extend_review_and_delete_a_hit(server, page):
    unique = "hitpage-" + uuid.uuid4().hex[:8]
    creds = server.new_requester("hit pages", balance="100.00")
    client = server.client(creds)
    type_id = client.create_qualification_type(Name=unique, Description="d", QualificationTypeStatus="Active")[
        "QualificationType"]["QualificationTypeId"]
    hit = create_hit(client, max_assignments=2, Title=f"{unique} images", RequesterAnnotation="batch 7",
                     QualificationRequirements=[
                         {"QualificationTypeId": type_id, "Comparator": "GreaterThanOrEqualTo", "IntegerValues": [80]},
                         {"QualificationTypeId": LOCALE, "Comparator": "In", "ActionsGuarded": "PreviewAndAccept",
                          "LocaleValues": [{"Country": "US", "Subdivision": "NY"}, {"Country": "CA"}]}])
    create_hit(client, Title=f"{unique} other")
    hit_id = hit["HITId"]

    requester_sign_in(page, creds)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My HITs").click()
    row = page.locator("tr", has=page.get_by_role("link", name=f"{unique} images"))
    expect(row).to_contain_text("Assignable")
    expect(row).to_contain_text("$0.50")
    expect(row).to_contain_text("batch 7")
    expect(row.locator("td.num").first).to_have_text("2")
    expect(page.locator("tr", has=page.get_by_role("link", name=f"{unique} other"))).to_be_visible()

    row.get_by_role("link", name=f"{unique} images").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{unique} images")
    requirements = page.locator("#requirements tbody tr")
    expect(requirements).to_have_count(2)
    expect(requirements.nth(0)).to_contain_text(unique)
    expect(requirements.nth(0)).to_contain_text("GreaterThanOrEqualTo 80")
    expect(requirements.nth(1)).to_contain_text("Location (Worker_Locale)")
    expect(requirements.nth(1)).to_contain_text("In US-NY, CA")
    expect(requirements.nth(1)).to_contain_text("preview or accept")
    expect(page.locator("#details")).to_contain_text("ExternalQuestion: https://example.org/task")

    page.get_by_role("button", name="Expire now").click()
    expect(page.locator("#hit-status")).to_have_text("Reviewable")
    expect(page.locator("#available")).to_have_text("0")
    expect(page.locator(".flash-ok")).to_contain_text("expired")
    assert client.get_hit(HITId=hit_id)["HIT"]["HITStatus"] == "Reviewable"

    page.get_by_label("Extend by (hours)").fill("soon")
    page.get_by_role("button", name="Extend").click()
    expect(page.locator("#expire .field-error")).to_contain_text("number of hours")
    page.get_by_label("Extend by (hours)").fill("2")
    page.get_by_role("button", name="Extend").click()
    expect(page.locator("#hit-status")).to_have_text("Assignable")
    expires = client.get_hit(HITId=hit_id)["HIT"]["Expiration"].timestamp()
    assert abs(expires - (server.clock.epoch_ms() / 1000 + 7200)) < 60

    expected = _api_message(client.create_additional_assignments_for_hit, HITId=hit_id,
                            NumberOfAdditionalAssignments=9)
    page.get_by_label("How many more").fill("9")
    page.get_by_role("button", name="Add").click()
    expect(page.locator("#assignments .field-error")).to_have_text(expected)
    page.get_by_label("How many more").fill("1")
    before = balance(client)
    page.get_by_role("button", name="Add").click()
    expect(page.locator("#max-assignments")).to_have_text("3")
    assert Decimal(balance(client)) == Decimal(before) - Decimal("0.60")             # $0.50 and the 20% fee, reserved

    page.get_by_role("button", name="Expire now").click()
    page.get_by_role("button", name="Mark as Reviewing").click()
    expect(page.locator("#hit-status")).to_have_text("Reviewing")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My HITs").click()
    page.get_by_role("link", name="Reviewing", exact=True).click()
    expect(page.get_by_role("link", name=f"{unique} images")).to_be_visible()
    expect(page.get_by_role("link", name=f"{unique} other")).to_have_count(0)
    page.get_by_role("link", name=f"{unique} images").click()
    page.get_by_role("button", name="Back to Reviewable").click()
    expect(page.locator("#hit-status")).to_have_text("Reviewable")

    page.get_by_role("button", name="Delete this HIT").click()
    expect(page.locator("#delete .field-error")).to_contain_text("Tick the box")
    before = balance(client)
    page.get_by_label(f"Yes, delete “{unique} images”").check()
    page.get_by_role("button", name="Delete this HIT").click()
    expect(page).to_have_url(re.compile(r"/requester/hits$"))
    expect(page.locator(".flash-ok")).to_contain_text("Deleted the HIT")
    assert Decimal(balance(client)) == Decimal(before) + 3 * Decimal("0.60")
    assert client.get_hit(HITId=hit_id)["HIT"]["HITStatus"] == "Disposed"


def test_a_delete_the_api_refuses_shows_its_reason(server, page):
    creds = server.new_requester("hit refusals")
    client = server.client(creds)
    hit = create_hit(client, Title="still open")
    expected = _api_message(client.delete_hit, HITId=hit["HITId"])
    requester_sign_in(page, creds)
    page.goto(f"/requester/hits/{hit['HITId']}")
    page.get_by_label("Yes, delete “still open”").check()
    page.get_by_role("button", name="Delete this HIT").click()
    expect(page.locator("#delete .field-error")).to_have_text(expected)
    assert client.get_hit(HITId=hit["HITId"])["HIT"]["HITStatus"] == "Assignable"


def test_another_requesters_hit_is_not_shown(server, page):
    owner = server.client(server.new_requester("owner of the HIT"))
    hit = create_hit(owner, Title="private title", RequesterAnnotation="private annotation")
    requester_sign_in(page, server.new_requester("someone else"))
    response = page.goto(f"/requester/hits/{hit['HITId']}")
    assert response.status == 400
    expect(page.locator("main")).to_contain_text("does not exist")
    assert "private" not in page.content()
    page.goto("/requester/hits")
    expect(page.locator(".empty")).to_contain_text("You have no HITs yet.")


def test_review_a_hits_work_approve_reject_and_bonus(server, page):
    """From the HIT's page to its results: the answers of each worker, approve two ticked at once, reject
    one with feedback, pay a bonus — each checked through the API and the worker's earnings."""
    unique = "results-" + uuid.uuid4().hex[:8]
    creds = server.new_requester("results lab", balance="100.00")
    client = server.client(creds)
    hit = create_hit(client, max_assignments=3, Title=f"{unique} captions", AutoApprovalDelayInSeconds=3600)
    workers = [server.create_worker() for _ in range(3)]
    captions = ["A dog on a beach", "Two cats asleep", "asdf"]
    ids = [w.work(hit["HITId"], {"caption": text, "confidence": "high"})["AssignmentId"]
           for w, text in zip(workers, captions)]

    requester_sign_in(page, creds)
    page.goto(f"/requester/hits/{hit['HITId']}")
    page.get_by_role("link", name="Review the submitted work").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Results")
    reviews = page.locator("li.review")
    expect(reviews).to_have_count(3)
    for worker, text, review in zip(workers, captions, (reviews.nth(i) for i in range(3))):
        expect(review).to_contain_text(worker.worker_id)
        expect(review.locator("table.answers")).to_contain_text(text)

    page.get_by_label(f"Tick Worker {workers[0].worker_id}").check()
    page.get_by_label(f"Tick Worker {workers[1].worker_id}").check()
    page.get_by_label("Feedback shown to the workers; needed to reject").fill("Clear captions, thank you")
    page.get_by_role("button", name="Approve ticked").click()
    expect(page.locator(".flash-ok")).to_have_text("Approved 2 assignments.")

    third = page.locator("li.review", has_text=workers[2].worker_id)
    third.get_by_role("button", name=re.compile("^Reject")).click()
    expect(third.locator(".field-error")).to_contain_text("RequesterFeedback")
    third = page.locator("li.review", has_text=workers[2].worker_id)
    third.get_by_label("Feedback shown to the worker; needed to reject").fill("The caption is not a description")
    third.get_by_role("button", name=re.compile("^Reject")).click()
    expect(page.locator(".flash-ok")).to_have_text("Rejected 1 assignment.")
    listed = {a["AssignmentId"]: a for a in client.list_assignments_for_hit(HITId=hit["HITId"])["Assignments"]}
    assert [listed[i]["AssignmentStatus"] for i in ids] == ["Approved", "Approved", "Rejected"]
    assert listed[ids[0]]["RequesterFeedback"] == "Clear captions, thank you"

    first = page.locator("li.review", has_text=workers[0].worker_id)
    first.get_by_label("Amount in dollars").fill("1.50")
    first.get_by_label("Reason shown to the worker").fill("The best caption")
    first.get_by_role("button", name=re.compile("^Pay bonus")).click()
    expect(page.locator(".flash-ok")).to_have_text(f"Paid a bonus of $1.50 to {workers[0].worker_id}.")
    expect(page.locator("#bonuses")).to_contain_text("The best caption")
    assert workers[0].earnings()["Bonuses"] == "1.50"
    assert workers[2].earnings()["ApprovedRewards"] == "0.00"

    # The picture for the README: two approved, one rejected, a bonus paid (names made stable).
    save_screenshot(page, "requester-results.png", mask=[page.locator("time"), page.locator(".meta code")],
                    texts={".who": "games lab (AEXAMPLEREQUESTER)", ".review-head strong": "AEXAMPLEWORKER",
                           "#bonuses tbody th": "AEXAMPLEWORKER", ".eyebrow a:last-child": "Caption some photos",
                           ".flash-ok": "Paid a bonus of $1.50 to AEXAMPLEWORKER."})
    page.reload()
    page.get_by_role("link", name="Rejected", exact=True).click()
    expect(page.locator("li.review")).to_have_count(1)
    rejected = page.locator("li.review", has_text=workers[2].worker_id)
    rejected.get_by_role("button", name=re.compile("^Approve after all")).click()
    expect(page.locator(".flash-ok")).to_have_text("Approved 1 assignment.")
    assert client.get_assignment(AssignmentId=ids[2])["Assignment"]["AssignmentStatus"] == "Approved"
