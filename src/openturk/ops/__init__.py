"""Operations: one function per MTurk operation; the only code that changes state.

Importing this package registers every operation (see `registry.REGISTRY`).
"""

from . import account, qualification_types, qualifications, worker_blocks  # noqa: F401  (registration)
from .registry import REGISTRY, complete_registry

complete_registry()

__all__ = ["REGISTRY"]
