"""Runs INSIDE the Dallinger virtualenv (scripts/client-venv dallinger), not in the project's: drives the HIT
side of Dallinger's own, unmodified `dallinger.mturk.MTurkService` against an openturk server, with its
notifications, and prints what every call returned or raised as one JSON object on stdout.

- `create_hit(..., do_subscribe=True)` takes Dallinger's `_create_notification_subscription` path: its
  SNSService creates a topic and subscribes an HTTP endpoint at the SNS server that AWS_ENDPOINT_URL_SNS
  names (moto's, in the tests; boto3 reads that variable), then UpdateNotificationSettings with Transport
  SNS on openturk.
- The HTTP endpoint is Dallinger's own Flask view, `dallinger.recruiters.mturk_recruiter_notify` (the
  `/mturk-sns-listener` route of its `mturk_routes` blueprint), served here by werkzeug. It parses the
  SNS envelope and `json.loads(Message)["Events"]` unmodified; only the recruiter it hands the events to is
  a recorder (Dallinger's MTurkRecruiter needs a whole experiment: its config, database and Redis).
- Scripted workers accept and submit through the worker API and `/mturk/externalSubmit`; Dallinger reads
  the assignment, approves it, grants a bonus, expires and disables the HIT. Dallinger's HIT types
  auto-approve at once (AutoApprovalDelayInSeconds 0), so the approval is shown on a HIT the test made
  with an hour's delay (OPENTURK_REVIEW_HIT).

Input (environment): OPENTURK_ENDPOINT, OPENTURK_KEY, OPENTURK_SECRET, OPENTURK_PREFIX, OPENTURK_WORKERS
(JSON [[worker id, token], ...], two), OPENTURK_REVIEW_HIT, AWS_ENDPOINT_URL_SNS.
"""

from __future__ import annotations

import importlib.metadata
import json
import logging
import os
import sys
import threading
import time
import traceback

import dallinger.mturk
import dallinger.recruiters
import flask
from dallinger.mturk import MTurkQuestions, MTurkService
from scripted_worker import Worker
from werkzeug.serving import make_server

ENDPOINT = os.environ["OPENTURK_ENDPOINT"]
PREFIX = os.environ["OPENTURK_PREFIX"]
WORKERS = [Worker(ENDPOINT, worker_id, token) for worker_id, token in json.loads(os.environ["OPENTURK_WORKERS"])]
EVENT_WAIT = 30          # seconds an event may take: openturk's sender, then moto's SNS, then the listener


class LocalMTurkService(MTurkService):
    @property
    def host(self):
        return ENDPOINT


class RecordingRecruiter:
    """What `mturk_recruiter_notify` hands its parsed events to, in place of Dallinger's MTurkRecruiter."""
    lock = threading.Lock()
    events: list[dict] = []
    confirmations: list[dict] = []

    def _report_event_notification(self, events):
        with self.lock:
            self.events.extend(events)

    def _confirm_sns_subscription(self, token, topic):
        with self.lock:
            self.confirmations.append({"token": token, "topic": topic})


dallinger.recruiters.MTurkRecruiter = RecordingRecruiter
app = flask.Flask("dallinger-listener")
app.register_blueprint(dallinger.recruiters.mturk_routes)
listener = make_server("127.0.0.1", 0, app, threaded=True)
threading.Thread(target=listener.serve_forever, daemon=True).start()
notification_url = f"http://127.0.0.1:{listener.server_port}/mturk-sns-listener"

results: dict = {"dallinger_version": importlib.metadata.version("dallinger"),
                 "dallinger_file": dallinger.mturk.__file__, "calls": {}}
svc = LocalMTurkService(os.environ["OPENTURK_KEY"], os.environ["OPENTURK_SECRET"], region_name="us-east-1",
                        sandbox=True, max_wait_secs=0)
logging.getLogger("dallinger").setLevel(logging.CRITICAL)   # the refusals provoked on purpose log exceptions


def call(label: str, fn, *args, **kwargs):
    """Run one Dallinger method; record {"ok": result} or {"raised": class, "module": …, "message": …}."""
    try:
        outcome = {"ok": fn(*args, **kwargs)}
    except Exception as exc:  # the outcome is what the test asserts on
        outcome = {"raised": type(exc).__name__, "module": type(exc).__module__, "message": str(exc)}
        if not type(exc).__module__.startswith("dallinger"):
            outcome["traceback"] = traceback.format_exc()
    results["calls"][label] = outcome
    return outcome.get("ok")


def wait_for(event_type: str, key: str, value: str) -> bool:
    """Whether an event of that type with that AssignmentId/HITId reached Dallinger's handler in time."""
    deadline = time.monotonic() + EVENT_WAIT
    while time.monotonic() < deadline:
        with RecordingRecruiter.lock:
            if any(e.get("EventType") == event_type and e.get(key) == value for e in RecordingRecruiter.events):
                return True
        time.sleep(0.1)
    return False


# -- the HIT, with Dallinger's notification subscription ---------------------------------------------
hit = call("create_hit", svc.create_hit, experiment_id=PREFIX, title=f"{PREFIX} Dallinger experiment",
           description="Dallinger HIT flow", keywords=["dallinger", "openturk"], reward=0.75, duration_hours=0.5,
           lifetime_days=1, question=MTurkQuestions.external(ad_url="https://dallinger.example.org/ad"),
           max_assignments=2, notification_url=notification_url, annotation=PREFIX, qualifications=(),
           do_subscribe=True)
hit_id = hit["id"] if hit else None
results["hit_id"] = hit_id
results["topic_arn"] = svc.sns._get_sns_topic_for_experiment(PREFIX)

# -- a worker accepts and submits; Dallinger hears both ----------------------------------------------
first, second = WORKERS
assignment_id = first.work(hit_id, [("condition", "control"), ("bonus_points", "12")])
results["assignment_id"] = assignment_id
results["heard"] = {"AssignmentAccepted": wait_for("AssignmentAccepted", "AssignmentId", assignment_id),
                    "AssignmentSubmitted": wait_for("AssignmentSubmitted", "AssignmentId", assignment_id)}
# Dallinger registers its HIT types with AutoApprovalDelayInSeconds 0: approved as soon as submitted.
call("get_assignment_auto_approved", svc.get_assignment, assignment_id)
call("approve_auto_approved", svc.approve_assignment, assignment_id)
call("get_assignment_unknown", svc.get_assignment, "3" + "X" * 29)
call("get_hit_after_submit", svc.get_hit, hit_id)

# -- review and pay, on a HIT whose type waits an hour before auto-approving ---------------------------
review_id = first.work(os.environ["OPENTURK_REVIEW_HIT"], [("answer", "42")])
results["review_assignment_id"] = review_id
call("get_assignment_submitted", svc.get_assignment, review_id)
call("approve", svc.approve_assignment, review_id)
call("approve_again", svc.approve_assignment, review_id)
call("get_assignment_approved", svc.get_assignment, review_id)
call("grant_bonus", svc.grant_bonus, review_id, 1.25, "for the extra points")
call("grant_bonus_too_small", svc.grant_bonus, review_id, 0.001, "less than a cent")
call("grant_bonus_auto_approved", svc.grant_bonus, assignment_id, 0.5, "thanks")

# -- a second worker accepts and returns: AssignmentReturned -----------------------------------------
returned = second.accept(hit_id)
second.return_assignment(returned)
results["returned_id"] = returned
results["heard"]["AssignmentReturned"] = wait_for("AssignmentReturned", "AssignmentId", returned)

# -- the HIT's end: expired (HITExpired), then disabled (expire, cancel the SNS topic, delete) ---------
call("expire_hit", svc.expire_hit, hit_id)
results["heard"]["HITExpired"] = wait_for("HITExpired", "HITId", hit_id)
call("disable_hit", svc.disable_hit, hit_id, PREFIX)
call("get_hit_after_disable", svc.get_hit, hit_id)
results["topic_after_disable"] = svc.sns._get_sns_topic_for_experiment(PREFIX)

listener.shutdown()
with RecordingRecruiter.lock:
    results["events"] = list(RecordingRecruiter.events)
    results["confirmations"] = list(RecordingRecruiter.confirmations)
json.dump(results, sys.stdout, default=str)
