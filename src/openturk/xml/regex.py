"""AnswerFormatRegex: "Specifies that JavaScript validates the answer string against a given pattern."

MTurk ran these patterns in the worker's browser (JavaScript's RegExp.test: a search, not a full match).
openturk runs them on the server with the `regex` package (a superset of Python's `re` that can stop a
search after a time limit), translating what differs:
- `$` outside a character class means the very end of the text (JavaScript), not "before a final
  newline" (Python); with the m flag it means the end of a line in both.
- `[]` (never matches) and `[^]` (any character) keep their JavaScript meaning.
- `(?<name>…)` and `\\k<name>` become Python's `(?P<name>…)` and `(?P=name)`.
- `\\d`, `\\w` and `\\b` are ASCII-only, as in JavaScript (re.ASCII); so is `\\s` (JavaScript's also
  matches Unicode spaces).
- flags: "An optional string with the value i which specifies that case is ignored"; openturk also
  honours m and s, ignores g, y and u, and refuses other letters.
A pattern Python cannot compile is refused when the test is created.

A requester writes the pattern and a worker the text, so a backtracking pattern such as `(a|aa)+$` with a
long answer could take hours: `search` gives up after SEARCH_SECONDS and raises TimeoutError (in the
browser such a pattern would have hung the worker's page instead).
"""

from __future__ import annotations

import functools

import regex as re

FLAGS = {"i": re.IGNORECASE, "m": re.MULTILINE, "s": re.DOTALL, "g": 0, "y": 0, "u": 0}
SEARCH_SECONDS = 0.1


class RegexError(ValueError):
    pass


def translate(pattern: str, multiline: bool) -> str:
    out = []
    i, n = 0, len(pattern)
    in_class = False
    while i < n:
        c = pattern[i]
        if c == "\\" and i + 1 < n:
            pair = pattern[i:i + 2]
            if pair == "\\k" and not in_class and i + 2 < n and pattern[i + 2] == "<":
                end = pattern.find(">", i + 3)
                if end > 0:
                    out.append(f"(?P={pattern[i + 3:end]})")
                    i = end + 1
                    continue
            out.append(pair)
            i += 2
            continue
        if in_class:
            if c == "]":
                in_class = False
            out.append(c)
        elif c == "[":
            if pattern.startswith("[]", i):         # JavaScript: an empty class, which never matches
                out.append("(?!)")
                i += 2
                continue
            if pattern.startswith("[^]", i):        # JavaScript: any character at all
                out.append(r"[\s\S]")
                i += 3
                continue
            in_class = True
            out.append(c)
        elif c == "$" and not multiline:
            out.append(r"\Z")
        elif pattern.startswith("(?<", i) and not pattern.startswith(("(?<=", "(?<!"), i):
            out.append("(?P<")
            i += 3
            continue
        else:
            out.append(c)
        i += 1
    return "".join(out)


def search(pattern: str, flags: str, text: str) -> bool:
    """RegExp.test: whether the pattern matches somewhere in `text`; TimeoutError after SEARCH_SECONDS."""
    return compile_js(pattern, flags).search(text, timeout=SEARCH_SECONDS) is not None


@functools.lru_cache(maxsize=1024)
def compile_js(pattern: str, flags: str = "") -> re.Pattern:
    """The Python pattern for a JavaScript regex and its flags, or RegexError saying why not."""
    value = re.ASCII
    for flag in flags:
        if flag not in FLAGS:
            raise RegexError(f"has flags={flags!r}: only i, m, s, g, y and u are known")
        value |= FLAGS[flag]
    try:
        return re.compile(translate(pattern, "m" in flags), value)
    except (re.error, OverflowError, RecursionError, ValueError) as exc:
        raise RegexError(f"is not a regular expression openturk can run: {exc}") from None
