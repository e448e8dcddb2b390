"""Shared by the XML tests: the official examples and XSDs (the oracle), and small helpers.

The reference material sits beside the repository (`../shared/reference/examples`, as /work/shared sits
beside /work/main and as CI checks it out). If it is missing the tests fail at collection: they never
skip, because without the oracle they would prove nothing.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import pytest
from lxml import etree

from openturk.errors import TurkError

REPOSITORY = Path(__file__).resolve().parents[3]
EXAMPLES = (REPOSITORY / ".." / "shared" / "reference" / "examples").resolve()
SCHEMAS = EXAMPLES / "schemas"
_REQUIRED = [SCHEMAS / "QuestionForm-2005-10-01.xsd", SCHEMAS / "AnswerKey-2005-10-01.xsd",
             SCHEMAS / "QuestionFormAnswers-2005-10-01.xsd"]
_missing = [str(p) for p in _REQUIRED if not p.is_file()]
if _missing:
    raise RuntimeError(f"the official MTurk schemas are missing ({', '.join(_missing)}): the XML tests use them "
                       f"as an oracle and expect {EXAMPLES} beside the repository")

BASE = "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/"
QF_2005 = BASE + "2005-10-01/QuestionForm.xsd"
QF_2017 = BASE + "2017-11-06/QuestionForm.xsd"
AK_NS = BASE + "2005-10-01/AnswerKey.xsd"
ANS_NS = BASE + "2005-10-01/QuestionFormAnswers.xsd"


@functools.cache
def oracle(kind: str) -> etree.XMLSchema:
    """lxml's XMLSchema for "QuestionForm-2005", "QuestionForm-2017", "AnswerKey" or "Answers".

    No 2017-11-06 QuestionForm schema is public; the documentation defines it as the 2005-10-01 schema
    without FileUploadAnswer and Application, and that is how it is derived here."""
    if kind == "QuestionForm-2017":
        text = (SCHEMAS / "QuestionForm-2005-10-01.xsd").read_text()
        text = text.replace(QF_2005, QF_2017)
        text, removed = re.subn(r'\s*<xs:element name="(?:Application|FileUploadAnswer)" type="tns:\w+"\s*/>', "", text)
        assert removed == 2, "the 2005-10-01 schema no longer has the two elements 2017-11-06 drops"
        return etree.XMLSchema(etree.fromstring(text.encode()))
    name = {"QuestionForm-2005": "QuestionForm-2005-10-01.xsd", "AnswerKey": "AnswerKey-2005-10-01.xsd",
            "Answers": "QuestionFormAnswers-2005-10-01.xsd"}[kind]
    return etree.XMLSchema(etree.parse(str(SCHEMAS / name)))


def oracle_valid(kind: str, text: str) -> bool:
    """The official schema's verdict (a document that is not even well-formed is invalid)."""
    try:
        root = etree.fromstring(text.encode("utf-8"), etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError:
        return False
    return oracle(kind).validate(root)


def example(relative: str) -> str:
    return (EXAMPLES / relative).read_text(encoding="utf-8")


def examples(folder: str) -> list[str]:
    return sorted(f"{folder}/{p.name}" for p in (EXAMPLES / folder).glob("*.xml"))


def error_of(fn, *args, **kwargs) -> TurkError:
    with pytest.raises(TurkError) as info:
        fn(*args, **kwargs)
    return info.value


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """The 1-based line of the `occurrence`-th `needle` in `text`."""
    position = -1
    for _ in range(occurrence):
        position = text.index(needle, position + 1)
    return text.count("\n", 0, position) + 1


XML_PARSE_ERROR = "AWS.MechanicalTurk.XMLParseError"
XHTML_PARSE_ERROR = "AWS.MechanicalTurk.XHTMLParseError"
INVALID = "AWS.MechanicalTurk.InvalidParameterValue"
