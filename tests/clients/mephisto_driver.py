"""Runs INSIDE the Mephisto virtualenv (scripts/client-venv mephisto, Python 3.10), not in the project's:
drives Mephisto's own, unmodified `mephisto.abstractions.providers.mturk.mturk_utils` functions against an
openturk server through two HITs' lives, with scripted workers accepting and submitting in between, and
writes what every call returned, raised or logged as one JSON object to $OPENTURK_REPORT (Mephisto's rich
logging may write to stdout).

Mephisto's functions take a boto3 client first; the driver passes one whose endpoint_url is the server
(the injection point Mephisto's MTurk datastore uses for the sandbox). Because that endpoint is not MTurk's
sandbox URL, Mephisto treats it as live: its HIT type gets the Locale requirement (In US, CA, GB, AU, NZ).

Input (environment): OPENTURK_ENDPOINT, OPENTURK_KEY, OPENTURK_SECRET, OPENTURK_PREFIX, OPENTURK_REPORT,
OPENTURK_WORKERS: JSON [[worker_id, token], ...] (four workers: US, GB, US without the Mephisto
qualification, FR).
"""

from __future__ import annotations

import datetime
import importlib.metadata
import json
import logging
import os
import sys
import traceback
import urllib.error

import boto3
from omegaconf import OmegaConf

from mephisto.abstractions.providers.mturk import mturk_utils as mu
from scripted_worker import Worker

ENDPOINT = os.environ["OPENTURK_ENDPOINT"]
KEY = os.environ["OPENTURK_KEY"]
SECRET = os.environ["OPENTURK_SECRET"]
PREFIX = os.environ["OPENTURK_PREFIX"]
WORKERS = [Worker(ENDPOINT, worker_id, token) for worker_id, token in json.loads(os.environ["OPENTURK_WORKERS"])]

results: dict = {"mephisto_version": importlib.metadata.version("mephisto"), "mephisto_file": mu.__file__,
                 "python": list(sys.version_info[:2]), "calls": {}, "workers": {}}


class Recorder(logging.Handler):
    """What Mephisto logs: approve_work and reject_work report a failure only by logging it."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.records: list = []

    def emit(self, record):
        self.records.append(record.getMessage())


recorder = Recorder()
mu.logger.addHandler(recorder)


def plain(value):
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items() if k != "ResponseMetadata"}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    return value


def call(label: str, fn, *args, **kwargs):
    """Run one Mephisto function; record {"ok": result, "logged": [...]} or {"raised": …, "message": …}."""
    recorder.records = []
    try:
        value = fn(*args, **kwargs)
        outcome = {"ok": plain(value)}
    except Exception as exc:  # the outcome is what the test asserts on
        outcome = {"raised": type(exc).__name__, "message": str(exc), "traceback": traceback.format_exc()}
        value = None
    outcome["logged"] = recorder.records
    results["calls"][label] = outcome
    return value


def try_accept(label: str, worker: Worker, hit_id: str):
    try:
        assignment_id = worker.accept(hit_id)
        results["workers"][label] = {"accepted": assignment_id}
        return assignment_id
    except urllib.error.HTTPError as exc:
        results["workers"][label] = {"refused": exc.code, "error": json.loads(exc.read() or b"{}").get("error")}
        return None


def submit(label: str, worker: Worker, assignment_id: str, data: dict) -> None:
    """Mephisto's task page posts its final data to the provider's externalSubmit."""
    status, page = worker.external_submit([("assignmentId", assignment_id), ("final_data", json.dumps(data))])
    results["workers"][label] = {**results["workers"].get(label, {}), "submit_status": status}


client = boto3.client("mturk", endpoint_url=ENDPOINT, region_name="us-east-1", aws_access_key_id=KEY,
                      aws_secret_access_key=SECRET)
us, gb, unqualified, fr = WORKERS

call("client_is_sandbox", mu.client_is_sandbox, client)
call("get_requester_balance", mu.get_requester_balance, client)
call("check_mturk_balance_enough", mu.check_mturk_balance, client, 25.0)
call("check_mturk_balance_too_much", mu.check_mturk_balance, client, 1_000_000.0)

# -- the HIT type: Mephisto's task arguments and one Mephisto-style qualification --------------------
qual_name = f"{PREFIX}-onboarded"
task_args = OmegaConf.create({"task_title": f"{PREFIX} Describe the image",
                              "task_description": "Mephisto conformance: one sentence about a picture",
                              "task_tags": ["image", "description"], "task_reward": 0.75,
                              "assignment_duration_in_seconds": 600})
qualifications = [{"qualification_name": qual_name, "comparator": "Exists", "value": None}]
hit_type_id = call("create_hit_type", mu.create_hit_type, client, task_args, qualifications,
                   auto_approve_delay=3 * 24 * 3600)
results["hit_type_id"] = hit_type_id
qual_id = call("find_qualification", mu.find_qualification, client, qual_name)
qual_id = qual_id[1] if qual_id else None
results["qualification_type_id"] = qual_id
for worker in (us, gb, fr):
    call(f"give_qualification_{worker.worker_id}", mu.give_worker_qualification, client, worker.worker_id, qual_id)

# -- HIT 1: three assignments ---------------------------------------------------------------------
page_url = f"https://mephisto.example.org/task?task=1&{PREFIX}=yes"
created = call("create_hit_with_hit_type", mu.create_hit_with_hit_type, client, 650, page_url, hit_type_id, 3)
hit_id = created[1] if created else None
results["hit_id"] = hit_id
call("get_hit", mu.get_hit, client, hit_id)
call("get_outstanding_hits", mu.get_outstanding_hits, client)

a_us = try_accept("us", us, hit_id)
a_gb = try_accept("gb", gb, hit_id)
try_accept("unqualified", unqualified, hit_id)
try_accept("fr", fr, hit_id)
call("assignments_before_submit", mu.get_assignments_for_hit, client, hit_id)
submit("us", us, a_us, {"caption": "a cat on a mat"})
submit("gb", gb, a_gb, {"caption": "a dog in fog"})
call("assignments_after_submit", mu.get_assignments_for_hit, client, hit_id)
call("get_assignment_us", mu.get_assignment, client, a_us)

# -- decisions, bonus, messages -------------------------------------------------------------------
call("approve_work_us", mu.approve_work, client, a_us)
call("approve_work_us_again", mu.approve_work, client, a_us)
call("reject_work_gb", mu.reject_work, client, a_gb, "The caption does not describe the image.")
call("reject_work_gb_again", mu.reject_work, client, a_gb, "twice")
call("get_assignment_gb_rejected", mu.get_assignment, client, a_gb)
call("approve_work_gb_override", mu.approve_work, client, a_gb, True)
call("get_assignment_gb_overridden", mu.get_assignment, client, a_gb)
token = f"{PREFIX}-bonus-1"
call("pay_bonus", mu.pay_bonus, client, us.worker_id, 0.35, a_us, "Mephisto: a careful caption", token)
call("pay_bonus_same_token", mu.pay_bonus, client, us.worker_id, 0.35, a_us, "Mephisto: again", token)
call("pay_bonus_unaffordable", mu.pay_bonus, client, us.worker_id, 20000.0, a_us, "too much", f"{PREFIX}-b2")
call("email_worker_us", mu.email_worker, client, us.worker_id, "Thanks", "Thank you for the caption.")
call("email_worker_never_decided", mu.email_worker, client, fr.worker_id, "Hello", "You never worked for me.")
call("block_worker", mu.block_worker, client, fr.worker_id, "Mephisto conformance")
call("is_worker_blocked", mu.is_worker_blocked, client, fr.worker_id)
call("unblock_worker", mu.unblock_worker, client, fr.worker_id, "done")
call("is_worker_blocked_after_unblock", mu.is_worker_blocked, client, fr.worker_id)

# -- expire, then dispose HIT 1 ---------------------------------------------------------------------
call("expire_hit", mu.expire_hit, client, hit_id)
call("get_hit_expired", mu.get_hit, client, hit_id)
hit_1 = client.get_hit(HITId=hit_id)["HIT"]
call("expire_and_dispose_hits", mu.expire_and_dispose_hits, client, [hit_1], quiet=True)
call("get_hit_disposed", mu.get_hit, client, hit_id)

# -- HIT 2: approve_assignments_for_hit ---------------------------------------------------------------
created = call("create_hit_2", mu.create_hit_with_hit_type, client, 650, page_url + "&n=2", hit_type_id, 2)
hit_2 = created[1] if created else None
results["hit_2"] = hit_2
a2_us = try_accept("us_2", us, hit_2)
a2_gb = try_accept("gb_2", gb, hit_2)
submit("us_2", us, a2_us, {"caption": "two cats"})
results["active_hit_2_disposal"] = call("dispose_with_work_pending", mu.expire_and_dispose_hits, client,
                                        [client.get_hit(HITId=hit_2)["HIT"]], quiet=True)
submit("gb_2", gb, a2_gb, {"caption": "two dogs"})
call("approve_assignments_for_hit", mu.approve_assignments_for_hit, client, hit_2)
call("assignments_hit_2", mu.get_assignments_for_hit, client, hit_2)

# -- the qualification, deleted ------------------------------------------------------------------
call("remove_worker_qualification", mu.remove_worker_qualification, client, gb.worker_id, qual_id, "done")
call("delete_qualification", mu.delete_qualification, client, qual_id)

results["earnings"] = {w.worker_id: w.earnings() for w in (us, gb)}
results["ids"] = {"us": us.worker_id, "gb": gb.worker_id, "unqualified": unqualified.worker_id, "fr": fr.worker_id,
                  "a_us": a_us, "a_gb": a_gb, "a2_us": a2_us, "a2_gb": a2_gb}
with open(os.environ["OPENTURK_REPORT"], "w") as report:
    json.dump(results, report, default=str)
