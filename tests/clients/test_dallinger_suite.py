"""Dallinger's own MTurk test suite, unmodified, against the server: tests/test_mturk.py of the dallinger
12.4.0 sdist (fetched and checked by `scripts/client-venv dallinger` into .venv-clients/dallinger/suite/),
run by pytest inside the Dallinger virtualenv, as Dallinger's maintainers run it against MTurk's sandbox
(`--mturkfull --runslow`), with tests/clients/dallinger_suite_plugin.py in place of Dallinger's conftest
(credentials, endpoint, and no waiting for MTurk's index lag — see the plugin).

Three classes talk to MTurk: TestMTurkServiceIntegrationSmokeTest (the HIT lifecycle),
TestMTurkService (balance, credentials, HITs, qualification types) and
TestMTurkServiceWithRequesterAndWorker (scores of a real worker). The rest of the file is out of
scope here: TestMTurkServiceWithFakeConnection replaces the connection with a mock (it never reaches a
server), TestSNSService* need SNS (the notifications issue), TestInteractive a person at a browser.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PLUGIN_DIR = Path(__file__).parent
CLASSES = ("TestMTurkServiceIntegrationSmokeTest", "TestMTurkService", "TestMTurkServiceWithRequesterAndWorker")
SUITE_TIMEOUT = 300    # ~10 s when nothing waits

# What the issue names: every HIT test of the suite.
HIT_TESTS = {
    "TestMTurkServiceIntegrationSmokeTest::test_create_hit_lifecycle",
    "TestMTurkService::test_create_hit_with_annotation_and_qualification",
    "TestMTurkService::test_create_hit_two_assignments",
    "TestMTurkService::test_create_compensation_hit",
    "TestMTurkService::test_extend_hit_with_valid_hit_id",
    "TestMTurkService::test_extend_hit_with_invalid_hit_id_raises",
    "TestMTurkService::test_disable_hit_with_valid_hit_ids",
    "TestMTurkService::test_disable_hit_with_invalid_hit_id_raises",
    "TestMTurkService::test_get_hit_with_valid_hit_id",
    "TestMTurkService::test_get_hits_returns_all_by_default",
    "TestMTurkService::test_get_hits_excludes_based_on_filter",
}

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def suite(server, dallinger_python, tmp_path_factory) -> dict:
    """One run of the three classes with a fresh requester (balance 10,000.00, as the suite expects of
    its sandbox account) and a fresh worker; {"Class::test": outcome} plus pytest's output."""
    source = Path(dallinger_python).parents[1] / "suite" / "test_mturk.py"
    assert source.is_file(), f"{source} is missing: scripts/client-venv dallinger fetches it"
    work = tmp_path_factory.mktemp("dallinger-suite")
    shutil.copy(source, work / "test_mturk.py")
    (work / "pytest.ini").write_text("[pytest]\n")       # rootdir here: none of openturk's settings apply
    creds = server.new_requester("dallinger suite", balance="10000.00")
    worker = server.create_worker("A" + uuid.uuid4().hex[:12].upper())
    # Nothing of this process's environment that could change the run: no AWS_*/OPENTURK_*, and no CI
    # (the suite reruns flaky tests and expects one failure under CI).
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "OPENTURK_", "PYTEST_")) and k != "CI"}
    env.update(OPENTURK_ENDPOINT=server.endpoint, OPENTURK_KEY=creds["AccessKeyId"],
               OPENTURK_SECRET=creds["SecretAccessKey"], mturk_worker_id=worker.worker_id,
               PYTHONPATH=str(PLUGIN_DIR), PYTHONDONTWRITEBYTECODE="1",
               # Dallinger installs its pytest_dallinger plugin (experiments, Selenium…) as an entry point;
               # Dallinger's conftest loads it, this run does not: only the plugin named below.
               PYTEST_DISABLE_PLUGIN_AUTOLOAD="1")
    report = work / "report.xml"
    proc = subprocess.run(
        [dallinger_python, "-m", "pytest", "-p", "dallinger_suite_plugin", "-p", "no:cacheprovider",
         "--mturkfull", "--runslow", "-q", "-rA", f"--junitxml={report}",
         *[f"test_mturk.py::{name}" for name in CLASSES]],
        cwd=work, env=env, capture_output=True, text=True, timeout=SUITE_TIMEOUT)
    assert report.is_file(), f"pytest wrote no report (exit {proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
    outcomes = {}
    for case in ET.parse(report).iter("testcase"):
        name = f"{case.get('classname').rsplit('.', 1)[-1]}::{case.get('name')}"
        kinds = [child.tag for child in case if child.tag in ("failure", "error", "skipped")]
        outcomes[name] = kinds[0] if kinds else "passed"
    return {"outcomes": outcomes, "output": proc.stdout + proc.stderr, "returncode": proc.returncode,
            "requester": creds, "worker": worker.worker_id}


def failed(suite: dict) -> dict:
    return {name: outcome for name, outcome in suite["outcomes"].items() if outcome != "passed"}


def test_every_hit_test_of_dallingers_suite_passes(suite):
    assert HIT_TESTS <= suite["outcomes"].keys(), sorted(HIT_TESTS - suite["outcomes"].keys())
    assert {name: suite["outcomes"][name] for name in HIT_TESTS if suite["outcomes"][name] != "passed"} == {}, \
        suite["output"][-8000:]


def test_the_whole_of_the_three_classes_passes(suite):
    """All 34 tests of the three classes: none failed, none skipped (a skip would mean a fixture or an
    option was missing, not that the server passed)."""
    assert len(suite["outcomes"]) == 34, sorted(suite["outcomes"])
    assert failed(suite) == {}, suite["output"][-8000:]
    assert suite["returncode"] == 0


def test_the_suite_really_reached_the_server(suite, server):
    """The run used this server and this requester: the HITs it created are theirs, with the suite's
    session description; its smoke test's HIT was extended to 3 assignments and deleted."""
    client = server.client(suite["requester"])
    hits = client.list_hits(MaxResults=100)["HITs"]
    assert hits, "the suite's requester has no HITs: the suite did not reach this server"
    assert all(hit["Description"].startswith("***TEST SUITE HIT***:") for hit in hits)
    assert all(hit["Title"] in ("Test Title", "HIT Two", "Compensation Immediate") for hit in hits)
    # Deleted HITs are omitted from ListHITs; the smoke test's HIT (MaxAssignments 3) was deleted.
    assert not any(hit["MaxAssignments"] == 3 for hit in hits)
