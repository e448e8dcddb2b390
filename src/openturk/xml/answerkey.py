"""AnswerKey: how a qualification test is graded automatically (spec §5.4).

Rules beyond the schema (InvalidParameterValue):
- each Question of the key appears once (two keys for one question would make its score ambiguous);
- PercentageMapping's MaximumSummedScore is positive (it is a divisor);
- ScaleMapping's SummedScoreMultiplier is a finite number; openturk also limits it to 30 significant
  digits and an exponent from -30 to 30 (openturk choice), so the product is computed exactly;
- a SummedScoreRange's InclusiveLowerBound is not above its InclusiveUpperBound.
With the test (`check_answer_key_against_form`): "A Qualification test that is to be graded automatically
using an answer key cannot have any free-text questions" nor "an OtherSelection field"; every key
question and every selection in its options exist in the test.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from .. import errors
from . import safe_parse, writer
from .questionform import FileUploadAnswer, FreeTextAnswer, QuestionForm, SelectionAnswer
from .schema import DOUBLE, INT, STRING, Complex, Context, choice, many, optional, read_document, seq, show
from .schema import Element as E

NAMESPACE = safe_parse.ANSWER_KEY_NAMESPACES[0]
MAX_MULTIPLIER_DIGITS = 30
MAX_MULTIPLIER_EXPONENT = 30


@dataclass(frozen=True)
class AnswerOption:
    """One combination of selections and its score: it matches only a worker whose selections are exactly
    this set (spec §5.4.1)."""
    selection_identifiers: tuple[str, ...]
    answer_score: int
    line: int = field(default=0, compare=False, repr=False)

    @cached_property
    def selection_set(self) -> frozenset[str]:
        return frozenset(self.selection_identifiers)


@dataclass(frozen=True)
class Question:
    identifier: str
    answer_options: tuple[AnswerOption, ...]
    default_score: int | None = None
    line: int = field(default=0, compare=False, repr=False)


@dataclass(frozen=True)
class PercentageMapping:
    maximum_summed_score: int


@dataclass(frozen=True)
class ScaleMapping:
    summed_score_multiplier: Decimal


@dataclass(frozen=True)
class SummedScoreRange:
    inclusive_lower_bound: int
    inclusive_upper_bound: int
    qualification_value: int


@dataclass(frozen=True)
class RangeMapping:
    summed_score_ranges: tuple[SummedScoreRange, ...]
    out_of_range_qualification_value: int


QualificationValueMapping = PercentageMapping | ScaleMapping | RangeMapping


@dataclass(frozen=True)
class AnswerKey:
    questions: tuple[Question, ...]
    qualification_value_mapping: QualificationValueMapping | None = None

    @cached_property
    def scoring_plan(self) -> tuple[tuple[str, tuple[tuple[frozenset[str], int], ...], int], ...]:
        """For each Question: its identifier, (selection set, AnswerScore) per option, DefaultScore or 0."""
        return tuple((q.identifier, tuple((o.selection_set, o.answer_score) for o in q.answer_options),
                      q.default_score or 0) for q in self.questions)

    def to_xml(self) -> str:
        return _key_xml(self)


# -- reading ---------------------------------------------------------------------------------------------

def parse_answer_key(text: str, param: str = "AnswerKey") -> AnswerKey:
    """Parse and validate an AnswerKey (XMLParseError for XML and schema problems, InvalidParameterValue
    for the rules above). Cached by (text, param)."""
    return _parse_cached(text, param)


@functools.lru_cache(maxsize=128)
def _parse_cached(text: str, param: str) -> AnswerKey:
    return read_document(param, text, "AnswerKey", safe_parse.ANSWER_KEY_NAMESPACES, lambda namespace: GRAMMAR)


def clear_cache() -> None:
    _parse_cached.cache_clear()


def _option(ctx, line, attrs, kids):
    return AnswerOption(tuple(v for n, v, _ in kids[:-1]), kids[-1][1], line)


def _question(ctx, line, attrs, kids):
    options = tuple(v for n, v, _ in kids if n == "AnswerOption")
    default = kids[-1][1] if kids[-1][0] == "DefaultScore" else None
    return Question(kids[0][1], options, default, kids[0][2])


def _percentage(ctx: Context, line, attrs, kids):
    maximum = kids[0][1]
    if maximum <= 0:
        ctx.problem(kids[0][2], f"element MaximumSummedScore: {maximum} must be positive (the summed score is "
                                "divided by it)")
    return PercentageMapping(maximum)


def _scale(ctx: Context, line, attrs, kids):
    multiplier: Decimal = kids[0][1]
    if not multiplier.is_finite():
        ctx.problem(kids[0][2], f"element SummedScoreMultiplier: {multiplier} is not a finite number")
    elif multiplier and (len(multiplier.as_tuple().digits) > MAX_MULTIPLIER_DIGITS
                         or abs(multiplier.adjusted()) > MAX_MULTIPLIER_EXPONENT):
        ctx.problem(kids[0][2], f"element SummedScoreMultiplier: {show(str(multiplier))} is outside what openturk "
                                f"supports (at most {MAX_MULTIPLIER_DIGITS} significant digits, magnitude "
                                f"between 1e-{MAX_MULTIPLIER_EXPONENT} and 1e{MAX_MULTIPLIER_EXPONENT})")
    return ScaleMapping(multiplier)


def _range(ctx: Context, line, attrs, kids):
    low, high, value = (v for _, v, _ in kids)
    if low > high:
        ctx.problem(line, f"element SummedScoreRange: InclusiveLowerBound {low} is larger than "
                          f"InclusiveUpperBound {high}")
    return SummedScoreRange(low, high, value)


def _key(ctx: Context, line, attrs, kids):
    questions = []
    seen: dict[str, int] = {}
    mapping = None
    for name, value, _ in kids:
        if name == "QualificationValueMapping":
            mapping = value
            continue
        if value.identifier in seen:
            ctx.problem(value.line, f"element QuestionIdentifier: {show(value.identifier)} already has a Question "
                                    f"in the AnswerKey on line {seen[value.identifier]}")
        seen.setdefault(value.identifier, value.line)
        questions.append(value)
    return AnswerKey(tuple(questions), mapping)


def _grammar() -> Complex:
    option = Complex(seq(many("SelectionIdentifier", STRING, min=1), E("AnswerScore", INT)), build=_option)
    question = Complex(seq(E("QuestionIdentifier", STRING), many("AnswerOption", option, min=1),
                           optional("DefaultScore", INT)), build=_question)
    percentage = Complex(seq(E("MaximumSummedScore", INT)), build=_percentage)
    scale = Complex(seq(E("SummedScoreMultiplier", DOUBLE)), build=_scale)
    a_range = Complex(seq(E("InclusiveLowerBound", INT), E("InclusiveUpperBound", INT),
                          E("QualificationValue", INT)), build=_range)
    ranges = Complex(seq(many("SummedScoreRange", a_range, min=1), E("OutOfRangeQualificationValue", INT)),
                     build=lambda c, line, a, k: RangeMapping(tuple(v for _, v, _ in k[:-1]), k[-1][1]))
    mapping = Complex(choice(E("PercentageMapping", percentage), E("ScaleMapping", scale),
                             E("RangeMapping", ranges)), build=lambda c, line, a, k: k[0][1])
    return Complex(seq(many("Question", question, min=1), optional("QualificationValueMapping", mapping)),
                   build=_key)


GRAMMAR = _grammar()


# -- the key and its test ----------------------------------------------------------------------------------

def check_answer_key_against_form(key: AnswerKey, form: QuestionForm, param: str = "AnswerKey") -> None:
    """The AnswerKey page and the QuestionForm page: "An answer key can only match multiple-choice
    questions and cannot match free-text fields"; "A Qualification test that you want to grade
    automatically using an answer key cannot have an OtherSelection field". Every Question of the key
    names a question of the test and every SelectionIdentifier of its options a selection of that
    question. Raises InvalidParameterValue naming the question and the lines.

    Both models are immutable, so a successful check is remembered on the key (for this form object)."""
    if key.__dict__.get("_fits") is form:
        return
    for question in form.questions:
        answer = question.answer
        kind = ("a FreeTextAnswer (free text)" if isinstance(answer, FreeTextAnswer)
                else "a FileUploadAnswer" if isinstance(answer, FileUploadAnswer)
                else "an OtherSelection (free text)" if answer.other_selection is not None else None)
        if kind is not None:
            raise errors.invalid_value(
                param, f"the Test's question {show(question.identifier)} (Test line {question.line}) has {kind}: "
                       "a test graded with an AnswerKey may contain only SelectionAnswer questions without "
                       "OtherSelection (an answer key can only match multiple-choice selections)")
    for key_question in key.questions:
        question = form.question(key_question.identifier)
        if question is None:
            raise errors.invalid_value(
                param, f"line {key_question.line}: the AnswerKey's question {show(key_question.identifier)} is not "
                       "a question of the Test")
        answer = question.answer
        assert isinstance(answer, SelectionAnswer)
        for option in key_question.answer_options:
            for selection in option.selection_identifiers:
                if selection not in answer.identifiers:
                    raise errors.invalid_value(
                        param, f"line {option.line}: the AnswerOption of question {show(key_question.identifier)} "
                               f"names the selection {show(selection)}, which is not one of that question's "
                               f"selections in the Test (line {question.line})")
    key.__dict__["_fits"] = form


# -- writing -----------------------------------------------------------------------------------------------

def _key_xml(key: AnswerKey) -> str:
    w = writer.Writer()
    w.open("AnswerKey", f" xmlns={writer.attribute(NAMESPACE)}")
    for question in key.questions:
        w.open("Question")
        w.leaf("QuestionIdentifier", question.identifier)
        for option in question.answer_options:
            w.open("AnswerOption")
            for selection in option.selection_identifiers:
                w.leaf("SelectionIdentifier", selection)
            w.leaf("AnswerScore", option.answer_score)
            w.close("AnswerOption")
        w.leaf("DefaultScore", question.default_score)
        w.close("Question")
    mapping = key.qualification_value_mapping
    if mapping is not None:
        w.open("QualificationValueMapping")
        if isinstance(mapping, PercentageMapping):
            w.open("PercentageMapping")
            w.leaf("MaximumSummedScore", mapping.maximum_summed_score)
            w.close("PercentageMapping")
        elif isinstance(mapping, ScaleMapping):
            w.open("ScaleMapping")
            w.leaf("SummedScoreMultiplier", _double_text(mapping.summed_score_multiplier))
            w.close("ScaleMapping")
        else:
            w.open("RangeMapping")
            for r in mapping.summed_score_ranges:
                w.open("SummedScoreRange")
                w.leaf("InclusiveLowerBound", r.inclusive_lower_bound)
                w.leaf("InclusiveUpperBound", r.inclusive_upper_bound)
                w.leaf("QualificationValue", r.qualification_value)
                w.close("SummedScoreRange")
            w.leaf("OutOfRangeQualificationValue", mapping.out_of_range_qualification_value)
            w.close("RangeMapping")
        w.close("QualificationValueMapping")
    w.close("AnswerKey")
    return w.result()


def _double_text(value: Decimal) -> str:
    if value.is_nan():
        return "NaN"
    if value.is_infinite():
        return "-INF" if value < 0 else "INF"
    return str(value)
