"""Notifications against moto's server as SQS and SNS: UpdateNotificationSettings and its validation,
SendTestEventNotification, every event type arriving in a queue with MTurk's event document, an SNS topic
with an HTTP subscription delivering to a local endpoint, Transport Email into the requester's inbox, and a
destination that is missing for a while (the events wait, with their error, and then arrive)."""

from __future__ import annotations

import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3
import pytest

from openturk.ops.assignments import sweep
from openturk.ops.runner import run
from openturk.store import notification_queries as nq
from openturk.testing import TestServer

from ..conftest import fresh_database_url
from .helpers import turk_error
from .hit_helpers import external_question

ALL_EVENTS = ["AssignmentAccepted", "AssignmentAbandoned", "AssignmentReturned", "AssignmentSubmitted",
              "AssignmentRejected", "AssignmentApproved", "HITCreated", "HITExtended", "HITDisposed",
              "HITReviewable", "HITExpired"]
WAIT = 20          # seconds an event may take to arrive (the sender looks every 50 ms)


@pytest.fixture(scope="module")
def mturk(moto_endpoint, tmp_path_factory):
    server = TestServer(fresh_database_url(tmp_path_factory.mktemp("notify")), sqs_endpoint_url=moto_endpoint,
                        sns_endpoint_url=moto_endpoint, notify_poll_ms=50).start()
    yield server
    server.stop()


@pytest.fixture
def sqs(moto_endpoint):
    return boto3.client("sqs", endpoint_url=moto_endpoint, region_name="us-east-1")


@pytest.fixture
def queue(sqs) -> str:
    return sqs.create_queue(QueueName="q" + uuid.uuid4().hex[:12])["QueueUrl"]


def spec(destination: str, events: list[str], transport: str = "SQS") -> dict:
    return {"Destination": destination, "Transport": transport, "Version": "2006-05-05", "EventTypes": events}


def hit_type(client, **extra) -> str:
    return client.create_hit_type(Title="notified", Description="d", Reward="0.40", AssignmentDurationInSeconds=60,
                                  AutoApprovalDelayInSeconds=3600, **extra)["HITTypeId"]


def receive(sqs, queue_url: str, count: int, timeout: float = WAIT) -> list[dict]:
    """`count` event documents from the queue (deleted as read), in arrival order; fails after `timeout`."""
    documents: list[dict] = []
    deadline = time.monotonic() + timeout
    while len(documents) < count and time.monotonic() < deadline:
        for message in sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10,
                                           WaitTimeSeconds=1).get("Messages", []):
            documents.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    assert len(documents) >= count, f"{len(documents)} of {count} events arrived: {documents}"
    return documents


def quiet(sqs, queue_url: str, seconds: float = 1.0) -> list[dict]:
    time.sleep(seconds)
    return [json.loads(m["Body"]) for m in sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10,
                                                               WaitTimeSeconds=0).get("Messages", [])]


def test_every_event_type_arrives_with_mturks_document(mturk, sqs, queue):
    client = mturk.client(mturk.new_requester("notified"))
    type_id = hit_type(client)
    client.update_notification_settings(HITTypeId=type_id, Notification=spec(queue, ALL_EVENTS), Active=True)
    hit = client.create_hit_with_hit_type(HITTypeId=type_id, LifetimeInSeconds=3600, MaxAssignments=4,
                                          Question=external_question())["HIT"]
    hit_id = hit["HITId"]
    a, b, c, d = (mturk.create_worker() for _ in range(4))
    returned = a.accept(hit_id)
    a.return_assignment(returned["AssignmentId"])
    abandoned = b.accept(hit_id)
    mturk.advance(61)
    run(mturk.service, sweep, {}, write=True)                        # records the abandonment: one event
    approved = c.work(hit_id, {"x": "1"})
    rejected = d.work(hit_id, {"x": "2"})
    client.approve_assignment(AssignmentId=approved["AssignmentId"])
    client.reject_assignment(AssignmentId=rejected["AssignmentId"], RequesterFeedback="no")
    client.create_additional_assignments_for_hit(HITId=hit_id, NumberOfAdditionalAssignments=1)
    client.update_expiration_for_hit(HITId=hit_id, ExpireAt=0)
    client.delete_hit(HITId=hit_id)
    # HITCreated, 4 accepted, returned, abandoned, 2 submitted, approved, rejected, HITExtended, HITExpired,
    # HITReviewable (the expiry leaves it with nothing more to do), HITDisposed.
    documents = receive(sqs, queue, 15)
    events = [doc["Events"][0] for doc in documents]
    by_type: dict[str, list[dict]] = {}
    for event in events:
        by_type.setdefault(event["EventType"], []).append(event)
    assert set(by_type) == set(ALL_EVENTS)
    assert len(by_type["AssignmentAccepted"]) == 4 and len(by_type["AssignmentSubmitted"]) == 2
    assert len(by_type["HITReviewable"]) == len(by_type["HITExpired"]) == len(by_type["HITDisposed"]) == 1
    assert {e["AssignmentId"] for e in by_type["AssignmentReturned"]} == {returned["AssignmentId"]}
    assert {e["AssignmentId"] for e in by_type["AssignmentAbandoned"]} == {abandoned["AssignmentId"]}
    assert {e["AssignmentId"] for e in by_type["AssignmentApproved"]} == {approved["AssignmentId"]}
    assert {e["AssignmentId"] for e in by_type["AssignmentRejected"]} == {rejected["AssignmentId"]}
    for event in events:
        assert event["HITId"] == hit_id and event["HITTypeId"] == type_id
        assert time.strptime(event["EventTimestamp"], "%Y-%m-%dT%H:%M:%SZ")
        assert ("AssignmentId" in event) == event["EventType"].startswith("Assignment")
    for doc in documents:
        assert doc["EventDocVersion"] == "2006-05-05" and len(doc["Events"]) == 1
        assert doc["SourceAccount"] == doc["CustomerId"]
    assert len({doc["EventDocId"] for doc in documents}) == len(documents)
    assert quiet(sqs, queue) == []                      # nothing twice
    run(mturk.service, sweep, {}, write=True)            # the sweeper announces nothing again
    assert quiet(sqs, queue) == []


def test_only_subscribed_events_and_only_while_active(mturk, sqs, queue):
    client = mturk.client(mturk.new_requester("selective"))
    type_id = hit_type(client)
    client.update_notification_settings(HITTypeId=type_id, Notification=spec(queue, ["AssignmentSubmitted"]))
    hit = client.create_hit_with_hit_type(HITTypeId=type_id, LifetimeInSeconds=600, MaxAssignments=3,
                                          Question=external_question())["HIT"]
    first = mturk.create_worker().work(hit["HITId"], {"x": "1"})
    [doc] = receive(sqs, queue, 1)
    assert doc["Events"][0]["EventType"] == "AssignmentSubmitted"
    assert doc["Events"][0]["AssignmentId"] == first["AssignmentId"]
    client.update_notification_settings(HITTypeId=type_id, Active=False)
    mturk.create_worker().work(hit["HITId"], {"x": "2"})
    assert quiet(sqs, queue) == []
    client.update_notification_settings(HITTypeId=type_id, Active=True)
    mturk.create_worker().work(hit["HITId"], {"x": "3"})
    assert len(receive(sqs, queue, 1)) == 1


def test_a_new_specification_replaces_the_old(mturk, sqs, queue):
    client = mturk.client(mturk.new_requester("replacing"))
    type_id = hit_type(client)
    other = sqs.create_queue(QueueName="other" + uuid.uuid4().hex[:8])["QueueUrl"]
    client.update_notification_settings(HITTypeId=type_id, Notification=spec(other, ["HITCreated"]))
    client.update_notification_settings(HITTypeId=type_id, Notification=spec(queue, ["HITCreated"]))
    client.create_hit_with_hit_type(HITTypeId=type_id, LifetimeInSeconds=600, Question=external_question())
    assert len(receive(sqs, queue, 1)) == 1
    assert quiet(sqs, other, 0.3) == []


def test_send_test_event_notification_sends_at_once(mturk, sqs, queue):
    client = mturk.client(mturk.new_requester("tester"))
    client.send_test_event_notification(Notification=spec(queue, ["AssignmentSubmitted"]), TestEventType="Ping")
    [doc] = receive(sqs, queue, 1, timeout=5)
    assert doc["Events"][0]["EventType"] == "Ping"
    client.send_test_event_notification(Notification=spec(queue, ["Ping"]), TestEventType="HITExpired")
    assert receive(sqs, queue, 1, timeout=5)[0]["Events"][0]["EventType"] == "HITExpired"


def test_settings_are_validated(mturk, queue):
    client = mturk.client(mturk.new_requester("validated"))
    type_id = hit_type(client)
    cases = [(spec(queue, ["HITCreated"]) | {"Version": "2017-01-17"}, "Version"),
             (spec("not a url", ["HITCreated"]), "Destination"),
             (spec(queue, ["HITCreated"], transport="SNS"), "Destination"),
             (spec("someone", ["HITCreated"], transport="Email"), "Destination"),
             (spec(queue, ["Ping"]), "Ping"),
             (spec(queue, []), "EventTypes")]
    for notification, words in cases:
        with turk_error(client, "AWS.MechanicalTurk.InvalidParameterValue", words):
            client.update_notification_settings(HITTypeId=type_id, Notification=notification)
    with turk_error(client, "AWS.MechanicalTurk.InvalidParameterValue", "no notification specification"):
        client.update_notification_settings(HITTypeId=type_id, Active=False)
    with turk_error(client, "AWS.MissingParameters"):
        client.update_notification_settings(HITTypeId=type_id)
    other = mturk.client(mturk.new_requester("someone else"))
    with turk_error(other, "AWS.MechanicalTurk.InvalidParameterValue", "HITTypeId"):
        other.update_notification_settings(HITTypeId=type_id, Notification=spec(queue, ["HITCreated"]))


def test_dallingers_version_2014_08_15_is_accepted(mturk, sqs, queue):
    """Dallinger's _create_notification_subscription sends Version 2014-08-15 (the last legacy API's date),
    which MTurk accepted: Dallinger's SNS notifications ran against it. The document keeps EventDocVersion
    2006-05-05."""
    client = mturk.client(mturk.new_requester("dallinger version"))
    type_id = hit_type(client)
    client.update_notification_settings(HITTypeId=type_id, Active=True,
                                        Notification=spec(queue, ["HITCreated"]) | {"Version": "2014-08-15"})
    client.create_hit_with_hit_type(HITTypeId=type_id, LifetimeInSeconds=3600, MaxAssignments=1,
                                    Question=external_question())
    [doc] = receive(sqs, queue, 1)
    assert doc["Events"][0]["EventType"] == "HITCreated" and doc["EventDocVersion"] == "2006-05-05"
    client.send_test_event_notification(Notification=spec(queue, ["Ping"]) | {"Version": "2014-08-15"},
                                        TestEventType="Ping")
    assert receive(sqs, queue, 1)[0]["Events"][0]["EventType"] == "Ping"


class Collector(BaseHTTPRequestHandler):
    """A small HTTP endpoint subscribed to an SNS topic: keeps every body it is sent."""

    received: list[dict] = []

    def do_POST(self):  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        type(self).received.append(json.loads(body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_sns_topic_with_an_http_subscription(mturk, moto_endpoint):
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Collector)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        sns = boto3.client("sns", endpoint_url=moto_endpoint, region_name="us-east-1")
        topic = sns.create_topic(Name="t" + uuid.uuid4().hex[:10])["TopicArn"]
        sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=f"http://127.0.0.1:{httpd.server_port}/events")
        client = mturk.client(mturk.new_requester("sns"))
        type_id = hit_type(client)
        client.update_notification_settings(HITTypeId=type_id, Notification=spec(topic, ["AssignmentSubmitted"],
                                                                                  transport="SNS"))
        hit = client.create_hit_with_hit_type(HITTypeId=type_id, LifetimeInSeconds=600,
                                              Question=external_question())["HIT"]
        done = mturk.create_worker().work(hit["HITId"], {"x": "1"})
        deadline = time.monotonic() + WAIT
        while not [m for m in Collector.received if m.get("TopicArn") == topic] and time.monotonic() < deadline:
            time.sleep(0.05)
        [envelope] = [m for m in Collector.received if m.get("TopicArn") == topic]
        assert envelope["Type"] == "Notification"
        event = json.loads(envelope["Message"])["Events"][0]
        assert (event["EventType"], event["AssignmentId"], event["HITId"]) == \
            ("AssignmentSubmitted", done["AssignmentId"], hit["HITId"])
    finally:
        httpd.shutdown()


def test_email_goes_to_the_requesters_inbox(mturk):
    creds = mturk.new_requester("mailed")
    client = mturk.client(creds)
    type_id = hit_type(client)
    client.update_notification_settings(HITTypeId=type_id, Notification=spec("me@example.org", ["HITCreated"],
                                                                              transport="Email"))
    hit = client.create_hit_with_hit_type(HITTypeId=type_id, LifetimeInSeconds=600, Question=external_question())["HIT"]
    deadline = time.monotonic() + WAIT
    inbox: list[dict] = []
    while not inbox and time.monotonic() < deadline:
        with mturk.service.db.transaction(write=False) as tx:
            inbox = nq.requester_inbox(tx, creds["RequesterId"])
        time.sleep(0.05)
    [message] = inbox
    assert message["subject"] == "Mechanical Turk notification: HITCreated"
    assert hit["HITId"] in message["text"] and message["destination"] == "me@example.org"


def test_a_missing_destination_keeps_the_events_until_it_exists(mturk, sqs, moto_endpoint):
    """The endpoint is "down" (the queue does not exist): the event waits in the outbox with its error and
    is counted as failing; once the queue exists, it arrives."""
    name = "late" + uuid.uuid4().hex[:10]
    url = f"{moto_endpoint}/123456789012/{name}"
    client = mturk.client(mturk.new_requester("late"))
    client.send_test_event_notification(Notification=spec(url, ["Ping"]), TestEventType="Ping")
    deadline = time.monotonic() + WAIT
    row = None
    while time.monotonic() < deadline:
        with mturk.service.db.transaction(write=False) as tx:
            rows = [r for r in nq.events(tx, pending_only=True, requester_id=None, before_seq=2 ** 62, limit=50)
                    if r["destination"] == url]
        if rows and rows[0]["last_error"]:
            row = rows[0]
            break
        time.sleep(0.05)
    assert row is not None and row["status"] == "Pending" and "NonExistentQueue" in row["last_error"]
    sqs.create_queue(QueueName=name)
    [doc] = receive(sqs, url, 1, timeout=30)          # backoff: 1 s, 2 s, 4 s …
    assert doc["EventDocId"] == row["event_doc_id"]
