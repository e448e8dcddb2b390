"""Logging set-up, the same in the `serve` process and in each `--workers` process.

Two formats (`serve --log-format`): `text`, one human-readable line per record, and `json`, one JSON
object per line for log collectors. The access log (`openturk.access`, see web/access.py) writes one
record per request on every front end; in JSON its fields are separate members.
"""

from __future__ import annotations

import logging
import time

import orjson

FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
LOG_FORMATS = ("text", "json")

# The access line: request id, front end, operation (or route), caller, HTTP status, duration, client.
ACCESS_LINE = "%s %s %s %s %d %.2fms %s"
ACCESS_FIELDS = ("request_id", "front_end", "operation", "caller", "status", "duration_ms", "client")
ACCESS_LOGGER = "openturk.access"


class JSONFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message; an access record's fields as members;
    `request_id` when the record carries one (error lines of a request); the traceback as `exception`."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {"time": self.formatTime(record), "level": record.levelname, "logger": record.name}
        args = record.args
        if record.name == ACCESS_LOGGER and isinstance(args, tuple) and len(args) == len(ACCESS_FIELDS):
            entry.update(zip(ACCESS_FIELDS, record.args))
            entry["duration_ms"] = round(entry["duration_ms"], 2)
        else:
            entry["message"] = record.getMessage()
            request_id = getattr(record, "request_id", None)
            if request_id is not None:
                entry["request_id"] = request_id
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        return orjson.dumps(entry, default=str).decode()

    def formatTime(self, record, datefmt=None) -> str:   # noqa: N802 - logging's name
        """ISO 8601 in UTC with milliseconds, e.g. 2026-11-25T10:00:00.123Z."""
        return f"{time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(record.created))}.{int(record.msecs):03d}Z"


def configure_logging(level: str, log_format: str = "text") -> None:
    """Log to stderr at `level` in `log_format`. Secrets are never logged."""
    handler = logging.StreamHandler()
    handler.setFormatter(JSONFormatter() if log_format == "json" else logging.Formatter(FORMAT))
    logging.basicConfig(level=level.upper(), handlers=[handler])
    logging.getLogger().setLevel(level.upper())
