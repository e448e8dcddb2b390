"""Parse, validate and serialise JSON 1.1 bodies by walking the model's shapes.

For each operation we build, once, a parser for its input shape and a serialiser for its output
shape. The parser checks what botocore's client does not (maxima, patterns, enums) as well as what it
does (required members, types, minima), because raw clients and other SDKs reach the server
unchecked. Parsed members come out under their snake_case names (`botocore.xform_name`), which are
the keyword arguments of the operation functions. Timestamps are integer epoch milliseconds inside
the server and epoch seconds (a JSON number) on the wire.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Callable

from botocore import xform_name
from botocore.model import Shape

from .. import errors

Parser = Callable[[Any, str], Any]
Serialiser = Callable[[Any], Any]

INT32 = (-(2**31), 2**31 - 1)
INT64 = (-(2**63), 2**63 - 1)


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _type_error(path: str, expected: str, value) -> errors.TurkError:
    got = "null" if value is None else type(value).__name__.replace("dict", "object").replace("str", "string")
    return errors.invalid_value(path, f"expected {expected}, got {got}")


# Where the model documents an operation's own message for a malformed member, that message is answered
# (clients match on message texts): DeleteWorkerBlock's "Missing/invalid WorkerId → WorkerId is invalid.",
# and CreateWorkerBlock, which takes the same WorkerId, alike (openturk choice: its page says nothing).
DOCUMENTED_INVALID = {("CreateWorkerBlock", "WorkerId"): "WorkerId is invalid.",
                      ("DeleteWorkerBlock", "WorkerId"): "WorkerId is invalid."}


def build_input_parser(op_model) -> Parser:
    """The parser of an operation's input shape, answering the model's documented messages for malformed
    members (DOCUMENTED_INVALID)."""
    return _structure_parser(op_model.input_shape, op_model.name)


def build_member_parser(op_name: str, member: str, shape: Shape) -> Parser:
    """One top-level member's parser (the legacy API types its parameters with these)."""
    parse = build_parser(shape)
    text = DOCUMENTED_INVALID.get((op_name, member))
    if text is None:
        return parse

    def parse_documented(value, path):
        try:
            return parse(value, path)
        except errors.TurkError as exc:
            if exc.code != errors.Code.INVALID_PARAMETER_VALUE:
                raise
            raise errors.request_error(errors.Code.INVALID_PARAMETER_VALUE, text) from None
    return parse_documented


def build_parser(shape: Shape) -> Parser:
    kind = shape.type_name
    meta = shape.metadata
    if kind == "structure":
        return _structure_parser(shape)
    if kind == "list":
        return _list_parser(shape)
    if kind == "map":
        return _map_parser(shape)
    if kind == "string":
        return _string_parser(meta)
    if kind in ("integer", "long"):
        low, high = INT32 if kind == "integer" else INT64
        return _integer_parser(max(low, meta.get("min", low)), min(high, meta.get("max", high)))
    if kind == "boolean":
        def parse_bool(value, path):
            if not isinstance(value, bool):
                raise _type_error(path, "a boolean", value)
            return value
        return parse_bool
    if kind in ("double", "float"):
        def parse_number(value, path):
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                raise _type_error(path, "a number", value)
            return value
        return parse_number
    if kind == "timestamp":
        return _parse_timestamp
    raise NotImplementedError(kind)


def _structure_parser(shape: Shape, op_name: str | None = None) -> Parser:
    """`op_name`: the operation whose input this is (its top-level members may have documented messages)."""
    members = {name: (xform_name(name), build_parser(member) if op_name is None
                      else build_member_parser(op_name, name, member)) for name, member in shape.members.items()}
    required = list(shape.required_members)

    def parse_structure(value, path):
        if not isinstance(value, dict):
            raise _type_error(path or "the request body", "an object", value)
        out = {}
        for key, item in value.items():
            spec = members.get(key)
            child = f"{path}.{key}" if path else key
            if spec is None:
                raise errors.invalid_value(child, "it is not a parameter of this operation")
            if item is None:
                raise errors.invalid_value(child, "null is not allowed (omit the parameter instead)")
            out[spec[0]] = spec[1](item, child)
        for name in required:
            if name not in value:
                raise errors.missing_parameter(f"{path}.{name}" if path else name)
        return out
    return parse_structure


def _list_parser(shape: Shape) -> Parser:
    item_parser = build_parser(shape.member)
    low, high = shape.metadata.get("min"), shape.metadata.get("max")

    def parse_list(value, path):
        if not isinstance(value, list):
            raise _type_error(path, "a list", value)
        if (low is not None and len(value) < low) or (high is not None and len(value) > high):
            raise errors.out_of_range(f"{path} (number of items)", len(value), low, high)
        return [item_parser(item, f"{path}[{i}]") for i, item in enumerate(value)]
    return parse_list


def _map_parser(shape: Shape) -> Parser:
    key_parser, value_parser = build_parser(shape.key), build_parser(shape.value)

    def parse_map(value, path):
        if not isinstance(value, dict):
            raise _type_error(path, "an object", value)
        return {key_parser(k, path): value_parser(v, f"{path}.{k}") for k, v in value.items()}
    return parse_map


def _string_parser(meta: dict) -> Parser:
    low, high = meta.get("min"), meta.get("max")
    pattern = _compile_pattern(meta["pattern"]) if "pattern" in meta else None
    enum = frozenset(meta["enum"]) if "enum" in meta else None

    def parse_string(value, path):
        if not isinstance(value, str):
            raise _type_error(path, "a string", value)
        if "\x00" in value:
            # openturk choice: PostgreSQL cannot store U+0000 in text, so no database stores it.
            raise errors.invalid_value(path, "it must not contain the character U+0000")
        if enum is not None and value not in enum:
            raise errors.invalid_value(path, f"{value!r} is not one of {', '.join(sorted(enum))}")
        if low is not None and len(value) < low:
            raise errors.invalid_value(path, f"it must be at least {low} characters long")
        if high is not None and len(value) > high:
            raise errors.invalid_value(path, f"it must be at most {high} characters long")
        if pattern is not None and not pattern.search(value):
            raise errors.invalid_value(path, f"it must match the pattern {meta['pattern']}")
        return value
    return parse_string


def _compile_pattern(source: str) -> re.Pattern:
    # The model's patterns are ECMAScript regexes, whose final `$` is the end of the value; Python's `$`
    # also matches before a trailing newline ("ABC\n" would pass ^[A-Z0-9]+$).
    if source.endswith("$") and not source.endswith("\\$"):
        source = source[:-1] + r"\Z"
    return re.compile(source)


def _integer_parser(low: int, high: int) -> Parser:
    def parse_integer(value, path):
        if not _is_int(value):
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            else:
                raise _type_error(path, "an integer", value)
        if value < low or value > high:
            raise errors.out_of_range(path, value, low, high)
        return value
    return parse_integer


def _parse_timestamp(value, path) -> int:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return int(round(value * 1000))
    if isinstance(value, str):
        try:
            return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp() * 1000)
        except ValueError:
            pass
    raise _type_error(path, "a timestamp (epoch seconds)", value)


# -- output --------------------------------------------------------------------------------------

def build_serialiser(shape: Shape) -> Serialiser:
    """Turn an operation's result (snake_case dicts, timestamps in epoch ms) into wire JSON values."""
    kind = shape.type_name
    if kind == "structure":
        members = [(name, xform_name(name), build_serialiser(m)) for name, m in shape.members.items()]

        def dump_structure(value):
            out = {}
            for wire, key, dump in members:
                item = value.get(key)
                if item is not None:
                    out[wire] = dump(item)
            return out
        return dump_structure
    if kind == "list":
        dump_item = build_serialiser(shape.member)
        return lambda value: [dump_item(item) for item in value]
    if kind == "map":
        dump_value = build_serialiser(shape.value)
        return lambda value: {k: dump_value(v) for k, v in value.items()}
    if kind == "timestamp":
        # Epoch seconds with millisecond precision, as AWS JSON services send them.
        return lambda ms: ms // 1000 if ms % 1000 == 0 else ms / 1000
    return _identity


def _identity(value):
    return value
