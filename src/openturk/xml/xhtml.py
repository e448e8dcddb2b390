"""FormattedContent: MTurk's safe subset of XHTML ("Formatted Content: XHTML", API reference).

MTurk validated each block by wrapping it as `<FormattedContent xmlns="http://www.w3.org/1999/xhtml">`
and checking it against FormattedContentXHTMLSubset.xsd (not public). openturk checks what the page
documents: "JavaScript is not allowed ... CSS is not allowed (style, class and id attributes) ... XML
comments are not supported ... URL methods in anchor targets and image locations are limited to http://
https:// ftp:// news:// nntp:// mailto:// gopher:// telnet://", the table of tags and attributes, "the
title attribute is supported for all tags, and the dir and lang attributes ... for all tags except <br>",
alt required on <area> and <img>, src on <img>, name on <map>. Tags must be closed and nested
(well-formed XML), names lower-case (XML is case-sensitive).

# openturk choice: the subset's nesting rules (which tag may contain which) and attribute value formats
# are not checked: the schema is not public, and neither makes content unsafe.
# openturk choice: HTML's named character references (&nbsp;, &eacute; …) are accepted, as the AWS page's
# own example uses &nbsp; inside FormattedContent.
"""

from __future__ import annotations

import html.entities
import re
import threading

from lxml import etree

XHTML = "{http://www.w3.org/1999/xhtml}"

_TABLE_CELL = "abbr align axis bgcolor char charoff colspan headers height nowrap rowspan scope valign width"
_TABLE_PART = "align char charoff valign"
_ATTRIBUTES = {
    "a": "accesskey charset coords href hreflang name rel rev shape tabindex target type",
    "area": "alt coords href nohref shape target",
    "b": "", "big": "", "blockquote": "cite", "br": "", "center": "", "cite": "", "code": "",
    "col": "align char charoff span valign width", "colgroup": "align char charoff span valign width",
    "dd": "", "del": "cite datetime", "dl": "", "em": "", "font": "color face size",
    "h1": "align", "h2": "align", "h3": "align", "h4": "align", "h5": "align", "h6": "align",
    "hr": "align noshade size width", "i": "",
    "img": "align alt border height hspace ismap longdesc src usemap vspace width",
    "ins": "cite datetime", "li": "type value", "map": "name", "ol": "compact start type", "p": "align",
    "pre": "width", "q": "cite", "small": "", "strong": "", "sub": "", "sup": "",
    "table": "align bgcolor border cellpadding cellspacing frame rules summary width",
    "tbody": _TABLE_PART, "td": _TABLE_CELL, "tfoot": _TABLE_PART, "th": _TABLE_CELL, "thead": _TABLE_PART,
    "tr": "align bgcolor char charoff valign", "u": "", "ul": "compact type",
}
ALLOWED = {tag: frozenset(names.split()) | {"title"} | (set() if tag == "br" else {"dir", "lang"})
           for tag, names in _ATTRIBUTES.items()}
REQUIRED = {"img": ("alt", "src"), "area": ("alt",), "map": ("name",)}
URL_ATTRIBUTES = frozenset({"href", "src", "longdesc", "usemap", "cite"})
URL_SCHEMES = frozenset({"http", "https", "ftp", "news", "nntp", "mailto", "gopher", "telnet"})
_PREDEFINED = frozenset({"amp", "lt", "gt", "quot", "apos"})
_ENTITY = re.compile(r"&([A-Za-z][A-Za-z0-9]*);")
# Browsers drop ASCII tab and newline anywhere in a URL and leading control characters and spaces
# ("java\tscript:" runs as javascript:), so they are removed before the scheme is read.
_URL_NOISE = re.compile(r"[\x00-\x20\x7f]")
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):")
_local = threading.local()


def _parser() -> etree.XMLParser:
    """One parser per thread, as in safe_parse (operations on PostgreSQL run in a thread pool)."""
    parser = getattr(_local, "parser", None)
    if parser is None:
        parser = _local.parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                                                 huge_tree=False, remove_comments=False, remove_pis=False)
    return parser


class XhtmlProblem(ValueError):
    def __init__(self, line: int, reason: str):
        super().__init__(reason)
        self.line = line
        self.reason = reason


def check(content: str) -> None:
    """Raise XhtmlProblem (line counted from the start of the content, 1-based) if `content` is not in
    the subset."""
    fragment = _ENTITY.sub(_entity, content)
    try:
        root = etree.fromstring(f'<FormattedContent xmlns="http://www.w3.org/1999/xhtml">{fragment}'
                                "</FormattedContent>", _parser())
    except etree.XMLSyntaxError as exc:
        raise XhtmlProblem(exc.lineno or 1, f"it is not well-formed XHTML: {exc.msg}") from None
    for node in root.iterdescendants():
        tag = node.tag
        if tag is etree.Comment:
            raise XhtmlProblem(node.sourceline, "XML comments (<!-- … -->) are not allowed in FormattedContent")
        if tag is etree.PI:
            raise XhtmlProblem(node.sourceline, "processing instructions are not allowed in FormattedContent")
        if tag.__class__ is not str:
            raise XhtmlProblem(node.sourceline or 1, "only elements and text are allowed in FormattedContent")
        _check_element(node)


def _entity(match: re.Match) -> str:
    name = match.group(1)
    if name in _PREDEFINED:
        return match.group(0)
    codepoint = html.entities.name2codepoint.get(name)
    if codepoint is None:
        return match.group(0)       # left for the parser, which reports the undefined entity
    return f"&#{codepoint};"


def _check_element(node) -> None:
    tag = node.tag
    line = node.sourceline
    if not tag.startswith(XHTML):
        raise XhtmlProblem(line, f"the element {tag} is not XHTML")
    name = tag[len(XHTML):]
    allowed = ALLOWED.get(name)
    if allowed is None:
        why = {"script": " (JavaScript is not allowed)", "style": " (CSS is not allowed)",
               "div": "", "span": ""}.get(name, "")
        raise XhtmlProblem(line, f"the tag <{name}> is not in MTurk's XHTML subset{why}")
    for attribute, value in node.items():
        if attribute not in allowed:
            why = (" (JavaScript is not allowed)" if attribute.lower().startswith("on")
                   else " (CSS and element ids are not allowed)" if attribute in ("style", "class", "id") else "")
            raise XhtmlProblem(line, f"<{name}> may not have the attribute {attribute}{why}")
        if attribute in URL_ATTRIBUTES:
            _check_url(line, name, attribute, value)
    for attribute in REQUIRED.get(name, ()):
        if node.get(attribute) is None:
            raise XhtmlProblem(line, f"<{name}> needs the attribute {attribute}")


def _check_url(line: int, tag: str, attribute: str, value: str) -> None:
    cleaned = _URL_NOISE.sub("", value)
    if cleaned.startswith("#"):
        return
    match = _SCHEME.match(cleaned)
    if match is None or match.group(1).lower() not in URL_SCHEMES:
        raise XhtmlProblem(line, f"<{tag} {attribute}={value!r}>: URLs must start with one of "
                                 "http:// https:// ftp:// news:// nntp:// mailto: gopher:// telnet:// (or be a "
                                 "#fragment)")
