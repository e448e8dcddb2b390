"""A throwaway PostgreSQL server for the scale benchmark, started the way scripts/with-postgres does it.

Binaries: initdb/pg_ctl on PATH, else the newest /usr/lib/postgresql/*/bin (Debian's `postgresql`
package). As root, initdb and the server run as the `postgres` user. The data directory is a
temporary directory (under /tmp unless told otherwise), removed by stop().

Settings differ from scripts/with-postgres (which turns fsync off for tests): a benchmark should
measure a server one could deploy. `synchronous_commit=off` is the one relaxation, and it matches
openturk's SQLite setting (WAL with synchronous=NORMAL: a commit is not flushed to disk before the
answer; a crash of the machine can lose the last transactions, never corrupt the database).
shared_buffers is 1 GB (the default 128 MB is far below what anyone would give a 10M-row database).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

SETTINGS = {"listen_addresses": "127.0.0.1", "synchronous_commit": "off", "shared_buffers": "1GB",
            "max_wal_size": "8GB", "max_connections": "300"}


def bindir() -> Path:
    initdb = shutil.which("initdb")
    if initdb and shutil.which("pg_ctl"):
        return Path(os.path.realpath(initdb)).parent
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin"),
                   key=lambda p: [int(x) for x in Path(p).parent.name.split(".") if x.isdigit()])
    if not found:
        raise RuntimeError("no PostgreSQL binaries (initdb, pg_ctl) found: apt-get install postgresql")
    return Path(found[-1])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Postgres:
    def __init__(self, parent: Path | None = None):
        self.bin = bindir()
        # Under /tmp by default: the postgres user must be able to reach it.
        self.tmp = Path(tempfile.mkdtemp(prefix="openturk-pg-", dir=parent))
        self.data = self.tmp / "data"
        self.port = _free_port()
        self.run_as: list[str] = []
        self.started = False

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *cmd: str) -> None:
        subprocess.run([*self.run_as, *cmd], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def start(self) -> str:
        if os.geteuid() == 0:   # initdb refuses to run as root
            subprocess.run(["id", "postgres"], check=True, stdout=subprocess.DEVNULL)
            shutil.chown(self.tmp, "postgres")
            self.tmp.chmod(0o700)
            self.run_as = ["runuser", "-u", "postgres", "--"]
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust",
                  "-E", "UTF8", "--no-locale")
        options = " ".join(f"-c {k}={v}" for k, v in SETTINGS.items())
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.tmp / "log"),
                  "-w", "-t", "60", "-o", f"{options} -p {self.port} -k {self.tmp}", "start")
        self.started = True
        return self.url

    def pid(self) -> int | None:
        """The postmaster's process id (its backends are its children)."""
        try:
            return int((self.data / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def version(self) -> str:
        out = subprocess.run([str(self.bin / "postgres"), "--version"], capture_output=True, text=True)
        return out.stdout.strip()

    def stop(self) -> None:
        if self.started:
            subprocess.run([*self.run_as, str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast",
                            "stop"], check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            self.started = False
        shutil.rmtree(self.tmp, ignore_errors=True)

    def __enter__(self) -> Postgres:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
