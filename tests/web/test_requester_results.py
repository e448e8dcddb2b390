"""The requester's review of a HIT's work (/requester/hits/{id}/results) over plain HTTP, checked against the
API: the answers shown, approve and reject one or many (the API's rules in the messages), approve after a
rejection, bonuses (paid once per form), the status filter and paging, a QuestionForm HIT's answers in its form."""

from __future__ import annotations

import html
import re
from decimal import Decimal

import httpx
import pytest

from ..api.hit_helpers import balance, create_hit

QF_NS = "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2017-11-06/QuestionForm.xsd"
CHOICE_FORM = (f'<QuestionForm xmlns="{QF_NS}"><Question><QuestionIdentifier>fruit</QuestionIdentifier>'
               "<QuestionContent><Text>Which fruit?</Text></QuestionContent><AnswerSpecification>"
               "<SelectionAnswer><Selections><Selection><SelectionIdentifier>apple</SelectionIdentifier>"
               "<Text>Apple</Text></Selection><Selection><SelectionIdentifier>pear</SelectionIdentifier>"
               "<Text>Pear</Text></Selection></Selections></SelectionAnswer></AnswerSpecification></Question>"
               "</QuestionForm>")


class Session:
    """A requester signed in over HTTP, as the sign-in form does."""

    def __init__(self, server, creds):
        self.http = httpx.Client(base_url=server.endpoint, follow_redirects=False, timeout=30)
        self.csrf = self._csrf(self.http.get("/requester/login").text)
        response = self.http.post("/requester/login", data={"csrf_token": self.csrf,
                                                            "access_key_id": creds["AccessKeyId"],
                                                            "secret_access_key": creds["SecretAccessKey"]})
        assert response.status_code == 303
        self.get("/requester/hits")           # signing in starts a new session, with a new CSRF token

    @staticmethod
    def _csrf(text: str) -> str:
        return re.search(r'name="csrf_token" value="([^"]+)"', text).group(1)

    def get(self, path: str, **params) -> str:
        response = self.http.get(path, params=params or None)        # params={} would drop the path's query
        assert response.status_code == 200, response.text[:2000]
        self.csrf = self._csrf(response.text)
        return html.unescape(response.text)

    def post(self, path: str, **data) -> str:
        """Send a form and follow it back: the page with its messages."""
        response = self.http.post(path, data={"csrf_token": self.csrf, **data})
        assert response.status_code == 303, response.text[:2000]
        return self.get(response.headers["location"])


@pytest.fixture
def review(server):
    creds = server.new_requester("reviewer", balance="100.00")
    client = server.client(creds)
    hit = create_hit(client, max_assignments=5, AutoApprovalDelayInSeconds=3600, Title="Describe a picture")
    workers = [server.create_worker() for _ in range(4)]
    done = {w.worker_id: w.work(hit["HITId"], {"colour": f"red {n}", "notes": "line one\nline two"})["AssignmentId"]
            for n, w in enumerate(workers)}
    session = Session(server, creds)
    yield {"client": client, "hit": hit["HITId"], "workers": workers, "done": done, "session": session,
           "base": f"/requester/hits/{hit['HITId']}/results"}
    session.http.close()


def statuses(client, hit_id: str) -> dict[str, str]:
    listed = client.list_assignments_for_hit(HITId=hit_id, MaxResults=100)["Assignments"]
    return {a["WorkerId"]: a["AssignmentStatus"] for a in listed}


def test_the_page_shows_every_submission_with_its_answers(review):
    page = review["session"].get(review["base"])
    for n, (worker_id, assignment_id) in enumerate(review["done"].items()):
        assert worker_id in page and assignment_id in page
        assert f"red {n}" in page
    assert "line one\nline two" in page                       # kept as the worker typed it
    assert page.count("data-status>Submitted<") == 4
    hit_page = review["session"].get(f"/requester/hits/{review['hit']}")
    assert f'href="{review["base"]}"' in hit_page               # the HIT's page links to its results


def test_approve_and_reject_one_with_the_apis_rules(review):
    s, client, base = review["session"], review["client"], review["base"]
    (w1, a1), (w2, a2), *_ = review["done"].items()
    page = s.post(base + "/decide", action="approve", assignment_id=a1, feedback="Thank you", back=base)
    assert "Approved 1 assignment." in page
    page = s.post(base + "/decide", action="reject", assignment_id=a2, back=base)
    assert "RequesterFeedback" in page                         # rejecting needs feedback: the API's message
    assert statuses(client, review["hit"])[w2] == "Submitted"
    page = s.post(base + "/decide", action="reject", assignment_id=a2, feedback="The picture was not described",
                  back=base)
    assert "Rejected 1 assignment." in page
    assert statuses(client, review["hit"])[w1] == "Approved" and statuses(client, review["hit"])[w2] == "Rejected"
    assert client.get_assignment(AssignmentId=a1)["Assignment"]["RequesterFeedback"] == "Thank you"
    page = s.post(base + "/decide", action="approve", assignment_id=a1, back=base)
    assert "This operation can be called with a status of: Submitted" in page    # approved already
    assert "Your feedback: “The picture was not described”" in page


def test_approve_ticked_ones_at_once_and_a_rejection_after_all(review):
    s, client, base = review["session"], review["client"], review["base"]
    (w1, a1), (w2, a2), (w3, a3), (w4, a4) = review["done"].items()
    client.reject_assignment(AssignmentId=a4, RequesterFeedback="too short")
    before = Decimal(balance(client))
    page = s.post(base + "/decide", action="approve", assignment_id=[a1, a2, a4], bulk="yes",
                  feedback="Good work", back=base)
    assert "Approved 2 assignments." in page
    assert re.search(f"Assignment {a4}: [^<]*status of: Submitted", page)      # the rejected one is not approved
    assert statuses(client, review["hit"]) == {w1: "Approved", w2: "Approved", w3: "Submitted", w4: "Rejected"}
    assert Decimal(balance(client)) == before                  # rewards were reserved when the HIT was made
    page = s.post(base + "/decide", action="override", assignment_id=a4, feedback="On second thought, fine",
                  back=base)
    assert "Approved 1 assignment." in page
    assert statuses(client, review["hit"])[w4] == "Approved"
    page = s.post(base + "/decide", action="approve", back=base, bulk="yes")
    assert "Tick the assignments to decide first." in page
    assert statuses(client, review["hit"])[w3] == "Submitted"


def test_a_bonus_is_paid_once_per_form(review):
    s, client, base = review["session"], review["client"], review["base"]
    worker_id, assignment_id = next(iter(review["done"].items()))
    form = s.get(base)
    token = re.search(rf'id="bonus-{assignment_id}".*?name="token" value="([^"]+)"', form, re.S).group(1)
    before = Decimal(balance(client))
    fields = {"assignment_id": assignment_id, "worker_id": worker_id, "reason": "Extra care", "back": base,
              "token": token}
    page = s.post(base + "/bonus", amount="abc", **fields)
    assert "BonusAmount" in page and client.list_bonus_payments(HITId=review["hit"])["NumResults"] == 0
    page = s.post(base + "/bonus", amount="$0.75", **fields)
    assert f"Paid a bonus of $0.75 to {worker_id}." in page
    page = s.post(base + "/bonus", amount="0.75", **fields)                      # sent again
    assert "already sent: the bonus was paid once" in page
    [paid] = client.list_bonus_payments(HITId=review["hit"])["BonusPayments"]
    assert (paid["WorkerId"], paid["BonusAmount"], paid["Reason"]) == (worker_id, "0.75", "Extra care")
    assert Decimal(balance(client)) == before - Decimal("0.90")                 # the bonus and its 20% fee
    assert "Extra care" in page.split('id="bonuses"')[1]
    assert review["workers"][0].earnings()["Bonuses"] == "0.75"


def test_filter_by_status_and_page_through(server, review):
    s, client, base = review["session"], review["client"], review["base"]
    (w1, a1), *_ = review["done"].items()
    client.approve_assignment(AssignmentId=a1)
    approved = s.get(base, status="Approved")
    assert a1 in approved and approved.count("data-status>") == 1
    assert s.get(base, status="Submitted").count("data-status>Submitted<") == 3
    big = create_hit(client, max_assignments=12, AutoApprovalDelayInSeconds=3600)["HITId"]
    for _ in range(12):                                         # two pages of 10
        server.create_worker().work(big, {"colour": "blue"})
    first = s.get(f"/requester/hits/{big}/results")
    assert first.count("data-status>") == 10
    next_url = html.unescape(re.search(r'href="([^"]+)" rel="next"', first).group(1))
    second = s.get(next_url)
    assert second.count("data-status>") == 2 and 'rel="next"' not in second
    assert "First page" in second


def test_a_questionform_hits_answers_are_shown_in_its_form(server):
    creds = server.new_requester("form reviewer", balance="10.00")
    client = server.client(creds)
    hit = create_hit(client, Question=CHOICE_FORM, AutoApprovalDelayInSeconds=3600)
    worker = server.create_worker()
    worker.work(hit["HITId"], {"fruit": ["pear"]})
    session = Session(server, creds)
    page = session.get(f"/requester/hits/{hit['HITId']}/results")
    assert "Which fruit?" in page
    inputs = {re.search(r'value="([^"]+)"', tag).group(1): tag for tag in re.findall(r"<input[^>]*>", page)
              if 'value="apple"' in tag or 'value="pear"' in tag}
    assert "checked" in inputs["pear"] and "checked" not in inputs["apple"], inputs


def test_with_nothing_left_to_decide_the_bulk_form_goes_and_its_messages_still_show(review):
    s, client, base = review["session"], review["client"], review["base"]
    for assignment_id in review["done"].values():
        client.approve_assignment(AssignmentId=assignment_id)
    page = s.get(base)
    assert 'id="bulk"' not in page and 'disabled' in page
    first = next(iter(review["done"].values()))
    page = s.post(base + "/decide", action="approve", assignment_id=first, bulk="yes", back=base)
    assert re.search(f'class="flash flash-error"[^>]*>Assignment {first}: [^<]*status of: Submitted', page)
