"""Runs INSIDE the psiTurk virtualenv (scripts/client-venv psiturk), not in the project's: drives psiTurk's
own, unmodified `psiturk.amt_services.MTurkServices` against an openturk server through a HIT's whole life,
with a scripted worker doing the work in between, and prints what every call returned as one JSON object.

The only change to psiTurk is the documented injection point: `setup_mturk_connection` (which hard-codes
MTurk's endpoints and is called from `__init__`) is replaced by one that builds the same boto3 session from
the same config keys, with the server as endpoint_url. The config is a small object with psiTurk's
`get(section, key)` / `set(section, key, value)`.

The worker's submission is psiTurk's own: the driver renders psiTurk's shipped `thanks-mturksubmit.html`
(its example project's template, the page a participant ends on) with Jinja2 as psiTurk's Flask app does,
reads the form's action path and hidden fields, and posts exactly those to the server's
`/mturk/externalSubmit` (the template hard-codes MTurk's host; a worker's browser would post to
turkSubmitTo).

Input (environment): OPENTURK_ENDPOINT, OPENTURK_KEY, OPENTURK_SECRET, OPENTURK_PREFIX, and
OPENTURK_WORKERS: JSON [[worker_id, token], ...] (two workers).
"""

from __future__ import annotations

import datetime
import html.parser
import importlib.metadata
import json
import os
import sys
import traceback
from pathlib import Path

import boto3
import boto3.session
import jinja2
import psiturk
import psiturk.amt_services
from psiturk.amt_services import MTurkServices

from scripted_worker import Worker

ENDPOINT = os.environ["OPENTURK_ENDPOINT"]
KEY = os.environ["OPENTURK_KEY"]
SECRET = os.environ["OPENTURK_SECRET"]
PREFIX = os.environ["OPENTURK_PREFIX"]
WORKERS = [Worker(ENDPOINT, worker_id, token) for worker_id, token in json.loads(os.environ["OPENTURK_WORKERS"])]


class Config:
    """What MTurkServices reads and writes of a PsiturkConfig: get(section, key) and set(section, key, value)."""

    def __init__(self, values: dict):
        self.values = dict(values)

    def get(self, section, key, *args, **kwargs):
        return self.values.get((section, key), "")

    def set(self, section, key, value):
        self.values[(section, key)] = value


def setup_local_mturk_connection(self):
    """psiTurk's setup_mturk_connection with the endpoint replaced by the server's."""
    self.session = boto3.session.Session(
        region_name="us-east-1",
        aws_access_key_id=self.config.get("AWS Access", "aws_access_key_id"),
        aws_secret_access_key=self.config.get("AWS Access", "aws_secret_access_key"))
    self.mtc = self.session.client("mturk", endpoint_url=ENDPOINT)
    return True


MTurkServices.setup_mturk_connection = setup_local_mturk_connection

results: dict = {"psiturk_version": importlib.metadata.version("psiturk"),
                 "psiturk_file": psiturk.amt_services.__file__,
                 "boto3_version": boto3.__version__, "calls": {}}


def plain(value):
    """psiTurk's return values (MTurkHIT objects, datetimes, nested responses) as JSON."""
    if isinstance(value, psiturk.amt_services.MTurkHIT):
        return {k: plain(v) for k, v in value.options.items()}
    if isinstance(value, psiturk.amt_services.AmtServicesResponse):
        return {"success": value.success, "data": plain(value.data)}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    return value


def call(label: str, fn, *args, **kwargs):
    """Run one psiTurk method; its methods answer an AmtServicesResponse (success, data, or the exception)."""
    try:
        response = fn(*args, **kwargs)
    except Exception as exc:  # a raise (rather than an error response) is itself the outcome
        results["calls"][label] = {"raised": type(exc).__name__, "message": str(exc),
                                   "traceback": traceback.format_exc()}
        return None
    outcome = {"success": response.success, "status": response.status}
    if response.success:
        outcome["data"] = plain(response.data)
    else:
        exc = response.exception
        outcome.update(exception=type(exc).__name__, message=str(exc))
        error = getattr(exc, "response", {}).get("Error", {})
        outcome["code"] = error.get("Code")
    results["calls"][label] = outcome
    return response.data if response.success else None


class FormReader(html.parser.HTMLParser):
    """The action and the fields of the page's mturk_form."""

    def __init__(self):
        super().__init__()
        self.action = None
        self.fields = []
        self._in_form = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("id") == "mturk_form":
            self.action, self._in_form = attrs["action"], True
        elif tag == "input" and self._in_form and attrs.get("name"):
            self.fields.append((attrs["name"], attrs.get("value") or ""))

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_form = False


TEMPLATES = Path(psiturk.__file__).parent / "example" / "templates"
templates = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True)


def psiturk_submit(worker: Worker, hit_id: str, assignment_id: str) -> dict:
    """The participant's last page, psiTurk's thanks-mturksubmit.html, submitted to the server."""
    page = templates.get_template("thanks-mturksubmit.html").render(
        using_sandbox=True, hitid=hit_id, assignmentid=assignment_id, workerid=worker.worker_id)
    form = FormReader()
    form.feed(page)
    path = "/" + form.action.split("://", 1)[1].split("/", 1)[1]
    status, text = worker.external_submit(form.fields)
    return {"action": form.action, "path": path, "fields": form.fields, "status": status,
            "submitted": "submitted" in text.lower()}


config = Config({("AWS Access", "aws_access_key_id"): KEY, ("AWS Access", "aws_secret_access_key"): SECRET})
svc = MTurkServices(config=config, mode="sandbox")
results["valid_login"] = svc.valid_login
call("check_balance", svc.check_balance)
try:
    MTurkServices(config=Config({("AWS Access", "aws_access_key_id"): KEY,
                                 ("AWS Access", "aws_secret_access_key"): "not-the-secret"}), mode="sandbox")
    results["bad_secret"] = "connected"
except Exception as exc:
    results["bad_secret"] = type(exc).__name__

# -- the HIT: psiTurk's hit_config, as its `hit create` command builds it -------------------------
hit_config = {
    "ad_location": f"https://psiturk.example.org/pub/{PREFIX}",
    "approve_requirement": 95,
    "number_hits_approved": 0,
    "require_master_workers": False,
    "us_only": True,
    "lifetime": datetime.timedelta(hours=24),
    "max_assignments": 2,
    "title": f"{PREFIX} Stroop task",
    "description": "psiTurk conformance: name the colour of the word",
    "keywords": "psychology, stroop",
    "reward": 1.5,
    "duration": datetime.timedelta(minutes=30),
    "require_qualification_ids": [],
    "block_qualification_ids": [],
    "advanced_qualifications": [],
}
hit = call("create_hit", svc.create_hit, hit_config)
hit_id = hit["HITId"] if hit else None
results["hit_id"] = hit_id
results["question"] = svc.param_dict["Question"] if svc.param_dict else None
all_hits = call("get_all_hits", svc.get_all_hits)
call("get_hit", svc.get_hit, hit_id)
call("assignments_before_work", svc.get_assignments, hit_ids=hit_id)

# -- worker 1 accepts and submits through psiTurk's own form ---------------------------------------
w1, w2 = WORKERS
a1 = w1.accept(hit_id)
results["assignment_1"] = a1
call("assignments_while_accepted", svc.get_assignments, hit_ids=[hit_id])
results["submit_1"] = psiturk_submit(w1, hit_id, a1)
call("get_hit_after_submit", svc.get_hit, hit_id)
call("assignments_after_submit", svc.get_assignments, hit_ids=[hit_id])
call("assignments_submitted_all_hits", svc.get_assignments, assignment_status="Submitted")
call("get_assignment_submitted", svc.get_assignment, a1)

# -- approve and bonus --------------------------------------------------------------------------
call("approve", svc.approve_assignment, a1)
call("get_assignment_approved", svc.get_assignment, a1)
call("approve_again", svc.approve_assignment, a1)
call("bonus_looked_up_worker", svc.bonus_assignment, a1, None, 0.5, "psiTurk: a performance bonus")
call("bonus_named_worker", svc.bonus_assignment, a1, w1.worker_id, "1.25", "psiTurk: a second bonus")
call("bonus_wrong_worker", svc.bonus_assignment, a1, w2.worker_id, 1, "not their work")
call("assignments_approved", svc.get_assignments, assignment_status="Approved", hit_ids=[hit_id])

# -- worker 2: rejected, then the rejection overridden (psiTurk's `worker unreject`) ----------------
a2 = w2.accept(hit_id)
results["assignment_2"] = a2
results["submit_2"] = psiturk_submit(w2, hit_id, a2)
call("reject", svc.reject_assignment, a2)
call("get_assignment_rejected", svc.get_assignment, a2)
call("unreject", svc.unreject_assignment, a2)
call("get_assignment_unrejected", svc.get_assignment, a2)
call("assignments_final", svc.get_assignments, hit_ids=[hit_id])
call("get_hit_final", svc.get_hit, hit_id)

# -- expire, delete ------------------------------------------------------------------------------
call("expire_hit", svc.expire_hit, hit_id)
call("get_hit_expired", svc.get_hit, hit_id)
call("delete_hit", svc.delete_hit, hit_id)
call("get_all_hits_after_delete", svc.get_all_hits)
call("get_hit_unknown", svc.get_hit, "3" + "X" * 29)

results["earnings"] = {w.worker_id: w.earnings() for w in WORKERS}
json.dump(results, sys.stdout, default=str)
