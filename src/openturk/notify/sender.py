"""The sender: leases due rows of the notification outbox, delivers each (SQS SendMessage, SNS Publish, or
the requester's inbox for Transport Email), then records the delivery — or the error and the time of the
next attempt (backoff 1 s, 2 s, 4 s … 5 min). At least once: a row is marked Sent only after its
destination accepted it, so a crash between the two sends it again, with the same EventDocId. Each
process of a deployment runs one sender; the lease (FOR UPDATE SKIP LOCKED on PostgreSQL) gives every row
to one of them at a time.

Delivery is infrastructure, not business: it runs on the wall clock (SystemClock), never the test clock.
"""

from __future__ import annotations

import logging
import threading

from ..clock import SystemClock
from ..domain import notifications as rules
from ..store import notification_queries as nq

log = logging.getLogger("openturk.notify")
LEASE_MS = 60_000          # a sender that dies holding rows gives them up after this long
BATCH = 50
SEND_TIMEOUT_SECONDS = 10


class Sender:
    def __init__(self, service, clock=None):
        self.service = service
        self.settings = service.settings
        self.clock = clock or SystemClock()
        self._clients: dict[tuple[str, str], object] = {}
        self._lock = threading.Lock()
        self.sent = 0
        self.failed = 0

    # -- the AWS clients -----------------------------------------------------------------------------

    def _client(self, service_name: str, region: str):
        key = (service_name, region)
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                import boto3
                from botocore.config import Config
                session = boto3.session.Session(profile_name=self.settings.notification_aws_profile)
                endpoint = self.settings.sqs_endpoint_url if service_name == "sqs" else self.settings.sns_endpoint_url
                client = session.client(service_name, region_name=region, endpoint_url=endpoint,
                                        config=Config(connect_timeout=SEND_TIMEOUT_SECONDS,
                                                      read_timeout=SEND_TIMEOUT_SECONDS,
                                                      retries={"max_attempts": 1}))
                self._clients[key] = client
            return client

    def _send(self, row: dict) -> None:
        """Deliver one document to SQS or SNS; raises on failure. (Email is recorded in the marking transaction.)"""
        region = rules.region_of(row["transport"], row["destination"])
        if row["transport"] == "SQS":
            self._client("sqs", region).send_message(QueueUrl=row["destination"], MessageBody=row["document"])
        elif row["transport"] == "SNS":
            self._client("sns", region).publish(TopicArn=row["destination"], Message=row["document"])

    # -- one round -----------------------------------------------------------------------------------

    def deliver_once(self) -> int:
        """Lease what is due, deliver it, record the outcome. Returns the number of rows attempted."""
        now = self.clock.epoch_ms()
        with self.service.db.transaction(write=True) as tx:
            rows = nq.claim(tx, now, LEASE_MS, BATCH)
        for row in rows:
            error = None
            if row["transport"] != "Email":
                try:
                    self._send(row)
                except Exception as exc:  # noqa: BLE001 - any failure is recorded on the row and retried
                    error = f"{type(exc).__name__}: {exc}"
            self._record(row, error)
        return len(rows)

    def _record(self, row: dict, error: str | None) -> None:
        now = self.clock.epoch_ms()
        with self.service.db.transaction(write=True) as tx:
            if error is None:
                if not nq.mark_sent(tx, row, now):
                    return            # the lease ran out and another sender took the row: it will send it
                if row["transport"] == "Email":
                    subject, text = rules.email_text(row["document"])
                    nq.add_requester_message(tx, requester_id=row["requester_id"], at_ms=row["created_ms"],
                                             destination=row["destination"], subject=subject, text=text)
                self.sent += 1
            else:
                next_attempt = now + rules.backoff_seconds(row["attempts"]) * 1000
                if nq.mark_failed(tx, row, next_attempt, error):
                    self.failed += 1
                    log.warning("notification %s to %s failed (attempt %d): %s", row["event_doc_id"],
                                row["destination"], row["attempts"], error)

    def has_due(self) -> bool:
        with self.service.db.transaction(write=False) as tx:
            return nq.any_due(tx, self.clock.epoch_ms())
