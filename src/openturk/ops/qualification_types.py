"""CreateQualificationType, GetQualificationType, ListQualificationTypes, UpdateQualificationType,
DeleteQualificationType."""

from __future__ import annotations

from .. import errors, ids
from ..domain import qualification_types as rules
from ..store import hit_queries, queries, request_queries
from . import pagination
from .context import Conflict, Ctx
from .presenters import qualification_type as present
from .registry import operation


def _visible_type(ctx: Ctx, type_id: str):
    """The type, or QualificationTypeDoesNotExist. Disposing types are gone for everyone
    (openturk choice; Update and Delete explain their state instead, see `owned_type`)."""
    row = queries.qualification_type_by_id(ctx.conn, type_id)
    if row is None or row["status"] == "Disposing":
        raise errors.qualification_type_does_not_exist(type_id)
    return row


def owned_type(ctx: Ctx, type_id: str, *, allow_disposing: bool = False, lock: bool = False):
    """The caller's own type in state Active or Inactive (or Disposing, if allowed). "Only the owner of a
    Qualification type can modify its attributes." System types have no owner and so cannot be changed
    by anyone. `lock` holds the row until the transaction ends (for operations that change the type)."""
    row = queries.qualification_type_by_id(ctx.conn, type_id, for_update=lock)
    if row is None or disposal_finished(ctx, row):
        raise errors.qualification_type_does_not_exist(type_id)
    if row["owner_id"] != ctx.caller.requester_id:
        raise errors.permission_denied()
    if row["status"] == "Disposing" and not allow_disposing:
        raise errors.invalid_qualification_type_state("Disposing")
    return row


def disposal_finished(ctx: Ctx, row) -> bool:
    """A Disposing type is gone once its disposal time has passed and no HIT that is not disposed uses it
    ("DeleteQualificationType must wait for all the HITs that use the deleted Qualification type to be
    deleted before completing")."""
    return (row["status"] == "Disposing" and row["disposed_ms"] <= ctx.now_ms - ctx.settings.dispose_seconds * 1000
            and not hit_queries.qualification_type_in_use(ctx.conn, row["qualification_type_id"]))


def _attributes(row) -> rules.TypeAttributes:
    test = None
    if row["test"] is not None:
        test = rules.Test(row["test"], row["test_duration_in_seconds"], row["answer_key"])
    return rules.TypeAttributes(row["description"], row["status"], test, row["retry_delay_in_seconds"],
                                row["auto_granted"], row["auto_granted_value"])


def _columns(attrs: rules.TypeAttributes) -> dict:
    test = attrs.test
    return {
        "description": attrs.description,
        "status": attrs.status,
        "test": test.question_form if test else None,
        "test_duration_in_seconds": test.duration_in_seconds if test else None,
        "answer_key": test.answer_key if test else None,
        "retry_delay_in_seconds": attrs.retry_delay_in_seconds,
        "auto_granted": attrs.auto_granted,
        "auto_granted_value": attrs.auto_granted_value,
    }


@operation("CreateQualificationType")
def create_qualification_type(ctx: Ctx, *, name: str, description: str, qualification_type_status: str,
                              keywords: str | None = None, retry_delay_in_seconds: int | None = None,
                              test: str | None = None, answer_key: str | None = None,
                              test_duration_in_seconds: int | None = None, auto_granted: bool | None = None,
                              auto_granted_value: int | None = None) -> dict:
    """"The CreateQualificationType operation creates a new Qualification type." Name must be unique among
    the caller's types, including types still being disposed of."""
    rules.check_name(name)
    rules.check_keywords(keywords)
    attrs = rules.new_type(description=description, status=qualification_type_status,
                           retry_delay_in_seconds=retry_delay_in_seconds, test=test, answer_key=answer_key,
                           test_duration_in_seconds=test_duration_in_seconds, auto_granted=auto_granted,
                           auto_granted_value=auto_granted_value)
    owner = ctx.caller.requester_id
    queries.release_disposed_name(ctx.conn, owner, name, ctx.now_ms - ctx.settings.dispose_seconds * 1000)
    type_id = ids.qualification_type_id()
    inserted = queries.insert_qualification_type(
        ctx.conn, qualification_type_id=type_id, owner_id=owner, name=name, name_key=name, keywords=keywords,
        is_requestable=True, creation_ms=ctx.now_ms, disposed_ms=None, version=1,
        search_text=rules.search_text(name, attrs.description, keywords), **_columns(attrs))
    if not inserted:
        existing = queries.qualification_type_id_by_name(ctx.conn, owner, name)
        if existing is None:   # the conflicting row vanished: try again from the start
            raise Conflict()
        raise errors.qualification_type_already_exists(existing)
    return {"qualification_type": present(queries.qualification_type_by_id(ctx.conn, type_id), owner)}


@operation("GetQualificationType")
def get_qualification_type(ctx: Ctx, *, qualification_type_id: str) -> dict:
    """"The GetQualificationType operation retrieves information about a Qualification type using its ID."
    Any requester may read any type (it can be used in any HIT's requirements)."""
    row = _visible_type(ctx, qualification_type_id)
    return {"qualification_type": present(row, ctx.caller.requester_id)}


@operation("ListQualificationTypes")
def list_qualification_types(ctx: Ctx, *, must_be_requestable: bool, query: str | None = None,
                             must_be_owned_by_caller: bool | None = None, next_token: str | None = None,
                             max_results: int | None = None) -> dict:
    """"The ListQualificationTypes operation returns a list of Qualification types, filtered by an optional
    search term." MustBeOwnedByCaller defaults to false. Query matches name, description and keywords,
    case-insensitively, as a substring."""
    rules.check_query(query)
    filters = {"r": must_be_requestable, "o": bool(must_be_owned_by_caller), "q": query or ""}
    limit = max_results or pagination.DEFAULT_PAGE_SIZE
    after = pagination.read_token(ctx.token_key, next_token, filters)
    rows = queries.list_qualification_types(
        ctx.conn, after_seq=after, limit=limit + 1, requestable_only=must_be_requestable,
        owner_id=ctx.caller.requester_id if must_be_owned_by_caller else None, query=query)
    rows, token, more = pagination.mturk_page(rows, limit, ctx.token_key, filters, lambda row: row["seq"])
    caller = ctx.caller.requester_id
    return {"num_results": len(rows), "next_token": token, "more": more,
            "qualification_types": [present(row, caller) for row in rows]}


# The attributes whose new values UpdateQualificationType's rules take from the request alone. A change to
# these only is written column by column, guarded only by the type's state (still Active or Inactive): it
# cannot undo a concurrent change to another attribute, so it needs neither the type's version nor a lock.
# A change to the test or to auto-granting is checked against the type's current test and auto-granting
# (`rules.apply_update`): it is written only if the type is as it was read (its version).
_INDEPENDENT_COLUMNS = frozenset({"description", "search_text", "status", "retry_delay_in_seconds"})


@operation("UpdateQualificationType", single_write=True)
def update_qualification_type(ctx: Ctx, *, qualification_type_id: str, **changes) -> dict:
    """"The UpdateQualificationType operation modifies the attributes of an existing Qualification type" —
    the rules are in `domain.qualification_types.apply_update`. Its one write is a single guarded statement
    (`single_write`: on PostgreSQL its first attempt reads without a lock, outside a transaction)."""
    row = owned_type(ctx, qualification_type_id, lock=ctx.conn.transactional)
    new = rules.apply_update(_attributes(row), **changes)
    columns = {**_columns(new), "search_text": rules.search_text(row["name"], new.description, row["keywords"])}
    changed = {name: value for name, value in columns.items() if value != row[name]}
    if not changed:
        return {"qualification_type": present(row, ctx.caller.requester_id)}
    version = None if changed.keys() <= _INDEPENDENT_COLUMNS else row["version"]
    updated = queries.update_qualification_type(ctx.conn, row["seq"], changed, version=version)
    if updated is None:
        raise Conflict()
    return {"qualification_type": present(updated, ctx.caller.requester_id)}


@operation("DeleteQualificationType")
def delete_qualification_type(ctx: Ctx, *, qualification_type_id: str) -> dict:
    """"The DeleteQualificationType deletes a Qualification type and deletes any HIT types that are
    associated with the Qualification type." The type becomes Disposing: not listed, its name still
    reserved, granted qualifications kept; a second call answers InvalidQualificationTypeState.
    Its pending qualification requests are rejected."""
    row = owned_type(ctx, qualification_type_id, lock=True)
    if not queries.dispose_qualification_type(ctx.conn, row["seq"], ctx.now_ms):
        raise Conflict()
    # "Pending requests for the Qualification type are rejected": waiting ones and open test sessions.
    request_queries.reject_open_requests(ctx.conn, qualification_type_id, ctx.now_ms,
                                         "The Qualification type was deleted.")
    return {}
