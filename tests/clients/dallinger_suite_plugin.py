"""A pytest plugin loaded INSIDE the Dallinger virtualenv (not the project's) to run Dallinger's own,
unmodified MTurk test suite (tests/test_mturk.py of the dallinger 12.4.0 sdist) against an openturk server.

It stands in for what Dallinger's tests/conftest.py gives that file (that conftest loads the whole
pytest_dallinger plugin: experiments, Flask, Selenium…), and changes three things, each the least that
pointing the suite at another server needs:

- `aws_creds` are the openturk requester's (OPENTURK_KEY / OPENTURK_SECRET), where Dallinger reads its
  config file; `mturk_worker_id` (read by the suite's own worker_id fixture) is set by the caller;
- MTurkService.host, the property its boto3 client takes as endpoint_url, is OPENTURK_ENDPOINT;
- the suite's `time.sleep` calls, which wait out MTurk's search-index lag (15 s after each created HIT),
  return at once: openturk lists and extends a HIT as soon as it is created. Only the test module's
  sleeps: Dallinger's own code keeps the real `time`.

The options and markers are Dallinger's (--mturkfull, --runslow, --manual; mturk, mturkworker, slow,
flaky), so the suite is run as Dallinger's maintainers run it: `pytest --mturkfull --runslow`.
"""

from __future__ import annotations

import os
import time
import types

import pytest


def pytest_addoption(parser):
    parser.addoption("--mturkfull", action="store_true", default=False,
                     help="Run comprehensive MTurk integration tests during test run")
    parser.addoption("--runslow", action="store_true", default=False, help="run slow tests")
    parser.addoption("--manual", action="store_true", default=False, help="Run manual interactive tests")


def pytest_configure(config):
    for marker in ("mturk", "mturkworker", "slow", "flaky(reruns)"):
        config.addinivalue_line("markers", marker)
    import dallinger.mturk

    endpoint = os.environ["OPENTURK_ENDPOINT"]
    dallinger.mturk.MTurkService.host = property(lambda self: endpoint)


def pytest_collection_modifyitems(config, items):
    # As Dallinger's conftest: slow tests run only with --runslow.
    if config.getoption("--runslow"):
        return
    skip_slow = pytest.mark.skip(reason="need --runslow option to run")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip_slow)


@pytest.fixture
def aws_creds():
    return {"aws_access_key_id": os.environ["OPENTURK_KEY"],
            "aws_secret_access_key": os.environ["OPENTURK_SECRET"]}


@pytest.fixture(scope="module")
def check_mturkfull(request):
    if not request.config.getvalue("mturkfull"):
        pytest.skip("--mturkfull was not specified")


@pytest.fixture(scope="module")
def check_manual(request):
    if not request.config.getvalue("manual"):
        pytest.skip("--manual was not specified")


@pytest.fixture(autouse=True)
def no_index_lag(request, monkeypatch):
    module_time = getattr(request.module, "time", None)
    if module_time is time:
        shim = types.SimpleNamespace(**{name: getattr(time, name) for name in dir(time) if not name.startswith("__")})
        shim.sleep = lambda seconds: None
        monkeypatch.setattr(request.module, "time", shim)
