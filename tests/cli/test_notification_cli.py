"""Notifications as an operator sees them: `openturk serve --sqs-endpoint-url` (moto's server), an event that
waits for a queue that does not exist yet (`openturk notifications list --pending`, /metrics), then arrives;
Transport Email in `openturk requester messages`."""

from __future__ import annotations

import json
import re
import time
import uuid

import boto3
import httpx
import pytest

from ..api.hit_helpers import external_question
from ..conftest import MOTO_CREDENTIALS
from .conftest import openturk
from .test_cli import requester_create

pytestmark = pytest.mark.slow
WAIT = 30.0


def run_json(*args):
    proc = openturk(*args)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def metric(endpoint: str, state: str) -> float:
    text = httpx.get(endpoint + "/metrics", timeout=5).text
    found = re.search(rf'^openturk_notifications\{{state="{state}"\}} (\S+)$', text, re.M)
    assert found, text
    return float(found.group(1))


def wait_for(check, what: str):
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"{what}: not within {WAIT}s")


def test_a_waiting_event_is_listed_counted_and_then_delivered(store, serve, moto_endpoint):
    env = dict(MOTO_CREDENTIALS)
    server = serve(*store.db_flags, "--sqs-endpoint-url", moto_endpoint, data_dir=store.data_dir, env=env)
    client = server.client()
    name = "cli" + uuid.uuid4().hex[:10]
    queue_url = f"{moto_endpoint}/123456789012/{name}"
    type_id = client.create_hit_type(Title="t", Description="d", Reward="0.10",
                                     AssignmentDurationInSeconds=60)["HITTypeId"]
    client.update_notification_settings(HITTypeId=type_id, Notification={
        "Destination": queue_url, "Transport": "SQS", "Version": "2006-05-05", "EventTypes": ["HITCreated"]})
    hit_id = client.create_hit_with_hit_type(HITTypeId=type_id, LifetimeInSeconds=600,
                                             Question=external_question())["HIT"]["HITId"]

    def failing():
        rows = run_json("notifications", "list", "--pending", "--json", *store.flags)
        return [r for r in rows if r["Destination"] == queue_url and r["LastError"]]
    [row] = wait_for(failing, "the event's failed attempt")
    assert row["EventType"] == "HITCreated" and row["Status"] == "Pending" and row["Attempts"] >= 1
    assert "NonExistentQueue" in row["LastError"] and row["SentAt"] is None
    assert row["Document"]["Events"][0]["HITId"] == hit_id and row["Document"]["EventDocId"] == row["EventDocId"]
    assert metric(server.endpoint, "failing") == 1 and metric(server.endpoint, "pending") == 1
    text = openturk("notifications", "list", *store.flags)
    assert text.returncode == 0, text.stderr
    assert "0 sent, 1 pending (1 failing)" in text.stdout and "last error:" in text.stdout

    boto3.client("sqs", endpoint_url=moto_endpoint, region_name="us-east-1", aws_access_key_id="testing",
                 aws_secret_access_key="testing").create_queue(QueueName=name)
    wait_for(lambda: run_json("notifications", "list", "--pending", "--json", *store.flags) == [],
             "the delivery once the queue exists")
    [sent] = run_json("notifications", "list", "--json", *store.flags)
    assert sent["EventDocId"] == row["EventDocId"] and sent["Status"] == "Sent" and sent["SentAt"]
    assert metric(server.endpoint, "sent") == 1 and metric(server.endpoint, "pending") == 0


def test_email_events_are_in_the_requesters_messages(store, serve):
    server = serve(*store.db_flags, data_dir=store.data_dir)
    carol = requester_create("carol", store.flags)
    client = server.client(carol)
    type_id = client.create_hit_type(Title="t", Description="d", Reward="0.10",
                                     AssignmentDurationInSeconds=60)["HITTypeId"]
    client.update_notification_settings(HITTypeId=type_id, Notification={
        "Destination": "carol@example.org", "Transport": "Email", "Version": "2006-05-05",
        "EventTypes": ["HITCreated"]})
    hit_id = client.create_hit_with_hit_type(HITTypeId=type_id, LifetimeInSeconds=600,
                                             Question=external_question())["HIT"]["HITId"]
    [message] = wait_for(lambda: run_json("requester", "messages", carol["RequesterId"], "--json", *store.flags),
                         "the e-mail event in the inbox")
    assert message["Destination"] == "carol@example.org"
    assert message["Subject"] == "Mechanical Turk notification: HITCreated" and hit_id in message["Text"]
    text = openturk("requester", "messages", carol["RequesterId"], *store.flags)
    assert text.returncode == 0 and "to carol@example.org: Mechanical Turk notification: HITCreated" in text.stdout
    # The default requester has none; a requester that does not exist is an error, not an empty inbox.
    default_id = [r for r in run_json("requester", "list", "--json", *store.flags) if r["Name"] == "default"]
    assert openturk("requester", "messages", default_id[0]["RequesterId"], *store.flags).stdout.strip() == \
        "no messages"
    missing = openturk("requester", "messages", "NOSUCHREQUESTER", *store.flags)
    assert missing.returncode == 1 and "there is no requester NOSUCHREQUESTER" in missing.stderr
    assert "Traceback" not in missing.stderr
