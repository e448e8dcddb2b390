"""A real legacy client, unmodified, against the legacy REST/XML API: boto 2.49.0's `boto.mturk` (PyPI), the
last boto 2, whose MTurkConnection speaks API version 2014-08-15 and signs with SignatureVersion 1.

boto 2 lives in a virtualenv of its own (`scripts/client-venv boto2`, created once and cached in
.venv-clients/), never in the project's .venv; tests/clients/boto2_driver.py runs there as a subprocess
against the in-process server and prints what each boto call returned or raised. The only patch is
`boto.mturk.connection.basestring = str` (its Python 3 bug). Scripted workers use the worker API (the worker
pages do not exist yet). Runs on SQLite and, in the PostgreSQL pass of `make test`, on PostgreSQL.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DRIVER = Path(__file__).with_name("boto2_driver.py")
BOTO_VERSION = "2.49.0"
VENV_TIMEOUT = 600     # the first run installs boto (a few seconds)
DRIVER_TIMEOUT = 120

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def boto2_python() -> str:
    proc = subprocess.run([str(ROOT / "scripts" / "client-venv"), "boto2"], capture_output=True, text=True,
                          timeout=VENV_TIMEOUT, env={**os.environ, "PYTHON": sys.executable})
    assert proc.returncode == 0, f"scripts/client-venv boto2 failed:\n{proc.stderr}"
    return proc.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def setup(server) -> dict:
    """A requester, workers with worker-API tokens, and a type and a score made with boto3 (the 2017 API)."""
    creds = server.new_requester("boto2")
    workers = {name: server.create_worker() for name in ("w1", "w2", "w3", "w4", "w5")}
    client = server.client(creds)
    boto3_type = client.create_qualification_type(
        Name="made-with-boto3-" + uuid.uuid4().hex[:8], Description="2017 API", QualificationTypeStatus="Active",
        Keywords="boto3")["QualificationType"]["QualificationTypeId"]
    client.associate_qualification_with_worker(QualificationTypeId=boto3_type, WorkerId=workers["w5"].worker_id,
                                               IntegerValue=3, SendNotification=False)
    return {"creds": creds, "workers": workers, "client": client, "boto3_type": boto3_type}


@pytest.fixture(scope="module")
def run(server, setup, boto2_python, tmp_path_factory) -> dict:
    prefix = "b" + uuid.uuid4().hex[:10]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "OPENTURK_", "BOTO"))}
    env.update(BOTO_CONFIG=os.devnull, BOTO_PATH=os.devnull,   # no ~/.boto can change where boto connects
               OPENTURK_ENDPOINT=server.endpoint, OPENTURK_KEY=setup["creds"]["AccessKeyId"],
               OPENTURK_SECRET=setup["creds"]["SecretAccessKey"], OPENTURK_PREFIX=prefix,
               OPENTURK_WORKERS=json.dumps({n: {"id": w.worker_id, "token": w.token}
                                            for n, w in setup["workers"].items()}),
               OPENTURK_BOTO3_TYPE=setup["boto3_type"], OPENTURK_BOTO3_WORKER=setup["workers"]["w5"].worker_id)
    proc = subprocess.run([boto2_python, str(DRIVER)], capture_output=True, text=True, env=env,
                          cwd=tmp_path_factory.mktemp("boto2"), timeout=DRIVER_TIMEOUT)
    assert proc.returncode == 0, f"the boto 2 driver failed:\n{proc.stderr}"
    report = json.loads(proc.stdout)
    report["prefix"] = prefix
    return report


def ok(run: dict, label: str):
    outcome = run["calls"][label]
    assert "ok" in outcome, f"{label}: {outcome}"
    return outcome["ok"]


def item(run: dict, label: str) -> dict:
    [first] = ok(run, label)["items"]
    return first


def raised(run: dict, label: str, code: str) -> dict:
    outcome = run["calls"][label]
    assert outcome.get("raised") == "MTurkRequestError", f"{label}: {outcome}"
    assert (outcome["status"], outcome["code"]) == (200, code), outcome
    return outcome


def test_it_is_the_real_boto2_from_its_own_virtualenv(run):
    assert run["boto_version"] == BOTO_VERSION
    assert Path(run["boto_file"]).is_relative_to(ROOT / ".venv-clients" / "boto2")
    assert importlib.util.find_spec("boto") is None, "boto 2 must not be in the project's virtualenv"


def test_no_call_failed_outside_the_protocol(run):
    """Every failure boto saw is an MTurkRequestError it parsed from the server's XML (or a worker API error
    the scenario provoked): nothing crashed inside boto."""
    crashed = {label: o for label, o in run["calls"].items() if o.get("raised") not in (None, "MTurkRequestError")
               and not isinstance(o.get("raised"), int)}
    assert crashed == {}


def test_connection_balance_and_credentials(run):
    [balance] = ok(run, "balance")["items"]
    assert balance["amount"] == 10000.0 and balance["formatted_price"] == "$10,000.00"
    raised(run, "unknown_key", "AWS.NotAuthorized")
    wrong = raised(run, "wrong_secret", "AWS.BadClaimsSupplied")
    assert wrong["message"].startswith("The specified claims are invalid.")


def test_create_with_test_and_answer_key(run):
    created = item(run, "create")
    assert created["IsValid"] == "True"
    assert created["Name"] == f"{run['prefix']}-Colours" and created["Keywords"] == "colour, test"
    assert created["QualificationTypeStatus"] == "Active" and created["RetryDelayInSeconds"] == "60"
    assert created["TestDurationInSeconds"] == "600" and created["AutoGranted"] == "0"
    assert "Which colour is grass?" in created["Test"] and "<AnswerScore>10</AnswerScore>" in created["AnswerKey"]
    assert created["CreationTime"].endswith("Z") and len(created["CreationTime"]) == 20
    assert item(run, "get")["QualificationTypeId"] == created["QualificationTypeId"]
    duplicate = raised(run, "create_duplicate", "AWS.MechanicalTurk.QualificationTypeAlreadyExists")
    assert duplicate["message"].startswith("You have already created a QualificationType with this name.")


def test_the_answer_key_grades_a_worker(run):
    assert ok(run, "w2_submit")["Status"] == "Granted"
    assert item(run, "score_w2")["IntegerValue"] == "10"


def test_update_follows_the_2006_rules(run):
    """"If you are updating the test for a type, you must specify both of the Test and TestDurationInSeconds
    parameters. The AnswerKey parameter is optional; omitting it specifies that the updated test does not have
    an answer key." "If you are updating the AnswerKey [or the TestDurationInSeconds], you must provide the
    Test parameter, even if the test has not changed." """
    raised(run, "update_duration_without_test", "AWS.MechanicalTurk.InvalidParameterValue")
    raised(run, "update_answer_key_without_test", "AWS.MechanicalTurk.InvalidParameterValue")
    raised(run, "update_test_without_duration", "AWS.MissingParameters")
    # "If omitted, the Qualification type's test is unchanged."
    kept = item(run, "get_after_description")
    assert kept["Description"] == "Pick the colour of grass" and "Which colour is grass?" in kept["Test"]
    assert "AnswerKey" in kept and kept["TestDurationInSeconds"] == "600"
    replaced = item(run, "get_after_new_test")
    assert "Which colour is the sky?" in replaced["Test"] and replaced["TestDurationInSeconds"] == "900"
    assert "AnswerKey" not in replaced
    raised(run, "update_auto_granted_with_test", "AWS.MechanicalTurk.InvalidParameterValue")
    assert item(run, "update_inactive")["QualificationTypeStatus"] == "Inactive"
    active = item(run, "update_active")
    assert active["QualificationTypeStatus"] == "Active" and active["RetryDelayInSeconds"] == "120"


def test_get_requests_and_grant(run, setup):
    """Without an answer key the submitted test waits for the owner; boto re-parses the Answer."""
    assert ok(run, "w1_submit")["Status"] == "Pending"
    listing = ok(run, "requests")
    assert (listing["NumResults"], listing["TotalNumResults"], listing["PageNumber"]) == ("1", "1", "1")
    [request] = listing["items"]
    assert request["SubjectId"] == setup["workers"]["w1"].worker_id
    assert "Which colour is the sky?" in request["Test"] and request["SubmitTime"].endswith("Z")
    assert request["answers"] == [[{"qid": "colour", "fields": ["blue"]}]]
    # QualificationTypeId=None (boto 2 stringifies the missing argument): all of the caller's types
    assert [r["QualificationRequestId"] for r in ok(run, "requests_all_types")["items"]] == [
        request["QualificationRequestId"]]
    assert ok(run, "grant")["status"] is True
    raised(run, "grant_again", "AWS.MechanicalTurk.InvalidQualificationRequestState")
    assert ok(run, "requests_after_grant")["items"] == []
    assert item(run, "score_w1")["IntegerValue"] == "42"


def test_assign_update_score_and_revoke(run, setup):
    w3 = setup["workers"]["w3"].worker_id
    assert ok(run, "assign_w3")["status"] is True
    # Unlike AssociateQualificationWithWorker, assigning again is an error: UpdateQualificationScore changes values.
    raised(run, "assign_w3_again", "AWS.MechanicalTurk.QualificationAlreadyExists")
    assert item(run, "score_w3_after_assign")["IntegerValue"] == "5"
    assert ok(run, "update_score_w3")["status"] is True
    score = item(run, "score_w3_after_update")
    assert (score["SubjectId"], score["IntegerValue"], score["Status"]) == (w3, "8", "Granted")
    raised(run, "update_score_never_granted", "AWS.MechanicalTurk.QualificationDoesNotExist")
    holders = ok(run, "holders")
    assert holders["TotalNumResults"] == "3" and {h["SubjectId"] for h in holders["items"]} == {
        setup["workers"][w].worker_id for w in ("w1", "w2", "w3")}
    assert ok(run, "revoke_w3")["status"] is True
    revoked = raised(run, "score_w3_revoked", "AWS.MechanicalTurk.InvalidQualificationState")
    assert "This operation can be called with a status of: Granted" in revoked["message"]
    raised(run, "update_score_w3_revoked", "AWS.MechanicalTurk.InvalidQualificationState")
    assert ok(run, "holders_after_revoke")["TotalNumResults"] == "2"
    assert ok(run, "assign_w3_after_revoke")["status"] is True
    assert item(run, "score_w3_regranted")["IntegerValue"] == "2"


def test_search_pages_by_number_sorted_by_name(run):
    prefix = run["prefix"]
    first, second = ok(run, "search_page_1"), ok(run, "search_page_2")
    assert (first["NumResults"], first["TotalNumResults"], first["PageNumber"]) == ("2", "3", "1")
    assert (second["NumResults"], second["TotalNumResults"], second["PageNumber"]) == ("1", "3", "2")
    assert [t["Name"] for t in first["items"] + second["items"]] == [f"{prefix}-Search-{c}" for c in "ABC"]
    assert [t["Name"] for t in ok(run, "search_descending")["items"]] == [f"{prefix}-Search-{c}" for c in "CBA"]
    raised(run, "search_page_size_101", "AWS.ParameterOutOfRange")


def test_block_and_unblock(run):
    assert ok(run, "block_w4")["status"] is True and ok(run, "unblock_w4")["status"] is True


def test_dispose(run):
    assert ok(run, "dispose")["status"] is True
    again = raised(run, "dispose_again", "AWS.MechanicalTurk.InvalidQualificationTypeState")
    assert again["message"].startswith("This operation can be called with a status of: Active,Inactive (")
    raised(run, "get_disposed", "AWS.MechanicalTurk.QualificationTypeDoesNotExist")


def test_what_boto2_made_is_visible_to_boto3_and_to_workers(run, setup):
    """The same types and scores through the 2017 API and the worker API."""
    client, prefix = setup["client"], run["prefix"]
    search_type = item(run, "create_A")["QualificationTypeId"]
    seen = client.get_qualification_type(QualificationTypeId=search_type)["QualificationType"]
    assert (seen["Name"], seen["Description"]) == (f"{prefix}-Search-A", "searchable")
    listed = client.list_qualification_types(Query=f"{prefix}-Search", MustBeRequestable=True,
                                             MustBeOwnedByCaller=True)["QualificationTypes"]
    assert sorted(t["Name"] for t in listed) == [f"{prefix}-Search-{c}" for c in "ABC"]
    type_id = run["ids"]["type"]
    w3 = setup["workers"]["w3"]
    assert client.get_qualification_score(QualificationTypeId=type_id, WorkerId=w3.worker_id)[
        "Qualification"]["IntegerValue"] == 2
    assert {(q["QualificationTypeId"], q["IntegerValue"], q["Status"]) for q in w3.qualifications()} == {
        (type_id, 2, "Granted")}
    offered = setup["workers"]["w4"].list_types(query=f"{prefix}-Search", max_results=100)["QualificationTypes"]
    assert sorted(t["Name"] for t in offered) == [f"{prefix}-Search-{c}" for c in "ABC"]


def test_what_boto3_made_is_visible_to_boto2(run, setup):
    boto3_type = item(run, "get_boto3_type")
    assert boto3_type["QualificationTypeId"] == setup["boto3_type"] and boto3_type["Keywords"] == "boto3"
    score = item(run, "score_boto3_worker")
    assert (score["SubjectId"], score["IntegerValue"]) == (setup["workers"]["w5"].worker_id, "3")


def test_readme_boto2_example_runs(server, boto2_python, tmp_path):
    """The README's boto 2 example, as written (only the port changed), in the boto 2 virtualenv."""
    readme = (ROOT / "README.md").read_text()
    code = re.search(r"## Use it from boto 2.*?```python\n(.*?)```", readme, re.S).group(1)
    creds = server.new_requester("readme")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "OPENTURK_", "BOTO"))}
    env.update(BOTO_CONFIG=os.devnull, BOTO_PATH=os.devnull, AWS_ACCESS_KEY_ID=creds["AccessKeyId"],
               AWS_SECRET_ACCESS_KEY=creds["SecretAccessKey"], PYTHONWARNINGS="ignore")
    proc = subprocess.run([boto2_python, "-c", code.replace("port=8080", f"port={server.port}")], capture_output=True,
                          text=True, env=env, cwd=tmp_path, timeout=DRIVER_TIMEOUT)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == ["[$10,000.00]", "80"]
