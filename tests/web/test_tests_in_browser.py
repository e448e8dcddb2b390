"""A worker takes qualification tests in the browser; a requester reviews them in theirs."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from ..unit.xml.support import LIBRARY_KEY, LIBRARY_TEST, SEATING_FORM, document
from .conftest import find_type, question, requester_sign_in, save_screenshot, worker_sign_in

QF_NS = "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/QuestionForm.xsd"



def choose(locator) -> None:
    """Tick a radio button or checkbox. Headless chromium now and then reports that a click on a control
    "did not change its state" while the page settles; try again, then insist that it is ticked."""
    for _ in range(3):
        try:
            locator.check(timeout=5000)
            break
        except Exception:  # noqa: BLE001 - retried, then asserted below
            locator.page.wait_for_timeout(200)
    expect(locator).to_be_checked()

def test_worker_takes_an_auto_graded_test_and_sees_the_score(server, page, unique):
    client = server.client(server.new_requester("reading lab"))
    name = "Reading comprehension"
    client.create_qualification_type(
        Name=name, Description="Read a short passage and answer three questions about it.",
        QualificationTypeStatus="Active", Keywords=unique, RetryDelayInSeconds=86400,
        Test=document(LIBRARY_TEST), AnswerKey=document(LIBRARY_KEY), TestDurationInSeconds=1200)
    worker = server.create_worker("AWORKERTAKESTEST")
    worker_sign_in(page, worker)

    card = find_type(page, unique, name)                 # found by its keyword
    expect(card).to_contain_text("Yes — 20 minutes to finish")
    expect(card).to_contain_text("Allowed 1 day after a request")
    expect(card).to_contain_text("Not requested")
    card.get_by_role("button", name=re.compile("Take the test")).click()

    page.wait_for_url(re.compile(r"/worker/requests/\w+/test$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    expect(page.locator(".countdown-live")).to_be_visible()          # the script runs the countdown
    expect(page.locator("[data-countdown]")).to_have_text(re.compile(r"^(20:00|19:5\d)$"))
    expect(page.get_by_role("heading", name=re.compile("Read the notice below"))).to_be_visible()
    # The answer key scores days=c, deposit=a, late=d; answer two of three right.
    choose(question(page, "days").get_by_label("Tuesdays, Thursdays and Saturdays"))
    choose(question(page, "deposit").get_by_label("Nothing: the deposit is paid back"))
    choose(question(page, "late").get_by_label("Nothing at all"))
    save_screenshot(page, "worker-test.png", mask=[page.locator("time"), page.locator(".countdown-clock")],
                    texts={".remaining": "about 20 minutes left"})
    page.get_by_role("button", name="Submit answers").click()

    page.wait_for_url(re.compile(r"/worker/requests/\w+$"))
    expect(page.locator(".result")).to_contain_text("Granted")
    expect(page.locator(".result .score")).to_have_text("67")       # 20 of 30, rounded half up
    page.get_by_role("link", name="My qualifications").first.click()
    held = page.locator("li.card", has=page.get_by_role("heading", name=name))
    expect(held.locator(".score")).to_have_text("67")
    held.get_by_text("Score history").click()
    expect(held.locator("table")).to_contain_text("Granted")
    # Retakes: allowed a day after the request.
    card = find_type(page, unique, name)
    expect(card).to_contain_text("score 67")
    expect(card).to_contain_text("You can request it again after")


def test_manual_test_reviewed_by_the_requester(server, new_page, unique):
    creds = server.new_requester("games lab")
    client = server.client(creds)
    name = "Seat finding"
    client.create_qualification_type(
        Name=name, Description="Find a free seat on a hall's seating plan.", QualificationTypeStatus="Active",
        Keywords=unique, Test=document(SEATING_FORM), TestDurationInSeconds=600)
    worker = server.create_worker("AWORKERREVIEWED")
    worker_page = new_page()
    worker_page.goto(f"/worker/login?token={worker.token}")          # the sign-in link
    worker_page.wait_for_url(re.compile(r"/worker/types$"))
    find_type(worker_page, unique, name).get_by_role("button", name=re.compile("Take the test")).click()
    worker_page.wait_for_url(re.compile(r"/worker/requests/\w+/test$"))   # the test page, loaded
    worker_page.wait_for_load_state("load")

    seat = question(worker_page, "seat").get_by_label("Your answer")
    expect(seat).to_have_value("A1")                                  # DefaultText
    seat.fill("B2")
    choose(question(worker_page, "crowd").get_by_label("Full", exact=True))
    worker_page.get_by_role("button", name="Submit answers").click()
    expect(worker_page.locator(".result")).to_contain_text("waiting for review")

    page = new_page(width=1280)
    requester_sign_in(page, creds)
    page.get_by_role("link", name="Pending requests").click()
    review = page.locator("li.review", has_text=worker.worker_id)
    expect(review.locator('fieldset[data-question-identifier="seat"] input')).to_have_value("B2")
    chosen = review.locator('fieldset[data-question-identifier="crowd"] input[value="full"]')
    expect(chosen).to_be_checked()
    expect(review.locator('fieldset[data-question-identifier="crowd"] .chosen-mark')).to_have_count(1)
    save_screenshot(page, "requester-review.png", mask=[page.locator("time")],
                    texts={".who": "games lab (AEXAMPLEREQUESTER)"})
    review.get_by_label("Score").fill("85")
    review.get_by_role("button", name=re.compile("^Accept")).click()
    expect(page.locator(".flash-ok")).to_have_text("Accepted 1 request.")
    expect(page.locator("li.review", has_text=worker.worker_id)).to_have_count(0)

    worker_page.goto("/worker/qualifications")
    held = worker_page.locator("li.card", has=worker_page.get_by_role("heading", name=name))
    expect(held).to_contain_text("Granted")
    expect(held.locator(".score")).to_have_text("85")
    worker_page.get_by_role("link", name="Messages").click()
    expect(worker_page.locator("li.card", has_text=f"Your Qualification request was granted: {name}")) \
        .to_contain_text("with a score of 85")


def test_countdown_expires_and_a_late_submission_is_refused(server, page, unique):
    client = server.client(server.new_requester())
    client.create_qualification_type(Name=unique, Description="A short test.", QualificationTypeStatus="Active",
                                     Test=_form(_free_text("q1", "What is 2 + 2?")), TestDurationInSeconds=60)
    worker_sign_in(page, server.create_worker())
    page.clock.install()
    find_type(page, unique).get_by_role("button", name=re.compile("Take the test")).click()
    page.wait_for_url(re.compile(r"/test$"))
    expect(page.locator(".countdown-live")).to_be_visible()
    expect(page.locator(".time-up")).to_be_hidden()
    page.clock.fast_forward(61_000)                                  # the browser's clock …
    expect(page.locator(".time-up")).to_be_visible()
    expect(page.locator(".time-up")).to_have_text("Time is up. Answers sent now will not be accepted.")
    expect(page.locator(".countdown-live")).to_be_hidden()

    server.advance(61)                                               # … and the server's
    question(page, "q1").get_by_label("Your answer").fill("4")
    page.get_by_role("button", name="Submit answers").click()
    expect(page.get_by_role("alert")).to_contain_text("Time is up.")
    expect(page.get_by_role("alert")).to_contain_text("Your answers were not accepted.")
    page.reload()
    expect(page.get_by_role("alert")).to_contain_text("Time is up.")
    expect(page.get_by_role("button", name="Submit answers")).to_have_count(0)
    card = find_type(page, unique)
    expect(card).to_contain_text("Test time ran out")
    expect(card).to_contain_text("does not allow retakes")


def test_validation_errors_show_next_to_their_question(server, page, unique):
    test = _form(
        _free_text("name", "Your name?", required=True, constraints='<Length minLength="3" maxLength="40"/>'),
        _free_text("age", "Your age?", constraints='<IsNumeric minValue="18" maxValue="120"/>'),
        _free_text("code", "A code like AB-12?", constraints='<AnswerFormatRegex regex="^[A-Z]{2}-[0-9]{2}$" '
                                                             'errorText="Use two capitals, a dash and two digits."/>'),
        _selection("colours", "Pick two colours", ["red", "green", "blue"], style="checkbox", low=2, high=2),
        _selection("fruit", "Your favourite fruit", ["apple", "pear", "plum"], style="dropdown", required=True))
    client = server.client(server.new_requester())
    client.create_qualification_type(Name=unique, Description="d", QualificationTypeStatus="Active", Test=test,
                                     TestDurationInSeconds=600)
    worker_sign_in(page, server.create_worker())
    find_type(page, unique).get_by_role("button", name=re.compile("Take the test")).click()
    question(page, "name").get_by_label("Your answer").fill("Al")
    question(page, "age").get_by_label("Your answer").fill("twelve")
    question(page, "code").get_by_label("Your answer").fill("ab-12")
    choose(question(page, "colours").get_by_label("red"))
    page.get_by_role("button", name="Submit answers").click()

    expect(page.locator("#error-summary")).to_be_visible()
    expect(question(page, "name").locator(".field-error")).to_have_text(
        re.compile("The answer must be at least 3 characters long."))
    expect(question(page, "age").locator(".field-error")).to_have_text(re.compile("must be a number"))
    expect(question(page, "code").locator(".field-error")).to_have_text(
        re.compile("Use two capitals, a dash and two digits."))
    expect(question(page, "colours").locator(".field-error")).to_have_text(re.compile("Select at least 2 options."))
    expect(question(page, "fruit").locator(".field-error")).to_have_text(re.compile("This question requires an answer."))
    expect(question(page, "name").get_by_label("Your answer")).to_have_attribute("aria-invalid", "true")
    # The worker's answers are kept for the correction.
    expect(question(page, "name").get_by_label("Your answer")).to_have_value("Al")
    expect(question(page, "colours").get_by_label("red")).to_be_checked()
    page.locator("#error-summary").get_by_role("link", name="Question 2").click()
    expect(page).to_have_url(re.compile("#q1$"))

    question(page, "name").get_by_label("Your answer").fill("Alice")
    question(page, "age").get_by_label("Your answer").fill("30")
    question(page, "code").get_by_label("Your answer").fill("AB-12")
    choose(question(page, "colours").get_by_label("blue"))
    question(page, "fruit").get_by_label("Your answer").select_option("pear")
    page.get_by_role("button", name="Submit answers").click()
    expect(page.locator(".result")).to_contain_text("waiting for review")
    answer = client.list_qualification_requests(MaxResults=100)["QualificationRequests"][0]["Answer"]
    for text in ("<FreeText>Alice</FreeText>", "<FreeText>AB-12</FreeText>", "<SelectionIdentifier>red</SelectionIdentifier>",
                 "<SelectionIdentifier>blue</SelectionIdentifier>", "<SelectionIdentifier>pear</SelectionIdentifier>"):
        assert text in answer


def test_everything_works_without_javascript(server, new_page, unique):
    page = new_page(java_script_enabled=False)
    test = _form(_free_text("name", "Your name?", required=True),
                 _selection("fruit", "Your favourite fruit", ["apple", "pear"], style="dropdown", required=True),
                 _selection("langs", "Languages", ["en", "de", "fr"], style="checkbox", low=1, high=3, other=True))
    creds = server.new_requester()
    client = server.client(creds)
    client.create_qualification_type(Name=unique, Description="d", QualificationTypeStatus="Active", Test=test,
                                     TestDurationInSeconds=600)
    worker = server.create_worker()
    worker_sign_in(page, worker)
    find_type(page, unique).get_by_role("button", name=re.compile("Take the test")).click()
    expect(page.locator(".deadline-text")).to_contain_text("Submit by")
    expect(page.locator(".countdown-live")).to_be_hidden()                  # no script: the deadline only
    question(page, "name").get_by_label("Your answer").fill("Ada")
    page.get_by_role("button", name="Submit answers").click()
    expect(question(page, "fruit").locator(".field-error")).to_contain_text("This question requires an answer.")
    question(page, "fruit").get_by_label("Your answer").select_option("pear")
    choose(question(page, "langs").get_by_label("fr"))
    question(page, "langs").get_by_label("Other (your own answer)").fill("Basque")
    page.get_by_role("button", name="Submit answers").click()
    expect(page.locator(".result")).to_contain_text("waiting for review")

    reviewer = new_page(java_script_enabled=False)
    requester_sign_in(reviewer, creds)
    reviewer.goto("/requester/requests")
    review = reviewer.locator("li.review", has_text=worker.worker_id)
    expect(review.locator('fieldset[data-question-identifier="langs"] input[type="text"]')).to_have_value("Basque")
    review.get_by_label("Reason").fill("Not this time.")
    review.get_by_role("button", name=re.compile("^Reject")).click()
    expect(reviewer.locator(".flash-ok")).to_have_text("Rejected 1 request.")
    page.goto("/worker/messages")
    expect(page.locator("li.card").first).to_contain_text("Not this time.")


# -- documents ------------------------------------------------------------------------------------------

def _form(*questions: str) -> str:
    return f'<QuestionForm xmlns="{QF_NS}">' + "".join(questions) + "</QuestionForm>"


def _free_text(identifier: str, text: str, *, required: bool = False, constraints: str = "") -> str:
    return (f"<Question><QuestionIdentifier>{identifier}</QuestionIdentifier>"
            + ("<IsRequired>true</IsRequired>" if required else "")
            + f"<QuestionContent><Text>{text}</Text></QuestionContent><AnswerSpecification><FreeTextAnswer>"
            + (f"<Constraints>{constraints}</Constraints>" if constraints else "")
            + "</FreeTextAnswer></AnswerSpecification></Question>")


def _selection(identifier: str, text: str, options: list[str], *, style: str, low: int = 1, high: int = 1,
               required: bool = False, other: bool = False) -> str:
    selections = "".join(f"<Selection><SelectionIdentifier>{o}</SelectionIdentifier><Text>{o}</Text></Selection>"
                         for o in options)
    return (f"<Question><QuestionIdentifier>{identifier}</QuestionIdentifier>"
            + ("<IsRequired>true</IsRequired>" if required else "")
            + f"<QuestionContent><Text>{text}</Text></QuestionContent><AnswerSpecification><SelectionAnswer>"
            f"<MinSelectionCount>{low}</MinSelectionCount><MaxSelectionCount>{high}</MaxSelectionCount>"
            f"<StyleSuggestion>{style}</StyleSuggestion><Selections>{selections}"
            + ("<OtherSelection/>" if other else "") + "</Selections></SelectionAnswer></AnswerSpecification></Question>")
