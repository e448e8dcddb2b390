"""Runs INSIDE the Dallinger virtualenv (scripts/client-venv dallinger), not in the project's: drives
Dallinger's own, unmodified `dallinger.mturk.MTurkService` against an openturk server and prints what
every call returned or raised, as one JSON object on stdout.

The only change to Dallinger is the documented injection point: a subclass whose `host` (a property
of MTurkService, read once by its `mturk` cached_property as boto3's endpoint_url) is the server.
An after-call hook on the client only counts the requests Dallinger sends; it changes nothing.

Input (environment): OPENTURK_ENDPOINT, OPENTURK_KEY, OPENTURK_SECRET, OPENTURK_PREFIX (makes the
type names unique to one run), OPENTURK_HOLDERS (how many workers for the pagination scenario).
"""

from __future__ import annotations

import importlib.metadata
import json
import logging
import os
import sys
import traceback

import dallinger.mturk
from dallinger.mturk import MTurkService

ENDPOINT = os.environ["OPENTURK_ENDPOINT"]
KEY = os.environ["OPENTURK_KEY"]
SECRET = os.environ["OPENTURK_SECRET"]
PREFIX = os.environ["OPENTURK_PREFIX"]
HOLDERS = int(os.environ.get("OPENTURK_HOLDERS", "120"))


class LocalMTurkService(MTurkService):
    @property
    def host(self):
        return ENDPOINT


def service(secret: str = SECRET) -> LocalMTurkService:
    # max_wait_secs=0: Dallinger polls ListQualificationTypes for up to this long while MTurk's search
    # index catches up; openturk lists a new type at once, so no waiting is needed.
    return LocalMTurkService(KEY, secret, region_name="us-east-1", sandbox=True, max_wait_secs=0)


results: dict = {"dallinger_version": importlib.metadata.version("dallinger"),
                 "dallinger_file": dallinger.mturk.__file__, "calls": {}}
svc = service()
calls_sent: dict[str, int] = {}


def count_call(event_name, **_):
    operation = event_name.rsplit(".", 1)[-1]
    calls_sent[operation] = calls_sent.get(operation, 0) + 1


svc.mturk.meta.events.register("after-call.mturk", count_call)


def call(label: str, fn, *args, **kwargs):
    """Run one Dallinger method; record {"ok": result} or {"raised": class, "module": …, "message": …}."""
    try:
        value = fn(*args, **kwargs)
        if hasattr(value, "__next__"):       # get_workers_with_qualification is a generator
            value = list(value)
        outcome = {"ok": value}
    except Exception as exc:  # the outcome is what the test asserts on
        outcome = {"raised": type(exc).__name__, "module": type(exc).__module__, "message": str(exc)}
        if not type(exc).__module__.startswith("dallinger"):
            outcome["traceback"] = traceback.format_exc()
    results["calls"][label] = outcome
    return outcome.get("ok")


def worker(n: int) -> str:
    return f"A{PREFIX.upper()}W{n:04d}"


# Quiet Dallinger's logger.exception() for the errors the scenarios provoke on purpose.
logging.getLogger("dallinger").setLevel(logging.CRITICAL)

# -- the connection ---------------------------------------------------------------------------------
call("check_credentials", svc.check_credentials)
call("account_balance", svc.account_balance)
call("check_credentials_bad_secret", service("not-the-secret").check_credentials)

# -- qualification types ----------------------------------------------------------------------------
name = f"{PREFIX}-Color"
created = call("create", svc.create_qualification_type, name, "Dallinger conformance: colour skill")
qid = created["id"] if created else None
call("create_duplicate", svc.create_qualification_type, name, "the same name again")
extra = call("create_longer_name", svc.create_qualification_type, f"{PREFIX}-Color-Extra", "another type")
call("by_name_exact", svc.get_qualification_type_by_name, name)
call("by_name_lower_case", svc.get_qualification_type_by_name, name.lower())
call("by_name_prefix_not_unique", svc.get_qualification_type_by_name, PREFIX)
call("by_name_no_match", svc.get_qualification_type_by_name, f"{PREFIX}-nothing-like-this")

# -- scores ---------------------------------------------------------------------------------------
w1, w2, w3, w4 = worker(1), worker(2), worker(3), worker(4)
results["ids"] = {"type": qid, "w1": w1, "w2": w2, "w3": w3, "w4": w4}
call("assign_w1_5", svc.assign_qualification, qid, w1, 5)
call("score_w1_after_assign", svc.current_qualification_score, qid, w1)
call("assign_w1_7", svc.assign_qualification, qid, w1, 7)
call("score_w1_after_rescore", svc.current_qualification_score, qid, w1)
call("increment_w1", svc.increment_qualification_score, qid, w1)
call("score_w1_after_increment", svc.current_qualification_score, qid, w1)

call("assign_named_w2_3", svc.assign_named_qualification, name, w2, 3)
call("named_score_w2", svc.current_named_qualification_score, name, w2)
call("increment_named_w2", svc.increment_named_qualification_score, name, w2)
call("score_w2_after_named_increment", svc.current_qualification_score, qid, w2)

call("score_never_granted", svc.current_qualification_score, qid, w3)
call("named_score_never_granted", svc.current_named_qualification_score, name, w3)
call("increment_never_granted", svc.increment_qualification_score, qid, w3)
call("score_w3_after_increment", svc.current_qualification_score, qid, w3)
call("increment_named_never_granted", svc.increment_named_qualification_score, name, w4)
call("score_w4_after_named_increment", svc.current_qualification_score, qid, w4)

# -- revoke, read revoked, re-grant -----------------------------------------------------------------
call("revoke_w1", svc.revoke_qualification, qid, w1, "conformance test")
call("score_w1_revoked", svc.current_qualification_score, qid, w1)
call("named_score_w1_revoked", svc.current_named_qualification_score, name, w1)
call("regrant_w1_9", svc.assign_qualification, qid, w1, 9)
call("score_w1_regranted", svc.current_qualification_score, qid, w1)
call("revoke_w2", svc.revoke_qualification, qid, w2)
call("increment_revoked_w2", svc.increment_qualification_score, qid, w2)
call("score_w2_after_increment_revoked", svc.current_qualification_score, qid, w2)

# -- holders, more than one page (Dallinger asks for 100 at a time) ---------------------------------
crowd = call("create_crowd", svc.create_qualification_type, f"{PREFIX}-Crowd", "many holders")
crowd_id = crowd["id"] if crowd else None
for n in range(HOLDERS):
    svc.assign_qualification(crowd_id, worker(1000 + n), n)
revoked = [worker(1000 + n) for n in (0, 57, HOLDERS - 1)]
for w in revoked:
    svc.revoke_qualification(crowd_id, w)
results["ids"]["crowd"] = crowd_id
results["crowd_revoked"] = revoked
before = calls_sent.get("ListWorkersWithQualificationType", 0)
call("holders", svc.get_workers_with_qualification, crowd_id)
results["holders_requests"] = calls_sent.get("ListWorkersWithQualificationType", 0) - before

# -- dispose ----------------------------------------------------------------------------------------
call("dispose_longer_name", svc.dispose_qualification_type, extra["id"] if extra else None)
call("dispose", svc.dispose_qualification_type, qid)
call("by_name_after_dispose", svc.get_qualification_type_by_name, name)
call("dispose_crowd", svc.dispose_qualification_type, crowd_id)

results["calls_sent"] = calls_sent
json.dump(results, sys.stdout, default=str)
