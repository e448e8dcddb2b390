"""Settings: defaults < OPENTURK_* environment variables < command-line flags.

This module is the only reader of os.environ. `Settings` is frozen and passed explicitly
(`create_app(settings)`); nothing reads settings at import time.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace
from pathlib import Path

DEFAULT_DATA_DIR = "./openturk-data"
SQLITE_FILE = "openturk.sqlite3"


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8080
    data_dir: str = DEFAULT_DATA_DIR
    database_url: str | None = None          # None: SQLite file in data_dir
    workers: int = 1
    log_level: str = "info"
    log_format: str = "text"                 # "text" or "json" (one JSON object per line): openturk.logs
    # GET /metrics (Prometheus) answers loopback clients only unless this is true (docs/deploy.md#metrics).
    metrics_public: bool = False
    # Proxies whose X-Forwarded-For / X-Forwarded-Proto are believed (uvicorn's forwarded_allow_ips): the
    # client address in access logs and the loopback checks. Comma-separated addresses or networks, "*".
    forwarded_allow_ips: str = "127.0.0.1"
    # openturk choice: MTurk keeps a deleted type "Disposing" for up to 48 hours (until its HITs are
    # gone). We keep it disposing for this many seconds: the name stays reserved and a second delete
    # answers InvalidQualificationTypeState; afterwards the name is free again.
    dispose_seconds: int = 300
    max_body_bytes: int = 1_048_576
    signature_skew_seconds: int = 900
    test_clock: bool = False                 # POST /_openturk/clock moves business time (loopback only)
    sweep_seconds: int = 30                  # how often expired test sessions are recorded
    # Slow clients (web/protocol.py, docs/reliability.md#limits): a request's line, headers and body must
    # arrive within read_timeout_seconds of its first byte; a connection may sit idle (before its first
    # request and between requests) for keep_alive_seconds.
    read_timeout_seconds: int = 30
    keep_alive_seconds: int = 5
    rate_limit: int = 0                      # requests per second per access key on the requester APIs; 0: off
    # PostgreSQL: connections per process, a fixed pool, and as many threads for database work. No overflow:
    # connections opened and closed under load cost PostgreSQL a backend start each (make bench --scale
    # measured 480-800 a cell at 32 clients); more threads than connections only queue (docs/benchmarks.md).
    db_pool_size: int = 8
    # Notifications (docs/deploy.md#notifications): where SQS and SNS messages go (None: AWS's endpoints for
    # the destination's region), the AWS profile whose credentials send them (None: boto3's standard chain),
    # how often the sender looks for events to deliver, and whether this process sends at all.
    sqs_endpoint_url: str | None = None
    sns_endpoint_url: str | None = None
    notification_aws_profile: str | None = None
    notify_poll_ms: int = 500
    notifications: bool = True

    @property
    def resolved_database_url(self) -> str:
        return normalise_database_url(self.database_url) if self.database_url else sqlite_url(self.data_dir)

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")


# Environment variable for each setting: OPENTURK_<FIELD NAME IN UPPER CASE>.
ENV_PREFIX = "OPENTURK_"


def _coerce(value: str, typ: type | str):
    typ = typ if isinstance(typ, str) else typ.__name__
    if "int" in typ:
        return int(value)
    if "bool" in typ:
        return value.strip().lower() in ("1", "true", "yes", "on")
    return value


def load_settings(environ: dict[str, str] | None = None, **flags) -> Settings:
    """Build Settings from defaults, then `OPENTURK_*` variables, then flags that are not None."""
    environ = os.environ if environ is None else environ
    values = {}
    for f in fields(Settings):
        env = environ.get(ENV_PREFIX + f.name.upper())
        if env is not None and env != "":
            values[f.name] = _coerce(env, f.type)
    values.update({k: v for k, v in flags.items() if v is not None})
    return replace(Settings(), **values)


def to_environ(settings: Settings) -> dict[str, str]:
    """The settings as OPENTURK_* variables (how `serve --workers N` hands them to its processes)."""
    out = {}
    for f in fields(Settings):
        value = getattr(settings, f.name)
        if value is not None:
            out[ENV_PREFIX + f.name.upper()] = str(value).lower() if isinstance(value, bool) else str(value)
    return out


def metrics_multiprocess_dir(environ: dict[str, str] | None = None) -> str | None:
    """The directory `serve --workers N` gives its processes for prometheus_client's multiprocess mode
    (the library reads the same variable itself when it is imported)."""
    environ = os.environ if environ is None else environ
    return environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def sqlite_url(data_dir: str) -> str:
    return f"sqlite:///{Path(data_dir).resolve() / SQLITE_FILE}"


def normalise_database_url(url: str) -> str:
    """Accept plain `postgresql://…` (and `postgres://…`) URLs: use the psycopg 3 driver."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url
