"""Fixtures of the real-client tests: the client libraries' own virtualenvs (scripts/client-venv)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VENV_TIMEOUT = 900     # the first run installs the client (15-35 s each on a fresh machine)


def client_python(name: str, python: str | None = sys.executable) -> str:
    """The python of the client's virtualenv, built by scripts/client-venv on first use (`python` is the
    interpreter it is built from; None lets the recipe choose)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHON"}
    if python is not None:
        env["PYTHON"] = python
    proc = subprocess.run([str(ROOT / "scripts" / "client-venv"), name], capture_output=True,
                          text=True, timeout=VENV_TIMEOUT, env=env)
    assert proc.returncode == 0, f"scripts/client-venv {name} failed:\n{proc.stderr}"
    return proc.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="session")
def dallinger_python() -> str:
    """The Dallinger virtualenv's python (built by the first test session that needs it)."""
    return client_python("dallinger")


@pytest.fixture(scope="session")
def psiturk_python() -> str:
    """The psiTurk virtualenv's python (psiTurk 3.3.1 on this Python, its pins on boto3 and cryptography lifted)."""
    return client_python("psiturk")


@pytest.fixture(scope="session")
def mephisto_python() -> str:
    """The Mephisto virtualenv's python: Python 3.10, which the recipe finds itself (Mephisto 1.1.1 does not
    import on 3.11+); without one this fails with the recipe's message, it does not skip."""
    return client_python("mephisto", python=None)
