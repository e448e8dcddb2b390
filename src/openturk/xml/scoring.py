"""Scoring a worker's answers with an AnswerKey, as spec §5.4.1 sets out the AnswerKey page's rules:

1. For each Question of the key, in document order, S is the set of SelectionIdentifiers in the worker's
   Answer to it (empty when there is no Answer; OtherSelectionText and FreeText never match).
2. An AnswerOption matches only when its SelectionIdentifiers are exactly S (all of them selected and
   nothing else). The question scores the matching option's AnswerScore, otherwise its DefaultScore (0 when
   absent). Scores may be negative.
3. The summed score becomes the qualification value through the QualificationValueMapping: none (the
   sum itself); PercentageMapping (sum / MaximumSummedScore x 100, "rounded to the nearest integer");
   ScaleMapping (sum x SummedScoreMultiplier); RangeMapping (the QualificationValue of the range that
   holds the sum, else OutOfRangeQualificationValue).

# openturk choice: where MTurk is silent (docs/compatibility.md):
# - rounding is half up, as Java's Math.round (MTurk is a Java service): floor(x + 0.5), so 2.5 -> 3 and
#   -2.5 -> -2; it is computed exactly, from the decimal written in the key, not in binary floating point;
# - when several AnswerOptions have the same set, the first in document order counts; when RangeMapping's
#   ranges overlap ("behavior is undefined"), the first range holding the sum counts;
# - a value outside a 32-bit integer (IntegerValue's type) is clamped to -2147483648 … 2147483647.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import NamedTuple

from .answerkey import AnswerKey, PercentageMapping, RangeMapping, ScaleMapping
from .answers import QuestionFormAnswers

INT_MIN, INT_MAX = -2**31, 2**31 - 1
_NOTHING: frozenset[str] = frozenset()


class QuestionScore(NamedTuple):
    """Why one question scored what it scored: the worker's selections (sorted), the index of the
    AnswerOption that matched them (None: DefaultScore applied) and the points."""
    question_identifier: str
    selected: tuple[str, ...]
    matched_option: int | None
    points: int

    def to_dict(self) -> dict:
        return {"QuestionIdentifier": self.question_identifier, "Selected": list(self.selected),
                "MatchedOption": self.matched_option, "Points": self.points}


@dataclass(frozen=True)
class Score:
    """The qualification value (after the mapping), the summed score before it, the breakdown by question,
    which mapping applied (its element name, or None) and, for RangeMapping, which range (None when the sum
    was out of every range)."""
    value: int
    total: int
    breakdown: list[QuestionScore]
    mapping: str | None = None
    matched_range: int | None = None

    def to_dict(self) -> dict:
        """JSON-able, in MTurk's member-name style (for storing with a request and for `--json`)."""
        return {"Value": self.value, "Total": self.total, "Mapping": self.mapping,
                "MatchedRange": self.matched_range, "Breakdown": [q.to_dict() for q in self.breakdown]}

    @classmethod
    def from_dict(cls, data: dict) -> Score:
        breakdown = [QuestionScore(q["QuestionIdentifier"], tuple(q["Selected"]), q["MatchedOption"], q["Points"])
                     for q in data["Breakdown"]]
        return cls(data["Value"], data["Total"], breakdown, data.get("Mapping"), data.get("MatchedRange"))


def round_half_up(x: Fraction) -> int:
    """Java's Math.round: floor(x + 1/2), exactly."""
    return math.floor(x + Fraction(1, 2))


def clamp(value: int) -> int:
    return max(INT_MIN, min(INT_MAX, value))


def score(key: AnswerKey, answers: QuestionFormAnswers) -> Score:
    given = answers.by_identifier
    breakdown = []
    total = 0
    for identifier, options, default in key.scoring_plan:
        answer = given.get(identifier)
        selected = frozenset(answer.selection_identifiers) if answer is not None else _NOTHING
        matched = None
        points = default
        for index, (selections, answer_score) in enumerate(options):
            if selections == selected:
                matched, points = index, answer_score
                break
        total += points
        breakdown.append(QuestionScore(identifier, tuple(sorted(selected)), matched, points))
    mapping = key.qualification_value_mapping
    matched_range = None
    if mapping is None:
        value = total
    elif isinstance(mapping, PercentageMapping):
        value = round_half_up(Fraction(total * 100, mapping.maximum_summed_score))
    elif isinstance(mapping, ScaleMapping):
        value = round_half_up(total * Fraction(mapping.summed_score_multiplier))
    else:
        assert isinstance(mapping, RangeMapping)
        value = mapping.out_of_range_qualification_value
        for index, r in enumerate(mapping.summed_score_ranges):
            if r.inclusive_lower_bound <= total <= r.inclusive_upper_bound:
                value, matched_range = r.qualification_value, index
                break
    name = type(mapping).__name__ if mapping is not None else None
    return Score(clamp(value), total, breakdown, name, matched_range)
