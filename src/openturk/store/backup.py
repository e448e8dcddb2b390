"""`openturk db backup`: an online, consistent copy of a SQLite database.

sqlite3's backup API copies the database in one step (`pages=-1`) inside one read transaction, so the
copy is the database as of one commit. In WAL mode the server's writers go on meanwhile: a reader
never blocks a writer. (A step-wise backup would restart whenever another connection writes, and
under a steady load might never finish; a plain file copy can miss commits still in the -wal file.)
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path


class BackupError(RuntimeError):
    pass


def backup_sqlite(source: Path, target: Path) -> int:
    """Copy the SQLite database `source` to the new file `target`; return its size in bytes.

    The copy is written next to `target` under a temporary name, checked with `PRAGMA
    integrity_check`, switched to journal_mode=DELETE (one self-contained file; openturk turns WAL
    on again when it serves it) and only then renamed to `target`. It holds the requesters' secret
    keys: it is created readable by its owner only."""
    if not source.is_file():
        raise BackupError(f"there is no SQLite database at {source}")
    if target.exists():
        raise BackupError(f"{target} already exists; give a new file name")
    if not target.parent.is_dir():
        raise BackupError(f"the directory {target.parent} does not exist")
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    try:
        src = sqlite3.connect(source, timeout=30)
        try:
            dst = sqlite3.connect(partial)
            try:
                src.backup(dst)     # pages=-1: all of it in one step, one snapshot
                result = dst.execute("PRAGMA integrity_check").fetchall()
                if result != [("ok",)]:
                    raise BackupError("the copy failed its integrity check: "
                                      + "; ".join(row[0] for row in result[:5]))
                dst.execute("PRAGMA journal_mode=DELETE")
            finally:
                dst.close()
        finally:
            src.close()
        with open(partial, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(partial, target)
    except sqlite3.Error as exc:
        raise BackupError(f"the backup failed: {exc}") from None
    finally:
        for end in ("", "-journal", "-wal", "-shm"):
            partial.with_name(partial.name + end).unlink(missing_ok=True)
    return target.stat().st_size
