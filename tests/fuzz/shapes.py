"""hypothesis strategies derived from botocore's shapes: for each member, valid values, boundary values and
wrong-typed values, with ids drawn from a seeded world as often as from nowhere.

`value(shape, name, pools)` is what boto3 may be asked to send (its serializer takes Python values);
`raw_member(...)` adds what only a hand-written JSON body can carry (nulls, unknown members, NaN-free floats for
integers, numbers far beyond 64 bits, nested garbage).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone

from botocore.model import Shape
from hypothesis import strategies as st

from ..api.helpers import answer_key, question_form
from ..api.isolation import free_text_form

INT32 = (-(2**31), 2**31 - 1)
INT64 = (-(2**63), 2**63 - 1)
DEFAULT_MAX_TEXT = 300


@dataclass
class Pools:
    """Ids and tokens of real objects, by the member names that carry them."""

    by_member: dict[str, list[str]] = field(default_factory=dict)

    def get(self, member: str) -> list[str]:
        return self.by_member.get(member, [])


# Strings that have broken parsers elsewhere: empty, blank, control characters, a trailing newline after a
# valid id, characters outside the BMP, combining marks, right-to-left text, markup, a lone surrogate
# (which json.dumps escapes as \ud800), unicode digits, SQL and format-string noise.
ODD_STRINGS = ["", " ", "\x00", "A\x00B", "ABC\n", "AZZZ\r\n", "\t", "None", "null", "0", "-1", "1e400", "😀" * 3,
               "e\u0301", "\u202eABC", "<x>&amp;</x>", "]]>", "\ud800", "A\udfff", "²", "٣", "%s%n{0}", "' OR 1=1 --",
               "\\", "\"", "A" * 65, "A" + "Z" * 63, "\u00a0", "\ufeff", "\U0010ffff"]

QUESTION_FORMS = [question_form(), free_text_form(), question_form("q\x7f"), "<QuestionForm/>", question_form()[:-5],
                  "", "x" * 70000, '<?xml version="1.0"?><!DOCTYPE a [<!ENTITY b "c">]><a>&b;</a>']
ANSWER_KEYS = [answer_key(), answer_key("q2"), answer_key(selection="zz"), "<AnswerKey/>", answer_key()[:-3],
               answer_key().replace("<AnswerScore>1", "<AnswerScore>-99999999999")]


def garbage(max_leaves: int = 6) -> st.SearchStrategy:
    """Any JSON value (what a wrong-typed member may be)."""
    leaves = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) \
        | st.text(max_size=20) | st.sampled_from(ODD_STRINGS)
    return st.recursive(leaves, lambda children: st.lists(children, max_size=3)
                        | st.dictionaries(st.text(max_size=8), children, max_size=3), max_leaves=max_leaves)


def _bounds(shape: Shape, default: tuple[int, int]) -> tuple[int, int]:
    meta = shape.metadata
    return meta.get("min", default[0]), meta.get("max", default[1])


def _string(shape: Shape, name: str, pools: Pools, valid: bool) -> st.SearchStrategy:
    meta = shape.metadata
    low, high = meta.get("min", 0), meta.get("max")
    if pools.get(name):
        right = st.sampled_from(pools.get(name))
    elif name == "Test":
        right = st.sampled_from(QUESTION_FORMS[:2])
    elif name == "AnswerKey":
        right = st.sampled_from(ANSWER_KEYS[:1])
    elif "enum" in meta:
        right = st.sampled_from(meta["enum"])
    elif "pattern" in meta:
        right = st.from_regex(meta["pattern"].replace("+$", "{1,%d}$" % (high or 64)), fullmatch=True)
    else:
        right = st.text(min_size=max(low, 1), max_size=min(high or 40, 40))
    if valid:
        return right
    options = [right, right, st.text(max_size=high if high is not None else DEFAULT_MAX_TEXT),
               st.sampled_from(ODD_STRINGS)]
    if "enum" in meta:
        options.append(st.sampled_from([e.lower() for e in meta["enum"]]))
    if high is not None:   # the boundaries: exactly the maximum, one more, one less than the minimum
        options.append(st.sampled_from(["A" * high, "A" * (high + 1), "A" * max(low - 1, 0), "A" * low]))
    if name == "Test":
        options.append(st.sampled_from(QUESTION_FORMS))
    if name == "AnswerKey":
        options.append(st.sampled_from(ANSWER_KEYS))
    return st.one_of(options)


def _integer(shape: Shape, valid: bool) -> st.SearchStrategy:
    kind_bounds = INT32 if shape.type_name == "integer" else INT64
    low, high = _bounds(shape, kind_bounds)
    small = st.integers(min_value=max(low, -100), max_value=min(high, 10**5))
    if valid:
        return small | st.integers(min_value=low, max_value=high)
    edges = sorted({low - 1, low, low + 1, high - 1, high, high + 1, 0, -1, 1, kind_bounds[0] - 1,
                    kind_bounds[1] + 1, 2**64, -(10**30), 10**30})
    return small | st.integers(min_value=low, max_value=high) | st.sampled_from(edges)


def _timestamp() -> st.SearchStrategy:
    return st.datetimes(timezones=st.just(timezone.utc)) | st.integers(min_value=-(2**40), max_value=2**40) \
        | st.floats(min_value=-1e12, max_value=1e12) | st.sampled_from(
            [datetime(1, 1, 1, tzinfo=timezone.utc), datetime(9999, 12, 31, 23, 59, tzinfo=timezone.utc)])


def value(shape: Shape, name: str, pools: Pools, depth: int = 0, valid: bool = False) -> st.SearchStrategy:
    """A value for a member of this shape. `valid`: of the right type and within the model's limits, ids of
    the world's objects. Otherwise also at or beyond the limits, and now and then of the wrong type."""
    kind = shape.type_name
    if kind == "structure":
        right = structure(shape, pools, depth + 1, valid)
    elif kind == "list":
        low, high = _bounds(shape, (0, 4))
        right = st.lists(value(shape.member, name, pools, depth + 1, valid), min_size=low if valid else 0,
                         max_size=min(high if valid else high + 1, 4 if depth < 2 else 1))
    elif kind == "map":
        right = st.dictionaries(st.text(max_size=10), value(shape.value, name, pools, depth + 1, valid), max_size=3)
    elif kind == "string":
        right = _string(shape, name, pools, valid)
    elif kind in ("integer", "long"):
        right = _integer(shape, valid)
    elif kind == "boolean":
        right = st.booleans()
    elif kind == "timestamp":
        right = _timestamp()
    elif kind in ("double", "float"):
        right = st.floats(allow_nan=False, allow_infinity=False)
    else:   # blob: not in the MTurk model today
        right = st.binary(max_size=50)
    return right if valid else st.one_of(right, right, right, garbage(3 if depth else 6))


@st.composite
def _damaged(draw, shape: Shape, pools: Pools, depth: int):
    """A valid structure with one to three members replaced by anything (boundary, odd, wrong-typed) or
    removed (perhaps a required one)."""
    out = dict(draw(structure(shape, pools, depth, valid=True)))
    names = sorted(shape.members)
    for member in draw(st.lists(st.sampled_from(names), min_size=1, max_size=3, unique=True)):
        if draw(st.integers(0, 5)) == 5:   # (hypothesis leans towards small integers)
            out.pop(member, None)
        else:
            out[member] = draw(value(shape.members[member], member, pools, depth))
    return out


def structure(shape: Shape, pools: Pools, depth: int = 0, valid: bool = False) -> st.SearchStrategy:
    """A structure: valid (all required members, any optional ones, each valid), or such a one damaged."""
    members = shape.members
    required = set(shape.required_members)
    optional = {n: value(m, n, pools, depth, valid=True) for n, m in members.items() if n not in required}
    needed = {n: value(m, n, pools, depth, valid=True) for n, m in members.items() if n in required}
    full = st.fixed_dictionaries(needed, optional=optional)
    if valid or not members:
        return full
    return st.one_of(full, _damaged(shape, pools, depth))


# -- raw JSON bodies --------------------------------------------------------------------------------

@st.composite
def raw_object(draw, shape: Shape | None, pools: Pools):
    """A JSON object for this input shape, then damaged: unknown members, nulls, floats for integers,
    strings for numbers, huge numbers, nested garbage."""
    body = dict(draw(structure(shape, pools))) if shape is not None else {}
    names = list(shape.members) if shape is not None else []
    for _ in range(draw(st.integers(0, 2))):
        damage = draw(st.sampled_from(["unknown", "null", "float", "string", "huge", "nested", "case"]))
        target = draw(st.sampled_from(names)) if names else "Unknown"
        if damage == "unknown":
            body[draw(st.sampled_from(["X", "qualificationTypeId", "__type", "", "Name ", "ÄÖÜ", "a.b"]))] = \
                draw(garbage())
        elif damage == "null":
            body[target] = None
        elif damage == "float":
            body[target] = draw(st.sampled_from([1.0, 1.5, -0.0, 1e308, 2.0**63, 123456789.0]))
        elif damage == "string":
            body[target] = draw(st.sampled_from(["1", "true", "1.5", "1e3", ""]))
        elif damage == "huge":
            body[target] = draw(st.sampled_from([2**63, -(2**63) - 1, 10**40, 2**64 + 1]))
        elif damage == "nested":
            body[target] = draw(st.recursive(st.just({}), lambda c: st.lists(c, max_size=2)
                                             | st.dictionaries(st.sampled_from(names or ["k"]), c, max_size=2),
                                             max_leaves=8))
        elif damage == "case" and target in body:   # the member's name in another case
            body[target.lower()] = body.pop(target)
    return body


NOT_OBJECTS = [b"", b"   ", b"null", b"[]", b"[{}]", b'"text"', b"0", b"-1.5", b"true", b"1e999",
               b"123456789012345678901234567890", b"{", b"}", b'{"a":1,}', b'{"a" 1}', b"\xff\xfe{}",
               b"\xef\xbb\xbf{}", b"{}" * 2, b"[" * 2000 + b"]" * 2000, b'{"a":' * 600 + b"1" + b"}" * 600,
               b'{"QualificationTypeId": "\\ud800"}', b'{"Name": "\xed\xa0\x80"}', b'{"Name": NaN}',
               b'{"MaxResults": 1E2}', b'{"MaxResults": 10.0}', b'{"MaxResults": -0}', b"\x00",
               "{\"Name\": \"é\"}".encode("latin-1")]


def raw_body(shape: Shape | None, pools: Pools) -> st.SearchStrategy:
    """Bytes of a request body: mostly an object for the shape (damaged or not), also anything else."""
    import json

    def encode(pair) -> bytes:
        obj, ascii_only = pair
        # A timestamp drawn as a datetime goes as ISO 8601 text (botocore would send epoch seconds).
        text = json.dumps(obj, ensure_ascii=ascii_only, default=lambda when: when.isoformat())
        return text.encode("utf-8", errors="surrogatepass")

    objects = st.tuples(raw_object(shape, pools), st.booleans()).map(encode)
    anything = st.tuples(garbage(), st.booleans()).map(encode)
    return st.one_of(objects, objects, objects, anything, st.sampled_from(NOT_OBJECTS), st.binary(max_size=40))
