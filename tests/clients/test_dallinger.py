"""A real client library, unmodified, against the server: Dallinger's `MTurkService` (PyPI dallinger
12.4.0) with only its `host` property overridden.

Dallinger lives in a virtualenv of its own (`scripts/client-venv dallinger`, created once and cached in
.venv-clients/), never in the project's .venv; tests/clients/dallinger_driver.py runs there as a
subprocess against the in-process server and prints what each Dallinger method returned or raised.
Runs on SQLite and, in the PostgreSQL pass of `make test`, on PostgreSQL.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import uuid
from pathlib import Path

import pytest

from openturk.store import worker_queries as wq

ROOT = Path(__file__).resolve().parents[2]
DRIVER = Path(__file__).with_name("dallinger_driver.py")
DALLINGER_VERSION = "12.4.0"
HOLDERS = 120          # Dallinger reads holders 100 at a time: two pages
DRIVER_TIMEOUT = 120   # the driver itself takes a few seconds

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def run(server, dallinger_python, tmp_path_factory) -> dict:
    """One run of the driver with a fresh requester; its JSON report plus what the test needs to know."""
    creds = server.new_requester("dallinger")
    prefix = "d" + uuid.uuid4().hex[:10]
    # No AWS_* or OPENTURK_* variables leak in: the driver sees only what is set here. Its working
    # directory is empty, so Dallinger finds no experiment there when it reports an error.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "OPENTURK_"))}
    env.update(OPENTURK_ENDPOINT=server.endpoint, OPENTURK_KEY=creds["AccessKeyId"],
               OPENTURK_SECRET=creds["SecretAccessKey"], OPENTURK_PREFIX=prefix,
               OPENTURK_HOLDERS=str(HOLDERS))
    proc = subprocess.run([dallinger_python, str(DRIVER)], capture_output=True, text=True, env=env,
                          cwd=tmp_path_factory.mktemp("dallinger"), timeout=DRIVER_TIMEOUT)
    assert proc.returncode == 0, f"the Dallinger driver failed:\n{proc.stderr}"
    report = json.loads(proc.stdout)
    report["prefix"] = prefix
    return report


def ok(run: dict, label: str):
    outcome = run["calls"][label]
    assert "ok" in outcome, f"{label}: {outcome}"
    return outcome["ok"]


def raised(run: dict, label: str) -> dict:
    outcome = run["calls"][label]
    assert "raised" in outcome, f"{label} returned {outcome.get('ok')!r} instead of raising"
    return outcome


def worker(run: dict, n: int) -> str:
    return f"A{run['prefix'].upper()}W{n:04d}"


def history(server, type_id: str, worker_id: str) -> list[str]:
    with server.service.db.transaction(write=False) as tx:
        return [row["event"] for row in wq.qualification_history(tx, type_id, worker_id)]


def test_it_is_the_real_dallinger_from_its_own_virtualenv(run):
    assert run["dallinger_version"] == DALLINGER_VERSION
    assert Path(run["dallinger_file"]).is_relative_to(ROOT / ".venv-clients" / "dallinger")
    assert importlib.util.find_spec("dallinger") is None, "Dallinger must not be in the project's virtualenv"


def test_no_call_failed_in_a_way_dallinger_does_not_expect(run):
    """Every exception that reached the driver is one of Dallinger's own (mapped from the server's
    error text); a raw botocore error would mean the server answered something Dallinger cannot read."""
    unexpected = {label: outcome for label, outcome in run["calls"].items()
                  if "raised" in outcome and outcome["module"] != "dallinger.mturk"}
    assert unexpected == {}


def test_check_credentials_and_balance(run):
    """check_credentials is Dallinger's "is the connection OK" call: a GetAccountBalance."""
    assert ok(run, "check_credentials") is True
    assert isinstance(ok(run, "account_balance"), float)
    bad = raised(run, "check_credentials_bad_secret")
    assert (bad["raised"], bad["message"]) == ("MTurkServiceException", "Invalid AWS credentials!")
    assert run["calls_sent"]["GetAccountBalance"] >= 2


def test_create_qualification_type_and_duplicate_name(run):
    created = ok(run, "create")
    assert created["name"] == f"{run['prefix']}-Color"
    assert created["status"] == "Active" and created["description"] == "Dallinger conformance: colour skill"
    assert created["id"] and created["created"]
    duplicate = raised(run, "create_duplicate")
    assert duplicate["raised"] == "DuplicateQualificationNameError"


def test_get_qualification_type_by_name(run):
    """Dallinger searches with Query=name.upper(), then picks the exact (case-insensitive) name among
    several matches, and gives up after max_wait_secs when nothing matches."""
    qid = ok(run, "create")["id"]
    assert ok(run, "by_name_exact")["id"] == qid
    assert ok(run, "by_name_lower_case")["id"] == qid            # "…-Color" and "…-Color-Extra" both match
    not_unique = raised(run, "by_name_prefix_not_unique")
    assert not_unique["raised"] == "MTurkServiceException"
    assert "was not a unique name" in not_unique["message"]
    assert ok(run, "by_name_no_match") is None


def test_assign_rescore_and_increment(run):
    assert ok(run, "assign_w1_5") is True
    assert ok(run, "score_w1_after_assign") == 5
    assert ok(run, "assign_w1_7") is True
    assert ok(run, "score_w1_after_rescore") == 7
    assert ok(run, "increment_w1")["score"] == 8
    assert ok(run, "score_w1_after_increment") == 8


def test_named_qualification_calls(run):
    qid = ok(run, "create")["id"]
    assert ok(run, "assign_named_w2_3") is True
    named = ok(run, "named_score_w2")
    assert (named["qtype"]["id"], named["score"]) == (qid, 3)
    assert ok(run, "increment_named_w2")["score"] == 4
    assert ok(run, "score_w2_after_named_increment") == 4


def test_never_granted_is_worker_lacks_qualification(run):
    assert raised(run, "score_never_granted")["raised"] == "WorkerLacksQualification"
    assert ok(run, "named_score_never_granted")["score"] is None
    # increment treats "lacks it" as 0 and grants 1
    assert ok(run, "increment_never_granted")["score"] == 1
    assert ok(run, "score_w3_after_increment") == 1
    assert ok(run, "increment_named_never_granted")["score"] == 1
    assert ok(run, "score_w4_after_named_increment") == 1


def test_revoke_read_revoked_and_grant_again(server, run):
    assert ok(run, "revoke_w1") is True
    assert raised(run, "score_w1_revoked")["raised"] == "RevokedQualification"
    assert ok(run, "named_score_w1_revoked")["score"] is None
    assert ok(run, "regrant_w1_9") is True
    assert ok(run, "score_w1_regranted") == 9
    # increment treats "revoked" as 0: the qualification is granted again with 1
    assert ok(run, "revoke_w2") is True
    assert ok(run, "increment_revoked_w2")["score"] == 1
    assert ok(run, "score_w2_after_increment_revoked") == 1
    # What the server recorded for w1, in order.
    ids = run["ids"]
    assert history(server, ids["type"], ids["w1"]) == ["Granted", "ScoreChanged", "ScoreChanged",
                                                        "Revoked", "Regranted"]


def test_get_workers_with_qualification_reads_every_page(run):
    revoked = set(run["crowd_revoked"])
    assert len(revoked) == 3
    everyone = {worker(run, 1000 + n): n for n in range(HOLDERS)}
    expected = {w: score for w, score in everyone.items() if w not in revoked}
    holders = ok(run, "holders")
    assert len(holders) == len(expected) == HOLDERS - 3          # Status="Granted": revoked ones left out
    assert {h["id"]: h["score"] for h in holders} == expected
    assert run["holders_requests"] == 3               # 100, 17 (with a NextToken, as on MTurk), then the empty page


def test_dispose_qualification_type(run):
    assert ok(run, "dispose_longer_name") is True
    assert ok(run, "dispose") is True
    assert ok(run, "by_name_after_dispose") is None             # a disposed type is no longer listed
    assert ok(run, "dispose_crowd") is True
