"""Where the reference material is, and the official XSDs as an oracle.

The material is third-party (the official MTurk XSDs, AWS documentation examples, MTurkR's templates, real
responses of MTurk's legacy API) and is not part of the repository: it sits in OPENTURK_REFERENCE_DIR,
by default `../shared/reference` beside the repository, as CI checks it out. A relative path is taken
from the repository root. tests/reference/conftest.py refuses to run without every file listed here.
"""

from __future__ import annotations

import functools
import os
import re
from pathlib import Path

from lxml import etree

from ..unit.xml.support import QF_2005, QF_2017

REPOSITORY = Path(__file__).resolve().parents[2]
ENV = "OPENTURK_REFERENCE_DIR"
DEFAULT = "../shared/reference"
ROOT = (REPOSITORY / os.environ.get(ENV, DEFAULT)).resolve()
EXAMPLES = ROOT / "examples"
SCHEMAS = EXAMPLES / "schemas"
CAPTURES = EXAMPLES / "legacy-xml"

# The example documents, by origin (examples/README.md in the reference material says where each is from).
MTURKR_TEST = "questionform/mturkr-qualificationtest1.xml"
MTURKR_KEY = "answerkey/mturkr-answerkey1.xml"
TICTACTOE = "questionform/aws-doc-tictactoe-questionform.xml"
AWS_KEY = "answerkey/aws-doc-answerkey-example.xml"
AWS_ANSWERS = "answers/aws-doc-questionformanswers-example.xml"
FORMIOUS_ANSWERS = "answers/formious-questionformanswers-freetext.xml"

CAPTURE_NAMES = [
    "formious-2015-CreateQualificationType-success.xml",
    "formious-2015-CreateQualificationType-QualificationTypeAlreadyExists.xml",
    "formious-2015-DisposeQualificationType-success.xml",
    "formious-2015-DisposeQualificationType-InvalidQualificationTypeState.xml",
    "formious-2015-GetQualificationsForQualificationType-success.xml",
    "boto-issue-2247-GetAccountBalance-AWS.NotAuthorized-http200.xml",
]
REQUIRED = ([SCHEMAS / name for name in ("QuestionForm-2005-10-01.xsd", "AnswerKey-2005-10-01.xsd",
                                          "QuestionFormAnswers-2005-10-01.xsd")]
            + [EXAMPLES / name for name in (MTURKR_TEST, MTURKR_KEY, TICTACTOE, AWS_KEY, AWS_ANSWERS,
                                            FORMIOUS_ANSWERS)]
            + [CAPTURES / name for name in CAPTURE_NAMES])


def missing() -> str | None:
    """Why the reference tests cannot run (the folder or files that are missing), or None."""
    configured = os.environ.get(ENV)
    where = f"{ENV}={configured}" if configured is not None else f"{ENV} is not set, so {DEFAULT}"
    if not Path(configured or DEFAULT).is_absolute():
        where += f", from the repository root {REPOSITORY}"
    if not ROOT.is_dir():
        return (f"the reference material is missing: {ROOT} is not a folder ({where}); `make test` does not "
                "need it")
    absent = [str(path) for path in REQUIRED if not path.is_file()]
    if absent:
        return f"the reference material in {ROOT} is incomplete ({where}); missing: " + ", ".join(absent)
    return None


def example(relative: str) -> str:
    return (EXAMPLES / relative).read_text(encoding="utf-8")


def examples(folder: str) -> list[str]:
    return sorted(f"{folder}/{p.name}" for p in (EXAMPLES / folder).glob("*.xml"))


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
