"""`openturk hit eligibility` and the worker attributes that the system requirements read, as scripts run them."""

from __future__ import annotations

import json

import pytest

from ..api.hit_helpers import create_hit
from .conftest import openturk

pytestmark = pytest.mark.slow

ADULT = "00000000000000000060"
LOCALE = "00000000000000000071"
MASTERS_SANDBOX = "2ARFPLSP75KLA8M8DH1HTEQVJT3SY6"


def run_json(*args):
    proc = openturk(*args)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_eligibility_follows_the_workers_adult_locale_and_masters(store, server, tmp_path):
    client = server.client()
    hit = create_hit(client, QualificationRequirements=[
        {"QualificationTypeId": ADULT, "Comparator": "EqualTo", "IntegerValues": [1]},
        {"QualificationTypeId": LOCALE, "Comparator": "In", "LocaleValues": [{"Country": "US"}, {"Country": "CA"}],
         "ActionsGuarded": "PreviewAndAccept"},
        {"QualificationTypeId": MASTERS_SANDBOX, "Comparator": "Exists", "ActionsGuarded": "DiscoverPreviewAndAccept"}])
    worker = run_json("worker", "create", "--json", "--locale", "DE", *store.flags)["WorkerId"]

    decision = run_json("hit", "eligibility", hit["HITId"], worker, "--json", *store.flags)
    assert (decision["HITId"], decision["WorkerId"], decision["HITStatus"]) == (hit["HITId"], worker, "Assignable")
    assert (decision["Discover"], decision["Preview"], decision["Accept"]) == (False, False, False)
    assert [r["Requirement"] for r in decision["Refusals"]] == [1, 2, 3]
    assert decision["Refusals"][1]["QualificationRequirement"]["QualificationTypeId"] == LOCALE

    updated = run_json("worker", "update", worker, "--adult", "yes", "--locale", "US-NY", "--json", *store.flags)
    assert updated == {"WorkerId": worker, "Locale": "US-NY", "Adult": True}
    masters = tmp_path / "masters.txt"
    masters.write_text(worker + "\n")
    granted = openturk("qualification", "assign", MASTERS_SANDBOX, "--workers", str(masters), *store.flags)
    assert granted.returncode == 0 and "1 granted" in granted.stdout, granted.stderr
    decision = run_json("hit", "eligibility", hit["HITId"], worker, "--json", *store.flags)
    assert (decision["Discover"], decision["Preview"], decision["Accept"], decision["Refusals"]) == \
        (True, True, True, [])

    run_json("worker", "update", worker, "--adult", "unset", "--json", *store.flags)
    text = openturk("hit", "eligibility", hit["HITId"], worker, *store.flags)
    assert text.returncode == 0, text.stderr
    assert "Accept:" in text.stdout and "no" in text.stdout and "requirement 1:" in text.stdout
    listing = {w["WorkerId"]: w for w in run_json("worker", "list", "--json", *store.flags)}
    assert listing[worker]["Adult"] is None and listing[worker]["Locale"] == "US-NY"


def test_eligibility_of_a_missing_hit_or_worker_is_a_clear_error(store, server):
    missing = openturk("hit", "eligibility", "NOSUCHHIT0000000000000000000000", "ANYWORKER", *store.flags)
    assert missing.returncode == 1 and "does not exist" in missing.stderr and "Traceback" not in missing.stderr
    bad = openturk("worker", "update", "AUNKNOWNWORKER9", "--adult", "yes", *store.flags)
    assert bad.returncode == 1 and "AUNKNOWNWORKER9" in bad.stderr and "Traceback" not in bad.stderr
