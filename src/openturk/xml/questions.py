"""The Question of a HIT: a QuestionForm, an ExternalQuestion or an HTMLQuestion, parsed and validated.

ExternalQuestion (2006-07-14): `<ExternalURL>` (xs:anyURI) then `<FrameHeight>` (xs:integer).
HTMLQuestion (2011-11-11): `<HTMLContent>` (an HTML document, usually in CDATA) then `<FrameHeight>`.
A QuestionForm is read by the same validator as qualification tests, with the same limits.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from urllib.parse import urlsplit

import lxml.html
from lxml import etree

from .. import errors
from . import questionform, safe_parse
from .questionform import QuestionForm

EXTERNAL_NAMESPACE = safe_parse.SCHEMA_BASE + "2006-07-14/ExternalQuestion.xsd"
HTML_NAMESPACE = safe_parse.SCHEMA_BASE + "2011-11-11/HTMLQuestion.xsd"
# "ExternalURL ... The URL ... up to 255 characters" is not documented for the 2017 API; openturk choice: a
# URL must fit in 4,000 characters (what browsers and servers reliably accept), and be http or https.
MAX_URL = 4000
# FrameHeight: "The height of the frame, in pixels" — 0 means "as tall as the page" in MTurk's newer UI.
MAX_FRAME_HEIGHT = 100_000


@dataclass(frozen=True)
class ExternalQuestion:
    external_url: str
    frame_height: int


@dataclass(frozen=True)
class HTMLQuestion:
    html_content: str
    frame_height: int


def parse_question(text: str, param: str = "Question") -> ExternalQuestion | HTMLQuestion | QuestionForm:
    """Parse and validate a HIT's Question, or raise TurkError (XMLParseError for XML and grammar problems,
    InvalidParameterValue for values). Cached by (text, param)."""
    return _parse_cached(text, param)


def question_kind(question) -> str:
    return type(question).__name__


@functools.lru_cache(maxsize=256)
def _parse_cached(text: str, param: str):
    root = safe_parse.parse(param, text)
    qname = etree.QName(root)
    if qname.localname == "QuestionForm" and qname.namespace in safe_parse.QUESTION_FORM_NAMESPACES:
        # FileUploadAnswer and Application refused as in qualification tests: there is no file store.
        return questionform.parse_question_form(text, param, qualification_test=True)
    if qname.localname == "ExternalQuestion" and qname.namespace == EXTERNAL_NAMESPACE:
        url, height = _two_children(param, root, "ExternalURL")
        return ExternalQuestion(_check_url(param, url), height)
    if qname.localname == "HTMLQuestion" and qname.namespace == HTML_NAMESPACE:
        content, height = _two_children(param, root, "HTMLContent")
        return HTMLQuestion(_check_html(param, content), height)
    found = f"{{{qname.namespace}}}{qname.localname}" if qname.namespace else qname.localname
    raise errors.xml_parse_error(param, f"line {root.sourceline}: the {param} must be a QuestionForm, an "
                                        f"ExternalQuestion or an HTMLQuestion in its namespace; found {found}")


def _two_children(param: str, root, first: str) -> tuple[str, int]:
    """The text of `first` and the FrameHeight, in that order, and nothing else."""
    namespace = etree.QName(root).namespace
    children = [child for child in root if isinstance(child.tag, str)]
    names = [etree.QName(child) for child in children]
    expected = [first, "FrameHeight"]
    for index, name in enumerate(expected):
        if index >= len(children):
            raise errors.xml_parse_error(param, f"line {root.sourceline}: element {root.tag.split('}')[-1]} is "
                                                f"incomplete: expected {name}")
        if names[index].localname != name or names[index].namespace != namespace:
            raise errors.xml_parse_error(param, f"line {children[index].sourceline}: element "
                                                f"{names[index].localname} is not allowed here; expected {name}")
    if len(children) > 2:
        raise errors.xml_parse_error(param, f"line {children[2].sourceline}: element {names[2].localname} is "
                                            "not allowed here: FrameHeight is the last element")
    if (root.text or "").strip() or any((child.tail or "").strip() for child in children):
        raise errors.xml_parse_error(param, f"line {root.sourceline}: text is not allowed between the elements")
    height_text = (children[1].text or "").strip()
    try:
        height = int(height_text)
    except ValueError:
        raise errors.xml_parse_error(param, f"line {children[1].sourceline}: element FrameHeight: "
                                            f"{height_text!r} is not an integer") from None
    if not 0 <= height <= MAX_FRAME_HEIGHT:
        raise errors.out_of_range("FrameHeight", height, 0, MAX_FRAME_HEIGHT)
    return children[0].text or "", height


def _check_url(param: str, url: str) -> str:
    """openturk choice: an absolute http or https URL with a host (MTurk required https in production; a
    test server on localhost needs http too); nothing else — javascript: and data: URLs are refused."""
    url = url.strip()
    parts = urlsplit(url) if len(url) <= MAX_URL and not any(ch.isspace() or ord(ch) < 32 for ch in url) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise errors.invalid_value(f"{param} ExternalURL", f"{url[:200]!r} is not an http or https URL with a host "
                                                           f"(at most {MAX_URL} characters)")
    return url


def _check_html(param: str, content: str) -> str:
    """HTMLContent must be an HTML document a browser can show: not empty, and parsed by an HTML parser."""
    if not content.strip():
        raise errors.invalid_value(f"{param} HTMLContent", "it must contain an HTML document")
    try:
        lxml.html.document_fromstring(content)
    except (etree.ParserError, ValueError) as exc:
        raise errors.invalid_value(f"{param} HTMLContent", f"it is not an HTML document: {exc}") from None
    return content
