"""Shared by the XML tests: the suite's own documents (tests/documents), namespaces and small helpers.

The official XSDs and the reference examples are not read here: tests/reference holds the tests that need
them (`make test-reference`), so that `make test` passes with nothing beside the repository.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from openturk.errors import TurkError

DOCUMENTS = Path(__file__).resolve().parents[2] / "documents"

# The documents, by role (tests/documents/README.md says what each one holds).
LIBRARY_TEST = "questionform/tool-library-test.xml"    # auto-graded: three radio-button questions
LIBRARY_KEY = "answerkey/tool-library-key.xml"         # its key: PercentageMapping, 10 points each of 30
SEATING_FORM = "questionform/seating-form.xml"         # free text and a selection: not auto-gradable
SEAT_AND_SNACK_KEY = "answerkey/seat-and-snack-key.xml"  # names `seat` as multiple choice: fits no form here
SEATING_ANSWERS = "answers/seating-answers.xml"
SURVEY_ANSWERS = "answers/survey-answers.xml"

BASE = "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/"
QF_2005 = BASE + "2005-10-01/QuestionForm.xsd"
QF_2017 = BASE + "2017-11-06/QuestionForm.xsd"
AK_NS = BASE + "2005-10-01/AnswerKey.xsd"
ANS_NS = BASE + "2005-10-01/QuestionFormAnswers.xsd"


def document(relative: str) -> str:
    return (DOCUMENTS / relative).read_text(encoding="utf-8")


def documents(folder: str) -> list[str]:
    return sorted(f"{folder}/{p.name}" for p in (DOCUMENTS / folder).glob("*.xml"))


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
