"""Logging set-up, the same in the `serve` process and in each `--workers` process."""

from __future__ import annotations

import logging

FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


def configure_logging(level: str) -> None:
    """Log to stderr at `level`. The access log (`openturk.access`) writes one line per API request:
    request id, operation, caller, HTTP status, milliseconds. Secrets are never logged."""
    logging.basicConfig(level=level.upper(), format=FORMAT)
    logging.getLogger().setLevel(level.upper())
