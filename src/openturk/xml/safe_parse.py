"""Parse untrusted XML safely: no DTDs, no entities, no network, bounded size and depth.

Errors name the parameter, the line and the reason, as `AWS.MechanicalTurk.XMLParseError`.
"""

from __future__ import annotations

import threading

from lxml import etree

from .. import errors

MAX_DOCUMENT_BYTES = 65535
MAX_DEPTH = 64

SCHEMA_BASE = "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/"
QUESTION_FORM_NAMESPACES = (
    SCHEMA_BASE + "2005-10-01/QuestionForm.xsd",
    SCHEMA_BASE + "2017-11-06/QuestionForm.xsd",
)
ANSWER_KEY_NAMESPACES = (SCHEMA_BASE + "2005-10-01/AnswerKey.xsd",)



def check_size(param: str, text: str, limit: int = MAX_DOCUMENT_BYTES) -> bytes:
    data = text.encode("utf-8")
    if len(data) > limit:
        raise errors.invalid_value(param, f"it must not be longer than {limit} bytes (it is {len(data)} bytes)")
    return data


_local = threading.local()


def _parser() -> etree.XMLParser:
    """One parser per thread (lxml parsers are not meant to be shared): no entities, no DTD, no network,
    libxml2's own limits on (huge_tree off). The document arrives as text, so its bytes are UTF-8 whatever
    its XML declaration says: the parser is told so, else a declared encoding such as UTF-7 could hide a
    DOCTYPE from the byte check in `parse`."""
    parser = getattr(_local, "parser", None)
    if parser is None:
        parser = _local.parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                                                 huge_tree=False, encoding="utf-8")
    return parser


def parse(param: str, text: str, *, limit: int = MAX_DOCUMENT_BYTES, depth: bool = True) -> etree._Element:
    """Parse `text` (the value of parameter `param`) into an element tree, or raise XMLParseError.

    With `depth=False` the caller checks the nesting depth itself (`check_depth`), as the schema readers
    do only when a document fails the schema: a document that passes it is never deep."""
    data = check_size(param, text, limit)
    # A DOCTYPE (and so an entity declaration) can only come before the root element; after it, these
    # bytes are text in a CDATA section or a comment (an HTMLQuestion's "<!DOCTYPE html>") or a syntax error.
    prolog = _prolog_end(data)
    for marker in (b"<!DOCTYPE", b"<!ENTITY"):
        position = data.find(marker, 0, prolog + len(marker))
        if position >= 0:
            line = data.count(b"\n", 0, position) + 1
            raise errors.xml_parse_error(param, f"line {line}: document type declarations (DOCTYPE) and entity "
                                                "declarations are not allowed")
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        line = exc.lineno if exc.lineno else "?"
        raise errors.xml_parse_error(param, f"line {line}: {exc.msg}") from None
    if root is None:
        raise errors.xml_parse_error(param, "line 1: the document is empty")
    if root.getroottree().docinfo.doctype:      # a second line of defence behind the byte check
        raise errors.xml_parse_error(param, "line 1: document type declarations (DOCTYPE) and entity "
                                            "declarations are not allowed")
    if depth:
        check_depth(param, root)
    return root


def _prolog_end(data: bytes) -> int:
    """Where the root element (or a DOCTYPE) may start: after a byte order mark, the XML declaration,
    processing instructions, comments and whitespace."""
    i, n = (3 if data.startswith(b"\xef\xbb\xbf") else 0), len(data)
    while i < n:
        if data[i] in b" \t\r\n":
            i += 1
        elif data.startswith(b"<?", i) or data.startswith(b"<!--", i):
            close = b"?>" if data[i + 1] == 0x3F else b"-->"
            end = data.find(close, i + 2)
            if end < 0:
                return n
            i = end + len(close)
        else:
            return i
    return n


def check_depth(param: str, root: etree._Element, limit: int = MAX_DEPTH) -> None:
    """XMLParseError naming the first element (in document order) nested deeper than `limit`."""
    stack = [(root, 1)]
    while stack:
        element, level = stack.pop()
        if level > limit:
            raise errors.xml_parse_error(
                param, f"line {element.sourceline}: elements are nested deeper than {limit} levels")
        children = [child for child in element if child.tag.__class__ is str]
        stack.extend((child, level + 1) for child in reversed(children))


def require_root(param: str, root: etree._Element, local_name: str, namespaces: tuple[str, ...]) -> None:
    qname = etree.QName(root)
    if qname.localname != local_name or qname.namespace not in namespaces:
        found = f"{{{qname.namespace}}}{qname.localname}" if qname.namespace else qname.localname
        raise errors.xml_parse_error(
            param, f"line {root.sourceline}: the root element must be {local_name} in namespace "
                   f"{' or '.join(namespaces)}; found {found}")


def check_question_form(param: str, text: str) -> etree._Element:
    root = parse(param, text)
    require_root(param, root, "QuestionForm", QUESTION_FORM_NAMESPACES)
    return root


def check_answer_key(param: str, text: str) -> etree._Element:
    root = parse(param, text)
    require_root(param, root, "AnswerKey", ANSWER_KEY_NAMESPACES)
    return root
