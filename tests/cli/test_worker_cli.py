"""`openturk worker …` and `openturk qualification …` as scripts run them, with boto3 against `serve`."""

from __future__ import annotations

import json
import uuid

import pytest

from .conftest import openturk

pytestmark = pytest.mark.slow


def run_json(*args):
    proc = openturk(*args)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def new_type(client) -> str:
    return client.create_qualification_type(Name="cli-" + uuid.uuid4().hex[:10], Description="d",
                                            QualificationTypeStatus="Active")["QualificationType"]["QualificationTypeId"]


def test_worker_create_prints_id_and_token_and_stores_only_a_hash(store, server):
    created = run_json("worker", "create", "--json", "--locale", "us-ny", *store.flags)
    assert set(created) == {"WorkerId", "Token"} and created["WorkerId"].startswith("A")
    chosen = run_json("worker", "create", "--json", "--worker-id", "AMYWORKER0001", *store.flags)
    assert chosen["WorkerId"] == "AMYWORKER0001" and chosen["Token"] != created["Token"]
    listing = run_json("worker", "list", "--json", *store.flags)
    by_id = {w["WorkerId"]: w for w in listing}
    assert by_id[created["WorkerId"]]["Locale"] == "US-NY" and by_id["AMYWORKER0001"]["HasToken"] is True
    plain = openturk("worker", "list", *store.flags)
    assert created["Token"] not in plain.stdout and created["Token"] not in json.dumps(listing)
    bad = openturk("worker", "create", "--worker-id", "nonsense", *store.flags)
    assert bad.returncode != 0 and "WorkerId" in bad.stderr and "does not exist" not in bad.stderr


def test_bulk_assign_is_idempotent_and_history_explains_the_score(store, server, tmp_path):
    client = server.client()
    type_id = new_type(client)
    workers = [f"ABULK{i:08d}" for i in range(1200)]
    plain = tmp_path / "workers.txt"
    plain.write_text("\n".join(workers) + "\n")
    first = run_json("qualification", "assign", type_id, "--value", "5", "--workers", str(plain), "--json",
                     *store.flags)
    assert first == {"Granted": 1200, "Regranted": 0, "ScoreChanged": 0, "Unchanged": 0, "Invalid": 0}
    again = run_json("qualification", "assign", type_id, "--value", "5", "--workers", str(plain), "--json",
                     *store.flags)
    assert again == {"Granted": 0, "Regranted": 0, "ScoreChanged": 0, "Unchanged": 1200, "Invalid": 0}
    holders = [q for page in client.get_paginator("list_workers_with_qualification_type").paginate(
        QualificationTypeId=type_id, PaginationConfig={"PageSize": 100}) for q in page["Qualifications"]]
    assert [q["WorkerId"] for q in holders] == workers and {q["IntegerValue"] for q in holders} == {5}

    # A CSV with a value column re-scores some, and a revoked worker is granted again.
    client.disassociate_qualification_from_worker(QualificationTypeId=type_id, WorkerId=workers[1], Reason="oops")
    csv_file = tmp_path / "scores.csv"
    csv_file.write_text(f"WorkerId,Value\n{workers[0]},40\n{workers[1]},7\nnot-a-worker,3\n{workers[2]},x\n")
    proc = openturk("qualification", "assign", type_id, "--workers", str(csv_file), "--json", *store.flags)
    assert proc.returncode == 3   # some lines were invalid
    assert json.loads(proc.stdout) == {"Granted": 0, "Regranted": 1, "ScoreChanged": 1, "Unchanged": 0, "Invalid": 2}
    assert "line 4" in proc.stderr and "line 5" in proc.stderr
    assert client.get_qualification_score(QualificationTypeId=type_id, WorkerId=workers[0])[
        "Qualification"]["IntegerValue"] == 40

    history = run_json("qualification", "history", type_id, workers[1], "--json", *store.flags)
    assert [h["Event"] for h in history] == ["Granted", "Revoked", "Regranted"]
    assert history[0]["Source"] == "openturk qualification assign" and history[1]["Reason"] == "oops"
    assert history[1]["Source"] == "DisassociateQualificationFromWorker" and history[2]["NewValue"] == 7
    text = openturk("qualification", "history", type_id, workers[0], *store.flags).stdout
    assert "ScoreChanged" in text and "5 -> 40" in text


def test_bulk_assign_refuses_types_that_are_not_assignable(store, server, tmp_path):
    file = tmp_path / "w.txt"
    file.write_text("AWORKER1\n")
    proc = openturk("qualification", "assign", "00000000000000000071", "--workers", str(file), *store.flags)
    assert proc.returncode == 1 and "not authorized" in proc.stderr
    proc = openturk("qualification", "assign", "NOSUCHTYPE", "--workers", str(file), *store.flags)
    assert proc.returncode == 1 and "does not exist" in proc.stderr


def test_worker_messages_show_the_inbox(store, server):
    client = server.client()
    type_id = new_type(client)
    client.associate_qualification_with_worker(QualificationTypeId=type_id, WorkerId="AINBOX0000001", IntegerValue=3)
    client.disassociate_qualification_from_worker(QualificationTypeId=type_id, WorkerId="AINBOX0000001",
                                                  Reason="left the study")
    messages = run_json("worker", "messages", "AINBOX0000001", "--json", *store.flags)
    assert [m["Subject"].split(":")[0] for m in messages] == ["You have been granted a Qualification",
                                                               "Your Qualification has been revoked"]
    assert "left the study" in messages[1]["Text"] and messages[0]["QualificationTypeId"] == type_id


def test_aws_cli_assigns_rescores_revokes_and_lists_holders(server, aws):
    type_id = aws("mturk", "create-qualification-type", "--name", "cli-" + uuid.uuid4().hex[:10],
                  "--description", "d", "--qualification-type-status", "Active")["QualificationType"]["QualificationTypeId"]
    workers = [f"AAWSCLI{i:06d}" for i in range(12)]
    for w in workers:
        aws("mturk", "associate-qualification-with-worker", "--qualification-type-id", type_id, "--worker-id", w,
            "--integer-value", "2", "--no-send-notification")
    aws("mturk", "associate-qualification-with-worker", "--qualification-type-id", type_id, "--worker-id",
        workers[0], "--integer-value", "9")
    score = aws("mturk", "get-qualification-score", "--qualification-type-id", type_id, "--worker-id", workers[0])
    assert score["Qualification"]["IntegerValue"] == 9 and score["Qualification"]["Status"] == "Granted"
    aws("mturk", "disassociate-qualification-from-worker", "--qualification-type-id", type_id, "--worker-id",
        workers[0], "--reason", "done")
    failed = aws("mturk", "get-qualification-score", "--qualification-type-id", type_id, "--worker-id", workers[0],
                 check=False)
    assert failed.returncode != 0 and "This operation can be called with a status of: Granted" in failed.stderr
    aws("mturk", "associate-qualification-with-worker", "--qualification-type-id", type_id, "--worker-id",
        workers[0], "--integer-value", "1")
    # The CLI follows NextToken itself; a page size of 5 makes it walk three pages.
    listed = aws("mturk", "list-workers-with-qualification-type", "--qualification-type-id", type_id,
                 "--page-size", "5")
    assert [q["WorkerId"] for q in listed["Qualifications"]] == workers
    assert [q["IntegerValue"] for q in listed["Qualifications"]] == [1] + [2] * 11
