"""The event loop's PostgreSQL connections (asyncpg) are made from the same URL as psycopg's: asyncpg reads
the libpq parameters of a connection URI itself (store/db.asyncpg_arguments)."""

from __future__ import annotations

from openturk.store.db import asyncpg_arguments


def test_the_driver_goes_and_the_parameters_stay():
    assert asyncpg_arguments("postgresql+psycopg://ot:s%40cret@db.example:6432/openturk?sslmode=verify-full"
                             "&sslrootcert=/etc/ca.pem&application_name=openturk") == (
        "postgresql://ot:s%40cret@db.example:6432/openturk?application_name=openturk&sslmode=verify-full"
        "&sslrootcert=%2Fetc%2Fca.pem", {})


def test_a_unix_socket_directory():
    assert asyncpg_arguments("postgresql+psycopg:///openturk?host=/var/run/postgresql") == (
        "postgresql:///openturk?host=%2Fvar%2Frun%2Fpostgresql", {})


def test_libpq_connect_timeout_is_asyncpg_timeout():
    # asyncpg would send an unknown parameter to the server as a setting, which refuses connect_timeout
    assert asyncpg_arguments("postgresql+psycopg://db/openturk?connect_timeout=7&sslmode=require") == (
        "postgresql://db/openturk?sslmode=require", {"timeout": 7.0})
