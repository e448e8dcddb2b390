"""serve --workers N removes the metrics directories of supervisors that were killed before they could."""

from __future__ import annotations

import os
import subprocess
import sys

from openturk.web.server import METRICS_DIR_PREFIX, remove_orphaned_metrics_dirs


def test_directories_of_dead_supervisors_are_removed_and_live_ones_kept(tmp_path):
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True)
    dead_pid = int(gone.stdout)          # exited and reaped: no such process now (barring pid reuse)
    orphan = tmp_path / f"{METRICS_DIR_PREFIX}{dead_pid}-abc"
    live = tmp_path / f"{METRICS_DIR_PREFIX}{os.getpid()}-def"
    unrelated = [tmp_path / f"{METRICS_DIR_PREFIX}old-style", tmp_path / f"{METRICS_DIR_PREFIX}{dead_pid}",
                 tmp_path / f"{dead_pid}-not-ours"]
    for path in (orphan, live, *unrelated):
        path.mkdir()
        (path / "counter_1.db").write_bytes(b"x")
    assert remove_orphaned_metrics_dirs(str(tmp_path)) == [str(orphan)]
    assert not orphan.exists() and live.exists() and all(path.exists() for path in unrelated)
