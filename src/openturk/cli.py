"""The `openturk` command. Its subcommands, flags and outputs are a contract: scripts rely on them."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from . import __version__
from .clock import SystemClock
from .config import Settings, load_settings
from .errors import TurkError
from .cli_workers import add_parsers as add_worker_parsers
from .cli_workers import cmd_qualification, cmd_worker
from .cli_hits import add_parsers as add_hit_parsers
from .cli_hits import cmd_hit
from .cli_tests import add_parsers as add_test_parsers, cmd_test
from .cli_notifications import (add_notification_parsers, add_requester_message_parser, cmd_notifications,
                                cmd_requester_messages)
from .logs import LOG_FORMATS, configure_logging
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
    serve.add_argument("--log-format", choices=list(LOG_FORMATS),
                       help="text (default) or json: one JSON object per line (env OPENTURK_LOG_FORMAT)")
    serve.add_argument("--metrics-public", action="store_true", default=None,
                       help="let any client read GET /metrics (default: loopback clients only)")
    serve.add_argument("--forwarded-allow-ips",
                       help="proxies whose X-Forwarded-For/-Proto headers are trusted, comma-separated "
                            "(default 127.0.0.1; env OPENTURK_FORWARDED_ALLOW_IPS)")
    serve.add_argument("--dispose-seconds", type=int,
                       help="how long a deleted qualification type stays Disposing (default 300)")
    serve.add_argument("--test-clock", action="store_true", default=None,
                       help="enable POST /_openturk/clock (loopback only) to move business time in tests")
    serve.add_argument("--sqs-endpoint-url", metavar="URL",
                       help="send SQS notifications to this SQS-compatible server instead of AWS (env "
                            "OPENTURK_SQS_ENDPOINT_URL)")
    serve.add_argument("--sns-endpoint-url", metavar="URL",
                       help="publish SNS notifications to this SNS-compatible server instead of AWS (env "
                            "OPENTURK_SNS_ENDPOINT_URL)")
    serve.add_argument("--notification-aws-profile", metavar="PROFILE",
                       help="the AWS profile (~/.aws) whose credentials send notifications (default: boto3's "
                            "standard chain; env OPENTURK_NOTIFICATION_AWS_PROFILE)")
    serve.add_argument("--rate-limit", type=_non_negative, metavar="N",
                       help="at most N requests per second per access key on the requester APIs, per process "
                            "(ThrottlingException over it; default 0: off; env OPENTURK_RATE_LIMIT)")
    _database_flags(serve)

    requester = sub.add_parser("requester", help="manage requester accounts")
    rsub = requester.add_subparsers(dest="requester_command", required=True)
    create = rsub.add_parser("create", help="create a requester and print its access key and secret")
    create.add_argument("name")
    create.add_argument("--json", action="store_true", help="print JSON")
    create.add_argument("--balance", help="the AvailableBalance GetAccountBalance answers (default 10000.00)")
    _database_flags(create)
    lst = rsub.add_parser("list", help="list requesters (secrets are not shown)")
    lst.add_argument("--json", action="store_true", help="print JSON")
    _database_flags(lst)
    add_requester_message_parser(rsub, _database_flags)

    add_worker_parsers(sub, _database_flags)
    add_notification_parsers(sub, _database_flags)
    add_hit_parsers(sub, _database_flags)
    add_test_parsers(sub)

    dbp = sub.add_parser("db", help="database schema")
    dsub = dbp.add_subparsers(dest="db_command", required=True)
    up = dsub.add_parser("upgrade", help="create or upgrade the schema to the newest revision")
    _database_flags(up)
    chk = dsub.add_parser("check", help="check the database's invariants; exit 1 and list what is wrong")
    _database_flags(chk)
    bak = dsub.add_parser("backup", help="copy a SQLite database to PATH while the server runs (online, "
                                         "consistent); for PostgreSQL use pg_dump")
    bak.add_argument("path", help="the new file to write")
    _database_flags(bak)
    return parser


# -- database preparation -------------------------------------------------------------------------

class SchemaError(RuntimeError):
    pass


def prepare_database(settings: Settings) -> None:
    """Create a brand-new SQLite database; refuse any other database whose schema is not current."""
    url = settings.resolved_database_url
    path = _sqlite_file(url)
    if path is not None and not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        store_db.upgrade(url)
        return
    current, head = store_db.current_revision(url), store_db.head_revision()
    if current != head:
        raise SchemaError(f"the database schema is at revision {current or 'none'}, this openturk needs {head}: "
                          "run `openturk db upgrade` (with the same --data-dir/--database-url) first")


def _sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL (None for other databases and in-memory SQLite)."""
    from sqlalchemy.engine import make_url
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def write_credentials_file(settings: Settings, creds: dict) -> Path:
    """DATA_DIR/credentials in AWS shared-credentials format, readable by its owner only from the start."""
    path = Path(settings.data_dir) / "credentials"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        os.fchmod(out.fileno(), 0o600)
        out.write(f"[{CREDENTIALS_PROFILE}]\naws_access_key_id = {creds['AccessKeyId']}\n"
                  f"aws_secret_access_key = {creds['SecretAccessKey']}\n")
    return path


def _first_requester(settings: Settings) -> dict | None:
    """On an empty database, create one requester (returned); otherwise None."""
    from .service import create_first_requester
    database = store_db.Database(settings.resolved_database_url)
    try:
        return create_first_requester(database, SystemClock().epoch_ms())
    finally:
        database.dispose()


def _non_negative(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, not {value}")
    return value


# -- commands -------------------------------------------------------------------------------------

def cmd_serve(args) -> int:
    settings = _settings(args, host=args.host, port=args.port, workers=args.workers, log_level=args.log_level,
                         dispose_seconds=args.dispose_seconds, test_clock=args.test_clock, rate_limit=args.rate_limit,
                         log_format=args.log_format, metrics_public=args.metrics_public,
                         forwarded_allow_ips=args.forwarded_allow_ips, sqs_endpoint_url=args.sqs_endpoint_url,
                         sns_endpoint_url=args.sns_endpoint_url,
                         notification_aws_profile=args.notification_aws_profile)
    if settings.log_format not in LOG_FORMATS:      # from OPENTURK_LOG_FORMAT (the flag has choices)
        print(f"openturk: the log format must be text or json, not {settings.log_format!r}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level, settings.log_format)
    prepare_database(settings)
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
    from .web import server
    return server.run(settings)


def _balance(text: str) -> str:
    """A CurrencyAmount as MTurk writes it: a non-negative amount with two decimals ("10000.00")."""
    from decimal import Decimal, InvalidOperation
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise SystemExit(f"openturk: --balance must be an amount such as 125.50, not {text!r}") from None
    if not amount.is_finite() or amount < 0:
        raise SystemExit("openturk: --balance must be a non-negative amount")
    return f"{amount:.2f}"


def _redact(url: str) -> str:
    from sqlalchemy.engine import make_url
    return make_url(url).render_as_string(hide_password=True)


def cmd_requester(args, database) -> int:
    if args.requester_command == "messages":
        return cmd_requester_messages(args, database)
    if args.requester_command == "create":
        from .service import create_requester
        balance = _balance(args.balance) if args.balance is not None else None
        creds = create_requester(database, args.name, SystemClock().epoch_ms(), balance)
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


def cmd_db(args) -> int:
    settings = _settings(args)
    if args.db_command == "check":
        return _check(settings)
    if args.db_command == "backup":
        return _backup(settings, Path(args.path))
    if settings.database_url is None:
        Path(settings.data_dir).mkdir(parents=True, exist_ok=True)
    store_db.upgrade(settings.resolved_database_url)
    print(f"database at revision {store_db.head_revision()}")
    return 0


def _backup(settings: Settings, target: Path) -> int:
    from .store.backup import BackupError, backup_sqlite
    source = _sqlite_file(settings.resolved_database_url)
    if source is None:
        print("openturk: `db backup` copies SQLite databases; back up PostgreSQL with pg_dump "
              "(see docs/deploy.md#backups)", file=sys.stderr)
        return 2
    try:
        size = backup_sqlite(source, target)
    except BackupError as exc:
        print(f"openturk: {exc}", file=sys.stderr)
        return 1
    print(f"backup of {source} written to {target} ({size} bytes, integrity check ok)")
    return 0


def _check(settings: Settings) -> int:
    from .store.invariants import check
    prepare_database(settings)
    database = store_db.Database(settings.resolved_database_url)
    try:
        problems = check(database)
    finally:
        database.dispose()
    for problem in problems:
        print(problem)
    if problems:
        print(f"openturk: the database has {len(problems)} problem(s)", file=sys.stderr)
        return 1
    print("the database is consistent")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler = {"serve": cmd_serve, "requester": _with_database(cmd_requester), "db": cmd_db,
               "worker": _with_database(cmd_worker), "qualification": _with_service(cmd_qualification), "test": cmd_test,
               "hit": _with_service(cmd_hit, test_clock_flag=True),
               "notifications": _with_database(cmd_notifications)}[args.command]
    try:
        return handler(args)
    except SchemaError as exc:
        print(f"openturk: {exc}", file=sys.stderr)
        return 2
    except TurkError as exc:
        print(f"openturk: {exc.message}", file=sys.stderr)
        return 1


def _with_database(command):
    """Run `command(args, database)` on a prepared database."""
    def run(args) -> int:
        settings = _settings(args)
        prepare_database(settings)
        database = store_db.Database(settings.resolved_database_url)
        try:
            return command(args, database)
        finally:
            database.dispose()
    return run


def _with_service(command, test_clock_flag: bool = False):
    """Run `command(args, service)` with the server's parts (clock, keys) on a prepared database."""
    def run(args) -> int:
        from .service import Service
        settings = _settings(args, **({"test_clock": args.test_clock or None} if test_clock_flag else {}))
        prepare_database(settings)
        service = Service.open(settings)
        try:
            return command(args, service)
        finally:
            service.close()
    return run


if __name__ == "__main__":
    sys.exit(main())
