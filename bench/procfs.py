"""CPU accounting from /proc: a process tree's utime+stime, and the machine's busy time."""

from __future__ import annotations

import os
import time
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) is in parentheses and may contain spaces: split after the last ')'.
    return text[text.rindex(")") + 2:].split()


def descendants(root: int) -> list[int]:
    """`root` and every process below it (uvicorn --workers N: supervisor, N workers, resource tracker)."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            fields = _stat(int(entry.name))
            if fields is not None:
                children.setdefault(int(fields[1]), []).append(int(entry.name))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, []))
    return out


def cpu_seconds(pid: int) -> float:
    """utime+stime of all threads of one process, in seconds (0 if it is gone)."""
    fields = _stat(pid)
    if fields is None:
        return 0.0
    # After the name: state(3) ppid(4) ... utime(14) stime(15), i.e. indexes 11 and 12 here.
    return (int(fields[11]) + int(fields[12])) / TICK


def cpu_seconds_with_reaped(pid: int) -> float:
    """utime+stime plus cutime+cstime: also the CPU of children that exited and were waited for."""
    fields = _stat(pid)
    if fields is None:
        return 0.0
    return sum(int(f) for f in fields[11:15]) / TICK


def tree_cpu_total(root: int) -> float:
    """All CPU a process tree has used, including processes that have exited since (PostgreSQL's backends
    come and go with their connections): live processes' own time and what they reaped."""
    return sum(cpu_seconds_with_reaped(pid) for pid in descendants(root))


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


def memory_kb(pid: int) -> dict:
    """VmRSS (resident now) and VmHWM (the peak) of one process, in kB; empty if it is gone."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return {}
    fields = dict(line.split(":", 1) for line in lines if ":" in line)
    return {key: int(fields[name].split()[0]) for key, name in (("rss_kb", "VmRSS"), ("rss_peak_kb", "VmHWM"))
            if name in fields}


def tree_cpu(root: int) -> dict[int, float]:
    return {pid: cpu_seconds(pid) for pid in descendants(root)}


def machine_busy() -> tuple[float, float]:
    """(busy CPU seconds summed over all cores, monotonic time) from /proc/stat."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    values = [int(v) for v in fields[:8]]
    idle = values[3] + values[4]  # idle + iowait
    return (sum(values) - idle) / TICK, time.monotonic()


def wait_quiet(max_wait: float, threshold: float = 0.3, sample: float = 0.5) -> tuple[float, float]:
    """Wait (at most max_wait s) until the machine is busy with less than `threshold` cores over `sample` s.

    Returns (seconds waited, busy cores in the last sample): other work on a shared machine skews a cell.
    """
    start = time.monotonic()
    while True:
        busy0, t0 = machine_busy()
        time.sleep(sample)
        busy1, t1 = machine_busy()
        cores = (busy1 - busy0) / (t1 - t0)
        waited = time.monotonic() - start
        if cores < threshold or waited >= max_wait:
            return waited, cores
