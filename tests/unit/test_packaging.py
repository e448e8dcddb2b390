"""The package's metadata: a license that installs without setuptools' deprecation warning."""

from __future__ import annotations

import importlib.metadata
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_license_is_an_spdx_expression_with_its_file():
    """setuptools ≥ 77 warns about `license = {text = …}` on every install ("!!" in `make test`'s
    output); PEP 639's SPDX string and license-files are what it wants."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert project["project"]["license"] == "Apache-2.0"
    assert project["project"]["license-files"] == ["LICENSE"]
    assert "Apache License" in (ROOT / "LICENSE").read_text() and "Version 2.0" in (ROOT / "LICENSE").read_text()
    floor = next(r for r in project["build-system"]["requires"] if r.startswith("setuptools"))
    assert tuple(int(n) for n in re.search(r">=(\d+)", floor).group(1).split(".")) >= (77,)
    assert importlib.metadata.metadata("openturk")["License-Expression"] == "Apache-2.0"
