"""UpdateNotificationSettings, SendTestEventNotification — and `emit`, which every operation that changes a
HIT or an assignment calls to record the event in the same transaction (the transactional outbox). The
sender (openturk/notify/sender.py) delivers what is recorded."""

from __future__ import annotations

import json
import uuid

from .. import errors
from ..domain import notifications as rules
from ..store import hit_queries as hq
from ..store import notification_queries as nq
from .context import Ctx
from .registry import operation


def emit(ctx: Ctx, event_type: str, *, hit_type_id: str, hit_id: str | None,
         assignment_id: str | None = None) -> bool:
    """Record an event for the HIT type's active notification settings, if it is one of their EventTypes.
    Returns whether an event document was recorded."""
    settings = nq.notification_settings(ctx.conn, hit_type_id)
    if settings is None or not settings["active"] or event_type not in json.loads(settings["event_types"]):
        return False
    _record(ctx, settings["requester_id"], event_type, settings["transport"], settings["destination"],
            hit_type_id=hit_type_id, hit_id=hit_id, assignment_id=assignment_id)
    return True


def _record(ctx: Ctx, requester_id: str, event_type: str, transport: str, destination: str, *,
            hit_type_id: str | None, hit_id: str | None, assignment_id: str | None) -> str:
    event_doc_id = str(uuid.uuid4())
    nq.add_event(ctx.conn, event_doc_id=event_doc_id, requester_id=requester_id, hit_type_id=hit_type_id,
                 event_type=event_type, transport=transport, destination=destination,
                 document=rules.document(event_doc_id=event_doc_id, requester_id=requester_id, event_type=event_type,
                                         at_ms=ctx.now_ms, hit_id=hit_id, hit_type_id=hit_type_id,
                                         assignment_id=assignment_id),
                 created_ms=ctx.now_ms, status="Pending", attempts=0, next_attempt_ms=0, lease_until_ms=None,
                 last_error=None, sent_ms=None)
    return event_doc_id


def _owned_hit_type(ctx: Ctx, hit_type_id: str) -> dict:
    row = hq.hit_type(ctx.conn, hit_type_id)
    if row is None or row["requester_id"] != ctx.caller.requester_id:
        raise errors.hit_type_does_not_exist(hit_type_id)
    return row


@operation("UpdateNotificationSettings")
def update_notification_settings(ctx: Ctx, *, hit_type_id: str, notification: dict | None = None,
                                 active: bool | None = None) -> dict:
    """"The UpdateNotificationSettings operation creates, updates, disables or re-enables notifications for a
    HIT type. If you call the UpdateNotificationSettings operation for a HIT type that already has a
    notification specification, the operation replaces the old specification with a new one. You can call
    the UpdateNotificationSettings operation to enable or disable notifications for the HIT type, without
    having to modify the notification specification itself by providing updates to the Active status
    without specifying a new notification specification." A new specification is active unless Active is
    false."""
    _owned_hit_type(ctx, hit_type_id)
    if notification is None:
        if active is None:
            raise errors.missing_parameter("Notification")
        if not nq.set_active(ctx.conn, hit_type_id, active, ctx.now_ms):
            raise errors.invalid_value("Active", f"the HIT type {hit_type_id} has no notification specification "
                                                 "to enable or disable: send a Notification")
        return {}
    spec = rules.check_spec(notification)
    nq.replace_settings(ctx.conn, hit_type_id=hit_type_id, requester_id=ctx.caller.requester_id,
                        destination=spec.destination, transport=spec.transport, version=spec.version,
                        event_types=json.dumps(list(spec.event_types)), active=True if active is None else active,
                        updated_ms=ctx.now_ms)
    return {}


@operation("SendTestEventNotification", readonly=False)
def send_test_event_notification(ctx: Ctx, *, notification: dict, test_event_type: str) -> dict:
    """"The SendTestEventNotification operation causes Amazon Mechanical Turk to send a notification message as
    if a HIT event occurred, according to the provided notification specification. This allows you to test
    notifications without setting up notifications for a real HIT type and trying to trigger them using the
    website." The test event is sent even if the specification does not list it; the sender delivers it
    at once."""
    spec = rules.check_spec(notification, test=True)
    _record(ctx, ctx.caller.requester_id, test_event_type, spec.transport, spec.destination, hit_type_id=None,
            hit_id=None, assignment_id=None)
    return {}
