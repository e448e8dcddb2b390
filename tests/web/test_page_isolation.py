"""The isolation matrix of the web pages (over HTTP, signed in as the sign-in forms do): requester B's pages
against requester A's types, holders and requests, and worker W2's pages against worker W1's requests and
test sessions (objects built by tests/api/isolation.py). After every case the page B or W2 got holds no
secret of A's or W1's (unless the caller sent it) and A's and the workers' views are unchanged.

`test_every_page_has_a_case` lists the routes of both sections: a new page fails it until it has a case
here or is listed in NO_FOREIGN_OBJECT."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

import httpx
import pytest

from openturk.web.pages.requester import RequesterPages
from openturk.web.pages.worker import WorkerPages

from ..api import isolation
from ..api.helpers import answer_key, question_form

NO_FOREIGN_OBJECT = {
    ("GET", "/worker"), ("GET", "/worker/"), ("GET", "/worker/login"), ("POST", "/worker/login"),
    ("POST", "/worker/logout"), ("GET", "/requester"), ("GET", "/requester/"), ("GET", "/requester/login"),
    ("POST", "/requester/login"), ("POST", "/requester/logout"), ("GET", "/requester/types/new"),
    ("POST", "/requester/types/new"),
}


@pytest.fixture(scope="module")
def world(server):
    return isolation.build(server)


class Browser:
    """A signed-in session over plain HTTP, keeping what it sent and the pages it got."""

    def __init__(self, server):
        self.http = httpx.Client(base_url=server.endpoint, follow_redirects=False, timeout=30)
        self.sent: list[str] = []
        self.received: list[str] = []
        self.csrf = ""

    def _keep(self, response: httpx.Response) -> httpx.Response:
        self.received.append(response.text)
        found = re.search(r'name="csrf_token" value="([^"]+)"', response.text)
        if found:
            self.csrf = found.group(1)
        return response

    def get(self, path: str, **params) -> httpx.Response:
        self.sent.append(f"{path} {params}")
        return self._keep(self.http.get(path, params=params))

    def post(self, path: str, data: dict) -> httpx.Response:
        self.sent.append(f"{path} {data}")
        response = self._keep(self.http.post(path, data={"csrf_token": self.csrf, **data}))
        if response.status_code == 303:          # the page the form leads to, with its flash messages
            self._keep(self.http.get(response.headers["location"]))
        return response

    @property
    def last(self) -> str:
        return self.received[-1]


def worker_browser(server, worker) -> Browser:
    browser = Browser(server)
    assert browser.http.get("/worker/login", params={"token": worker.token}).status_code == 303
    browser.get("/worker/types")
    return browser


def requester_browser(server, creds) -> Browser:
    browser = Browser(server)
    browser.get("/requester/login")
    response = browser.http.post("/requester/login", data={"csrf_token": browser.csrf,
                                                           "access_key_id": creds["AccessKeyId"],
                                                           "secret_access_key": creds["SecretAccessKey"]})
    assert response.status_code == 303
    browser.get("/requester/types")
    return browser


@pytest.fixture(scope="module")
def b_pages(world):
    return requester_browser(world.server, world.b_creds)


@pytest.fixture(scope="module")
def w2_pages(world):
    return worker_browser(world.server, world.w2)


@dataclass(frozen=True)
class Case:
    method: str
    route: str            # the route's path as declared
    target: str
    who: str              # "B" (requester pages) or "W2" (worker pages)
    run: Callable

    @property
    def id(self) -> str:
        return f"{self.method} {self.route} — {self.target}"


CASES: list[Case] = []


def case(method: str, route: str, target: str):
    def register(fn):
        CASES.append(Case(method, route, target, "W2" if route.startswith("/worker") else "B", fn))
        return fn
    return register


def forbidden(response: httpx.Response) -> None:
    assert response.status_code == 403, response.text[:500]
    assert "not authorized" in response.text


def missing(response: httpx.Response) -> None:
    assert response.status_code == 404, response.text[:500]
    assert "does not exist" in response.text


# -- requester B's pages against requester A's objects --------------------------------------------------------

T = "/requester/types/{type_id}"


@case("GET", "/requester/types", "lists only B's own types")
def _(w, b):
    b.get("/requester/types", query=w.unique)
    assert not any(type_id in b.last for type_id in w.types.values())


@case("GET", T, "A's type")
def _(w, b):
    for role in ("tested", "inactive"):
        forbidden(b.get(f"/requester/types/{w.types[role]}"))
    missing(b.get(f"/requester/types/{w.types['disposing']}"))      # as GetQualificationType answers B


@case("GET", T + "/edit", "A's type")
def _(w, b):
    forbidden(b.get(f"/requester/types/{w.types['tested']}/edit"))


@case("POST", T + "/edit", "A's type")
def _(w, b):
    forbidden(b.post(f"/requester/types/{w.types['tested']}/edit", {
        "Name": "x", "Description": "B's", "QualificationTypeStatus": "Active", "Test": question_form(),
        "AnswerKey": answer_key(selection="b"), "TestDurationInSeconds": "60"}))


@case("POST", T + "/status", "A's inactive type")
def _(w, b):
    b.post(f"/requester/types/{w.types['inactive']}/status", {"status": "Active"})
    assert "not authorized" in b.last


@case("POST", T + "/delete", "A's type")
def _(w, b):
    b.post(f"/requester/types/{w.types['tested']}/delete", {"confirm": "yes"})
    assert "not authorized" in b.last


@case("GET", T + "/preview", "A's test")
def _(w, b):
    forbidden(b.get(f"/requester/types/{w.types['tested']}/preview"))


@case("GET", T + "/workers", "A's holders")
def _(w, b):
    for status in ("Granted", "Revoked"):
        forbidden(b.get(f"/requester/types/{w.types['tested']}/workers", status=status))


@case("POST", T + "/workers/grant", "A's type")
def _(w, b):
    b.post(f"/requester/types/{w.types['tested']}/workers/grant",
           {"worker_id": w.holder.worker_id, "integer_value": "0", "notify": "on"})
    assert "not authorized" in b.last


@case("POST", T + "/workers/revoke", "A's holder")
def _(w, b):
    b.post(f"/requester/types/{w.types['tested']}/workers/revoke", {"worker_id": w.holder.worker_id, "reason": "B"})
    assert "not authorized" in b.last


@case("GET", T + "/workers/{worker_id}", "A's holder's score history")
def _(w, b):
    for worker in (w.holder.worker_id, w.revoked, w.w2.worker_id):
        forbidden(b.get(f"/requester/types/{w.types['tested']}/workers/{worker}"))


@case("GET", "/requester/requests", "A's pending requests")
def _(w, b):
    b.get("/requester/requests")
    for role in ("manual", "plain"):
        forbidden(b.get("/requester/requests", type=w.types[role]))


@case("POST", "/requester/requests/decide", "A's requests")
def _(w, b):
    ids = [w.pending, w.pending_plain, w.session]
    for action, extra in (("accept", {"integer_value": "100"}), ("reject", {"reason": "B says no"})):
        b.post("/requester/requests/decide", {"action": action, "request_id": ids, "bulk": "yes", **extra})
        assert b.last.count("You requested a QualificationRequest that does not exist") == 3


H = "/requester/hits/{hit_id}"


def no_such_hit(response: httpx.Response) -> None:
    # GetHIT answers another requester's HIT as it answers a HIT that never existed.
    assert response.status_code == 400, response.text[:500]
    assert "does not exist" in response.text


@case("GET", "/requester/hits", "lists only B's own HITs")
def _(w, b):
    for status in ("Reviewable", "Reviewing"):
        b.get("/requester/hits", status=status)
        assert not any(hit_id in b.last for hit_id in w.hits.values())
    b.get("/requester/hits")
    assert not any(hit_id in b.last for hit_id in w.hits.values())
    assert w.hit_type not in b.last


@case("GET", H, "A's HITs")
def _(w, b):
    for hit_id in w.hits.values():
        no_such_hit(b.get(f"/requester/hits/{hit_id}"))


@case("POST", H + "/expire", "A's open HIT")
def _(w, b):
    b.post(f"/requester/hits/{w.hits['open']}/expire", {})
    assert "does not exist" in b.last


@case("POST", H + "/extend", "A's HITs")
def _(w, b):
    for hit_id in w.hits.values():
        b.post(f"/requester/hits/{hit_id}/extend", {"hours": "24"})
        assert "does not exist" in b.last


@case("POST", H + "/assignments", "A's open HIT")
def _(w, b):
    b.post(f"/requester/hits/{w.hits['open']}/assignments", {"number": "5"})
    assert "does not exist" in b.last


@case("POST", H + "/review", "A's expired (Reviewable) HIT")
def _(w, b):
    for revert in ("no", "yes"):
        b.post(f"/requester/hits/{w.hits['expired']}/review", {"revert": revert})
        assert "does not exist" in b.last


@case("POST", H + "/delete", "A's expired HIT")
def _(w, b):
    b.post(f"/requester/hits/{w.hits['expired']}/delete", {"confirm": "yes"})
    assert "does not exist" in b.last


@case("GET", H + "/results", "A's worked HIT: its assignments and answers")
def _(w, b):
    for hit_id in w.hits.values():
        no_such_hit(b.get(f"/requester/hits/{hit_id}/results"))
    no_such_hit(b.get(f"/requester/hits/{w.hits['worked']}/results", status="Submitted"))


@case("POST", H + "/results/decide", "A's submitted and approved assignments")
def _(w, b):
    ids = [w.assignments["submitted"], w.assignments["approved"]]
    for action in ("approve", "reject", "override"):
        b.post(f"/requester/hits/{w.hits['worked']}/results/decide",
               {"action": action, "assignment_id": ids, "bulk": "yes", "feedback": "B decides"})
        for assignment_id in ids:      # a flash for each, on the page the form leads back to
            assert re.search(f"Assignment {assignment_id}: [^<]*does not exist", b.last), b.last[-3000:]


@case("POST", H + "/results/bonus", "A's approved assignment")
def _(w, b):
    b.post(f"/requester/hits/{w.hits['worked']}/results/bonus",
           {"assignment_id": w.assignments["approved"], "worker_id": w.w3.worker_id, "amount": "5.00",
            "reason": "from B", "token": "b-token"})
    assert re.search(r'class="flash flash-error"[^>]*>[^<]*does not exist', b.last), b.last[-3000:]


# -- worker W2's pages against worker W1's objects -------------------------------------------------------------

@case("GET", "/worker/types", "A's types: no answer key, no test")
def _(w, p):
    p.get("/worker/types", query=w.unique)
    assert w.types["tested"] in p.last and "QuestionForm" not in p.last


@case("POST", "/worker/types/{type_id}/request", "a type whose owner blocked the worker")
def _(w, p):
    blocked = worker_browser(w.server, w.server.create_worker(w.blocked))
    blocked.post(f"/worker/types/{w.types['plain']}/request", {})
    assert "not authorized" in blocked.last
    p.received += blocked.received
    p.sent += blocked.sent


@case("GET", "/worker/requests", "W1's requests")
def _(w, p):
    p.get("/worker/requests")
    assert w.pending_plain in p.last              # W2's own


@case("GET", "/worker/requests/{request_id}", "W1's requests")
def _(w, p):
    for request_id in (w.session, w.pending):
        missing(p.get(f"/worker/requests/{request_id}"))


@case("GET", "/worker/requests/{request_id}/test", "W1's test in progress")
def _(w, p):
    missing(p.get(f"/worker/requests/{w.session}/test"))


@case("POST", "/worker/requests/{request_id}/test", "W1's test in progress and answered test")
def _(w, p):
    for request_id in (w.session, w.pending):
        missing(p.post(f"/worker/requests/{request_id}/test", {"q1": "a"}))


@case("GET", "/worker/qualifications", "W1's and the holder's qualifications")
def _(w, p):
    p.get("/worker/qualifications")


@case("GET", "/worker/messages", "the holder's messages")
def _(w, p):
    p.get("/worker/messages")


# -- worker W2's HIT pages against A's HITs and the holder's assignment ------------------------------------------

def holders_assignment(w) -> str:
    """The holder's submitted assignment of A's `worked` HIT (tests/api/isolation.py builds it)."""
    assignment_id = getattr(w, "assignments", {}).get("submitted")
    if not assignment_id:
        pytest.skip("the isolation world has no worked HIT")
    return assignment_id


def refused_hit(response: httpx.Response) -> None:
    assert response.status_code in (403, 404), response.text[:500]


@case("GET", "/worker/hits", "A's HITs: no annotation, no requirement's holders")
def _(w, p):
    p.get("/worker/hits", query=w.unique)
    assert w.annotation not in p.last


@case("GET", "/worker/hits/{hit_id}", "A's HITs and the holder's assignment of one")
def _(w, p):
    for hit_id in w.hits.values():
        p.get(f"/worker/hits/{hit_id}")
    missing(p.get("/worker/hits/" + isolation.unknown_id()))
    assert not any(a in " ".join(p.received) for a in getattr(w, "assignments", {}).values()
                   if a != getattr(w, "assignments", {}).get("approved"))


@case("GET", "/worker/hits/{hit_id}/content", "A's ExternalQuestion HITs")
def _(w, p):
    for hit_id in w.hits.values():
        refused_hit(p.get(f"/worker/hits/{hit_id}/content"))


@case("POST", "/worker/hits/{hit_id}/accept", "A's expired HIT and a HIT that does not exist")
def _(w, p):
    p.post(f"/worker/hits/{w.hits['expired']}/accept", {})
    assert 'role="alert"' in p.last
    p.post(f"/worker/hits/{isolation.unknown_id()}/accept", {})
    assert "does not exist" in p.last


@case("POST", "/worker/groups/{hit_type_id}/accept", "A's group W2 does not qualify for")
def _(w, p):
    p.post(f"/worker/groups/{w.hit_type}/accept", {})
    assert 'role="alert"' in p.last


@case("GET", "/worker/assignments", "the holder's assignment")
def _(w, p):
    p.get("/worker/assignments")
    assert holders_assignment(w) not in p.last and w.holder.worker_id not in p.last


@case("GET", "/worker/assignments/{assignment_id}", "the holder's submitted assignment")
def _(w, p):
    missing(p.get(f"/worker/assignments/{holders_assignment(w)}"))


@case("POST", "/worker/assignments/{assignment_id}", "the holder's submitted assignment")
def _(w, p):
    missing(p.post(f"/worker/assignments/{holders_assignment(w)}", {"q0": "W2's answer"}))


@case("POST", "/worker/assignments/{assignment_id}/return", "the holder's submitted assignment")
def _(w, p):
    missing(p.post(f"/worker/assignments/{holders_assignment(w)}/return", {}))


@pytest.fixture
def pages(request, world, b_pages, w2_pages):
    item = request.getfixturevalue("item")
    browser = b_pages if item.who == "B" else w2_pages
    browser.sent.clear()
    browser.received.clear()
    yield browser
    sent, received = " ".join(browser.sent), " ".join(browser.received)
    secrets = world.secrets()
    if item.who == "W2":
        del secrets["pending plain request"]          # W2's own request
        if getattr(world, "assignments", None):       # W2's own bonus, whose Reason is the revoke reason's text
            del secrets["revoke reason"]
    for what, secret in secrets.items():
        if secret not in sent:
            assert secret not in received, f"{item.who} was shown {what} ({secret})"
    assert "Traceback" not in received
    assert isolation.snapshot(world) == world.before


@pytest.mark.parametrize("item", CASES, ids=[c.id for c in CASES])
def test_pages_keep_to_their_own(world, pages, item):
    item.run(world, pages)


def _routes() -> set[tuple[str, str]]:
    return {(method, route.path) for pages in (WorkerPages(None), RequesterPages(None))
            for route in pages.routes() for method in route.methods - {"HEAD"}}


def test_every_page_has_a_case():
    covered = {(c.method, c.route) for c in CASES}
    assert sorted(_routes() - covered - NO_FOREIGN_OBJECT) == []
    assert covered <= _routes() and not covered & NO_FOREIGN_OBJECT
    assert len({c.id for c in CASES}) == len(CASES)
