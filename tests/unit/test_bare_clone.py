"""The repository alone: cloned into an empty folder (nothing beside it, as a user clones it), its suite
collects without an error, and without tests/reference, which needs material from outside the repository
(`make test-reference`). `git clone` copies what is committed: this checks HEAD, not the working tree."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


def test_a_bare_clone_collects_the_suite_without_errors(tmp_path):
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout (a source archive): there is nothing to clone")
    alone = tmp_path / "alone"
    clone = alone / "openturk"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True, timeout=120)
    assert sorted(p.name for p in alone.iterdir()) == ["openturk"]          # no ../shared beside it
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENTURK_")}
    env["PYTHONPATH"] = str(clone / "src")                                  # the clone's openturk, not ours
    proc = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"],
                          cwd=clone, env=env, capture_output=True, text=True, timeout=300)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output
    summary = proc.stdout.strip().splitlines()[-1]
    found = re.fullmatch(r"(\d+) tests collected in [\d.]+s", summary)     # no ", N errors", no warnings
    assert found, output
    assert int(found.group(1)) > 1000, summary
    assert not re.search(r"^ERROR", output, re.M), output
    assert "tests/reference/" not in proc.stdout, "tests/reference is collected without being named"
    assert "tests/unit/xml/test_documents.py::" in proc.stdout
