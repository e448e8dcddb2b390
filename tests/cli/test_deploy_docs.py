"""docs/deploy.md is tested where a test can: the systemd unit is what systemd accepts, and every
setting is documented."""

from __future__ import annotations

import configparser
import dataclasses
import re
import shutil
import subprocess
from pathlib import Path

from openturk.config import ENV_PREFIX, Settings

from .conftest import openturk_command

DEPLOY = Path(__file__).resolve().parents[2] / "docs" / "deploy.md"
INSTALLED = "/opt/openturk/venv/bin/openturk"


def unit_file() -> str:
    text = DEPLOY.read_text()
    match = re.search(r"\(`/etc/systemd/system/openturk\.service`\):\n```ini\n(.*?)```", text, re.S)
    assert match, "the systemd unit example is missing from docs/deploy.md"
    return match.group(1)


def test_the_systemd_unit_is_valid(tmp_path):
    # The unit names the command where the docs install it; verify it against the one under test.
    unit = unit_file().replace(INSTALLED, openturk_command()[0])
    parsed = configparser.ConfigParser(strict=False, interpolation=None)
    parsed.optionxform = str
    parsed.read_string(unit)
    assert {"Unit", "Service", "Install"} <= set(parsed.sections())
    assert parsed["Service"]["ExecStart"].split()[1] == "serve"
    path = tmp_path / "openturk.service"
    path.write_text(unit)
    analyze = shutil.which("systemd-analyze")
    if analyze is not None:     # Debian's systemd package; the parse above runs everywhere
        result = subprocess.run([analyze, "verify", str(path)], capture_output=True, text=True, timeout=60)
        assert result.returncode == 0 and not result.stderr.strip() and not result.stdout.strip(), \
            result.stdout + result.stderr


def test_every_setting_is_documented():
    text = DEPLOY.read_text()
    missing = [ENV_PREFIX + f.name.upper() for f in dataclasses.fields(Settings)
               if f"`{ENV_PREFIX}{f.name.upper()}`" not in text]
    assert not missing, f"not in docs/deploy.md's table: {missing}"
