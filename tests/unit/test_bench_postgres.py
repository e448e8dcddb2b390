"""`make bench ARGS="--database sqlite,postgresql"`: which targets may run on PostgreSQL, and the comparison
of PostgreSQL's server CPU per request with SQLite's."""

from __future__ import annotations

import pytest

from bench import report
from bench.__main__ import parse_args


def cell(target, cpu, database=None, clients=8, changes=1.0, rps=1000):
    out = {"target": target, "workers": 1, "clients": clients, "rps": rps, "cpu_us_per_req": cpu, "p99_ms": 1.0,
           "other_cores": 0.0, "errors_total": 0, "changes_per_request": changes}
    return out if database is None else {**out, "database": database}


def test_postgresql_over_sqlite_per_operation():
    cells = [cell("GetQualificationType", 100), cell("UpdateQualificationType", 150),
             cell("GetQualificationType", 190, "postgresql"), cell("UpdateQualificationType", 390, "postgresql"),
             cell("GetQualificationType", 1, "postgresql", clients=32)]
    get, update = report.postgres_targets(cells)
    assert (round(get["measured"], 2), get["pass"]) == (1.9, True)
    assert (round(update["measured"], 2), update["pass"]) == (2.6, False)
    # The SQLite targets read SQLite's cells only
    assert report._cell(cells, 1, 8, "GetQualificationType")["cpu_us_per_req"] == 100


def test_an_update_cell_that_wrote_nothing_fails_the_comparison_and_the_sqlite_target():
    # The server writes nothing for an update that changes nothing: such a cell measured no write.
    cells = [cell("UpdateQualificationType", 100), cell("UpdateQualificationType", 150, "postgresql", changes=0.001)]
    [update] = report.postgres_targets(cells)
    assert round(update["measured"], 2) == 1.5 and update["changes_per_request"] == 0.001 and not update["pass"]
    def update_rps(changes):
        targets = report.evaluate_targets([cell("UpdateQualificationType", 100, changes=changes, rps=9000)])
        return next(c for c in targets if c["target"].startswith("UpdateQualificationType req/s"))
    assert update_rps(1.0)["pass"]
    assert (update_rps(0.5)["changes_per_request"], update_rps(0.5)["pass"]) == (0.5, False)


def test_without_postgresql_cells_there_is_no_comparison():
    assert report.postgres_targets([cell("GetQualificationType", 100)]) == []


def test_the_database_option():
    assert parse_args(["--database", "sqlite,postgresql", "--targets", "GetQualificationType"]).database == [
        "sqlite", "postgresql"]
    assert parse_args([]).database == ["sqlite"]
    with pytest.raises(SystemExit):
        parse_args(["--database", "mysql"])
    with pytest.raises(SystemExit):        # the worker cells insert into the SQLite file directly
        parse_args(["--database", "postgresql", "--targets", "accept"])
