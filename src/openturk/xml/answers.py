"""QuestionFormAnswers: a worker's answers to a QuestionForm (spec §5.3).

Each Answer names its question and holds one kind of answer: selections (zero or more
SelectionIdentifiers, then an optional OtherSelectionText), FreeText, or an uploaded file. One rule beyond
the schema (InvalidParameterValue): a question is answered at most once, so grading never has to choose.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from functools import cached_property

from .. import errors
from . import writer
from .questionform import FileUploadAnswer, FreeTextAnswer, QuestionForm, SelectionAnswer
from .schema import (POSITIVE_INTEGER, STRING, Complex, Context, choice, many, optional, read_document, seq,
                     show)
from .schema import Element as E

NAMESPACE = "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/QuestionFormAnswers.xsd"
ANSWERS_NAMESPACES = (NAMESPACE,)
# "Real answer documents start with <?xml version="1.0" encoding="UTF-8" standalone="no"?>" (spec §5.1).
HEADER = '<?xml version="1.0" encoding="UTF-8" standalone="no"?>'
# openturk choice: MTurk documents no size limit for answers; openturk reads up to 1 MiB (its request limit).
MAX_ANSWERS_BYTES = 1_048_576


@dataclass(frozen=True)
class Answer:
    question_identifier: str
    selection_identifiers: tuple[str, ...] = ()
    other_selection_text: str | None = None
    free_text: str | None = None
    uploaded_file_size_in_bytes: int | None = None
    uploaded_file_key: str | None = None
    line: int = field(default=0, compare=False, repr=False)

    def __post_init__(self):
        kinds = ((bool(self.selection_identifiers) or self.other_selection_text is not None)
                 + (self.free_text is not None)
                 + (self.uploaded_file_size_in_bytes is not None or self.uploaded_file_key is not None))
        if kinds > 1:
            raise ValueError("an Answer holds selections, free text or an uploaded file, not several")
        if (self.uploaded_file_size_in_bytes is None) != (self.uploaded_file_key is None):
            raise ValueError("an uploaded file has both a size and a key")

    @property
    def kind(self) -> str:
        """"selection", "free_text", "file_upload", or "none" (no selections and nothing else)."""
        if self.free_text is not None:
            return "free_text"
        if self.uploaded_file_key is not None:
            return "file_upload"
        if self.selection_identifiers or self.other_selection_text is not None:
            return "selection"
        return "none"


@dataclass(frozen=True)
class QuestionFormAnswers:
    answers: tuple[Answer, ...]

    @cached_property
    def by_identifier(self) -> dict[str, Answer]:
        found: dict[str, Answer] = {}
        for answer in self.answers:
            found.setdefault(answer.question_identifier, answer)
        return found

    def answer(self, question_identifier: str) -> Answer | None:
        return self.by_identifier.get(question_identifier)

    def to_xml(self) -> str:
        w = writer.Writer(HEADER)
        w.open("QuestionFormAnswers", f" xmlns={writer.attribute(NAMESPACE)}")
        for answer in self.answers:
            w.open("Answer")
            w.leaf("QuestionIdentifier", answer.question_identifier)
            for selection in answer.selection_identifiers:
                w.leaf("SelectionIdentifier", selection)
            w.leaf("OtherSelectionText", answer.other_selection_text)
            w.leaf("FreeText", answer.free_text)
            w.leaf("UploadedFileSizeInBytes", answer.uploaded_file_size_in_bytes)
            w.leaf("UploadedFileKey", answer.uploaded_file_key)
            w.close("Answer")
        w.close("QuestionFormAnswers")
        return w.result()


# -- reading ---------------------------------------------------------------------------------------------

def parse_answers(text: str, param: str = "Answer") -> QuestionFormAnswers:
    """Parse and validate a QuestionFormAnswers document (XMLParseError for XML and schema problems,
    InvalidParameterValue for a question answered twice). Cached by (text, param)."""
    return _parse_cached(text, param)


@functools.lru_cache(maxsize=64)
def _parse_cached(text: str, param: str) -> QuestionFormAnswers:
    return read_document(param, text, "QuestionFormAnswers", ANSWERS_NAMESPACES, lambda namespace: GRAMMAR,
                         limit=MAX_ANSWERS_BYTES)


def clear_cache() -> None:
    _parse_cached.cache_clear()


def _valid_answer(question_identifier: str, selection_identifiers: tuple[str, ...] = (),
                  other_selection_text: str | None = None, free_text: str | None = None,
                  uploaded_file_size_in_bytes: int | None = None, uploaded_file_key: str | None = None,
                  line: int = 0) -> Answer:
    """An Answer the schema has already checked (one kind only), made without Answer's own checks: the
    server parses a worker's answers at every submission, and this is the hot path."""
    answer = object.__new__(Answer)
    answer.__dict__.update(question_identifier=question_identifier, selection_identifiers=selection_identifiers,
                           other_selection_text=other_selection_text, free_text=free_text,
                           uploaded_file_size_in_bytes=uploaded_file_size_in_bytes,
                           uploaded_file_key=uploaded_file_key, line=line)
    return answer


def _answer(ctx, line, attrs, kids):
    _, identifier, id_line = kids[0]
    if len(kids) == 1:
        return _valid_answer(identifier, line=id_line)
    kind = kids[1][0]
    if kind == "SelectionIdentifier" and len(kids) == 2:
        return _valid_answer(identifier, (kids[1][1],), line=id_line)
    if kind == "FreeText":
        return _valid_answer(identifier, free_text=kids[1][1], line=id_line)
    if kind == "UploadedFileSizeInBytes":
        return _valid_answer(identifier, uploaded_file_size_in_bytes=kids[1][1], uploaded_file_key=kids[2][1],
                             line=id_line)
    other = kids[-1][1] if kids[-1][0] == "OtherSelectionText" else None
    selections = tuple(value for name, value, _ in kids[1:] if name == "SelectionIdentifier")
    return _valid_answer(identifier, selections, other, line=id_line)


def _answers(ctx: Context, line, attrs, kids):
    seen: dict[str, int] = {}
    for _, answer, _ in kids:
        if answer.question_identifier in seen:
            ctx.problem(answer.line, f"element QuestionIdentifier: the question {show(answer.question_identifier)} "
                                     f"is already answered on line {seen[answer.question_identifier]}")
        seen.setdefault(answer.question_identifier, answer.line)
    return QuestionFormAnswers(tuple(v for _, v, _ in kids))


GRAMMAR = Complex(seq(many("Answer", Complex(seq(
    E("QuestionIdentifier", STRING),
    choice(seq(many("SelectionIdentifier", STRING), optional("OtherSelectionText", STRING)),
           E("FreeText", STRING),
           seq(E("UploadedFileSizeInBytes", POSITIVE_INTEGER), E("UploadedFileKey", STRING)))),
    build=_answer), min=1)), build=_answers)


# -- from a worker's form submission ------------------------------------------------------------------------

def answers_from_mapping(form: QuestionForm, mapping: dict[str, list[str] | str]) -> QuestionFormAnswers:
    """The answers a worker gives on a web page or through an API, as a QuestionFormAnswers document.

    # openturk choice: the mapping's convention (documented in docs/compatibility.md):
    - a SelectionAnswer question takes a list of SelectionIdentifiers (in the order given); a string is
      the text of its OtherSelection field (the question must have one);
    - a FreeTextAnswer question takes a string (its FreeText);
    - every question of the form gets an Answer, in the form's order, as a browser posts every field: a
      free-text question missing from the mapping gets its DefaultText ("accepted as the answer if the
      Worker does not change it") or empty text; a missing selection question gets no selections; a
      FileUploadAnswer question cannot be answered through a mapping.
    - an identifier that is not a question of the form, a value of the wrong shape, or text XML cannot
      carry raises InvalidParameterValue naming the question.
    Whether the answers meet the form's constraints is `openturk.xml.checking.check_answers`' job.
    """
    unknown = [identifier for identifier in mapping if form.question(identifier) is None]
    if unknown:
        raise errors.invalid_value("Answer", f"there is no question {show(str(unknown[0]))} in the form")
    answers = []
    for question in form.questions:
        identifier = question.identifier
        spec = question.answer
        value = mapping.get(identifier)
        if isinstance(spec, FreeTextAnswer):
            if value is None:
                value = spec.default_text if spec.default_text is not None else ""
            if not isinstance(value, str):
                raise _shape(identifier, "takes free text (a string)")
            answers.append(Answer(identifier, free_text=_xml_text(identifier, value)))
        elif isinstance(spec, SelectionAnswer):
            if value is None:
                answers.append(Answer(identifier))
            elif isinstance(value, str):
                if spec.other_selection is None:
                    raise _shape(identifier, "is a selection question without OtherSelection: give its "
                                             "SelectionIdentifiers as a list")
                answers.append(Answer(identifier, other_selection_text=_xml_text(identifier, value)))
            elif isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
                answers.append(Answer(identifier, tuple(_xml_text(identifier, v) for v in value)))
            else:
                raise _shape(identifier, "takes a list of SelectionIdentifiers")
        else:
            assert isinstance(spec, FileUploadAnswer)
            if value is not None:
                raise _shape(identifier, "is a FileUploadAnswer, which cannot be answered here")
            answers.append(Answer(identifier))
    return QuestionFormAnswers(tuple(answers))


def _shape(identifier: str, what: str) -> errors.TurkError:
    return errors.invalid_value("Answer", f"the question {show(identifier)} {what}")


def _xml_text(identifier: str, value: str) -> str:
    bad = writer.NOT_XML_CHARACTER.search(value)
    if bad is not None:
        raise errors.invalid_value("Answer", f"the answer to the question {show(identifier)} contains the "
                                             f"character U+{ord(bad.group()):04X}, which XML cannot carry")
    return value
