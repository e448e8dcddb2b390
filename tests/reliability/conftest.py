"""The crash and soak tests run `openturk serve` as subprocesses over the CLI tests' stores (a SQLite data
directory, or a migrated PostgreSQL database in the PostgreSQL pass)."""

from ..cli.conftest import backend, databases, store  # noqa: F401 (fixtures used by these tests)
