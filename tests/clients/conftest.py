"""Fixtures of the real-client tests: the client libraries' own virtualenvs (scripts/client-venv)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VENV_TIMEOUT = 900     # the first run installs Dallinger (~30 s on a fresh machine)


@pytest.fixture(scope="session")
def dallinger_python() -> str:
    """The Dallinger virtualenv's python (built by the first test session that needs it)."""
    proc = subprocess.run([str(ROOT / "scripts" / "client-venv"), "dallinger"], capture_output=True,
                          text=True, timeout=VENV_TIMEOUT, env={**os.environ, "PYTHON": sys.executable})
    assert proc.returncode == 0, f"scripts/client-venv dallinger failed:\n{proc.stderr}"
    return proc.stdout.strip().splitlines()[-1]
