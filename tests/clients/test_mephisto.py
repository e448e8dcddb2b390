"""A real client library, unmodified, against the server: Mephisto's MTurk functions
(`mephisto.abstractions.providers.mturk.mturk_utils`, PyPI mephisto 1.1.1) given a boto3 client whose
endpoint is the server, through two HITs' lives: Mephisto creates the HIT type (with its Locale
requirement and one Mephisto qualification) and the HITs, scripted workers accept and submit to
/mturk/externalSubmit, and Mephisto lists, approves, rejects, overrides, bonuses, messages, blocks,
expires and disposes.

Mephisto lives in a Python 3.10 virtualenv of its own (`scripts/client-venv mephisto`: it does not import
on 3.11+); tests/clients/mephisto_driver.py runs there as a subprocess against the in-process server.
Runs on SQLite and, in `make test`, on PostgreSQL.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DRIVER = Path(__file__).with_name("mephisto_driver.py")
MEPHISTO_VERSION = "1.1.1"
DRIVER_TIMEOUT = 180
LOCALES = {"us": "US", "gb": "GB", "unqualified": "US", "fr": "FR"}

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def setup(server) -> dict:
    creds = server.new_requester("mephisto")
    workers = {label: server.create_worker() for label in LOCALES}
    for label, worker in workers.items():
        server.set_worker(worker.worker_id, locale=LOCALES[label])
    return {"creds": creds, "workers": workers, "client": server.client(creds),
            "prefix": "m" + uuid.uuid4().hex[:10]}


@pytest.fixture(scope="module")
def run(server, setup, mephisto_python, tmp_path_factory) -> dict:
    # HOME is a fresh directory: Mephisto creates ~/.mephisto/config.yml when it is imported.
    home = tmp_path_factory.mktemp("home")
    report = home / "report.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "OPENTURK_"))}
    env.update(OPENTURK_ENDPOINT=server.endpoint, OPENTURK_KEY=setup["creds"]["AccessKeyId"],
               OPENTURK_SECRET=setup["creds"]["SecretAccessKey"], OPENTURK_PREFIX=setup["prefix"],
               OPENTURK_WORKERS=json.dumps([[w.worker_id, w.token] for w in setup["workers"].values()]),
               OPENTURK_REPORT=str(report), HOME=str(home))
    proc = subprocess.run([mephisto_python, str(DRIVER)], capture_output=True, text=True, env=env,
                          cwd=home, timeout=DRIVER_TIMEOUT)
    assert proc.returncode == 0, f"the Mephisto driver failed:\n{proc.stderr[-5000:]}"
    return json.loads(report.read_text())


def ok(run: dict, label: str, *, logged_nothing: bool = True):
    outcome = run["calls"][label]
    assert "ok" in outcome, f"{label}: {outcome}"
    if logged_nothing:       # approve_work and reject_work report a failure only in the log
        assert outcome["logged"] == [], f"{label} logged {outcome['logged']}"
    return outcome["ok"]


def wid(setup: dict, label: str) -> str:
    return setup["workers"][label].worker_id


def test_it_is_the_real_mephisto_on_python_3_10(run):
    assert run["mephisto_version"] == MEPHISTO_VERSION
    assert run["python"] == [3, 10]
    assert Path(run["mephisto_file"]).is_relative_to(ROOT / ".venv-clients" / "mephisto")
    assert importlib.util.find_spec("mephisto") is None, "Mephisto must not be in the project's virtualenv"


def test_balance(run):
    assert ok(run, "client_is_sandbox") is False
    assert ok(run, "get_requester_balance") == 10000.0
    assert ok(run, "check_mturk_balance_enough") is True
    assert ok(run, "check_mturk_balance_too_much") is False


def test_create_hit_type_adds_the_locale_requirement_and_its_qualification(run, setup):
    """Not the sandbox URL, so Mephisto appends Locale In US, CA, GB, AU, NZ; its named qualification is
    found or created (owned by the caller)."""
    qual_id = run["qualification_type_id"]
    assert qual_id and ok(run, "find_qualification") == [True, qual_id]
    hit = ok(run, "create_hit_with_hit_type")[2]["HIT"]
    assert hit["HITTypeId"] == run["hit_type_id"]
    assert hit["QualificationRequirements"] == [
        {"QualificationTypeId": qual_id, "Comparator": "Exists", "ActionsGuarded": "DiscoverPreviewAndAccept"},
        {"QualificationTypeId": "00000000000000000071", "Comparator": "In",
         "LocaleValues": [{"Country": c} for c in ("US", "CA", "GB", "AU", "NZ")],
         "ActionsGuarded": "DiscoverPreviewAndAccept"}]
    assert (hit["Reward"], hit["MaxAssignments"], hit["AssignmentDurationInSeconds"]) == ("0.75", 3, 600)
    assert (hit["Keywords"], hit["AutoApprovalDelayInSeconds"]) == ("image,description", 259200)
    assert f"<ExternalURL>https://mephisto.example.org/task?task=1&amp;{setup['prefix']}=yes</ExternalURL>" \
        in hit["Question"]
    assert "<FrameHeight>650</FrameHeight>" in hit["Question"]
    assert ok(run, "get_hit")["HIT"]["HITId"] == run["hit_id"]


def test_the_requirements_decide_who_may_accept(run):
    """US and GB workers holding the Mephisto qualification accept; a US worker without it and an FR
    worker with it are refused."""
    workers = run["workers"]
    assert workers["us"]["accepted"] and workers["gb"]["accepted"]
    for label in ("unqualified", "fr"):
        assert workers[label]["refused"] == 403
        assert workers[label]["error"]["code"] == "AWS.MechanicalTurk.QualificationRequirementNotMet"


def test_submitted_work_is_listed_with_its_answers(run, setup):
    assert ok(run, "assignments_before_submit") == []
    assert run["workers"]["us"]["submit_status"] == 200 and run["workers"]["gb"]["submit_status"] == 200
    listed = {a["AssignmentId"]: a for a in ok(run, "assignments_after_submit")}
    ids = run["ids"]
    assert set(listed) == {ids["a_us"], ids["a_gb"]}
    assert {a["AssignmentStatus"] for a in listed.values()} == {"Submitted"}
    assert listed[ids["a_us"]]["WorkerId"] == wid(setup, "us")
    assert "<QuestionIdentifier>final_data</QuestionIdentifier>" in listed[ids["a_us"]]["Answer"]
    assert "<FreeText>{&quot;caption&quot;: &quot;a cat on a mat&quot;}</FreeText>" in listed[ids["a_us"]]["Answer"] \
        or '<FreeText>{"caption": "a cat on a mat"}</FreeText>' in listed[ids["a_us"]]["Answer"]
    got = ok(run, "get_assignment_us")
    assert got["Assignment"]["AssignmentStatus"] == "Submitted" and got["HIT"]["HITId"] == run["hit_id"]


def test_approve_reject_and_override(run, setup):
    ids = run["ids"]
    assert ok(run, "approve_work_us") is None
    again = ok(run, "approve_work_us_again", logged_nothing=False)
    assert again is None
    (message,) = run["calls"]["approve_work_us_again"]["logged"]
    assert "This operation can be called with a status of: Submitted" in message
    assert ok(run, "reject_work_gb") is None
    (message,) = run["calls"]["reject_work_gb_again"]["logged"]
    assert f"assignment {ids['a_gb']} is Rejected" in message
    rejected = ok(run, "get_assignment_gb_rejected")["Assignment"]
    assert rejected["AssignmentStatus"] == "Rejected"
    assert rejected["RequesterFeedback"] == "The caption does not describe the image."
    assert ok(run, "approve_work_gb_override") is None
    assert ok(run, "get_assignment_gb_overridden")["Assignment"]["AssignmentStatus"] == "Approved"
    state = setup["client"].list_assignments_for_hit(HITId=run["hit_id"])["Assignments"]
    assert {a["AssignmentId"]: a["AssignmentStatus"] for a in state} == {ids["a_us"]: "Approved",
                                                                         ids["a_gb"]: "Approved"}


def test_pay_bonus_once_per_token(run, setup):
    assert ok(run, "pay_bonus") is True
    same = run["calls"]["pay_bonus_same_token"]
    assert same["raised"] == "RequestError" and "has already been processed" in same["message"]
    assert ok(run, "pay_bonus_unaffordable") is False      # Mephisto checks the balance first
    payments = setup["client"].list_bonus_payments(AssignmentId=run["ids"]["a_us"])["BonusPayments"]
    assert [(p["WorkerId"], p["BonusAmount"], p["Reason"]) for p in payments] == [
        (wid(setup, "us"), "0.35", "Mephisto: a careful caption")]


def test_email_worker(run, setup, server):
    """NotifyWorkers reaches a worker whose work was decided; another is a failure status Mephisto reads."""
    assert ok(run, "email_worker_us") == [True, ""]
    assert ok(run, "email_worker_never_decided") == [
        False, "You can only notify a Worker whose work you have approved or rejected."]
    subjects = [m["Subject"] for m in setup["workers"]["us"].messages()]
    assert "Thanks" in subjects
    assert "Hello" not in [m["Subject"] for m in setup["workers"]["fr"].messages()]


def test_block_and_unblock(run):
    assert ok(run, "block_worker") is None and ok(run, "is_worker_blocked") is True
    assert ok(run, "unblock_worker") is None and ok(run, "is_worker_blocked_after_unblock") is False


def test_expire_and_dispose(run, setup):
    """expire_hit sets ExpireAt to 2015-01-01: the HIT with no work pending is Reviewable at once, and
    expire_and_dispose_hits deletes it. A HIT with an assignment still being worked on cannot be deleted:
    Mephisto expires it instead and hands it back with the error."""
    assert ok(run, "expire_hit") is None
    assert ok(run, "get_hit_expired")["HIT"]["HITStatus"] == "Reviewable"
    assert ok(run, "expire_and_dispose_hits") == []
    assert ok(run, "get_hit_disposed")["HIT"]["HITStatus"] == "Disposed"
    (kept,) = ok(run, "dispose_with_work_pending")
    assert kept["HITId"] == run["hit_2"]
    assert "This operation can be called with a status of: Reviewable" in kept["dispose_exception"]
    hit_2 = setup["client"].get_hit(HITId=run["hit_2"])["HIT"]
    assert hit_2["HITStatus"] == "Reviewable"       # expired by Mephisto, then its last work submitted


def test_approve_assignments_for_hit(run, setup):
    """The worker accepted before the HIT expired still submits; then every assignment is approved."""
    assert run["workers"]["gb_2"]["submit_status"] == 200
    assert ok(run, "approve_assignments_for_hit") is None
    statuses = {a["AssignmentId"]: a["AssignmentStatus"] for a in ok(run, "assignments_hit_2")}
    assert statuses == {run["ids"]["a2_us"]: "Approved", run["ids"]["a2_gb"]: "Approved"}


def test_the_workers_were_paid(run, setup):
    us, gb = run["earnings"][wid(setup, "us")], run["earnings"][wid(setup, "gb")]
    assert (us["ApprovedRewards"], us["Bonuses"], us["TotalEarnings"]) == ("1.50", "0.35", "1.85")
    assert (gb["ApprovedRewards"], gb["Bonuses"], gb["PendingRewards"]) == ("1.50", "0.00", "0.00")


def test_qualification_removed_and_deleted(run, setup):
    assert ok(run, "remove_worker_qualification") is None
    assert ok(run, "delete_qualification") is None
    # Disposing for dispose_seconds, then gone; the suite's shared test clock may already have moved past it.
    try:
        status = setup["client"].get_qualification_type(
            QualificationTypeId=run["qualification_type_id"])["QualificationType"]["QualificationTypeStatus"]
    except setup["client"].exceptions.RequestError as exc:
        status = exc.response["TurkErrorCode"]
    assert status in ("Disposing", "AWS.MechanicalTurk.QualificationTypeDoesNotExist")


def test_get_outstanding_hits_walks_the_pages_as_on_mturk(run):
    """Mephisto's get_outstanding_hits (its cleanup check) loops `while len(page["HITs"]) > 0` and reads
    page["NextToken"] after every page: it relies on MTurk handing out a NextToken with every page that has
    results, the last one too, and an empty page after it. openturk pages that way (docs/compatibility.md,
    Pagination)."""
    by_type = ok(run, "get_outstanding_hits")
    assert run["hit_id"] in [hit["HITId"] for hit in by_type[run["hit_type_id"]]]