"""openturk's own validator for MTurk's XML schemas (no XSD is shipped or loaded at run time).

A grammar is written in Python from the official 2005-10-01 XSDs: element particles in sequences and
choices with their occurrences, XSD simple types, attributes. Each content model is compiled once into
a Glushkov automaton (the XSD's "unique particle attribution" rule makes it deterministic), so checking
an element's children is one dictionary look-up per child, and an error can say exactly which element
was unexpected and what was expected instead.

`read_document` walks a parsed document once: it checks every element against its declaration and hands
the children's values to the type's builder, so the same walk produces the model. Schema errors stop
the walk at once (`AWS.MechanicalTurk.XMLParseError`, naming the line, the element and the reason, the
first one in document order). Rule problems (rules beyond the schema) found while building are only
recorded; the caller raises the first one after the whole document has passed the schema, so a
document that breaks the schema always gets XMLParseError. The tests hold this validator to the
official XSDs (lxml's XMLSchema) on a generated corpus of valid and broken documents.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .. import errors
from . import safe_parse
from .types import (BOOLEAN, DOUBLE, FILE_SIZE, INT, MAX_DIGITS, NON_NEGATIVE_INTEGER,  # noqa: F401
                    POSITIVE_INTEGER, STRING, URL, XML_WHITESPACE, Invalid, Simple, TooLarge, collapse,
                    enumeration, integer_type)

XSI = "{http://www.w3.org/2001/XMLSchema-instance}"
# XSD lets these two hints appear on any element; openturk ignores them, as lxml does. (xsi:type and
# xsi:nil would change how an element is validated: openturk refuses them, see docs/compatibility.md.)
XSI_ALLOWED = frozenset({XSI + "schemaLocation", XSI + "noNamespaceSchemaLocation"})
SHOW_CHARS = 40


# -- content models -------------------------------------------------------------------------------

UNBOUNDED = None


@dataclass(frozen=True)
class Element:
    name: str
    type: Simple | Complex
    min: int = 1
    max: int | None = 1


@dataclass(frozen=True)
class Sequence:
    items: tuple
    min: int = 1
    max: int | None = 1


@dataclass(frozen=True)
class Choice:
    items: tuple
    min: int = 1
    max: int | None = 1


def seq(*items, min: int = 1, max: int | None = 1) -> Sequence:
    return Sequence(tuple(items), min, max)


def choice(*items, min: int = 1, max: int | None = 1) -> Choice:
    return Choice(tuple(items), min, max)


def optional(name: str, type_: Simple | Complex) -> Element:
    return Element(name, type_, 0, 1)


def many(name: str, type_: Simple | Complex, min: int = 0) -> Element:
    return Element(name, type_, min, UNBOUNDED)


@dataclass(frozen=True)
class Attribute:
    name: str
    type: Simple
    required: bool = False


Builder = Callable[["Context", int, dict, list], Any]


class Complex:
    """A complex type: element-only content (or none) and attributes; `build(ctx, line, attrs, kids)`
    makes the model value from the children's values (kids: (local name, value, line) in order)."""

    def __init__(self, content=None, attributes: tuple[Attribute, ...] = (), build: Builder | None = None):
        self.attributes = {a.name: a for a in attributes}
        self.required = tuple(a.name for a in attributes if a.required)
        self.build = build
        self.empty = content is None
        self.positions: list[Element] = []
        self.types: list = []
        self.names: list[str] = []
        self.bound: dict[str, dict[int, dict[str, int]]] = {}
        self.follow: dict[int, dict[str, int]] = {}
        start: dict[str, int] = {}
        if content is None:
            self.accepting = frozenset({-1})
        else:
            nullable, first, last = self._compile(content)
            start = self._transitions(first)
            self.accepting = frozenset(last | ({-1} if nullable else set()))
        self.follow[-1] = start

    # Glushkov construction: positions are element particles; follow(p) = positions that may come next.
    def _compile(self, particle) -> tuple[bool, set[int], set[int]]:
        if isinstance(particle, Element):
            self.positions.append(particle)
            self.types.append(particle.type)
            self.names.append(particle.name)
            position = len(self.positions) - 1
            self.follow[position] = {}
            nullable, first, last = False, {position}, {position}
        elif isinstance(particle, Sequence):
            nullable, first, last = True, set(), set()
            for item in particle.items:
                n, f, la = self._compile(item)
                for p in last:
                    self._add_follow(p, f)
                if nullable:
                    first |= f
                last = (last | la) if n else la
                nullable = nullable and n
        else:
            nullable, first, last = False, set(), set()
            for item in particle.items:
                n, f, la = self._compile(item)
                nullable, first, last = nullable or n, first | f, last | la
        if particle.min not in (0, 1) or particle.max not in (1, UNBOUNDED):
            raise ValueError(f"occurrence {particle.min}..{particle.max} is not supported")
        if particle.max is UNBOUNDED:
            for p in last:
                self._add_follow(p, first)
        if particle.min == 0:
            nullable = True
        return nullable, first, last

    def _add_follow(self, position: int, targets: set[int]) -> None:
        for name, target in self._transitions(targets).items():
            existing = self.follow[position].setdefault(name, target)
            if existing != target:
                raise ValueError(f"content model is ambiguous at {name}")

    def _transitions(self, positions: set[int]) -> dict[str, int]:
        table: dict[str, int] = {}
        for p in sorted(positions):
            name = self.positions[p].name
            if table.setdefault(name, p) != p:
                raise ValueError(f"content model is ambiguous at {name}")
        return table

    def transitions_for(self, prefix: str) -> dict[int, dict[str, int]]:
        """The follow table keyed by full tags ("{namespace}Name") for documents in one namespace."""
        table = self.bound.get(prefix)
        if table is None:
            table = self.bound[prefix] = {state: {prefix + name: target for name, target in names.items()}
                                          for state, names in self.follow.items()}
        return table

    def expected(self, state: int, parent: str, hints: dict[str, str]) -> str:
        names = list(self.follow[state])
        if state in self.accepting:
            names.append(f"the end of {parent}")
        if not names:
            return "nothing more"
        if len(names) <= 2:
            return " or ".join(names)
        return "one of " + ", ".join(names[:-1]) + " or " + names[-1]


# -- the walk ---------------------------------------------------------------------------------------

class Context:
    """One validation: the parameter named in errors, the document's namespace and the rule problems
    recorded so far. `options` carries what builders need to know (e.g. "qualification test")."""

    __slots__ = ("hints", "namespace", "options", "param", "prefix", "problems")

    def __init__(self, param: str, namespace: str, hints: dict[str, str] | None = None, **options):
        self.param = param
        self.namespace = namespace
        self.prefix = "{" + namespace + "}"
        self.problems: list[tuple[int, int, str, str]] = []
        self.hints = hints or {}
        self.options = options

    def fail(self, line: int | None, reason: str) -> errors.TurkError:
        return errors.xml_parse_error(self.param, f"line {line or '?'}: {reason}")

    def problem(self, line: int | None, reason: str, code: str = errors.Code.INVALID_PARAMETER_VALUE) -> None:
        """Record a rule problem (raised by `raise_first_problem` once the schema walk is complete)."""
        self.problems.append((line or 0, len(self.problems), reason, code))

    def raise_first_problem(self) -> None:
        if self.problems:
            line, _, reason, code = min(self.problems)
            text = f"line {line}: {reason}"
            if code == errors.Code.XHTML_PARSE_ERROR:
                raise errors.xhtml_parse_error(self.param, text)
            raise errors.invalid_value(self.param, text)

    def too_large(self, line: int | None, what: str, value: TooLarge) -> None:
        self.problem(line, f"{what}: {show(value.digits)} is too large (openturk accepts at most "
                           f"{MAX_DIGITS} digits)")


def show(text: str) -> str:
    """A value quoted for an error message, shortened."""
    if len(text) > SHOW_CHARS:
        text = text[:SHOW_CHARS] + "…"
    return repr(text)


def _name_of(ctx: Context, tag: str) -> str:
    if tag.startswith("{"):
        namespace, local = tag[1:].split("}", 1)
        return f"{local} (in namespace {namespace})"
    return f"{tag} (in no namespace)"


def validate(ctx: Context, element, type_: Simple | Complex, name: str) -> Any:
    """Check `element` (already known to be named `name` in the document's namespace) against its
    type and return its value: the builder's result for a complex type, the parsed value for a simple one."""
    if type_.__class__ is Simple:
        return _simple(ctx, element, type_, name)
    return _complex(ctx, element, type_, name)


def _attributes(ctx: Context, element, items: list, type_: Complex | None, name: str) -> dict:
    values: dict = {}
    declared = type_.attributes if type_ is not None else {}
    for key, text in items:
        decl = declared.get(key)
        if decl is None:
            if key in XSI_ALLOWED:
                continue
            shown = _name_of(ctx, key) if key.startswith("{") else key
            raise ctx.fail(element.sourceline, f"element {name}: attribute {shown} is not allowed")
        try:
            value = values[key] = decl.type.value(text)
        except Invalid as exc:
            raise ctx.fail(element.sourceline,
                           f"element {name}: attribute {key}={show(text)} is invalid: {exc}") from None
        if value.__class__ is TooLarge:
            ctx.too_large(element.sourceline, f"element {name}: attribute {key}", value)
    if type_ is not None:
        for required in type_.required:
            if required not in values:
                raise ctx.fail(element.sourceline, f"element {name}: the attribute {required} is required")
    return values


_NO_ATTRIBUTES: dict = {}


def _complex(ctx: Context, element, type_: Complex, name: str) -> Any:
    # The hot loop of every parse: kept flat on purpose (no helper calls per child).
    items = element.items()
    attrs = _attributes(ctx, element, items, type_, name) if (items or type_.required) else _NO_ATTRIBUTES
    if type_.empty:
        return _empty(ctx, element, type_, name, attrs)
    text = element.text
    if text and text.strip(XML_WHITESPACE):
        raise ctx.fail(element.sourceline, f"element {name} must not contain text (found {show(text.strip())})")
    prefix = ctx.prefix
    follow = type_.bound.get(prefix) or type_.transitions_for(prefix)
    types = type_.types
    names = type_.names
    state = -1
    kids: list[tuple[str, Any, int]] = []
    append = kids.append
    for child in element:
        tag = child.tag
        if tag.__class__ is str:
            target = follow[state].get(tag)
            if target is None:
                local = tag[len(prefix):] if tag.startswith(prefix) else None
                raise ctx.fail(child.sourceline, _unexpected(ctx, type_, state, name, tag, local))
            state = target
            child_type = types[target]
            local = names[target]
            if child_type is STRING and not len(child) and not child.items():
                append((local, child.text or "", child.sourceline))
            elif child_type.__class__ is Simple:
                append((local, _simple(ctx, child, child_type, local), child.sourceline))
            else:
                append((local, _complex(ctx, child, child_type, local), child.sourceline))
        tail = child.tail
        if tail and tail.strip(XML_WHITESPACE):
            raise ctx.fail(child.sourceline, f"element {name} must not contain text (found "
                                             f"{show(tail.strip())} after line {child.sourceline})")
    if state not in type_.accepting:
        after = f" after {kids[-1][0]}" if kids else ""
        raise ctx.fail(element.sourceline, f"element {name} is incomplete: expected "
                                           f"{type_.expected(state, name, ctx.hints)}{after}")
    build = type_.build
    return build(ctx, element.sourceline, attrs, kids) if build is not None else kids


def _empty(ctx: Context, element, type_: Complex, name: str, attrs: dict) -> Any:
    """Empty content (attributes only): XSD allows no character at all inside, not even whitespace."""
    text = element.text or ""
    for child in element:
        if child.tag.__class__ is str:
            raise ctx.fail(child.sourceline, f"element {name} must be empty, but it contains the element "
                                             f"{child.tag.rpartition('}')[2]}")
        text += child.tail or ""
    if text:
        raise ctx.fail(element.sourceline, f"element {name} must be empty, but it contains the text {show(text)}")
    return type_.build(ctx, element.sourceline, attrs, []) if type_.build is not None else []


def _unexpected(ctx: Context, type_: Complex, state: int, parent: str, tag: str, local: str | None) -> str:
    expected = type_.expected(state, parent, ctx.hints)
    if local is None:
        return (f"element {_name_of(ctx, tag)} is not allowed in {parent}: elements must be in the namespace "
                f"{ctx.namespace}; expected {expected}")
    hint = ctx.hints.get(local, "")
    return f"element {local} is not allowed here in {parent}; expected {expected}{hint}"


def _simple(ctx: Context, element, type_: Simple, name: str) -> Any:
    items = element.items()
    if items:
        _attributes(ctx, element, items, None, name)
    text = element.text or ""
    if len(element):
        for child in element:
            if child.tag.__class__ is str:
                raise ctx.fail(child.sourceline, f"element {name} must contain only text, not the element "
                                                 f"{child.tag.rpartition('}')[2]}")
            text += child.tail or ""
    if type_ is STRING:
        return text
    try:
        value = type_.value(text)
    except Invalid as exc:
        raise ctx.fail(element.sourceline, f"element {name}: {show(text)} is invalid: {exc}") from None
    if value.__class__ is TooLarge:
        ctx.too_large(element.sourceline, f"element {name}", value)
    return value


def read_document(param: str, text: str, root_name: str, namespaces: tuple[str, ...],
                  root_type: Callable[[str], Complex], limit: int = safe_parse.MAX_DOCUMENT_BYTES,
                  hints: Callable[[str], dict] | None = None, **options) -> Any:
    """Parse `text` safely, check its root, validate the whole document (raising XMLParseError at the first
    schema error), then raise the first rule problem if there is one; return the root's value.

    The nesting depth is only measured when the document fails the schema (a valid one is never deep), and
    then "nested deeper than 64 levels" is the error reported, as safe_parse reports it elsewhere."""
    root = safe_parse.parse(param, text, limit=limit, depth=False)
    try:
        safe_parse.require_root(param, root, root_name, namespaces)
        namespace = root.tag[1:].partition("}")[0]
        ctx = Context(param, namespace, hints(namespace) if hints else None, **options)
        value = _complex(ctx, root, root_type(namespace), root_name)
    except errors.TurkError as exc:
        if exc.code == errors.Code.XML_PARSE_ERROR:
            safe_parse.check_depth(param, root)
        raise
    ctx.raise_first_problem()
    return value
