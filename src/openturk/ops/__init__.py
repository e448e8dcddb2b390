"""Operations: one function per MTurk operation; the only code that changes state.

Importing this package registers every operation (see `registry.REGISTRY`).
"""

from . import (account, hits, qualification_requests, qualification_types,  # noqa: F401  (registration)
               qualifications, worker_blocks)
from .registry import REGISTRY, complete_registry

complete_registry()

__all__ = ["REGISTRY"]
