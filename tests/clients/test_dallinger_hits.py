"""A real client library, unmodified, through a HIT's whole life: Dallinger's `MTurkService` (PyPI dallinger
12.4.0, only its `host` overridden) creates a HIT with its SNS notification subscription
(`_create_notification_subscription`: a topic and an HTTP subscription at moto's SNS, then
UpdateNotificationSettings with Transport SNS), scripted workers accept, submit and return, Dallinger's own
notification view (`mturk_recruiter_notify`) parses what openturk published through SNS, and Dallinger reads
the assignment, approves it, grants a bonus, expires and disables the HIT.

tests/clients/dallinger_hits_driver.py runs in Dallinger's virtualenv as a subprocess; the server runs in
this process with moto's server as its SNS endpoint. Runs on SQLite and, in `make test`, on PostgreSQL.
"""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from decimal import Decimal
from pathlib import Path

import pytest

from openturk.store import notification_queries as nq

from ..api.hit_helpers import external_question
from ..conftest import MOTO_CREDENTIALS, LiveServer, fresh_database_url

ROOT = Path(__file__).resolve().parents[2]
DRIVER = Path(__file__).with_name("dallinger_hits_driver.py")
DRIVER_TIMEOUT = 240          # each awaited event may take up to 30 s; a normal run takes a few seconds
DALLINGERS_EVENTS = ["AssignmentAccepted", "AssignmentAbandoned", "AssignmentReturned", "AssignmentSubmitted",
                     "HITReviewable", "HITExpired"]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(moto_endpoint, tmp_path_factory):
    """A server of this module's own, publishing to moto's SNS; no other test moves its clock."""
    live = LiveServer(fresh_database_url(tmp_path_factory.mktemp("dallinger-hits-db")),
                      sns_endpoint_url=moto_endpoint, notify_poll_ms=50).start()
    yield live
    live.stop()


@pytest.fixture(scope="module")
def setup(server) -> dict:
    creds = server.new_requester("dallinger hits")
    client = server.client(creds)
    review_hit = client.create_hit(Title="review", Description="approved by Dallinger", Reward="0.75",
                                   AssignmentDurationInSeconds=600, LifetimeInSeconds=3600, MaxAssignments=1,
                                   AutoApprovalDelayInSeconds=3600, Question=external_question())["HIT"]["HITId"]
    return {"creds": creds, "client": client, "workers": [server.create_worker() for _ in range(2)],
            "prefix": "dh" + uuid.uuid4().hex[:10], "review_hit": review_hit}


@pytest.fixture(scope="module")
def run(server, setup, dallinger_python, moto_endpoint, tmp_path_factory) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "OPENTURK_"))}
    env.update(MOTO_CREDENTIALS)          # only for the SNS client's signatures: moto takes any
    env.update(OPENTURK_ENDPOINT=server.endpoint, OPENTURK_KEY=setup["creds"]["AccessKeyId"],
               OPENTURK_SECRET=setup["creds"]["SecretAccessKey"], OPENTURK_PREFIX=setup["prefix"],
               OPENTURK_WORKERS=json.dumps([[w.worker_id, w.token] for w in setup["workers"]]),
               OPENTURK_REVIEW_HIT=setup["review_hit"], AWS_ENDPOINT_URL_SNS=moto_endpoint)
    proc = subprocess.run([dallinger_python, str(DRIVER)], capture_output=True, text=True, env=env,
                          cwd=tmp_path_factory.mktemp("dallinger-hits"), timeout=DRIVER_TIMEOUT)
    assert proc.returncode == 0, f"the Dallinger HIT driver failed:\n{proc.stderr}"
    return json.loads(proc.stdout)


def ok(run: dict, label: str):
    outcome = run["calls"][label]
    assert "ok" in outcome, f"{label}: {outcome}"
    return outcome["ok"]


def raised(run: dict, label: str) -> dict:
    outcome = run["calls"][label]
    assert "raised" in outcome, f"{label} returned {outcome.get('ok')!r} instead of raising"
    return outcome


def test_it_is_the_real_dallinger(run):
    assert run["dallinger_version"] == "12.4.0"
    assert Path(run["dallinger_file"]).is_relative_to(ROOT / ".venv-clients" / "dallinger")


def test_create_hit_subscribes_the_experiment_to_an_sns_topic(run, setup, server):
    hit = ok(run, "create_hit")
    assert (hit["status"], hit["max_assignments"], hit["reward"]) == ("Assignable", 2, 0.75)
    assert hit["annotation"] == setup["prefix"] and hit["keywords"] == ["dallinger", "openturk"]
    assert run["topic_arn"].startswith("arn:aws:sns:us-east-1:") and run["topic_arn"].endswith(":" + setup["prefix"])
    with server.service.db.transaction(write=False) as tx:
        settings = nq.notification_settings(tx, hit["type_id"])
    assert (settings["transport"], settings["destination"], settings["active"]) == ("SNS", run["topic_arn"], True)
    assert json.loads(settings["event_types"]) == DALLINGERS_EVENTS


def test_dallingers_own_handler_hears_every_event_it_asked_for(run, setup):
    """The events went openturk → moto's SNS → HTTP → Dallinger's view, which read
    json.loads(Message)["Events"]; only the types Dallinger subscribed to came, each for the right object."""
    assert run["heard"] == {"AssignmentAccepted": True, "AssignmentSubmitted": True, "AssignmentReturned": True,
                            "HITExpired": True}
    assert {e["EventType"] for e in run["events"]} <= set(DALLINGERS_EVENTS)
    hit_type_id = ok(run, "create_hit")["type_id"]
    for event in run["events"]:
        assert event["HITId"] == run["hit_id"] and event["HITTypeId"] == hit_type_id
        assert event["EventTimestamp"].endswith("Z")
    by_type = {(e["EventType"], e.get("AssignmentId")) for e in run["events"]}
    assert ("AssignmentSubmitted", run["assignment_id"]) in by_type
    assert ("AssignmentReturned", run["returned_id"]) in by_type
    assert run["confirmations"] == []       # moto confirms HTTP subscriptions itself


def test_dallingers_hit_types_auto_approve_at_submission(run, setup):
    """Dallinger's _register_hit_type sends AutoApprovalDelayInSeconds 0: the submitted assignment is Approved
    (and paid) at once, so Dallinger's own approve_assignment refuses, which its recruiter's approve_hit
    logs and lets pass."""
    worker_id = setup["workers"][0].worker_id
    assert ok(run, "get_assignment_auto_approved") == {"id": run["assignment_id"], "hit_id": run["hit_id"],
                                                      "worker_id": worker_id, "status": "Approved"}
    refused = raised(run, "approve_auto_approved")
    assert refused["raised"] == "MTurkServiceException" and "status of: Submitted" in refused["message"]
    assert ok(run, "get_assignment_unknown") is None          # Dallinger reads "does not exist" as None
    hit = ok(run, "get_hit_after_submit")
    assert (hit["assignments_pending"], hit["assignments_completed"], hit["assignments_available"]) == (0, 1, 1)


def test_get_assignment_approve_and_grant_bonus(run, setup):
    worker_id = setup["workers"][0].worker_id
    expected = {"id": run["review_assignment_id"], "hit_id": setup["review_hit"], "worker_id": worker_id}
    assert ok(run, "get_assignment_submitted") == expected | {"status": "Submitted"}
    assert ok(run, "approve") is True
    assert ok(run, "get_assignment_approved") == expected | {"status": "Approved"}
    assert ok(run, "grant_bonus") is True
    assert ok(run, "grant_bonus_auto_approved") is True
    client = setup["client"]
    [payment] = client.list_bonus_payments(AssignmentId=run["review_assignment_id"])["BonusPayments"]
    assert (payment["WorkerId"], payment["BonusAmount"], payment["Reason"]) == (worker_id, "1.25",
                                                                               "for the extra points")
    assert len(client.list_bonus_payments(HITId=run["hit_id"])["BonusPayments"]) == 1
    earnings = setup["workers"][0].earnings()
    # Two rewards of 0.75 (one auto-approved, one approved by Dallinger) and bonuses of 1.25 and 0.50.
    assert Decimal(earnings["TotalEarnings"]) == Decimal("3.25"), earnings


def test_refusals_reach_dallinger_as_its_own_exceptions(run):
    again = raised(run, "approve_again")
    assert again["raised"] == "MTurkServiceException" and "Failed to approve assignment" in again["message"]
    small = raised(run, "grant_bonus_too_small")
    assert small["raised"] == "MTurkServiceException" and "bonus of 0.00" in small["message"]


def test_expire_and_disable(run, setup):
    assert ok(run, "expire_hit") is True
    assert ok(run, "disable_hit") is True               # expire, cancel the SNS topic, DeleteHIT
    assert run["topic_after_disable"] is None           # Dallinger deleted its topic at moto
    assert ok(run, "get_hit_after_disable")["status"] == "Disposed"     # its owner can still read it
    ids = {h["HITId"] for h in setup["client"].list_hits(MaxResults=100)["HITs"]}
    assert run["hit_id"] not in ids
