"""Operations: one function per MTurk operation; the only code that changes state.

Importing this package registers every operation (see `registry.REGISTRY`).
"""

from . import (account, assignments, hits, notifications, qualification_requests,  # noqa: F401
               qualification_types, qualifications, worker_blocks)   # (importing registers the operations)
from .registry import REGISTRY, complete_registry

complete_registry()

__all__ = ["REGISTRY"]
