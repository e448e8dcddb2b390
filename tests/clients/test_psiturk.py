"""A real client library, unmodified, against the server: psiTurk's `MTurkServices` (PyPI psiturk 3.3.1)
with only its connection factory replaced, through a HIT's whole life: psiTurk creates the HIT, two
scripted workers accept it and submit psiTurk's own end-of-experiment form to /mturk/externalSubmit, and
psiTurk lists, approves, bonuses, rejects, un-rejects, expires and deletes.

psiTurk lives in a virtualenv of its own (`scripts/client-venv psiturk`); tests/clients/psiturk_driver.py
runs there as a subprocess against the in-process server and prints what each psiTurk method answered.
The server's side is read with boto3 from here. Runs on SQLite and, in `make test`, on PostgreSQL.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import uuid
from pathlib import Path

import pytest

from ..conftest import LiveServer, fresh_database_url

ROOT = Path(__file__).resolve().parents[2]
DRIVER = Path(__file__).with_name("psiturk_driver.py")
PSITURK_VERSION = "3.3.1"
DRIVER_TIMEOUT = 120

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A server of this module's own, whose test clock no other test moves: psiTurk decides whether a HIT
    is expired by comparing its Expiration with the machine's clock."""
    live = LiveServer(fresh_database_url(tmp_path_factory.mktemp("psiturk-db"))).start()
    yield live
    live.stop()


@pytest.fixture(scope="module")
def setup(server) -> dict:
    creds = server.new_requester("psiturk")
    workers = [server.create_worker() for _ in range(2)]
    for worker in workers:     # psiTurk's us_only requirement: Locale EqualTo US
        server.set_worker(worker.worker_id, locale="US")
    return {"creds": creds, "workers": workers, "client": server.client(creds),
            "prefix": "p" + uuid.uuid4().hex[:10]}


@pytest.fixture(scope="module")
def run(server, setup, psiturk_python, tmp_path_factory) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "OPENTURK_"))}
    env.update(OPENTURK_ENDPOINT=server.endpoint, OPENTURK_KEY=setup["creds"]["AccessKeyId"],
               OPENTURK_SECRET=setup["creds"]["SecretAccessKey"], OPENTURK_PREFIX=setup["prefix"],
               OPENTURK_WORKERS=json.dumps([[w.worker_id, w.token] for w in setup["workers"]]),
               HOME=str(tmp_path_factory.mktemp("home")))
    proc = subprocess.run([psiturk_python, str(DRIVER)], capture_output=True, text=True, env=env,
                          cwd=tmp_path_factory.mktemp("psiturk"), timeout=DRIVER_TIMEOUT)
    assert proc.returncode == 0, f"the psiTurk driver failed:\n{proc.stderr}"
    return json.loads(proc.stdout)


def ok(run: dict, label: str):
    outcome = run["calls"][label]
    assert outcome.get("success") is True, f"{label}: {outcome}"
    return outcome["data"]


def failed(run: dict, label: str) -> dict:
    outcome = run["calls"][label]
    assert outcome.get("success") is False, f"{label} succeeded: {outcome}"
    return outcome


def test_it_is_the_real_psiturk_from_its_own_virtualenv(run):
    assert run["psiturk_version"] == PSITURK_VERSION
    assert Path(run["psiturk_file"]).is_relative_to(ROOT / ".venv-clients" / "psiturk")
    assert importlib.util.find_spec("psiturk") is None, "psiTurk must not be in the project's virtualenv"


def test_login_and_balance(run):
    """MTurkServices.__init__ checks the login with GetAccountBalance and refuses a wrong secret."""
    assert run["valid_login"] is True
    assert ok(run, "check_balance") == "10000.00"
    assert run["bad_secret"] == "NoMturkConnectionError"


def test_create_hit_with_psiturks_requirements(run, setup):
    hit = ok(run, "create_hit")
    assert hit["Title"] == f"{setup['prefix']} Stroop task"
    assert (hit["Reward"], hit["MaxAssignments"], hit["AssignmentDurationInSeconds"]) == ("1.50", 2, 1800)
    assert hit["HITStatus"] == "Assignable"
    requirements = {r["QualificationTypeId"]: r for r in hit["QualificationRequirements"]}
    assert requirements["000000000000000000L0"]["IntegerValues"] == [95]
    assert requirements["00000000000000000040"]["IntegerValues"] == [0]
    assert requirements["00000000000000000071"]["LocaleValues"] == [{"Country": "US"}]
    question = setup["client"].get_hit(HITId=run["hit_id"])["HIT"]["Question"]
    assert f"https://psiturk.example.org/pub/{setup['prefix']}" in question


def test_get_all_hits_and_get_hit(run):
    listed = {h["hitid"]: h for h in ok(run, "get_all_hits")}
    mine = listed[run["hit_id"]]
    assert (mine["status"], mine["max_assignments"], mine["number_assignments_available"]) == ("Assignable", 2, 2)
    assert mine["is_expired"] is False and mine["reward"] == "1.50" and mine["duration_in_seconds"] == 1800
    assert ok(run, "get_hit")["hitid"] == run["hit_id"]


def test_the_worker_submits_psiturks_own_form_to_external_submit(run, setup):
    submit = run["submit_1"]
    assert submit["path"] == "/mturk/externalSubmit"
    assert [name for name, _ in submit["fields"]] == ["assignmentId", "hitId", "workerId"]
    assert submit["status"] == 200 and submit["submitted"]
    # Before the submission psiTurk lists nothing (ListAssignmentsForHIT lists completed work only).
    assert ok(run, "assignments_before_work") == []
    assert ok(run, "assignments_while_accepted") == []
    hit = ok(run, "get_hit_after_submit")
    assert (hit["number_assignments_pending"], hit["number_assignments_available"]) == (0, 1)
    # The form's other fields are the answers, as on MTurk.
    answer = setup["client"].get_assignment(AssignmentId=run["assignment_1"])["Assignment"]["Answer"]
    assert f"<FreeText>{run['hit_id']}</FreeText>" in answer
    assert f"<FreeText>{setup['workers'][0].worker_id}</FreeText>" in answer
    assert "assignmentId" not in answer


def test_get_assignments_after_the_submission(run, setup):
    (listed,) = ok(run, "assignments_after_submit")
    assert listed["assignmentId"] == run["assignment_1"]
    assert listed["workerId"] == setup["workers"][0].worker_id
    assert listed["hitId"] == run["hit_id"] and listed["status"] == "Submitted"
    assert listed["submit_time"] >= listed["accept_time"]
    # Without hit_ids psiTurk walks get_all_hits, then every HIT's assignments.
    assert [a["assignmentId"] for a in ok(run, "assignments_submitted_all_hits")] == [run["assignment_1"]]
    assert ok(run, "get_assignment_submitted")["status"] == "Submitted"


def test_approve(run, setup):
    assert ok(run, "approve") is True
    assert ok(run, "get_assignment_approved")["status"] == "Approved"
    again = failed(run, "approve_again")
    assert again["exception"] == "RequestError"
    assert "This operation can be called with a status of: Submitted" in again["message"]
    assert [a["assignmentId"] for a in ok(run, "assignments_approved")] == [run["assignment_1"]]
    state = setup["client"].get_assignment(AssignmentId=run["assignment_1"])["Assignment"]
    assert state["AssignmentStatus"] == "Approved" and "ApprovalTime" in state


def test_bonuses(run, setup):
    """bonus_assignment looks the worker up with GetAssignment when it is not given, and sends the amount as
    str(amount): "0.5" and "1.25"."""
    assert ok(run, "bonus_looked_up_worker") is True
    assert ok(run, "bonus_named_worker") is True
    wrong = failed(run, "bonus_wrong_worker")
    assert wrong["exception"] == "RequestError" and "WorkerId" in wrong["message"]
    payments = setup["client"].list_bonus_payments(AssignmentId=run["assignment_1"])["BonusPayments"]
    assert sorted((p["BonusAmount"], p["Reason"]) for p in payments) == [
        ("0.50", "psiTurk: a performance bonus"), ("1.25", "psiTurk: a second bonus")]
    assert {p["WorkerId"] for p in payments} == {setup["workers"][0].worker_id}


def test_reject_then_unreject(run, setup):
    """psiTurk rejects with RequesterFeedback='' and un-rejects with ApproveAssignment(OverrideRejection)."""
    assert run["submit_2"]["status"] == 200
    assert ok(run, "reject") is True
    assert ok(run, "get_assignment_rejected")["status"] == "Rejected"
    unreject = ok(run, "unreject")             # unreject_assignment wraps approve_assignment's own response
    assert unreject == {"success": True, "data": True}
    assert ok(run, "get_assignment_unrejected")["status"] == "Approved"
    final = {a["assignmentId"]: a["status"] for a in ok(run, "assignments_final")}
    assert final == {run["assignment_1"]: "Approved", run["assignment_2"]: "Approved"}
    hit = ok(run, "get_hit_final")
    assert (hit["number_assignments_completed"], hit["number_assignments_available"]) == (2, 0)


def test_the_workers_were_paid(run, setup):
    w1, w2 = (w.worker_id for w in setup["workers"])
    assert run["earnings"][w1]["ApprovedRewards"] == "1.50" and run["earnings"][w1]["TotalEarnings"] == "3.25"
    assert run["earnings"][w2]["ApprovedRewards"] == "1.50" and run["earnings"][w2]["Bonuses"] == "0.00"


def test_expire_and_delete(run, setup):
    """expire_hit sets ExpireAt 30 days in the past; delete_hit then disposes of the HIT."""
    assert ok(run, "expire_hit") is True
    expired = ok(run, "get_hit_expired")
    assert expired["is_expired"] is True and expired["status"] == "Reviewable"
    assert ok(run, "delete_hit") is True
    assert run["hit_id"] not in {h["hitid"] for h in ok(run, "get_all_hits_after_delete")}
    unknown = failed(run, "get_hit_unknown")
    assert unknown["exception"] == "RequestError" and "does not exist" in unknown["message"]
