"""The operation registry: MTurk operation name → implementation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from botocore import xform_name

from .. import errors
from ..protocol.model import operation_names


@dataclass(frozen=True)
class Operation:
    name: str                     # the model's name, e.g. "UpdateQualificationType"
    fn: Callable[..., dict]
    readonly: bool                # decides BEGIN vs BEGIN IMMEDIATE on SQLite
    implemented: bool = True
    # Its only write is one statement that guards itself (a compare-and-set): on PostgreSQL its first attempt
    # runs outside a transaction, each statement atomic by itself (store.db.Database.transaction).
    single_write: bool = False


REGISTRY: dict[str, Operation] = {}


def operation(name: str, *, readonly: bool | None = None, single_write: bool = False):
    """Register `fn` as the implementation of MTurk operation `name`."""
    def register(fn):
        if fn.__name__ != xform_name(name):
            raise TypeError(f"{fn.__name__} must be named {xform_name(name)}")
        is_readonly = name.startswith(("Get", "List")) if readonly is None else readonly
        REGISTRY[name] = Operation(name, fn, is_readonly, single_write=single_write)
        return fn
    return register


def _unsupported(name: str) -> Operation:
    def not_supported(ctx, **_params):
        raise errors.unsupported_operation(name)
    return Operation(name, not_supported, readonly=True, implemented=False)


def complete_registry() -> None:
    """Every operation of the model answers: those not built yet with a clear RequestError."""
    for name in operation_names():
        REGISTRY.setdefault(name, _unsupported(name))
