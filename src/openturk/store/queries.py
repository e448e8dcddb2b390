"""Every SQL statement the operations use. Functions take a connection that is already inside a
transaction (see `Database.transaction`); state changes are guarded compare-and-set updates whose
rowcount says whether they happened."""

from __future__ import annotations

from sqlalchemy import Connection, and_, bindparam, func, insert, or_, select, update

from .tables import qualification_types as qt
from .tables import requesters, server_meta

# -- server meta --------------------------------------------------------------------------------

def get_meta(conn: Connection, key: str) -> str | None:
    return conn.execute(select(server_meta.c.value).where(server_meta.c.key == key)).scalar()


def insert_meta(conn: Connection, key: str, value: str) -> None:
    conn.execute(insert(server_meta).values(key=key, value=value))


# -- requesters ---------------------------------------------------------------------------------

def insert_requester(conn: Connection, **values) -> None:
    conn.execute(insert(requesters).values(**values))


_requester_by_key = select(requesters).where(requesters.c.access_key_id == bindparam("k"))


def requester_by_access_key(conn: Connection, access_key_id: str):
    return conn.execute(_requester_by_key, {"k": access_key_id}).mappings().first()


def list_requesters(conn: Connection):
    return conn.execute(select(requesters).order_by(requesters.c.created_ms, requesters.c.requester_id)).mappings().all()


def count_requesters(conn: Connection) -> int:
    return conn.execute(select(func.count()).select_from(requesters)).scalar_one()


# -- qualification types ------------------------------------------------------------------------

def insert_qualification_type(conn: Connection, **values) -> None:
    """Raises IntegrityError when the owner already has a type with this name reserved."""
    conn.execute(insert(qt).values(**values))


def release_disposed_name(conn: Connection, owner_id: str, name: str, disposed_before_ms: int) -> None:
    """Free the name of a type whose disposal finished (disposed before the cut-off)."""
    conn.execute(update(qt).where(qt.c.owner_id == owner_id, qt.c.name_key == name,
                                  qt.c.status == "Disposing", qt.c.disposed_ms <= disposed_before_ms)
                 .values(name_key=None))


_type_by_id = select(qt).where(qt.c.qualification_type_id == bindparam("id"))


def qualification_type_by_id(conn: Connection, type_id: str):
    return conn.execute(_type_by_id, {"id": type_id}).mappings().first()


def qualification_type_id_by_name(conn: Connection, owner_id: str, name: str) -> str | None:
    return conn.execute(select(qt.c.qualification_type_id)
                        .where(qt.c.owner_id == owner_id, qt.c.name_key == name)).scalar()


def update_qualification_type(conn: Connection, seq: int, version: int, values: dict) -> bool:
    """Compare-and-set: applies only if nobody changed the type since it was read at `version`."""
    result = conn.execute(update(qt).where(qt.c.seq == seq, qt.c.version == version,
                                           qt.c.status.in_(("Active", "Inactive")))
                          .values(version=version + 1, **values))
    return result.rowcount == 1


def dispose_qualification_type(conn: Connection, seq: int, now_ms: int) -> bool:
    """Active|Inactive → Disposing; False if it was not in one of those states."""
    result = conn.execute(update(qt).where(qt.c.seq == seq, qt.c.status.in_(("Active", "Inactive")))
                          .values(status="Disposing", disposed_ms=now_ms, version=qt.c.version + 1))
    return result.rowcount == 1


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def list_qualification_types(conn: Connection, *, after_seq: int, limit: int, requestable_only: bool,
                             owner_id: str | None, query: str | None):
    """One page of visible types in creation order (keyset pagination on `seq`)."""
    conditions = [qt.c.seq > after_seq, qt.c.status.in_(("Active", "Inactive"))]
    if requestable_only:
        conditions += [qt.c.is_requestable.is_(True), qt.c.status == "Active"]
    if owner_id is not None:
        conditions.append(qt.c.owner_id == owner_id)
    if query:
        pattern = f"%{_escape_like(query.lower())}%"
        conditions.append(or_(func.lower(qt.c.name).like(pattern, escape="\\"),
                              func.lower(qt.c.description).like(pattern, escape="\\"),
                              func.lower(func.coalesce(qt.c.keywords, "")).like(pattern, escape="\\")))
    stmt = select(qt).where(and_(*conditions)).order_by(qt.c.seq).limit(limit)
    return conn.execute(stmt).mappings().all()


_requester_by_id = select(requesters).where(requesters.c.requester_id == bindparam("id"))


def requester_by_id(conn: Connection, requester_id: str):
    return conn.execute(_requester_by_id, {"id": requester_id}).mappings().first()
