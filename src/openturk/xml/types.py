"""XSD simple types as MTurk's schemas use them, checked the way libxml2 (lxml's XMLSchema, the tests'
oracle) checks them: whitespace collapse, integer ranges, xs:boolean, xs:double, enumerations and the
QuestionForm's URLType (xs:anyURI with the pattern (http|https)://.*)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

XML_WHITESPACE = " \t\r\n"
MAX_DIGITS = 18         # openturk choice: unbounded XSD integers are limited to 18 digits (a rule, not schema)


class Invalid(ValueError):
    """A lexical value that its simple type does not allow (the message is the reason)."""


_COLLAPSE = re.compile(r"[ \t\r\n]+")


def collapse(text: str) -> str:
    """XSD whiteSpace="collapse": runs of whitespace become one space, leading and trailing go."""
    return _COLLAPSE.sub(" ", text).strip(" ")


@dataclass(frozen=True)
class Simple:
    """An XSD simple type: `parse(lexical) -> value` raises Invalid for values outside the type."""

    name: str
    parse: Callable[[str], Any]
    collapse: bool = True

    def value(self, text: str) -> Any:
        return self.parse(collapse(text) if self.collapse else text)


_INTEGER = re.compile(r"([+-]?)0*([0-9]+)")


def _integer(text: str, minimum: int | None, maximum: int | None, type_name: str) -> int:
    match = _INTEGER.fullmatch(text)
    if match is None:
        raise Invalid(f"it is not a whole number ({type_name})")
    sign, digits = match.groups()
    if len(digits) > MAX_DIGITS:
        # Valid for the XSD (unbounded integer), and still out of range for every value MTurk uses; a
        # rule problem is recorded by the caller when it sees TooLarge.
        if maximum is not None and sign != "-":
            raise Invalid(f"it is larger than {maximum}")
        if minimum is not None and sign == "-":
            raise Invalid(f"it is smaller than {minimum}")
        return TooLarge(sign + digits)
    value = int(digits)
    if sign == "-":
        value = -value
    if minimum is not None and value < minimum:
        raise Invalid(f"it is smaller than {minimum}" if minimum not in (0, 1)
                      else f"it must be {'positive' if minimum == 1 else 'zero or positive'}")
    if maximum is not None and value > maximum:
        raise Invalid(f"it is larger than {maximum}")
    return value


class TooLarge(int):
    """An integer the XSD allows but openturk does not (more than MAX_DIGITS digits). The walk records
    a rule problem for it, so its stand-in value (0) never reaches a model that is returned."""

    def __new__(cls, digits: str):
        obj = super().__new__(cls, 0)
        obj.digits = digits
        return obj


def integer_type(name: str, minimum: int | None = None, maximum: int | None = None) -> Simple:
    return Simple(name, lambda text: _integer(text, minimum, maximum, name))


STRING = Simple("xs:string", lambda text: text, collapse=False)
INT = integer_type("xs:int", -2**31, 2**31 - 1)
NON_NEGATIVE_INTEGER = integer_type("xs:nonNegativeInteger", 0)
POSITIVE_INTEGER = integer_type("xs:positiveInteger", 1)
FILE_SIZE = integer_type("xs:positiveInteger up to 2000000000", 1, 2_000_000_000)

_BOOLEANS = {"true": True, "1": True, "false": False, "0": False}


def _boolean(text: str) -> bool:
    try:
        return _BOOLEANS[text]
    except KeyError:
        raise Invalid("it must be true, false, 1 or 0 (xs:boolean)") from None


BOOLEAN = Simple("xs:boolean", _boolean)

# libxml2's lexical space for xs:double (what lxml's XMLSchema accepts): NaN, INF, -INF, or an optional
# sign, digits with an optional point, and an optional exponent whose digits may be missing ("1e").
_DOUBLE = re.compile(r"([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(?:[eE]([+-]?[0-9]*))?")


def _double(text: str) -> Decimal:
    # libxml2 skips leading whitespace but, for NaN and INF only, not trailing whitespace.
    text = text.lstrip(XML_WHITESPACE)
    if text == "NaN":
        return Decimal("NaN")
    if text in ("INF", "-INF"):
        return Decimal(text.replace("INF", "Infinity"))
    match = _DOUBLE.fullmatch(text.rstrip(XML_WHITESPACE))
    if match is None:
        raise Invalid("it is not a number (xs:double)")
    mantissa, exponent = match.groups()
    if exponent in (None, "", "+", "-"):
        exponent = "0"
    elif len(exponent.lstrip("+-0")) > 9:       # beyond Decimal's range: keep the sign, cap the size
        exponent = ("-" if exponent.startswith("-") else "") + "999999999"
    return Decimal(f"{mantissa}e{exponent}")


DOUBLE = Simple("xs:double", _double, collapse=False)


def enumeration(*values: str) -> Simple:
    allowed = frozenset(values)
    listing = ", ".join(values)

    def parse(text: str) -> str:
        if text not in allowed:
            raise Invalid(f"it must be one of {listing}")
        return text
    return Simple("enumeration", parse, collapse=False)


# xs:anyURI as libxml2 checks it: characters a URI may not hold (controls, space, non-ASCII, <>"{}|\^`')
# are first replaced by "_", then the value must parse as an RFC 3986 reference. URLType adds the
# pattern (http|https)://.* so only the "//authority" form matters here.
_UNSAFE = re.compile(r"""[\x00-\x20\x7f-\U0010ffff<>"{}|\\^`']""")
_PCT = r"%[0-9A-Fa-f]{2}"
_UNRESERVED_SUB = r"A-Za-z0-9\-._~!$&()*+,;="
_PCHAR = rf"(?:[{_UNRESERVED_SUB}:@]|{_PCT})"
_HTTP_URL = re.compile(
    rf"https?://(?:(?:[{_UNRESERVED_SUB}:]|{_PCT})*@)?"          # userinfo@
    rf"(?:\[[^\]]*\]|(?:[{_UNRESERVED_SUB}]|{_PCT})*)"           # host (libxml2 takes any [...] literal)
    r"(?::[0-9]+)?"                                               # :port
    rf"(?:/{_PCHAR}*)*"                                           # path
    rf"(?:\?(?:{_PCHAR}|[/?])*)?"                                 # ?query
    rf"(?:#(?:{_PCHAR}|[/?\[\]])*)?")                             # #fragment


def _url(text: str) -> str:
    if not text.startswith(("http://", "https://")):
        raise Invalid("it must start with http:// or https://")
    if _HTTP_URL.fullmatch(_UNSAFE.sub("_", text)) is None:
        raise Invalid("it is not a valid URL (xs:anyURI)")
    return text


URL = Simple("URLType", _url)
