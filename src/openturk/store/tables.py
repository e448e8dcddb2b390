"""Table definitions. The Alembic migrations create exactly these (a test compares them).

Timestamps are one UTC type: integer epoch milliseconds (`*_ms` columns). Status columns are strings
with CHECK constraints. Public ids are MTurk-shaped strings; `seq` columns give each row an
insertion order that keyset pagination walks.
"""

from __future__ import annotations

from sqlalchemy import (BigInteger, Boolean, CheckConstraint, Column, ForeignKey, Index, Integer,
                        MetaData, String, Table, Text, UniqueConstraint, text)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

TYPE_STATUSES = ("Active", "Inactive", "Disposing")

server_meta = Table(
    "server_meta", metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

# Row order for keyset pagination: 64-bit (BIGINT) on PostgreSQL; on SQLite an INTEGER PRIMARY KEY is the
# 64-bit rowid, and only the spelling INTEGER keeps it so (migration 0005).
Seq = BigInteger().with_variant(Integer, "sqlite")


requesters = Table(
    "requesters", metadata,
    Column("requester_id", String(64), primary_key=True),
    Column("name", String(255), nullable=False),
    Column("access_key_id", String(128), nullable=False, unique=True),
    # SigV4 verification needs the secret itself (it is an HMAC key), so it cannot be hashed.
    Column("secret_access_key", String(128), nullable=False),
    # The AvailableBalance in cents: always the sum of the requester's ledger entries.
    Column("balance_cents", BigInteger, nullable=False),
    Column("created_ms", BigInteger, nullable=False),
)

qualification_types = Table(
    "qualification_types", metadata,
    Column("seq", Seq, primary_key=True, autoincrement=True),
    Column("qualification_type_id", String(64), nullable=False, unique=True),
    # NULL owner: a system qualification type (Masters, Worker_Locale, ...).
    Column("owner_id", String(64), ForeignKey("requesters.requester_id"), nullable=True),
    Column("name", String(255), nullable=False),
    # The name's reservation: equal to `name` until a disposed type's name is released (then NULL).
    Column("name_key", String(255), nullable=True),
    Column("description", Text, nullable=False),
    Column("keywords", Text, nullable=True),
    # Name, Description and Keywords case-folded by Python (databases fold only ASCII): what Query searches.
    Column("search_text", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("test", Text, nullable=True),
    Column("test_duration_in_seconds", BigInteger, nullable=True),
    Column("answer_key", Text, nullable=True),
    Column("retry_delay_in_seconds", BigInteger, nullable=True),
    Column("is_requestable", Boolean, nullable=False),
    Column("auto_granted", Boolean, nullable=False),
    Column("auto_granted_value", Integer, nullable=True),
    Column("creation_ms", BigInteger, nullable=False),
    Column("disposed_ms", BigInteger, nullable=True),
    # Bumped by every update: an update is a compare-and-set on it.
    Column("version", Integer, nullable=False, server_default="1"),
    CheckConstraint("status IN ('Active', 'Inactive', 'Disposing')", name="status"),
    UniqueConstraint("owner_id", "name_key", name="uq_qualification_types_owner_name"),
    Index("ix_qualification_types_status_seq", "status", "seq"),
    Index("ix_qualification_types_owner_seq", "owner_id", "seq"),
)

QUALIFICATION_STATUSES = ("Granted", "Revoked")
WORKER_COUNTS = ("accepted", "submitted", "approved", "rejected", "returned", "abandoned")

workers = Table(
    "workers", metadata,
    Column("worker_id", String(64), primary_key=True),
    # sha256 of the worker's sign-in token (`openturk worker create`); NULL until one is issued.
    Column("token_hash", String(64), nullable=True, unique=True),
    Column("locale_country", String(2), nullable=True),
    Column("locale_subdivision", String(3), nullable=True),
    # Worker_Adult: NULL (never said: no Adult qualification), True (1) or False (0).
    Column("adult", Boolean, nullable=True),
    Column("created_ms", BigInteger, nullable=False),
    # The worker's assignments across all requesters by what became of them, counted when each change is
    # recorded (the counting system qualifications read these, plus what the clock decided since).
    *(Column(f"{name}_count", BigInteger, nullable=False, server_default="0") for name in WORKER_COUNTS),
)

qualifications = Table(
    "qualifications", metadata,
    Column("seq", Seq, primary_key=True, autoincrement=True),
    Column("qualification_type_id", String(64), ForeignKey("qualification_types.qualification_type_id"),
           nullable=False),
    Column("worker_id", String(64), ForeignKey("workers.worker_id"), nullable=False),
    Column("status", String(16), nullable=False),
    Column("integer_value", Integer, nullable=True),
    Column("grant_ms", BigInteger, nullable=False),
    Column("updated_ms", BigInteger, nullable=False),
    Column("version", Integer, nullable=False, server_default="1"),
    CheckConstraint("status IN ('Granted', 'Revoked')", name="status"),
    UniqueConstraint("qualification_type_id", "worker_id", name="uq_qualifications_type_worker"),
    # ListWorkersWithQualificationType walks this index: a page costs the same at any number of holders.
    Index("ix_qualifications_type_status_seq", "qualification_type_id", "status", "seq"),
)

# Every change of a worker's qualification, with who or what made it: the score history.
qualification_history = Table(
    "qualification_history", metadata,
    Column("seq", Seq, primary_key=True, autoincrement=True),
    Column("qualification_type_id", String(64), nullable=False),
    Column("worker_id", String(64), nullable=False),
    Column("at_ms", BigInteger, nullable=False),
    Column("event", String(16), nullable=False),
    Column("old_status", String(16), nullable=True),
    Column("new_status", String(16), nullable=False),
    Column("old_value", Integer, nullable=True),
    Column("new_value", Integer, nullable=True),
    Column("source", String(64), nullable=False),        # the operation, CLI command or test that did it
    Column("requester_id", String(64), nullable=True),   # who, when a requester did it
    Column("reason", Text, nullable=True),
    CheckConstraint("event IN ('Granted', 'ScoreChanged', 'Revoked', 'Regranted')", name="event"),
    Index("ix_qualification_history_type_worker_seq", "qualification_type_id", "worker_id", "seq"),
)

# A worker's inbox: what MTurk would have e-mailed (grants with SendNotification, revocations and
# rejections with a Reason). Nothing is e-mailed.
worker_messages = Table(
    "worker_messages", metadata,
    Column("seq", Seq, primary_key=True, autoincrement=True),
    Column("worker_id", String(64), ForeignKey("workers.worker_id"), nullable=False),
    Column("at_ms", BigInteger, nullable=False),
    Column("subject", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("qualification_type_id", String(64), nullable=True),
    # The requester who sent it (NotifyWorkers, a bonus, a rejection), if one did.
    Column("requester_id", String(64), nullable=True),
    Index("ix_worker_messages_worker_seq", "worker_id", "seq"),
)

worker_blocks = Table(
    "worker_blocks", metadata,
    Column("seq", Seq, primary_key=True, autoincrement=True),
    Column("requester_id", String(64), ForeignKey("requesters.requester_id"), nullable=False),
    Column("worker_id", String(64), ForeignKey("workers.worker_id"), nullable=False),
    Column("reason", Text, nullable=False),
    Column("created_ms", BigInteger, nullable=False),
    UniqueConstraint("requester_id", "worker_id", name="uq_worker_blocks_requester_worker"),
    Index("ix_worker_blocks_requester_seq", "requester_id", "seq"),
)

REQUEST_STATUSES = ("TestInProgress", "Pending", "Granted", "Rejected", "Expired")

# A worker's request for a qualification: a test session (TestInProgress), waiting for the owner
# (Pending), or resolved (Granted, Rejected, Expired). A TestInProgress request whose deadline has passed
# is Expired whatever its row says (decided when read; the sweeper only records it).
qualification_requests = Table(
    "qualification_requests", metadata,
    Column("seq", Seq, primary_key=True, autoincrement=True),
    Column("qualification_request_id", String(64), nullable=False, unique=True),
    Column("qualification_type_id", String(64), ForeignKey("qualification_types.qualification_type_id"),
           nullable=False),
    Column("owner_id", String(64), ForeignKey("requesters.requester_id"), nullable=False),
    Column("worker_id", String(64), ForeignKey("workers.worker_id"), nullable=False),
    Column("status", String(16), nullable=False),
    Column("test", Text, nullable=True),                 # the QuestionForm as it was when requested
    Column("answer_key", Text, nullable=True),           # the key that went with it (never shown to workers)
    Column("answer", Text, nullable=True),               # the worker's QuestionFormAnswers
    Column("requested_ms", BigInteger, nullable=False),
    Column("test_deadline_ms", BigInteger, nullable=True),
    Column("submit_ms", BigInteger, nullable=True),
    Column("resolved_ms", BigInteger, nullable=True),
    Column("integer_value", Integer, nullable=True),
    Column("score", Text, nullable=True),                # the scorer's breakdown, JSON
    Column("reason", Text, nullable=True),
    Column("version", Integer, nullable=False, server_default="1"),
    CheckConstraint("status IN ('TestInProgress', 'Pending', 'Granted', 'Rejected', 'Expired')", name="status"),
    # ListQualificationRequests: the owner's Pending requests in SubmitTime order.
    Index("ix_qualification_requests_owner_status_submit", "owner_id", "status", "submit_ms", "seq"),
    Index("ix_qualification_requests_type_status_submit", "qualification_type_id", "status", "submit_ms", "seq"),
    # Retry rules and the worker's own list.
    Index("ix_qualification_requests_worker_type_seq", "worker_id", "qualification_type_id", "seq"),
    # One open request per (worker, type).
    Index("uq_qualification_requests_open", "worker_id", "qualification_type_id", unique=True,
          sqlite_where=text("status IN ('TestInProgress', 'Pending')"),
          postgresql_where=text("status IN ('TestInProgress', 'Pending')")),
    Index("ix_qualification_requests_status_deadline", "status", "test_deadline_ms"),
)


# -- HITs and money -------------------------------------------------------------------------------

# A HIT type: the values CreateHITType was given. `fingerprint` (a digest of all of them) makes "equal
# values of the same requester → the same HITTypeId" a unique constraint rather than a read-then-write.
hit_types = Table(
    "hit_types", metadata,
    Column("seq", Seq, primary_key=True, autoincrement=True),
    Column("hit_type_id", String(64), nullable=False, unique=True),
    Column("requester_id", String(64), ForeignKey("requesters.requester_id"), nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("title", Text, nullable=False),
    Column("description", Text, nullable=False),
    Column("keywords", Text, nullable=True),
    Column("reward_cents", BigInteger, nullable=False),
    Column("assignment_duration_in_seconds", BigInteger, nullable=False),
    Column("auto_approval_delay_in_seconds", BigInteger, nullable=False),
    Column("qualification_requirements", Text, nullable=False),   # JSON, see domain.requirements
    Column("masters", Boolean, nullable=False),                    # a Masters requirement: +5% fee
    Column("created_ms", BigInteger, nullable=False),
    UniqueConstraint("requester_id", "fingerprint", name="uq_hit_types_requester_fingerprint"),
)

# Which qualification types a HIT type's requirements use: ListHITsForQualificationType, and whether a
# Disposing qualification type is still in use.
hit_type_qualifications = Table(
    "hit_type_qualifications", metadata,
    Column("hit_type_id", String(64), ForeignKey("hit_types.hit_type_id"), primary_key=True),
    Column("qualification_type_id", String(64), primary_key=True),
    Index("ix_hit_type_qualifications_qualification_type_id", "qualification_type_id", "hit_type_id"),
)

HIT_REVIEW_STATUSES = ("NotReviewed", "MarkedForReview", "ReviewedAppropriate", "ReviewedInappropriate")

# A HIT. Its HITStatus and counters are not stored: they are derived when read (domain.hits.state), from
# the clock, `reviewing`, `disposed_ms` and its assignments.
hits = Table(
    "hits", metadata,
    Column("seq", Seq, primary_key=True, autoincrement=True),
    Column("hit_id", String(64), nullable=False, unique=True),
    Column("hit_type_id", String(64), ForeignKey("hit_types.hit_type_id"), nullable=False),
    Column("requester_id", String(64), ForeignKey("requesters.requester_id"), nullable=False),
    Column("question", Text, nullable=False),
    Column("requester_annotation", Text, nullable=True),
    Column("max_assignments", Integer, nullable=False),
    Column("creation_ms", BigInteger, nullable=False),
    Column("expiration_ms", BigInteger, nullable=False),
    Column("reviewing", Boolean, nullable=False),
    Column("review_status", String(32), nullable=False),
    Column("disposed_ms", BigInteger, nullable=True),
    # What the HIT's creation reserved from the balance and has not yet paid out or given back (cents).
    Column("reserved_cents", BigInteger, nullable=False),
    Column("version", Integer, nullable=False, server_default="1"),
    # The Expiration for which HITExpired was sent (the sweeper sends it once per expiration).
    Column("noted_expiration_ms", BigInteger, nullable=True),
    CheckConstraint("review_status IN ('NotReviewed', 'MarkedForReview', 'ReviewedAppropriate', "
                    "'ReviewedInappropriate')", name="review_status"),
    Index("ix_hits_requester_seq", "requester_id", "seq"),
    Index("ix_hits_hit_type_seq", "hit_type_id", "seq"),
    # The sweeper's HITExpired: HITs whose expiration has not been noted, by expiration.
    Index("ix_hits_unnoted_expiration", "expiration_ms", sqlite_where=text("noted_expiration_ms IS NULL"),
          postgresql_where=text("noted_expiration_ms IS NULL")),
)

# UniqueRequestToken: the primary key makes "a retry acts once" hold under concurrent retries.
request_tokens = Table(
    "request_tokens", metadata,
    Column("requester_id", String(64), primary_key=True),
    Column("scope", String(16), primary_key=True),      # 'HIT' | 'Assignments' (and, later, 'Bonus')
    Column("token", String(64), primary_key=True),
    Column("created_ms", BigInteger, nullable=False),
    Column("hit_id", String(64), nullable=True),
)

LEDGER_KINDS = ("Deposit", "Reserve", "Refund", "Release", "Reward", "Fee", "Bonus", "BonusFee")
# The kinds that move money into or out of a HIT's reservation (hits.reserved_cents): the others pay.
RESERVATION_KINDS = ("Reserve", "Refund", "Release")

# Every change of a requester's balance: the balance is the sum of its entries (cents; debits negative).
# Paying an assignment releases its reservation (+) and pays its Reward and Fee (−): the balance does not
# move, and the entries show who was paid what. `ref` names what an entry is for (an assignment, a
# bonus); (kind, ref) is unique, so that nothing is ever paid or given back twice.
ledger = Table(
    "ledger", metadata,
    Column("seq", Seq, primary_key=True, autoincrement=True),
    Column("requester_id", String(64), ForeignKey("requesters.requester_id"), nullable=False),
    Column("at_ms", BigInteger, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("amount_cents", BigInteger, nullable=False),
    Column("hit_id", String(64), nullable=True),
    Column("note", Text, nullable=True),
    Column("ref", String(64), nullable=True),
    CheckConstraint("kind IN ('Deposit', 'Reserve', 'Refund', 'Release', 'Reward', 'Fee', 'Bonus', 'BonusFee')",
                    name="kind"),
    Index("ix_ledger_requester_seq", "requester_id", "seq"),
    Index("uq_ledger_kind_ref", "kind", "ref", unique=True, sqlite_where=text("ref IS NOT NULL"),
          postgresql_where=text("ref IS NOT NULL")),
)

ASSIGNMENT_STATUSES = ("Accepted", "Submitted", "Approved", "Rejected", "Returned", "Abandoned")
# The statuses that hold one of a HIT's assignments (Returned and Abandoned ones are available again).
HOLDING_STATUSES = ("Accepted", "Submitted", "Approved", "Rejected")
# The partial unique index's condition, as SQL: a query whose WHERE has this very term can use the index
# (SQLite matches a partial index's condition by its text, not by what bound values would be).
HOLDING_SQL = "status IN ('Accepted', 'Submitted', 'Approved', 'Rejected')"

# One worker's attempt at one HIT. An Accepted assignment past its deadline is Abandoned, and a Submitted
# one past its AutoApprovalTime is Approved, whatever the row says (decided when read; the sweeper records
# it, and pays, later).
assignments = Table(
    "assignments", metadata,
    Column("seq", Seq, primary_key=True, autoincrement=True),
    Column("assignment_id", String(64), nullable=False, unique=True),
    Column("hit_id", String(64), ForeignKey("hits.hit_id"), nullable=False),
    Column("requester_id", String(64), ForeignKey("requesters.requester_id"), nullable=False),
    Column("worker_id", String(64), ForeignKey("workers.worker_id"), nullable=False),
    Column("status", String(16), nullable=False),
    Column("accept_ms", BigInteger, nullable=False),
    Column("deadline_ms", BigInteger, nullable=False),
    Column("submit_ms", BigInteger, nullable=True),
    Column("auto_approval_ms", BigInteger, nullable=True),
    Column("decision_ms", BigInteger, nullable=True),      # ApprovalTime or RejectionTime
    Column("end_ms", BigInteger, nullable=True),           # when it was returned or abandoned
    Column("answer", Text, nullable=True),                 # QuestionFormAnswers
    Column("requester_feedback", Text, nullable=True),
    Column("reward_cents", BigInteger, nullable=True),     # what approving it paid
    Column("version", Integer, nullable=False, server_default="1"),
    CheckConstraint("status IN ('Accepted', 'Submitted', 'Approved', 'Rejected', 'Returned', 'Abandoned')",
                    name="status"),
    Index("ix_assignments_hit_status_seq", "hit_id", "status", "seq"),
    Index("ix_assignments_worker_seq", "worker_id", "seq"),
    Index("ix_assignments_worker_status", "worker_id", "status"),
    Index("ix_assignments_requester_worker", "requester_id", "worker_id"),
    Index("ix_assignments_status_deadline", "status", "deadline_ms"),
    Index("ix_assignments_status_auto_approval", "status", "auto_approval_ms"),
    # "A Worker can accept a HIT only once": one holding assignment per worker and HIT.
    Index("uq_assignments_hit_worker_holding", "hit_id", "worker_id", unique=True,
          sqlite_where=text(HOLDING_SQL), postgresql_where=text(HOLDING_SQL)),
)

# SendBonus: one row per bonus paid (ListBonusPayments).
bonus_payments = Table(
    "bonus_payments", metadata,
    Column("seq", Seq, primary_key=True, autoincrement=True),
    Column("bonus_id", String(64), nullable=False, unique=True),
    Column("requester_id", String(64), ForeignKey("requesters.requester_id"), nullable=False),
    Column("hit_id", String(64), nullable=False),
    Column("assignment_id", String(64), ForeignKey("assignments.assignment_id"), nullable=False),
    Column("worker_id", String(64), nullable=False),
    Column("amount_cents", BigInteger, nullable=False),
    Column("fee_cents", BigInteger, nullable=False),
    Column("reason", Text, nullable=False),
    Column("grant_ms", BigInteger, nullable=False),
    Index("ix_bonus_payments_hit_seq", "hit_id", "seq"),
    Index("ix_bonus_payments_assignment_seq", "assignment_id", "seq"),
    Index("ix_bonus_payments_worker_seq", "worker_id", "seq"),
)


# -- notifications --------------------------------------------------------------------------------

NOTIFICATION_TRANSPORTS = ("Email", "SQS", "SNS")

# UpdateNotificationSettings: a HIT type's one NotificationSpecification, and whether it is active.
notification_settings = Table(
    "notification_settings", metadata,
    Column("hit_type_id", String(64), ForeignKey("hit_types.hit_type_id"), primary_key=True),
    Column("requester_id", String(64), ForeignKey("requesters.requester_id"), nullable=False),
    Column("destination", Text, nullable=False),
    Column("transport", String(8), nullable=False),
    Column("version", String(16), nullable=False),
    Column("event_types", Text, nullable=False),          # JSON list
    Column("active", Boolean, nullable=False),
    Column("updated_ms", BigInteger, nullable=False),
    CheckConstraint("transport IN ('Email', 'SQS', 'SNS')", name="transport"),
)

OUTBOX_STATUSES = ("Pending", "Sent")

# The transactional outbox: an event document written in the transaction of the change that caused it, then
# delivered (at least once) by a sender that leases rows. A row keeps its EventDocId and document through
# every retry; `last_error` says why the latest attempt failed.
notification_outbox = Table(
    "notification_outbox", metadata,
    Column("seq", Seq, primary_key=True, autoincrement=True),
    Column("event_doc_id", String(64), nullable=False, unique=True),
    Column("requester_id", String(64), ForeignKey("requesters.requester_id"), nullable=False),
    Column("hit_type_id", String(64), nullable=True),
    Column("event_type", String(32), nullable=False),
    Column("transport", String(8), nullable=False),
    Column("destination", Text, nullable=False),
    Column("document", Text, nullable=False),             # the JSON event document, as sent
    Column("created_ms", BigInteger, nullable=False),     # business time of the event
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_ms", BigInteger, nullable=False),   # wall-clock time (delivery is not business time)
    Column("lease_until_ms", BigInteger, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("sent_ms", BigInteger, nullable=True),
    CheckConstraint("status IN ('Pending', 'Sent')", name="status"),
    CheckConstraint("transport IN ('Email', 'SQS', 'SNS')", name="transport"),
    Index("ix_notification_outbox_status_next", "status", "next_attempt_ms"),
    Index("ix_notification_outbox_requester_seq", "requester_id", "seq"),
)

# What MTurk would have e-mailed a requester (notifications with Transport Email). Nothing is e-mailed.
requester_messages = Table(
    "requester_messages", metadata,
    Column("seq", Seq, primary_key=True, autoincrement=True),
    Column("requester_id", String(64), ForeignKey("requesters.requester_id"), nullable=False),
    Column("at_ms", BigInteger, nullable=False),
    Column("destination", Text, nullable=False),
    Column("subject", Text, nullable=False),
    Column("text", Text, nullable=False),
    Index("ix_requester_messages_requester_seq", "requester_id", "seq"),
)
