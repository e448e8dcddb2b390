"""The server under test: `openturk serve` as a subprocess, on a fresh SQLite data directory or on a given
database."""

from __future__ import annotations

import configparser
import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Self

from . import procfs

HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def openturk_command() -> list[str]:
    exe = Path(sys.executable).with_name("openturk")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "openturk.cli"]


class Server:
    def __init__(self, workers: int, data_dir: Path | None = None, database_url: str | None = None):
        """A fresh temporary SQLite data directory (removed by stop()), or `data_dir` (kept) and, with
        `database_url`, that database instead of the data directory's SQLite file."""
        self.workers = workers
        self.port = free_port()
        self.endpoint = f"http://{HOST}:{self.port}"
        self.keep_data = data_dir is not None
        self.data_dir = data_dir or Path(tempfile.mkdtemp(prefix="openturk-bench-"))
        self.database_url = database_url
        self.log_path = self.data_dir / f"server-{self.workers}.log"
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 60) -> Self:
        cmd = [*openturk_command(), "serve", "--host", HOST, "--port", str(self.port), "--data-dir",
               str(self.data_dir), "--workers", str(self.workers), "--log-level", "warning"]
        if self.database_url:
            cmd += ["--database-url", self.database_url]
        with open(self.log_path, "wb") as log:
            # Own session: stop() can signal the whole group (supervisor, workers, resource tracker).
            self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                         start_new_session=True)
        deadline = time.monotonic() + timeout
        while not (self._healthy() and len(self.worker_pids()) >= self.workers):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start:\n{self.log_tail()}")
            time.sleep(0.1)
        time.sleep(0.5 if self.workers == 1 else 2.0)  # let every worker finish importing and listen
        return self

    def _healthy(self) -> bool:
        try:
            conn = http.client.HTTPConnection(HOST, self.port, timeout=2)
            conn.request("GET", "/healthz")
            ok = conn.getresponse().status == 200
            conn.close()
            return ok
        except OSError:
            return False

    def credentials(self) -> tuple[str, str]:
        parser = configparser.ConfigParser()
        parser.read(self.data_dir / "credentials")
        return parser["openturk"]["aws_access_key_id"], parser["openturk"]["aws_secret_access_key"]

    def pids(self) -> list[int]:
        return procfs.descendants(self.proc.pid)

    def worker_pids(self) -> list[int]:
        """The processes that answer requests: the root itself with one worker, else its spawned children."""
        if self.workers == 1:
            return [self.proc.pid]
        return [p for p in self.pids() if "openturk.web.server" in procfs.cmdline(p)]

    def role(self, pid: int) -> str:
        if pid == self.proc.pid:
            return "server" if self.workers == 1 else "supervisor"
        line = procfs.cmdline(pid)
        if "openturk.web.server" in line:
            return "worker"
        return "resource_tracker" if "resource_tracker" in line else "other"

    def cpu(self) -> dict[int, float]:
        return procfs.tree_cpu(self.proc.pid)

    def memory(self) -> dict:
        """Resident memory of every process of the server (VmRSS, and its peak VmHWM), and the total."""
        rows = [{"pid": pid, "role": self.role(pid), **procfs.memory_kb(pid)} for pid in sorted(self.pids())]
        return {"processes": rows, "rss_mb_total": round(sum(r.get("rss_kb", 0) for r in rows) / 1024, 1),
                "rss_mb_workers": round(sum(r.get("rss_kb", 0) for r in rows
                                            if r["role"] in ("server", "worker")) / 1024, 1)}

    def log_tail(self, lines: int = 30) -> str:
        """The server's output after its start-up banner (which shows the throwaway secret key)."""
        try:
            out = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return ""
        banner_end = next((i for i, line in enumerate(out) if line.startswith("  try: ")), -1)
        out = [line for line in out[banner_end + 1:] if "SecretAccessKey" not in line]
        return "\n".join(out[-lines:])

    def _remove_data(self) -> None:
        if not self.keep_data:
            shutil.rmtree(self.data_dir, ignore_errors=True)

    def stop(self) -> None:
        if self.proc is None:
            self._remove_data()
            return
        if self.proc.poll() is None:
            for sig, grace in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
                try:
                    os.killpg(self.proc.pid, sig)
                except ProcessLookupError:
                    break
                try:
                    self.proc.wait(grace)
                    break
                except subprocess.TimeoutExpired:
                    continue
        # Workers may outlive a supervisor killed hard: make sure nothing of this group is left.
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self._remove_data()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
