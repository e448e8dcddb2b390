"""Notifications: the NotificationSpecification's rules and MTurk's event document. Pure: values in,
values or TurkError out."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timezone

from .. import errors

VERSION = "2006-05-05"                 # "The version of the Notification API to use. Valid value is 2006-05-05."
# Dallinger's _create_notification_subscription sends 2014-08-15 (the last legacy API's date) and its SNS
# notifications ran against MTurk, so MTurk took that too (docs/compatibility.md, Notifications).
ACCEPTED_VERSIONS = (VERSION, "2014-08-15")
EVENT_TYPES = ("AssignmentAccepted", "AssignmentAbandoned", "AssignmentReturned", "AssignmentSubmitted",
               "AssignmentRejected", "AssignmentApproved", "HITCreated", "HITExpired", "HITReviewable",
               "HITExtended", "HITDisposed", "Ping")
PING = "Ping"
_QUEUE_URL = re.compile(r"^https?://[^/\s]+/[^\s]+$")
_TOPIC_ARN = re.compile(r"^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{1,12}:[A-Za-z0-9_.-]{1,256}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class Spec:
    destination: str
    transport: str
    version: str
    event_types: tuple[str, ...]


def check_spec(spec: dict, *, test: bool = False) -> Spec:
    """A NotificationSpecification: "When Transport is Email, the Destination is your email address. When
    Transport is SQS, the Destination is your queue URL. When Transport is SNS, the Destination is the ARN
    of your topic." Version 2006-05-05. "The Ping event is only valid for the SendTestEventNotification
    operation." """
    destination, transport = spec["destination"], spec["transport"]
    if spec["version"] not in ACCEPTED_VERSIONS:
        raise errors.invalid_value("Notification.Version", f"it must be {VERSION}")
    pattern, what = {"Email": (_EMAIL, "an e-mail address"), "SQS": (_QUEUE_URL, "an SQS queue URL"),
                     "SNS": (_TOPIC_ARN, "an SNS topic ARN such as arn:aws:sns:us-east-1:123456789012:name")}[transport]
    if not pattern.match(destination):
        raise errors.invalid_value("Notification.Destination", f"with Transport {transport} it must be {what}")
    event_types = tuple(dict.fromkeys(spec["event_types"]))
    if not event_types:
        raise errors.invalid_value("Notification.EventTypes", "give at least one event type")
    if PING in event_types and not test:
        raise errors.invalid_value("Notification.EventTypes",
                                   "the Ping event is only valid for the SendTestEventNotification operation")
    return Spec(destination, transport, VERSION, event_types)


def region_of(transport: str, destination: str) -> str:
    """The AWS region a destination lives in (an SNS ARN's fourth field; an SQS URL's `sqs.<region>.` host)."""
    if transport == "SNS":
        return destination.split(":")[3]
    match = re.search(r"sqs[.-]([a-z0-9-]+)\.amazonaws", destination)
    return match.group(1) if match else "us-east-1"


def timestamp(ms: int) -> str:
    """MTurk's EventTimestamp: ISO 8601 UTC with a Z ("2014-08-21T18:09:59Z")."""
    return datetime.fromtimestamp(ms / 1000, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def document(*, event_doc_id: str, requester_id: str, event_type: str, at_ms: int, hit_id: str | None,
             hit_type_id: str | None, assignment_id: str | None) -> str:
    """The event document, the body of the SQS message or the SNS Message: {"Events": [{"EventType",
    "EventTimestamp", "HITId", "HITTypeId", "AssignmentId"}], "EventDocId", "EventDocVersion",
    "SourceAccount", "CustomerId"} (Dallinger reads json.loads(Message)["Events"])."""
    event = {"EventType": event_type, "EventTimestamp": timestamp(at_ms), "HITId": hit_id, "HITTypeId": hit_type_id}
    if assignment_id is not None:
        event["AssignmentId"] = assignment_id
    return json.dumps({"Events": [event], "EventDocId": event_doc_id, "EventDocVersion": VERSION,
                       "SourceAccount": requester_id, "CustomerId": requester_id}, separators=(",", ":"))


def email_text(document_json: str) -> tuple[str, str]:
    """Subject and text of a notification with Transport Email (what lands in the requester's inbox)."""
    doc = json.loads(document_json)
    event = doc["Events"][0]
    subject = f"Mechanical Turk notification: {event['EventType']}"
    lines = [f"{key}: {value}" for key, value in event.items() if value is not None]
    return subject, "\n".join([*lines, f"EventDocId: {doc['EventDocId']}"])


def backoff_seconds(attempts: int) -> int:
    """Seconds until the next attempt after `attempts` failed ones: 1, 2, 4, … capped at 5 minutes."""
    return min(300, 2 ** max(0, attempts - 1))
