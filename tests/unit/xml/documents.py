"""Hypothesis strategies for MTurk's XML documents, written from the official XSDs (not from openturk's
grammar, so that an element openturk forgot would still be generated), and mutations that break them.

Documents are built as `Node` trees and rendered to text. Valid documents also respect openturk's rules
beyond the schema (unique identifiers, safe FormattedContent, URLs with hosts, satisfiable counts), so
that for them every verdict must be "accepted".
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from hypothesis import strategies as st

from .support import AK_NS, ANS_NS, QF_2005, QF_2017

XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"


@dataclass
class Node:
    name: str
    children: list[Node] = field(default_factory=list)
    text: str | None = None                 # a leaf's text (None: an element with children)
    attrs: dict[str, str] = field(default_factory=dict)
    cdata: bool = False
    namespace: str | None = None            # set: an xmlns="…" override on this element
    inner_text: str = ""                    # text placed before the first child (element-only content)
    comment: bool = False                   # a comment before the first child


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def _attr(text: str) -> str:
    return _escape(text).replace('"', "&quot;").replace("\n", "&#10;").replace("\t", "&#9;")


def render(root: Node, namespace: str) -> str:
    out: list[str] = []

    def walk(node: Node, depth: int, extra: str) -> None:
        pad = "\n" + "  " * depth
        attrs = extra + (f' xmlns="{node.namespace}"' if node.namespace is not None else "")
        attrs += "".join(f' {k}="{_attr(v)}"' for k, v in node.attrs.items())
        if node.text is not None:
            body = (f"<![CDATA[{node.text}]]>" if node.cdata and "]]>" not in node.text and "\r" not in node.text
                    else _escape(node.text))
            for child in node.children:      # a mutation may put elements inside a leaf
                body += f"<{child.name}/>"
            out.append(f"{pad}<{node.name}{attrs}>{body}</{node.name}>")
            return
        if not node.children and not node.inner_text and not node.comment:
            out.append(f"{pad}<{node.name}{attrs}/>")
            return
        out.append(f"{pad}<{node.name}{attrs}>{_escape(node.inner_text)}")
        if node.comment:
            out.append("<!-- a comment --><?pi data?>")
        for child in node.children:
            walk(child, depth + 1, "")
        out.append(f"{pad}</{node.name}>")

    root_namespace = "" if root.namespace is not None else f' xmlns="{namespace}"'
    walk(root, 0, f'{root_namespace} xmlns:xsi="{XSI_NS}"')
    return "".join(out).lstrip("\n")


def leaf(name: str, text: str, cdata: bool = False) -> Node:
    return Node(name, text=text, cdata=cdata)


# -- values -------------------------------------------------------------------------------------------------

TEXT = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x24F) | st.sampled_from("\n\t<>&\"'"), max_size=12)
URLS = st.sampled_from(["http://example.com/a.png", "https://x.org/p?q=1#f", "http://h:8080/", "https://[::1]/v.mp4",
                        " http://padded.example/ ", "http://u@host/x%20y"])
SAFE_XHTML = st.sampled_from(["plain text", "<p>Some <b>bold</b> text</p>", "<ul><li>one</li><li>two</li></ul>",
                              '<img src="http://x.org/i.png" alt="i"/>', "a &amp; b", "<table border=\"1\"><tr>"
                              "<td>1</td></tr></table>", '<a href="https://x.org/">link</a>', "&nbsp;x"])
REGEXES = st.sampled_from(["^[0-9]+$", "\\S", "regex", "(^$|\\S{2,})", "^[12][0-9]{3}-[01]?\\d-[0-3]?\\d$"])


@st.composite
def int_text(draw, low: int, high: int) -> str:
    value = draw(st.integers(low, high))
    forms = [str(value), f" {value}\n"]
    if value >= 0:
        forms += [f"+{value}", f"00{value}"]
    return draw(st.sampled_from(forms))


BOOLEAN_TEXT = st.sampled_from(["true", "false", "1", "0", " true\n"])


# -- QuestionForm ---------------------------------------------------------------------------------------------

@st.composite
def binary(draw) -> Node:
    mime = Node("MimeType", [leaf("Type", draw(st.sampled_from(["image", "audio", "video"])))])
    if draw(st.booleans()):
        mime.children.append(leaf("SubType", draw(TEXT)))
    return Node("Binary", [mime, leaf("DataURL", draw(URLS)), leaf("AltText", draw(TEXT))])


@st.composite
def parameters(draw) -> list[Node]:
    return [Node("ApplicationParameter", [leaf("Name", draw(TEXT)), leaf("Value", draw(TEXT))])
            for _ in range(draw(st.integers(0, 2)))]


@st.composite
def embedded_binary(draw) -> Node:
    mime = Node("EmbeddedMimeType", [leaf("Type", draw(TEXT)), leaf("SubType", draw(TEXT))])
    return Node("EmbeddedBinary", [mime, leaf("DataURL", draw(URLS)), leaf("AltText", draw(TEXT)),
                                   leaf("Width", draw(TEXT)), leaf("Height", draw(TEXT)), *draw(parameters())])


@st.composite
def application(draw) -> Node:
    if draw(st.booleans()):
        inner = Node("Flash", [leaf("FlashMovieURL", draw(URLS)), leaf("Width", "400"), leaf("Height", "300"),
                               *draw(parameters())])
    else:
        inner = Node("JavaApplet", [leaf("AppletPath", draw(URLS)), leaf("AppletFilename", draw(TEXT)),
                                    leaf("Width", "1"), leaf("Height", "2"), *draw(parameters())])
    return Node("Application", [inner])


@st.composite
def content_item(draw, deprecated: bool) -> Node:
    kinds = ["Title", "Text", "List", "FormattedContent", "Binary", "EmbeddedBinary"] + (["Application"] * deprecated)
    kind = draw(st.sampled_from(kinds))
    if kind in ("Title", "Text"):
        return leaf(kind, draw(TEXT))
    if kind == "List":
        return Node("List", [leaf("ListItem", draw(TEXT)) for _ in range(draw(st.integers(1, 3)))])
    if kind == "FormattedContent":
        return leaf(kind, draw(SAFE_XHTML), cdata=draw(st.booleans()))
    if kind == "Binary":
        return draw(binary())
    if kind == "EmbeddedBinary":
        return draw(embedded_binary())
    return draw(application())


@st.composite
def content(draw, name: str, deprecated: bool) -> Node:
    return Node(name, [draw(content_item(deprecated)) for _ in range(draw(st.integers(1, 3)))])


@st.composite
def free_text(draw, name: str = "FreeTextAnswer") -> Node:
    node = Node(name)
    if draw(st.booleans()):
        constraints = Node("Constraints")
        if draw(st.booleans()):
            low, high = sorted([draw(st.integers(-2**31, 2**31 - 1)), draw(st.integers(-2**31, 2**31 - 1))])
            attrs = {}
            if draw(st.booleans()):
                attrs["minValue"] = draw(st.sampled_from([str(low), f" {low} "]))
            if draw(st.booleans()):
                attrs["maxValue"] = str(high)
            constraints.children.append(Node("IsNumeric", attrs=attrs))
        if draw(st.booleans()):
            low = draw(st.integers(0, 5))
            attrs = {}
            if draw(st.booleans()):
                attrs["minLength"] = str(low)
            if draw(st.booleans()):
                attrs["maxLength"] = str(draw(st.integers(max(1, low), 10)))
            constraints.children.append(Node("Length", attrs=attrs))
        for _ in range(draw(st.integers(0, 2))):
            attrs = {"regex": draw(REGEXES)}
            if draw(st.booleans()):
                attrs["errorText"] = draw(TEXT)
            if draw(st.booleans()):
                attrs["flags"] = draw(st.sampled_from(["i", ""]))
            constraints.children.append(Node("AnswerFormatRegex", attrs=attrs))
        node.children.append(constraints)
    if draw(st.booleans()):
        node.children.append(leaf("DefaultText", draw(TEXT)))
    if draw(st.booleans()):
        node.children.append(leaf("NumberOfLinesSuggestion", draw(int_text(1, 10))))
    return node


@st.composite
def selection_answer(draw) -> Node:
    count = draw(st.integers(1, 4))
    other = draw(st.booleans())
    choices = count + other
    low = draw(st.sampled_from([None, *range(choices + 1)]))
    effective_low = 1 if low is None else low
    high = draw(st.sampled_from([None, *range(max(1, effective_low), choices + 2)]))
    if high is None and effective_low > 1:
        high = effective_low
    node = Node("SelectionAnswer")
    if low is not None:
        node.children.append(leaf("MinSelectionCount", draw(st.sampled_from([str(low), f"+{low}", f" {low} "]))))
    if high is not None:
        node.children.append(leaf("MaxSelectionCount", str(high)))
    if draw(st.booleans()):
        node.children.append(leaf("StyleSuggestion", draw(st.sampled_from(
            ["radiobutton", "checkbox", "list", "dropdown", "combobox", "multichooser"]))))
    selections = Node("Selections")
    for i in range(count):
        kind = draw(st.sampled_from(["Text", "FormattedContent", "Binary"]))
        body = (draw(binary()) if kind == "Binary" else
                leaf(kind, draw(SAFE_XHTML) if kind == "FormattedContent" else draw(TEXT), cdata=True))
        selections.children.append(Node("Selection", [leaf("SelectionIdentifier", f"s{i}"), body]))
    if other:
        selections.children.append(draw(free_text("OtherSelection")))
    node.children.append(selections)
    return node


@st.composite
def file_upload(draw) -> Node:
    low = draw(st.integers(1, 2_000_000_000))
    high = draw(st.integers(low, 2_000_000_000))
    return Node("FileUploadAnswer", [leaf("MaxFileSizeInBytes", str(high)), leaf("MinFileSizeInBytes", str(low))])


@st.composite
def question(draw, index: int, deprecated: bool) -> Node:
    node = Node("Question", [leaf("QuestionIdentifier", f"q{index}")])
    if draw(st.booleans()):
        node.children.append(leaf("DisplayName", draw(TEXT)))
    if draw(st.booleans()):
        node.children.append(leaf("IsRequired", draw(BOOLEAN_TEXT)))
    node.children.append(draw(content("QuestionContent", deprecated)))
    kinds = [free_text(), selection_answer()] + ([file_upload()] if deprecated else [])
    node.children.append(Node("AnswerSpecification", [draw(st.one_of(kinds))]))
    return node


@st.composite
def question_form(draw, namespace: str) -> Node:
    deprecated = namespace == QF_2005
    shape = draw(st.lists(st.sampled_from(["Overview", "Question", "Question"]), min_size=1, max_size=4))
    if "Question" not in shape:
        shape.append("Question")
    children = [draw(content("Overview", deprecated)) if kind == "Overview" else draw(question(i, deprecated))
                for i, kind in enumerate(shape)]
    return Node("QuestionForm", children)


# -- AnswerKey ----------------------------------------------------------------------------------------------------

INT32 = st.integers(-2**31, 2**31 - 1)


@st.composite
def answer_key(draw) -> Node:
    questions = []
    for i in range(draw(st.integers(1, 3))):
        q = Node("Question", [leaf("QuestionIdentifier", f"q{i}")])
        for _ in range(draw(st.integers(1, 3))):
            ids = draw(st.lists(st.sampled_from(["a", "b", "c"]), min_size=1, max_size=3))
            q.children.append(Node("AnswerOption", [*(leaf("SelectionIdentifier", s) for s in ids),
                                                    leaf("AnswerScore", draw(int_text(-100, 100)))]))
        if draw(st.booleans()):
            q.children.append(leaf("DefaultScore", draw(int_text(-10, 10))))
        questions.append(q)
    root = Node("AnswerKey", questions)
    kind = draw(st.sampled_from([None, "PercentageMapping", "ScaleMapping", "RangeMapping"]))
    if kind == "PercentageMapping":
        mapping = Node(kind, [leaf("MaximumSummedScore", draw(int_text(1, 1000)))])
    elif kind == "ScaleMapping":
        mapping = Node(kind, [leaf("SummedScoreMultiplier", draw(st.sampled_from(
            ["1", "0.5", ".25", "2.", "1e1", "1E-2", "-3.5", " 4 ", "+0.1", "1e"])))])
    elif kind == "RangeMapping":
        ranges = []
        for _ in range(draw(st.integers(1, 3))):
            low = draw(st.integers(-50, 50))
            high = draw(st.integers(low, 100))
            ranges.append(Node("SummedScoreRange", [leaf("InclusiveLowerBound", str(low)),
                                                    leaf("InclusiveUpperBound", str(high)),
                                                    leaf("QualificationValue", draw(int_text(-5, 100)))]))
        mapping = Node(kind, [*ranges, leaf("OutOfRangeQualificationValue", draw(int_text(-5, 5)))])
    if kind is not None:
        root.children.append(Node("QualificationValueMapping", [mapping]))
    return root


# -- QuestionFormAnswers --------------------------------------------------------------------------------------------

@st.composite
def answers(draw) -> Node:
    result = []
    for i in range(draw(st.integers(1, 4))):
        a = Node("Answer", [leaf("QuestionIdentifier", f"q{i}")])
        kind = draw(st.sampled_from(["selection", "free", "upload"]))
        if kind == "selection":
            a.children += [leaf("SelectionIdentifier", draw(TEXT)) for _ in range(draw(st.integers(0, 3)))]
            if draw(st.booleans()):
                a.children.append(leaf("OtherSelectionText", draw(TEXT)))
        elif kind == "free":
            a.children.append(leaf("FreeText", draw(TEXT)))
        else:
            a.children += [leaf("UploadedFileSizeInBytes", draw(int_text(1, 10**12))), leaf("UploadedFileKey", draw(TEXT))]
        result.append(a)
    return Node("QuestionFormAnswers", result)


# -- breaking documents -----------------------------------------------------------------------------------------------

NAMES = ["QuestionForm", "Overview", "Question", "QuestionIdentifier", "DisplayName", "IsRequired", "QuestionContent",
         "AnswerSpecification", "Title", "Text", "List", "ListItem", "FormattedContent", "Binary", "MimeType", "Type",
         "SubType", "DataURL", "AltText", "EmbeddedBinary", "EmbeddedMimeType", "Width", "Height",
         "ApplicationParameter", "Name", "Value", "Application", "Flash", "JavaApplet", "FlashMovieURL", "AppletPath",
         "AppletFilename", "FreeTextAnswer", "Constraints", "IsNumeric", "Length", "AnswerFormatRegex", "DefaultText",
         "NumberOfLinesSuggestion", "SelectionAnswer", "MinSelectionCount", "MaxSelectionCount", "StyleSuggestion",
         "Selections", "Selection", "SelectionIdentifier", "OtherSelection", "FileUploadAnswer", "MaxFileSizeInBytes",
         "MinFileSizeInBytes", "AnswerKey", "AnswerOption", "AnswerScore", "DefaultScore", "QualificationValueMapping",
         "PercentageMapping", "MaximumSummedScore", "ScaleMapping", "SummedScoreMultiplier", "RangeMapping",
         "SummedScoreRange", "InclusiveLowerBound", "InclusiveUpperBound", "QualificationValue",
         "OutOfRangeQualificationValue", "QuestionFormAnswers", "Answer", "FreeText", "OtherSelectionText",
         "UploadedFileSizeInBytes", "UploadedFileKey", "Bogus", "questionidentifier"]
BAD_VALUES = ["", " ", "abc", "-1", "0", "1", "+7", "-0", "1.5", "2147483648", "-2147483649", "99999999999999999999",
              "2000000001", "TRUE", "true", "yes", "radio", "image ", " image", "checkbox", "ftp://x", "http://",
              "http://x:", "http://x/%zz", "http://a b", "HTTP://x", "http://[zz]/", "http://[a/b]", "http://x:99999/",
              "NaN", "INF", "+INF", "1e", ".", "1e5", "\n5\n", "1e99999999999", "<p onclick='x'>p</p>", "&bogus;"]
ATTRIBUTES = [("minValue", "3"), ("minValue", "x"), ("maxValue", "2147483648"), ("minLength", "-1"),
              ("maxLength", "0"), ("regex", "a"), ("regex", "a{4294967296}"), ("regex", "(" * 1000 + ")" * 1000),
              ("regex", "[z-a]"), ("errorText", "e"), ("flags", "i"), ("flags", "q"), ("foo", "1"),
              ("{xsi}schemaLocation", "a b"), ("{xsi}type", "x"), ("{xml}lang", "en")]
MUTATIONS = ["delete", "duplicate", "swap", "insert", "rename", "namespace", "text", "whitespace", "value",
             "add attribute", "drop attribute", "child in leaf", "comment"]


def _nodes(root: Node) -> list[tuple[Node | None, Node]]:
    found = [(None, root)]
    for parent, node in found:
        found.extend((node, child) for child in node.children)
    return found


@st.composite
def mutated(draw, tree: Node) -> tuple[Node, list[str]]:
    """1–2 mutations of a copy of `tree` (some keep it valid: the oracle decides)."""
    tree = copy.deepcopy(tree)
    done = []
    for _ in range(draw(st.integers(1, 2))):
        nodes = _nodes(tree)
        parent, node = draw(st.sampled_from(nodes))
        kind = draw(st.sampled_from(MUTATIONS))
        done.append(f"{kind} {node.name}")
        if kind == "delete" and parent is not None:
            parent.children.remove(node)
        elif kind == "duplicate" and parent is not None:
            parent.children.insert(parent.children.index(node), copy.deepcopy(node))
        elif kind == "swap" and len(node.children) >= 2:
            i = draw(st.integers(0, len(node.children) - 2))
            node.children[i], node.children[i + 1] = node.children[i + 1], node.children[i]
        elif kind == "insert" and node.text is None:
            new = Node(draw(st.sampled_from(NAMES)), text=draw(st.sampled_from(["", "x", "1"])))
            node.children.insert(draw(st.integers(0, len(node.children))), new)
        elif kind == "rename":
            node.name = draw(st.sampled_from(NAMES))
        elif kind == "namespace":
            node.namespace = draw(st.sampled_from(["", "urn:other", QF_2005, QF_2017, AK_NS, ANS_NS]))
        elif kind == "text" and node.text is None:
            node.inner_text = draw(st.sampled_from(["x", "\u00a0", "&"]))
        elif kind == "whitespace" and node.text is None:
            node.inner_text = draw(st.sampled_from([" ", "\n\t", "\r\n"]))
        elif kind == "value" and node.text is not None:
            node.text = draw(st.sampled_from(BAD_VALUES))
        elif kind == "add attribute":
            name, value = draw(st.sampled_from(ATTRIBUTES))
            node.attrs[name.replace("{xsi}", "xsi:").replace("{xml}", "xml:")] = value
        elif kind == "drop attribute" and node.attrs:
            node.attrs.pop(draw(st.sampled_from(sorted(node.attrs))))
        elif kind == "child in leaf" and node.text is not None:
            node.children.append(Node(draw(st.sampled_from(["b", "Text", "Bogus"]))))
        elif kind == "comment":
            node.comment = True
    return tree, done
