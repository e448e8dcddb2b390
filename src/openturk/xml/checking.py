"""Checking a worker's answers against the QuestionForm, as MTurk's worker page did before it let a worker
submit (spec §5.3: "For our worker-side submission path we should validate against the QuestionForm").

Each rule is the QuestionForm page's:
- IsRequired: "Specifies whether the Worker must provide an answer for this question to successfully submit
  the form"; "If you specify the minLength attribute, it is the same as if the IsRequired element is true".
- MinSelectionCount / MaxSelectionCount: "the minimum (maximum) number of selections allowed for a valid
  answer" (default 1 each); selections must be the question's own.
- IsNumeric: "the value entered must be numeric" (decimals allowed), within minValue and maxValue.
- Length: "The minLength attribute includes whitespaces in the character count."
- AnswerFormatRegex: "All AnswerFormatRegex constraints must be satisfied"; the message is its errorText or
  "Invalid input supplied."
- FileUploadAnswer: "If the Worker uploads a file whose size in bytes is outside of this range, the answer is
  rejected".

# openturk choice: an unanswered question that is not required is accepted even when its MinSelectionCount
# is 1 or more (the counts apply to an answer that is given); an OtherSelectionText counts as one selection
# (selections that are not the question's own do not count);
# lengths count Unicode code points; an answer's kind must match its question's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from . import regex as js_regex
from .answers import Answer, QuestionFormAnswers
from .questionform import FileUploadAnswer, FreeTextAnswer, Question, QuestionForm, SelectionAnswer

REQUIRED = "This question requires an answer."
REGEX_TIMEOUT = ("The answer could not be checked against the required format in time (the pattern takes too "
                 "long with this answer).")
NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
KIND_NAMES = {"free_text": "free text", "selection": "selections", "file_upload": "an uploaded file"}


@dataclass(frozen=True)
class AnswerProblem:
    question_identifier: str
    message: str


def check_answers(form: QuestionForm, answers: QuestionFormAnswers) -> list[AnswerProblem]:
    """Every problem of `answers` against `form`, in the form's question order (then answers to questions
    the form does not have); an empty list means the worker may submit them."""
    problems: list[AnswerProblem] = []
    given: dict[str, Answer] = {}
    strays: list[AnswerProblem] = []
    for answer in answers.answers:
        identifier = answer.question_identifier
        if form.question(identifier) is None:
            strays.append(AnswerProblem(identifier, "There is no question with this identifier in the form."))
        elif identifier in given:
            strays.append(AnswerProblem(identifier, "The question is answered more than once."))
        else:
            given[identifier] = answer
    for question in form.questions:
        problems.extend(AnswerProblem(question.identifier, message)
                        for message in question_problems(question, given.get(question.identifier)))
    return problems + strays


def question_problems(question: Question, answer: Answer | None) -> list[str]:
    spec = question.answer
    if answer is not None and spec.__class__ is SelectionAnswer and answer.other_selection_text is None \
            and answer.free_text is None and answer.uploaded_file_key is None:
        # The common case, quickly: known, distinct selections within the counts.
        selected = answer.selection_identifiers
        if selected and spec.min_selections <= len(selected) <= spec.max_selections \
                and spec.identifiers.issuperset(selected) and len(set(selected)) == len(selected):
            return []
    expected = ("free_text" if isinstance(spec, FreeTextAnswer) else "selection"
                if isinstance(spec, SelectionAnswer) else "file_upload")
    kind = answer.kind if answer is not None else "none"
    if kind not in ("none", expected):
        return [f"This question takes {KIND_NAMES[expected]}, not {KIND_NAMES[kind]}."]
    if isinstance(spec, FreeTextAnswer):
        text = answer.free_text if answer is not None and answer.free_text is not None else ""
        if text == "":
            min_length = spec.length.min_length if spec.length is not None else None
            return [REQUIRED] if question.is_required or (min_length or 0) > 0 else []
        return text_problems(spec, text)
    if isinstance(spec, SelectionAnswer):
        return _selection_problems(question, spec, answer)
    return _file_problems(question, spec, answer)


def text_problems(spec: FreeTextAnswer, text: str) -> list[str]:
    """The constraints of a FreeTextAnswer (or an OtherSelection) on a non-empty text."""
    problems = []
    if spec.is_numeric is not None:
        problems.extend(_number_problems(spec, text))
    if spec.length is not None:
        low, high = spec.length.min_length, spec.length.max_length
        if low is not None and len(text) < low:
            problems.append(f"The answer must be at least {_characters(low)} long.")
        if high is not None and len(text) > high:
            problems.append(f"The answer must be at most {_characters(high)} long.")
    for regex in spec.regexes:
        try:
            if not js_regex.search(regex.regex, regex.flags or "", text):
                problems.append(regex.message)
        except TimeoutError:
            problems.append(REGEX_TIMEOUT)
    return problems


def _number_problems(spec: FreeTextAnswer, text: str) -> list[str]:
    stripped = text.strip()
    if NUMBER.fullmatch(stripped) is None:
        return ["The answer must be a number."]
    value = Decimal(stripped)
    low, high = spec.is_numeric.min_value, spec.is_numeric.max_value
    if low is not None and value < low:
        return [f"The answer must be a number no smaller than {low}."]
    if high is not None and value > high:
        return [f"The answer must be a number no larger than {high}."]
    return []


def _characters(n: int) -> str:
    return "1 character" if n == 1 else f"{n} characters"


def _selection_problems(question: Question, spec: SelectionAnswer, answer: Answer | None) -> list[str]:
    selected = answer.selection_identifiers if answer is not None else ()
    other = answer.other_selection_text if answer is not None else None
    if other == "":
        other = None
    problems = []
    seen: set[str] = set()
    for selection in selected:
        if selection not in spec.identifiers:
            problems.append(f"{selection!r} is not one of this question's selections.")
        elif selection in seen:
            problems.append(f"{selection!r} is selected more than once.")
        else:
            seen.add(selection)
    if other is not None and spec.other_selection is None:
        problems.append("This question has no field for another answer.")
        other = None
    count = len(seen) + (1 if other is not None else 0)
    if count == 0:
        return problems + ([REQUIRED] if question.is_required else [])
    low, high = spec.min_selections, spec.max_selections
    if count < low:
        problems.append(f"Select at least {low} {'option' if low == 1 else 'options'}.")
    if count > high:
        problems.append(f"Select at most {high} {'option' if high == 1 else 'options'}.")
    if other is not None:
        problems.extend(f"Other: {message}" for message in text_problems(spec.other_selection, other))
    return problems


def _file_problems(question: Question, spec: FileUploadAnswer, answer: Answer | None) -> list[str]:
    if answer is None or answer.uploaded_file_size_in_bytes is None:
        return [REQUIRED] if question.is_required else []
    size = answer.uploaded_file_size_in_bytes
    if not spec.min_file_size_in_bytes <= size <= spec.max_file_size_in_bytes:
        return [f"The file must be from {spec.min_file_size_in_bytes} to {spec.max_file_size_in_bytes} bytes "
                f"long (it is {size})."]
    return []
