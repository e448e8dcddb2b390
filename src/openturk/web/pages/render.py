"""Rendering a QuestionForm on a page, and reading a worker's answers back from the posted form.

The templates' `questionform.html` macro draws the form; this module decides what it cannot: how each
SelectionAnswer is shown (StyleSuggestion), the hints under a question, and FormattedContent made safe.

FormattedContent was checked against MTurk's XHTML subset when the test was stored (openturk.xml.xhtml);
it is sanitised again here with an HTML parser — only the subset's tags and attributes, only the subset's
URL schemes — so that nothing a requester wrote can run as script even if a check were ever missed. The
Content-Security-Policy (no inline scripts) is the third layer.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import lxml.html
from lxml import etree
from markupsafe import Markup

from ...xml import xhtml
from ...xml.answers import Answer, QuestionFormAnswers, answers_from_mapping
from ...xml.questionform import FreeTextAnswer, QuestionForm, SelectionAnswer, Text

# Removed with everything inside them; other unknown tags are unwrapped (their text kept).
_DROP_WITH_CONTENT = frozenset({
    "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "template", "noscript",
    "svg", "math", "form", "input", "button", "select", "textarea", "option", "link", "meta", "base", "head",
    "title", "audio", "video", "source", "track", "canvas", "dialog", "portal", "xml"})


def sanitise_xhtml(content: str) -> Markup:
    """FormattedContent as safe HTML: MTurk's XHTML subset and nothing else."""
    try:
        root = lxml.html.fragment_fromstring(content, create_parent="div")
    except (etree.ParserError, ValueError):
        return Markup('<div class="formatted"></div>')
    for node in list(root.iterdescendants()):
        tag = node.tag
        if not isinstance(tag, str):                     # comments, processing instructions, entities
            _remove(node)
            continue
        tag = tag.lower()
        allowed = xhtml.ALLOWED.get(tag)
        if allowed is None:
            if tag in _DROP_WITH_CONTENT or ":" in tag or "}" in tag:
                _remove(node)
            else:
                node.drop_tag()
            continue
        for name, value in list(node.items()):
            if name not in allowed or (name in xhtml.URL_ATTRIBUTES and not _safe_url(tag, name, value)):
                del node.attrib[name]
        if tag == "a" and node.get("href") is not None:
            node.set("rel", "noopener noreferrer nofollow")
        if tag == "img" and node.get("src") is None:
            _remove(node)
    root.attrib.clear()
    root.set("class", "formatted")
    return Markup(lxml.html.tostring(root, encoding="unicode", method="html"))


def _safe_url(tag: str, attribute: str, value: str) -> bool:
    try:
        xhtml._check_url(0, tag, attribute, value)     # the subset's own URL rule (schemes, browser noise)
    except xhtml.XhtmlProblem:
        return False
    return True


def _remove(node) -> None:
    """Remove `node` and its content, keeping the text that follows it."""
    parent = node.getparent()
    if parent is None:
        return
    tail = node.tail
    if tail:
        previous = node.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(node)


def safe_media_url(url: str) -> str | None:
    """Binary DataURLs are http(s) by the schema; anything else is not used."""
    cleaned = url.strip()
    return cleaned if cleaned.lower().startswith(("http://", "https://")) else None


# -- how questions are shown --------------------------------------------------------------------------

@dataclass(frozen=True)
class Widget:
    kind: str            # "radio" | "checkbox" | "select"
    multiple: bool = False
    size: int = 1


def selection_widget(spec: SelectionAnswer) -> Widget:
    """StyleSuggestion → a control. radiobutton and checkbox are what they say (radio buttons only while one
    selection is allowed); dropdown and combobox are a drop-down list, list and multichooser a list box
    (several selections with Ctrl/Shift when MaxSelectionCount allows). A <select> can only show text, so a
    question whose selections are FormattedContent or Binary uses radio buttons or checkboxes whatever the
    suggestion. Without a suggestion: radio buttons for one selection, checkboxes for more."""
    several = spec.max_selections > 1
    style = spec.style_suggestion or ("checkbox" if several else "radiobutton")
    plain = all(isinstance(selection.content, Text) for selection in spec.selections)
    if style in ("dropdown", "combobox", "list", "multichooser") and plain:
        if style in ("dropdown", "combobox") and not several:
            return Widget("select")
        return Widget("select", multiple=several, size=min(max(len(spec.selections), 2), 8))
    if style == "checkbox" or several:
        return Widget("checkbox", multiple=True)
    return Widget("radio")


def answer_hints(spec, required: bool) -> list[str]:
    """What the worker is asked for, in words (the server checks it: openturk.xml.checking)."""
    hints = []          # "required" is in the question's legend
    if isinstance(spec, SelectionAnswer):
        low, high = spec.min_selections, spec.max_selections
        if high > 1 or low != 1:
            hints.append(f"Choose {low}." if low == high else
                         f"Choose {low} to {high}." if low > 0 else f"Choose up to {high}.")
        if selection_widget(spec).kind == "select" and selection_widget(spec).multiple:
            hints.append("Hold Ctrl (or Cmd) to choose several.")
    elif isinstance(spec, FreeTextAnswer):
        if spec.is_numeric is not None:
            low, high = spec.is_numeric.min_value, spec.is_numeric.max_value
            hints.append("A number" + (f" from {low} to {high}" if low is not None and high is not None else
                                       f" no smaller than {low}" if low is not None else
                                       f" no larger than {high}" if high is not None else "") + ".")
        if spec.length is not None:
            low, high = spec.length.min_length, spec.length.max_length
            if low is not None and high is not None:
                hints.append(f"{low} characters." if low == high else f"{low} to {high} characters.")
            elif low is not None:
                hints.append(f"At least {low} characters.")
            elif high is not None:
                hints.append(f"At most {high} characters.")
    return hints


# -- answers in and out ---------------------------------------------------------------------------------

def field_name(prefix: str, index: int) -> str:
    return f"{prefix}q{index}"


def values_from_post(form: QuestionForm, post) -> dict[str, dict]:
    """The posted fields by QuestionIdentifier: {"selections": [...], "other": str, "text": str}."""
    values = {}
    for index, question in enumerate(form.questions):
        name = field_name("", index)
        if isinstance(question.answer, SelectionAnswer):
            values[question.identifier] = {
                "selections": [v for v in post.getlist(name) if isinstance(v, str) and v != ""],
                "other": _text(post.get(name + "-other"))}
        elif isinstance(question.answer, FreeTextAnswer):
            values[question.identifier] = {"text": _text(post.get(name))}
    return values


def answers_from_post(form: QuestionForm, values: dict[str, dict]) -> tuple[dict | None, str | None]:
    """The worker's answers for `submit_answers`: (answers mapping, None) as the worker API takes them, or
    — when a question has both selections and OtherSelection text, which a mapping cannot say —
    (None, a QuestionFormAnswers document) built from the same mapping."""
    mapping: dict[str, object] = {}
    both: dict[str, tuple[list[str], str]] = {}
    for question in form.questions:
        value = values.get(question.identifier)
        if value is None:
            continue
        if "text" in value:
            if value["text"] is not None:
                mapping[question.identifier] = value["text"]
            continue
        selections, other = value["selections"], value["other"] or ""
        if other.strip() and selections:
            both[question.identifier] = (selections, other)
            mapping[question.identifier] = selections
        elif other.strip():
            mapping[question.identifier] = other
        else:
            mapping[question.identifier] = selections
    if not both:
        return mapping, None
    document = answers_from_mapping(form, mapping)
    answers = tuple(replace(a, other_selection_text=both[a.question_identifier][1])
                    if a.question_identifier in both else a for a in document.answers)
    return None, QuestionFormAnswers(answers).to_xml()


def values_from_answers(document: QuestionFormAnswers) -> dict[str, dict]:
    """A worker's submitted answers, shaped as the macro shows them (read-only on the review page)."""
    values = {}
    for answer in document.answers:
        values.setdefault(answer.question_identifier, _answer_values(answer))
    return values


def _answer_values(answer: Answer) -> dict:
    if answer.free_text is not None:
        return {"text": answer.free_text}
    return {"selections": list(answer.selection_identifiers), "other": answer.other_selection_text,
            "text": None}


def _text(value) -> str | None:
    """A posted text; browsers send a textarea's line breaks as CRLF, typed (and read by scripts) as LF."""
    return value.replace("\r\n", "\n") if isinstance(value, str) else None
