"""Notifications survive crashes: under a burst of CreateHITWithHITType (each a HITCreated event) and of
accepts (AssignmentAccepted), `openturk serve --workers 2` is killed with SIGKILL (the whole process group)
and restarted, on SQLite and PostgreSQL, with moto's server as SQS. Afterwards every event of every
acknowledged change arrives, an event never arrives under two EventDocIds, no event arrives for a change
that was not made, and the outbox empties."""

from __future__ import annotations

import json
import random
import threading
import time
import uuid

import boto3
import pytest
from sqlalchemy import select

from openturk.store import invariants
from openturk.store.tables import assignments, hits, notification_outbox

from .load import ACK, Requester, ServeProcess, Stats, Worker, add_requesters, add_workers, open_database

pytestmark = pytest.mark.slow

EXTERNAL = ('<ExternalQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2006-07-14/'
            'ExternalQuestion.xsd"><ExternalURL>https://example.org/task</ExternalURL><FrameHeight>400</FrameHeight>'
            '</ExternalQuestion>')
KILLS, BURST_SECONDS = 3, 1.5
MOTO_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


def test_every_acknowledged_event_arrives_once_per_event_doc_id(store, tmp_path, moto_endpoint):
    rng = random.Random(7)
    sqs = boto3.client("sqs", endpoint_url=moto_endpoint, region_name="us-east-1")
    queue = sqs.create_queue(QueueName="crash" + uuid.uuid4().hex[:10])["QueueUrl"]
    serve = ServeProcess(store, tmp_path, workers=2, args=("--sqs-endpoint-url", moto_endpoint),
                         env=MOTO_CREDENTIALS)
    serve.start()
    [creds] = add_requesters(store.url, 1, "notified")
    workers = add_workers(store.url, 40)
    stats = Stats()
    requester = Requester(serve.endpoint, creds, stats)
    type_id = requester("create_hit_type", Title="crash", Description="d", Reward="0.01",
                        AssignmentDurationInSeconds=600).body["HITTypeId"]
    assert requester("update_notification_settings", HITTypeId=type_id, Notification={
        "Destination": queue, "Transport": "SQS", "Version": "2006-05-05",
        "EventTypes": ["HITCreated", "AssignmentAccepted"]}).kind == ACK
    acknowledged: set[tuple[str, str]] = set()       # (EventType, HITId or AssignmentId) of acknowledged changes
    created: list[str] = []
    try:
        for kill in range(KILLS + 1):
            stop = time.monotonic() + BURST_SECONDS

            def burst() -> None:
                while time.monotonic() < stop:
                    outcome = requester("create_hit_with_hit_type", HITTypeId=type_id, LifetimeInSeconds=3600,
                                        MaxAssignments=40, Question=EXTERNAL)
                    if outcome.kind == ACK:
                        hit_id = outcome.body["HIT"]["HITId"]
                        acknowledged.add(("HITCreated", hit_id))
                        created.append(hit_id)

            def accepts() -> None:
                while time.monotonic() < stop:
                    if not created:
                        time.sleep(0.01)
                        continue
                    worker_id, token = rng.choice(workers)
                    worker = Worker(serve.endpoint, worker_id, token, stats)
                    outcome = worker("POST", f"/hits/{rng.choice(created)}/assignments", "worker:accept", json={})
                    worker.close()
                    if outcome.kind == ACK:
                        acknowledged.add(("AssignmentAccepted", outcome.body["Assignment"]["AssignmentId"]))

            threads = [threading.Thread(target=burst), threading.Thread(target=accepts)]
            for t in threads:
                t.start()
            if kill < KILLS:
                time.sleep(rng.uniform(0.3, BURST_SECONDS - 0.2))
                serve.kill("group", rng)
                serve.wait_gone()
            for t in threads:
                t.join()
            if kill < KILLS:
                serve.start()
        # The restarted sender delivers what the killed ones left: the outbox empties.
        database = open_database(store.url)
        try:
            deadline = time.monotonic() + 90
            while True:
                with database.engine.connect() as conn:
                    pending = conn.execute(select(notification_outbox.c.event_doc_id)
                                           .where(notification_outbox.c.status == "Pending")).all()
                if not pending or time.monotonic() > deadline:
                    break
                time.sleep(0.2)
            assert pending == []
            with database.engine.connect() as conn:
                made = {("HITCreated", h) for (h,) in conn.execute(select(hits.c.hit_id).where(
                    hits.c.hit_type_id == type_id))}
                made |= {("AssignmentAccepted", a) for (a,) in conn.execute(select(assignments.c.assignment_id))}
                recorded = conn.execute(select(notification_outbox.c.event_doc_id)).all()
            assert invariants.check(database) == []
        finally:
            database.dispose()
    finally:
        serve.stop()

    # Receive until every made change's event is in, or nothing has come for 30 s (moto's server is slow on a
    # loaded CI machine: the deadline follows progress), then drain what is left, which would be duplicates or
    # events of changes never made.
    doc_ids: dict[tuple[str, str], set[str]] = {}
    quiet_until = time.monotonic() + 30
    while time.monotonic() < quiet_until and not set(doc_ids) >= made:
        if receive_batch(sqs, queue, doc_ids):
            quiet_until = time.monotonic() + 30
    while receive_batch(sqs, queue, doc_ids):
        pass
    assert stats.bodiless == [], "answered 2xx without a body"
    assert acknowledged <= made, "an acknowledged change is missing from the database"
    assert acknowledged, "the burst made no change"
    assert set(doc_ids) == made, (f"missing: {sorted(made - set(doc_ids))[:5]}, "
                                  f"for changes never made: {sorted(set(doc_ids) - made)[:5]}")
    assert all(len(ids) == 1 for ids in doc_ids.values()), "an event arrived under two EventDocIds"
    assert len(recorded) == len(made)                 # one outbox row per change


def receive_batch(sqs, queue: str, doc_ids: dict[tuple[str, str], set[str]]) -> int:
    """Receives and deletes up to 10 messages, recording each event's EventDocIds; returns how many came."""
    messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
    for message in messages:
        doc = json.loads(message["Body"])
        event = doc["Events"][0]
        key = (event["EventType"], event.get("AssignmentId") or event["HITId"])
        doc_ids.setdefault(key, set()).add(doc["EventDocId"])
    if messages:
        sqs.delete_message_batch(QueueUrl=queue, Entries=[
            {"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(messages)])
    return len(messages)
