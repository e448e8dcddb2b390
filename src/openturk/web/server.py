"""Running the ASGI app: one process, or `--workers N` processes that each listen on the same port.

With N > 1 every process binds its own socket with SO_REUSEPORT, so the kernel spreads incoming
connections across them. (uvicorn's own `workers=N` shares one listening socket, and a burst of
keep-alive connections often lands on a single process: `make bench` measured 0.9× instead of ~1.7×.)
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

import uvicorn

from ..config import Settings, load_settings, to_environ
from ..logs import configure_logging

WORKER_MODULE = "openturk.web.server"
MAX_HEAD_BYTES = 131_072    # request line + headers; httptools refuses URLs over 65,535 bytes anyway


def uvicorn_options(settings: Settings) -> dict:
    # In JSON mode uvicorn's own records go through openturk's handler (no log_config of its own), so
    # that every line on stderr is JSON. X-Forwarded-For/-Proto are believed from forwarded_allow_ips only.
    log_config = {"log_config": None} if settings.log_format == "json" else {}
    return dict(host=settings.host, port=settings.port, log_level=settings.log_level, access_log=False,
                loop="uvloop", lifespan="on", proxy_headers=True,
                forwarded_allow_ips=settings.forwarded_allow_ips, **log_config, **connection_limits(settings))


def connection_limits(settings: Settings) -> dict:
    """uvicorn options for slow and oversized requests (docs/reliability.md#limits)."""
    from .protocol import BoundedHttpToolsProtocol
    return dict(http=BoundedHttpToolsProtocol.configured(settings.read_timeout_seconds, MAX_HEAD_BYTES),
                timeout_keep_alive=settings.keep_alive_seconds)


def run(settings: Settings) -> int:
    from .app import create_app
    if settings.workers <= 1:
        uvicorn.run(create_app(settings), **uvicorn_options(settings))
        return 0
    return _supervise(settings)


def _supervise(settings: Settings) -> int:
    """Start the worker processes, pass SIGINT/SIGTERM on to them, and stop all if one dies."""
    # A new, empty directory per run for the processes' metrics (web/metrics.py), removed at the end; the
    # directories of supervisors that were killed (SIGKILL leaves no `finally`) are removed at the start.
    remove_orphaned_metrics_dirs(tempfile.gettempdir())
    metrics_dir = tempfile.mkdtemp(prefix=f"{METRICS_DIR_PREFIX}{os.getpid()}-")
    try:
        env = {**os.environ, **to_environ(settings), "PROMETHEUS_MULTIPROC_DIR": metrics_dir}
        return _run_children(settings, env)
    finally:
        shutil.rmtree(metrics_dir, ignore_errors=True)


METRICS_DIR_PREFIX = "openturk-metrics-"


def remove_orphaned_metrics_dirs(parent: str) -> list[str]:
    """Remove this user's metrics directories whose supervisor (the pid in the name) no longer runs."""
    removed = []
    for entry in os.scandir(parent):
        pid, dash, _rest = entry.name.removeprefix(METRICS_DIR_PREFIX).partition("-")
        if (not entry.name.startswith(METRICS_DIR_PREFIX) or not dash or not pid.isascii() or not pid.isdigit()
                or not entry.is_dir(follow_symlinks=False)):
            continue
        if entry.stat(follow_symlinks=False).st_uid != os.getuid() or _running(int(pid)):
            continue
        shutil.rmtree(entry.path, ignore_errors=True)
        removed.append(entry.path)
    return removed


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:     # someone else's process
        return True
    return True


def _run_children(settings: Settings, env: dict[str, str]) -> int:
    children = [subprocess.Popen([sys.executable, "-m", WORKER_MODULE], env=env) for _ in range(settings.workers)]
    stopping = threading.Event()

    def stop(*_args) -> None:
        stopping.set()
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    while True:
        codes = [child.poll() for child in children]
        if all(code is not None for code in codes):
            break
        if not stopping.is_set() and any(code is not None for code in codes):
            print("openturk: a server process exited; stopping the others", file=sys.stderr, flush=True)
            stop()
        time.sleep(0.1)
    return 0 if stopping.is_set() and all(code in (0, -signal.SIGTERM) for code in codes) else 1


def _listening_socket(host: str, port: int) -> socket.socket:
    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(address)
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def _exit_with_parent() -> None:
    """A worker outliving its supervisor (killed with SIGKILL) would keep the port: leave too."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def worker_main() -> None:
    """One of the `--workers N` processes; settings arrive as OPENTURK_* variables."""
    from .app import create_app
    settings = load_settings()
    configure_logging(settings.log_level, settings.log_format)
    _exit_with_parent()
    sock = _listening_socket(settings.host, settings.port)
    config = uvicorn.Config(create_app(settings), **uvicorn_options(settings))
    uvicorn.Server(config).run(sockets=[sock])


if __name__ == "__main__":
    worker_main()
