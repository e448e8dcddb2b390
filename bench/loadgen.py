"""The two load generators behind one call: `wrk` (C, preferred) or bench.pyload (Python fallback).

Both run as a child process, so their own CPU time is measured exactly (os.wait4's rusage) and the
report can show that the generator was not the bottleneck.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .pyload import write_requests
from .signing import Request

ROOT = Path(__file__).resolve().parents[1]

LUA_DONE = """
function done(summary, latency, requests)
  local e = summary.errors
  local f = io.open(%s, "w")
  f:write(string.format('{"requests": %%d, "duration_s": %%.6f, "p50_ms": %%.4f, "p90_ms": %%.4f, ' ..
    '"p99_ms": %%.4f, "max_ms": %%.4f, "errors": {"bad_status": %%d, "connect": %%d, "read": %%d, ' ..
    '"write": %%d, "timeout": %%d}}',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e3, latency:percentile(90) / 1e3,
    latency:percentile(99) / 1e3, latency.max / 1e3, e.status, e.connect, e.read, e.write, e.timeout))
  f:close()
end
"""


def lua_string(value: str | bytes) -> str:
    data = value.encode("latin-1") if isinstance(value, str) else value
    return '"' + "".join(chr(b) if 32 <= b < 127 and b not in (34, 92) else f"\\{b:03d}" for b in data) + '"'


def wrk_script(requests: list[Request], out: Path) -> str:
    # The exact bytes (wrk.format would reorder the headers, which live in a Lua table). With several
    # requests, request() hands them out in turn (one wrk thread: one counter for all connections).
    if len(requests) == 1:
        body = f"local raw = {lua_string(requests[0].raw())}\nfunction request()\n  return raw\nend\n"
    else:
        raws = ",\n  ".join(lua_string(r.raw()) for r in requests)
        body = (f"local raws = {{\n  {raws}\n}}\nlocal n, i = #raws, 0\n"
                "function request()\n  i = i % n + 1\n  return raws[i]\nend\n")
    return body + LUA_DONE % lua_string(str(out))


def run_child(cmd: list[str], timeout: float, stdout: Path, stderr: Path) -> tuple[int, float]:
    """Run cmd to completion (killed after `timeout`); (exit code, its user+system CPU seconds)."""
    with open(stdout, "wb") as out, open(stderr, "wb") as err:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, stdin=subprocess.DEVNULL, cwd=ROOT)
    deadline = time.monotonic() + timeout
    try:
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                proc.returncode = os.waitstatus_to_exitcode(status)
                return proc.returncode, usage.ru_utime + usage.ru_stime
            if time.monotonic() > deadline:
                proc.kill()
            time.sleep(0.02)
    except BaseException:  # interrupted (Ctrl-C, SIGTERM): do not leave the generator running
        proc.kill()
        proc.wait()
        raise


class Generator:
    name = "?"

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.tmp = Path(tempfile.mkdtemp(prefix="openturk-loadgen-"))

    def run(self, requests: list[Request], connections: int, seconds: float, ok_status: int = 200) -> dict:
        """Send `requests` in turn (one, or several to rotate through) on `connections` keep-alive
        connections for `seconds`. Answers with another status than `ok_status` are errors (wrk: those of
        status >= 400).

        Returns {requests, duration_s, p50_ms, p90_ms, p99_ms, max_ms, errors{...}, cpu_s}."""
        raise NotImplementedError

    def close(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)


class Wrk(Generator):
    name = "wrk"

    def __init__(self, host: str, port: int, exe: str):
        super().__init__(host, port)
        self.exe = exe
        banner = subprocess.run([exe, "--version"], capture_output=True, text=True, check=False).stdout
        self.version = banner.split(" [")[0].removeprefix("wrk ")  # "wrk debian/4.1.0-3+b2 [epoll] ..."

    def run(self, requests: list[Request], connections: int, seconds: float, ok_status: int = 200) -> dict:
        out, script = self.tmp / "result.json", self.tmp / "request.lua"
        out.unlink(missing_ok=True)
        script.write_text(wrk_script(requests, out))
        cmd = [self.exe, "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "5s",
               "-s", str(script), f"http://{self.host}:{self.port}{requests[0].path}"]
        code, cpu = run_child(cmd, seconds + 30, self.tmp / "wrk.out", self.tmp / "wrk.err")
        if code != 0 or not out.exists():
            logs = (self.tmp / "wrk.out").read_text() + (self.tmp / "wrk.err").read_text()
            raise RuntimeError(f"wrk failed ({code}): {logs}")
        return {**json.loads(out.read_text()), "cpu_s": cpu}


class PyLoad(Generator):
    name = "python-asyncio"

    def __init__(self, host: str, port: int):
        super().__init__(host, port)
        try:
            import uvloop
            self.version = f"uvloop {uvloop.__version__}"
        except ImportError:
            self.version = "asyncio"

    def run(self, requests: list[Request], connections: int, seconds: float, ok_status: int = 200) -> dict:
        raws, out = self.tmp / "requests.bin", self.tmp / "result.json"
        write_requests(raws, [r.raw() for r in requests])
        cmd = [sys.executable, "-m", "bench.pyload", str(raws), self.host, str(self.port), str(connections),
               str(seconds), str(ok_status)]
        code, cpu = run_child(cmd, seconds + 60, out, self.tmp / "pyload.log")
        if code != 0:
            raise RuntimeError(f"bench.pyload failed ({code}): {(self.tmp / 'pyload.log').read_text()}")
        return {**json.loads(out.read_text()), "cpu_s": cpu}


def make_generator(choice: str, host: str, port: int) -> Generator:
    exe = shutil.which("wrk")
    if choice == "wrk" and exe is None:
        raise SystemExit("bench: --generator wrk, but wrk is not installed (apt-get install wrk)")
    if choice in ("auto", "wrk") and exe is not None:
        return Wrk(host, port, exe)
    return PyLoad(host, port)
