"""Writing MTurk's XML documents back out: escaping that survives a re-parse exactly, and an indenting
line writer. Indentation only ever goes between elements of element-only content, where the schemas
make whitespace insignificant, so a written document parses back into an equal model."""

from __future__ import annotations

import re

# Characters XML 1.0 cannot carry at all, not even as character references.
NOT_XML_CHARACTER = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

_TEXT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
# In attribute values, whitespace characters other than space would be normalised to spaces by the
# parser: write them as character references so they come back as they were.
_ATTRIBUTE = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\r": "&#13;",
                            "\n": "&#10;", "\t": "&#9;"})


def text(value: str) -> str:
    return value.translate(_TEXT)


def attribute(value: str) -> str:
    return '"' + value.translate(_ATTRIBUTE) + '"'


def cdata(value: str) -> str:
    """A CDATA section, as MTurk asks for FormattedContent ("]]>" split across two sections). A carriage
    return cannot survive in CDATA (parsers turn it into a newline), so such text is escaped instead."""
    if "\r" in value:
        return text(value)
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"


class Writer:
    """Collects lines: `open`/`close` element-only elements, `leaf` for an element with text."""

    def __init__(self, header: str | None = None):
        self.lines: list[str] = [header] if header else []
        self.depth = 0

    def open(self, name: str, attributes: str = "") -> None:
        self.lines.append("  " * self.depth + f"<{name}{attributes}>")
        self.depth += 1

    def close(self, name: str) -> None:
        self.depth -= 1
        self.lines.append("  " * self.depth + f"</{name}>")

    def leaf(self, name: str, value: object | None, *, raw: bool = False) -> None:
        """`<name>value</name>`; nothing when value is None; `raw` values are already escaped."""
        if value is None:
            return
        if isinstance(value, bool):
            content = "true" if value else "false"
        elif raw:
            content = str(value)
        else:
            content = text(str(value))
        self.lines.append("  " * self.depth + f"<{name}>{content}</{name}>")

    def empty(self, name: str, attributes: str = "") -> None:
        self.lines.append("  " * self.depth + f"<{name}{attributes}/>")

    def result(self) -> str:
        return "\n".join(self.lines) + "\n"
