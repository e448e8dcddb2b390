"""tests/reference: openturk against the official XSDs and third-party material (`make test-reference`).

Collected only when named on the command line (tests/conftest.py), because the material is not in the
repository. Without it the run stops before collecting anything and says what is missing: these tests
never skip, since without the material they would prove nothing."""

from __future__ import annotations

import pytest

from .reference import missing


def pytest_configure(config):
    problem = missing()
    if problem:
        raise pytest.UsageError(f"make test-reference: {problem}")
