"""The `openturk` command. Its subcommands, flags and outputs are a contract: scripts rely on them."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

from . import __version__
from .clock import SystemClock
from .config import Settings, load_settings, to_environ
from .store import db as store_db
from .store import queries

CREDENTIALS_PROFILE = "openturk"


def _database_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", help="data directory (default ./openturk-data; env OPENTURK_DATA_DIR)")
    parser.add_argument("--database-url", help="SQLAlchemy or plain postgresql:// URL (default: SQLite file in "
                                               "the data directory; env OPENTURK_DATABASE_URL)")


def _settings(args, **extra) -> Settings:
    return load_settings(data_dir=args.data_dir, database_url=args.database_url, **extra)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="openturk", description="A self-hosted MTurk qualification server.")
    parser.add_argument("--version", action="version", version=f"openturk {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the server")
    serve.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to listen on (default 8080)")
    serve.add_argument("--workers", type=int, help="number of server processes (default 1)")
    serve.add_argument("--log-level", choices=["debug", "info", "warning", "error"], help="default info")
    serve.add_argument("--dispose-seconds", type=int,
                       help="how long a deleted qualification type stays Disposing (default 300)")
    _database_flags(serve)

    requester = sub.add_parser("requester", help="manage requester accounts")
    rsub = requester.add_subparsers(dest="requester_command", required=True)
    create = rsub.add_parser("create", help="create a requester and print its access key and secret")
    create.add_argument("name")
    create.add_argument("--json", action="store_true", help="print JSON")
    _database_flags(create)
    lst = rsub.add_parser("list", help="list requesters (secrets are not shown)")
    lst.add_argument("--json", action="store_true", help="print JSON")
    _database_flags(lst)

    dbp = sub.add_parser("db", help="database schema")
    dsub = dbp.add_subparsers(dest="db_command", required=True)
    up = dsub.add_parser("upgrade", help="create or upgrade the schema to the newest revision")
    _database_flags(up)
    return parser


# -- database preparation -------------------------------------------------------------------------

class SchemaError(RuntimeError):
    pass


def prepare_database(settings: Settings) -> None:
    """Create a brand-new SQLite database; refuse any other database whose schema is not current."""
    url = settings.resolved_database_url
    if settings.database_url is None:
        path = Path(settings.data_dir) / "openturk.sqlite3"
        if not path.exists():
            Path(settings.data_dir).mkdir(parents=True, exist_ok=True)
            store_db.upgrade(url)
            return
    current, head = store_db.current_revision(url), store_db.head_revision()
    if current != head:
        raise SchemaError(f"the database schema is at revision {current or 'none'}, this openturk needs {head}: "
                          "run `openturk db upgrade` (with the same --data-dir/--database-url) first")


def write_credentials_file(settings: Settings, creds: dict) -> Path:
    path = Path(settings.data_dir) / "credentials"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"[{CREDENTIALS_PROFILE}]\naws_access_key_id = {creds['AccessKeyId']}\n"
                    f"aws_secret_access_key = {creds['SecretAccessKey']}\n")
    path.chmod(0o600)
    return path


def _first_requester(settings: Settings) -> dict | None:
    """On an empty database, create one requester (returned); otherwise None."""
    from .service import create_requester
    database = store_db.Database(settings.resolved_database_url)
    try:
        with database.transaction(write=True) as conn:
            if queries.count_requesters(conn):
                return None
        return create_requester(database, "default", SystemClock().epoch_ms())
    finally:
        database.dispose()


# -- commands -------------------------------------------------------------------------------------

def cmd_serve(args) -> int:
    import uvicorn

    settings = _settings(args, host=args.host, port=args.port, workers=args.workers, log_level=args.log_level,
                         dispose_seconds=args.dispose_seconds)
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s")
    try:
        prepare_database(settings)
    except SchemaError as exc:
        print(f"openturk: {exc}", file=sys.stderr)
        return 2
    creds = _first_requester(settings)
    endpoint = f"http://{settings.host}:{settings.port}"
    print(f"openturk {__version__} serving the MTurk Requester API at {endpoint}", flush=True)
    print(f"  database: {_redact(settings.resolved_database_url)}", flush=True)
    if creds is not None:
        path = write_credentials_file(settings, creds)
        print("  a requester was created for this new database:", flush=True)
        print(f"    AccessKeyId:     {creds['AccessKeyId']}", flush=True)
        print(f"    SecretAccessKey: {creds['SecretAccessKey']}", flush=True)
        print(f"  written to {path} (profile '{CREDENTIALS_PROFILE}')", flush=True)
    else:
        path = Path(settings.data_dir) / "credentials"
        where = f"{path} (profile '{CREDENTIALS_PROFILE}')" if path.exists() else "`openturk requester create NAME`"
        print(f"  requester credentials: {where}", flush=True)
    print(f"  try: aws mturk get-account-balance --endpoint-url {endpoint} --region us-east-1", flush=True)
    common = dict(host=settings.host, port=settings.port, log_level=settings.log_level, access_log=False,
                  loop="uvloop", http="httptools", lifespan="on")
    if settings.workers > 1:
        os.environ.update(to_environ(settings))
        uvicorn.run("openturk.web.app:app_from_environ", factory=True, workers=settings.workers, **common)
    else:
        from .web.app import create_app
        uvicorn.run(create_app(settings), **common)
    return 0


def _redact(url: str) -> str:
    from sqlalchemy.engine import make_url
    return make_url(url).render_as_string(hide_password=True)


def cmd_requester(args) -> int:
    settings = _settings(args)
    try:
        prepare_database(settings)
    except SchemaError as exc:
        print(f"openturk: {exc}", file=sys.stderr)
        return 2
    database = store_db.Database(settings.resolved_database_url)
    try:
        if args.requester_command == "create":
            from .service import create_requester
            creds = create_requester(database, args.name, SystemClock().epoch_ms())
            if args.json:
                print(json.dumps(creds))
            else:
                print(f"RequesterId:     {creds['RequesterId']}\nAccessKeyId:     {creds['AccessKeyId']}\n"
                      f"SecretAccessKey: {creds['SecretAccessKey']}")
            return 0
        with database.transaction(write=False) as conn:
            rows = queries.list_requesters(conn)
        listing = [{"RequesterId": r["requester_id"], "Name": r["name"], "AccessKeyId": r["access_key_id"]}
                   for r in rows]
        if args.json:
            print(json.dumps(listing))
        else:
            for item in listing:
                print(f"{item['RequesterId']}  {item['AccessKeyId']}  {item['Name']}")
        return 0
    finally:
        database.dispose()


def cmd_db(args) -> int:
    settings = _settings(args)
    if settings.database_url is None:
        Path(settings.data_dir).mkdir(parents=True, exist_ok=True)
    store_db.upgrade(settings.resolved_database_url)
    print(f"database at revision {store_db.head_revision()}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler = {"serve": cmd_serve, "requester": cmd_requester, "db": cmd_db}[args.command]
    return handler(args)


if __name__ == "__main__":
    sys.exit(main())
