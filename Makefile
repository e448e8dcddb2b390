# The two commands a newcomer runs: `make serve` and `make test`. Both create their own virtualenv.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# The browser tests (tests/web) drive Debian's chromium with Playwright; no browser is ever downloaded.
CHROMIUM := /usr/bin/chromium
PYTEST_ARGS ?=
ARGS ?=

.PHONY: serve test test-sqlite test-postgres test-reference bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

$(CHROMIUM):
	@if [ "$$(id -u)" != 0 ]; then \
		echo "tests/web needs Debian's chromium: run 'sudo apt-get update && sudo apt-get install -y chromium'" >&2; exit 1; fi
	apt-get update -q
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium

serve: $(STAMP)
	$(VENV)/bin/openturk serve $(ARGS)

# The whole suite on SQLite, then everything that touches a database again on a throwaway PostgreSQL. It needs
# nothing beside the repository (tests/reference is not collected unless named: see test-reference).
test: $(STAMP) $(CHROMIUM)
	$(MAKE) test-sqlite
	$(MAKE) test-postgres

test-sqlite: $(STAMP) $(CHROMIUM)
	$(PY) -m pytest -n 2 -q $(PYTEST_ARGS) tests

test-postgres: $(STAMP) $(CHROMIUM)
	scripts/with-postgres $(PY) -m pytest -n 2 -q $(PYTEST_ARGS) tests/api tests/fuzz tests/cli tests/db tests/clients tests/legacy tests/web tests/reliability

# openturk against third-party material that is not in the repository: the official MTurk XSDs (as an oracle
# for the validator), MTurk's and MTurkR's example documents and real responses of MTurk's legacy API.
# OPENTURK_REFERENCE_DIR names the folder (default ../shared/reference, from the repository root); without it
# the run fails and says what is missing. `make test` never reads it.
test-reference: $(STAMP) $(CHROMIUM)
	$(PY) -m pytest -n 2 -q $(PYTEST_ARGS) tests/reference

# The HTTP benchmark (bench-report.json) and the test-scoring benchmark (build/bench-scoring.json).
bench: $(STAMP)
	$(PY) -m bench $(ARGS)
	$(PY) -m bench.scoring

clean:
	rm -rf $(VENV) build *.egg-info
