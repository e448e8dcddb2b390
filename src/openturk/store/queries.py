"""Every SQL statement the operations use, written with SQLAlchemy Core and prepared once per dialect
(`Prepared`). Functions take a `Tx` (a connection already inside a transaction, see
`Database.transaction`); state changes are guarded compare-and-set updates whose rowcount says whether
they happened, and uniqueness is left to constraints."""

from __future__ import annotations

from functools import cache

from sqlalchemy import and_, func, insert, select, tuple_, update
from sqlalchemy import bindparam as _bindparam
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement

from .db import Prepared, Tx
from .tables import qualification_types as qt
from .tables import requesters, server_meta


def bindparam(name: str):
    """A parameter given at execution time (not required when the statement is prepared)."""
    return _bindparam(name, required=False)


class code_point_order(ColumnElement):
    """A text column compared character by character (Unicode code points), the same on both databases:
    SQLite's default BINARY collation does that already; PostgreSQL's default collation follows the
    locale (which ignores punctuation and case in en_US), so there it is `COLLATE "C"`."""

    inherit_cache = True

    def __init__(self, column):
        self.column = column
        self.type = column.type


@compiles(code_point_order)
def _code_point_order(element, compiler, **kw):
    return compiler.process(element.column, **kw)


@compiles(code_point_order, "postgresql")
def _code_point_order_postgresql(element, compiler, **kw):
    return compiler.process(element.column, **kw) + ' COLLATE "C"'


def keyset_page(order: tuple, descending: bool):
    """A legacy listing's page that starts right after the row whose sort key (the `order` columns) is
    (:k0, :k1, …): the row values compared as a whole, in the listing's direction."""
    key = tuple_(*(bindparam(f"k{i}") for i in range(len(order))))
    return tuple_(*order) < key if descending else tuple_(*order) > key


def key_params(after: tuple | None) -> dict:
    return {} if after is None else {f"k{i}": value for i, value in enumerate(after)}


def _insert_all(table, skip=()):
    """INSERT of every column (but `skip`), each a bind parameter named after the column."""
    return Prepared(insert(table).values({c.name: bindparam(c.name) for c in table.c if c.name not in skip}))


# -- server meta --------------------------------------------------------------------------------

_get_meta = Prepared(select(server_meta.c.value).where(server_meta.c.key == bindparam("key")))
_insert_meta = _insert_all(server_meta)


def get_meta(tx: Tx, key: str) -> str | None:
    return tx.scalar(_get_meta, {"key": key})


_update_meta = Prepared(update(server_meta).where(server_meta.c.key == bindparam("key"))
                        .values(value=bindparam("value")))


def put_meta(tx: Tx, key: str, value: str) -> None:
    if tx.rowcount(_update_meta, {"key": key, "value": value}) == 0:
        insert_meta(tx, key, value)


def insert_meta(tx: Tx, key: str, value: str) -> bool:
    """False if another process inserted the key first."""
    return tx.insert_unique(_insert_meta, {"key": key, "value": value})


# -- requesters ---------------------------------------------------------------------------------

_insert_requester = _insert_all(requesters)
_requester_by_key = Prepared(select(requesters).where(requesters.c.access_key_id == bindparam("key")))
_requester_by_id = Prepared(select(requesters).where(requesters.c.requester_id == bindparam("id")))
_list_requesters = Prepared(select(requesters).order_by(requesters.c.created_ms, requesters.c.requester_id))
_count_requesters = Prepared(select(func.count()).select_from(requesters))


def insert_requester(tx: Tx, **values) -> None:
    """A requester row; its `balance_cents` must be matched by a ledger entry (service.add_requester)."""
    tx.execute(_insert_requester, values)


def requester_by_access_key(tx: Tx, access_key_id: str) -> dict | None:
    return tx.one(_requester_by_key, {"key": access_key_id})


def requester_by_id(tx: Tx, requester_id: str) -> dict | None:
    return tx.one(_requester_by_id, {"id": requester_id})


def list_requesters(tx: Tx) -> list[dict]:
    return tx.all(_list_requesters)


def count_requesters(tx: Tx) -> int:
    return tx.scalar(_count_requesters)


# -- qualification types ------------------------------------------------------------------------

_insert_type = _insert_all(qt, skip=("seq",))
_type_by_id = Prepared(select(qt).where(qt.c.qualification_type_id == bindparam("id")))
_type_by_id_for_update = Prepared(select(qt).where(qt.c.qualification_type_id == bindparam("id")).with_for_update())
_type_id_by_name = Prepared(select(qt.c.qualification_type_id)
                            .where(qt.c.owner_id == bindparam("owner"), qt.c.name_key == bindparam("name")))
def _release_name() -> Prepared:
    from .hit_queries import in_use_condition   # hit_queries imports this module
    return Prepared(update(qt).where(qt.c.owner_id == bindparam("owner"), qt.c.name_key == bindparam("name"),
                                     qt.c.status == "Disposing", qt.c.disposed_ms <= bindparam("before"),
                                     ~in_use_condition(qt.c.qualification_type_id))
                    .values(name_key=None))
MUTABLE_COLUMNS = ("description", "search_text", "status", "test", "test_duration_in_seconds", "answer_key",
                   "retry_delay_in_seconds", "auto_granted", "auto_granted_value")
_dispose_type = Prepared(update(qt).where(qt.c.seq == bindparam("b_seq"), qt.c.status.in_(("Active", "Inactive")))
                         .values(status="Disposing", disposed_ms=bindparam("now"), version=qt.c.version + 1))


@cache
def _release_name_prepared() -> Prepared:
    return _release_name()


def insert_qualification_type(tx: Tx, **values) -> bool:
    """False when the owner already has a type with this name reserved (the unique constraint)."""
    return tx.insert_unique(_insert_type, values)


def release_disposed_name(tx: Tx, owner_id: str, name: str, disposed_before_ms: int) -> None:
    """Free the name of a type whose disposal finished (disposed before the cut-off, used by no HIT that is
    not disposed)."""
    tx.execute(_release_name_prepared(), {"owner": owner_id, "name": name, "before": disposed_before_ms})


def qualification_type_by_id(tx: Tx, type_id: str, *, for_update: bool = False) -> dict | None:
    """The type; `for_update` locks its row until the transaction ends (PostgreSQL; no-op on SQLite)."""
    if "\x00" in type_id:   # no id holds U+0000, and PostgreSQL refuses to compare text with it
        return None
    return tx.one(_type_by_id_for_update if for_update else _type_by_id, {"id": type_id})


def qualification_type_id_by_name(tx: Tx, owner_id: str, name: str) -> str | None:
    return tx.scalar(_type_id_by_name, {"owner": owner_id, "name": name})


_MUTABLE = frozenset(MUTABLE_COLUMNS)


@cache
def _update_type(columns: tuple[str, ...], compare_version: bool) -> Prepared:
    conditions = [qt.c.seq == bindparam("b_seq"), qt.c.status.in_(("Active", "Inactive"))]
    if compare_version:
        conditions.append(qt.c.version == bindparam("b_version"))
    return Prepared(update(qt).where(*conditions)
                    .values(version=qt.c.version + 1, **{name: bindparam(name) for name in columns})
                    .returning(*qt.c))


def update_qualification_type(tx: Tx, seq: int, values: dict, *, version: int | None) -> dict | None:
    """Set `values` (some of MUTABLE_COLUMNS) if the type is still Active or Inactive and, when `version` is
    given, nobody changed it since it was read at that version (compare-and-set). The type as updated
    (RETURNING: no second read), or None."""
    unknown = values.keys() - _MUTABLE
    if unknown:
        raise ValueError(f"not mutable: {sorted(unknown)}")
    rows = tx.all(_update_type(tuple(sorted(values)), version is not None),
                  {"b_seq": seq, "b_version": version, **values})
    return rows[0] if rows else None


def dispose_qualification_type(tx: Tx, seq: int, now_ms: int) -> bool:
    """Active|Inactive → Disposing; False if it was not in one of those states."""
    return tx.rowcount(_dispose_type, {"b_seq": seq, "now": now_ms}) == 1


def _type_filters(requestable_only: bool, owned: bool, searched: bool) -> list:
    """Which types a search shows: visible ones (never Disposing); with `requestable_only`, Active
    requestable ones; with `owned`, the caller's; with `searched`, those matching the pattern."""
    conditions = [qt.c.status.in_(("Active", "Inactive"))]
    if requestable_only:
        conditions += [qt.c.is_requestable.is_(True), qt.c.status == "Active"]
    if owned:
        conditions.append(qt.c.owner_id == bindparam("owner"))
    if searched:
        conditions.append(qt.c.search_text.like(bindparam("pattern"), escape="\\"))
    return conditions


@cache
def _list_types(requestable_only: bool, owned: bool, searched: bool) -> Prepared:
    conditions = [qt.c.seq > bindparam("after"), *_type_filters(requestable_only, owned, searched)]
    return Prepared(select(qt).where(and_(*conditions)).order_by(qt.c.seq).limit(bindparam("limit")))


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _search_params(owner_id: str | None, query: str | None) -> dict:
    return {"owner": owner_id, "pattern": f"%{_escape_like(query.casefold())}%" if query else None}


def list_qualification_types(tx: Tx, *, after_seq: int, limit: int, requestable_only: bool,
                             owner_id: str | None, query: str | None) -> list[dict]:
    """One page of visible types in creation order (keyset pagination on `seq`)."""
    params = {"after": after_seq, "limit": limit, **_search_params(owner_id, query)}
    return tx.all(_list_types(requestable_only, owner_id is not None, bool(query)), params)


# Legacy SearchQualificationTypes pages by number and reports a total: a count and a page sorted by Name,
# either after the previous page's last row (keyset: ops.legacy keeps where pages ended) or by OFFSET
# (a page asked for out of turn).

@cache
def _count_types(requestable_only: bool, owned: bool, searched: bool) -> Prepared:
    return Prepared(select(func.count()).select_from(qt).where(and_(*_type_filters(requestable_only, owned, searched))))


@cache
def _types_by_name(requestable_only: bool, owned: bool, searched: bool, descending: bool, keyset: bool) -> Prepared:
    key = (code_point_order(qt.c.name), qt.c.seq)
    conditions = _type_filters(requestable_only, owned, searched)
    if keyset:
        conditions = [*conditions, keyset_page(key, descending)]
    statement = (select(qt).where(and_(*conditions)).order_by(*(c.desc() if descending else c for c in key))
                 .limit(bindparam("limit")))
    return Prepared(statement if keyset else statement.offset(bindparam("offset")))


def count_qualification_types(tx: Tx, *, requestable_only: bool, owner_id: str | None, query: str | None) -> int:
    """How many types `qualification_types_by_name` pages through."""
    return tx.scalar(_count_types(requestable_only, owner_id is not None, bool(query)), _search_params(owner_id, query))


def qualification_types_by_name(tx: Tx, *, requestable_only: bool, owner_id: str | None, query: str | None,
                                descending: bool, offset: int, limit: int, after: tuple | None = None) -> list[dict]:
    """The same types as `list_qualification_types`, sorted by Name (code-point order; ties in creation
    order), `limit` of them from `offset` — or, given `after` (a type's (name, seq)), right after it."""
    params = {"offset": offset, "limit": limit, **key_params(after), **_search_params(owner_id, query)}
    return tx.all(_types_by_name(requestable_only, owner_id is not None, bool(query), descending, after is not None),
                  params)
