"""`make bench ARGS="--database sqlite,postgresql"`: which targets may run on PostgreSQL, and the comparison
of PostgreSQL's server CPU per request with SQLite's."""

from __future__ import annotations

import pytest

from bench import report
from bench.__main__ import parse_args


def cell(target, cpu, database=None, clients=8):
    out = {"target": target, "workers": 1, "clients": clients, "rps": 1000, "cpu_us_per_req": cpu,
           "other_cores": 0.0, "errors_total": 0}
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
