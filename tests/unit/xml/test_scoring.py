"""Scoring (spec §5.4.1): exact-set matching, DefaultScore, sums, the three mappings, and the choices
where MTurk is silent (half-up rounding as Java's Math.round, first match wins, 32-bit clamp)."""

from __future__ import annotations

from fractions import Fraction

import pytest

from openturk.xml.answerkey import parse_answer_key
from openturk.xml.answers import Answer, QuestionFormAnswers
from openturk.xml.scoring import QuestionScore, Score, round_half_up, score

from .support import AK_NS


def key(*questions: str, mapping: str = "") -> str:
    body = "".join(questions)
    if mapping:
        body += f"<QualificationValueMapping>{mapping}</QualificationValueMapping>"
    return parse_answer_key(f'<AnswerKey xmlns="{AK_NS}">{body}</AnswerKey>')


def question(identifier: str, *options: tuple[str, int], default: int | None = None) -> str:
    """options: ("A B", score) — the selections of one AnswerOption, space-separated."""
    xml = f"<Question><QuestionIdentifier>{identifier}</QuestionIdentifier>"
    for selections, points in options:
        xml += ("<AnswerOption>" + "".join(f"<SelectionIdentifier>{s}</SelectionIdentifier>"
                                           for s in selections.split()) + f"<AnswerScore>{points}</AnswerScore>"
                "</AnswerOption>")
    if default is not None:
        xml += f"<DefaultScore>{default}</DefaultScore>"
    return xml + "</Question>"


def selected(**answers: str | None) -> QuestionFormAnswers:
    """q1="A B" selects A and B; q1="" answers with no selection; None leaves the question out."""
    return QuestionFormAnswers(tuple(Answer(q, tuple(s.split())) for q, s in answers.items() if s is not None))


def points(k, answers) -> int:
    return score(k, answers).value


# -- matching -----------------------------------------------------------------------------------------------

# The AWS page's example: {A,B} = 15, {A} = 10, {B} = 10, DefaultScore 5.
AWS_EXAMPLE = key(question("q", ("A B", 15), ("A", 10), ("B", 10), default=5))


@pytest.mark.parametrize("chosen, expected, option", [
    ("A B", 15, 0), ("B A", 15, 0),          # order is irrelevant
    ("A", 10, 1), ("B", 10, 2),
    ("A B C", 5, None),                       # a superset is not a match: DefaultScore
    ("C", 5, None), ("", 5, None),            # no match, no selection
    ("A A", 10, 1),                           # a repeated identifier counts once (a set)
])
def test_an_option_matches_only_the_exact_set_of_selections(chosen, expected, option):
    result = score(AWS_EXAMPLE, selected(q=chosen))
    assert (result.value, result.total) == (expected, expected)
    assert result.breakdown == [QuestionScore("q", tuple(sorted(set(chosen.split()))), option, expected)]


def test_a_subset_of_a_multi_selection_option_gets_the_default():
    k = key(question("q", ("A B C", 3), default=-1))
    assert points(k, selected(q="A B")) == -1
    assert points(k, selected(q="A B C")) == 3


def test_the_default_score_is_zero_when_absent():
    k = key(question("q", ("A", 4)))
    assert points(k, selected(q="B")) == 0
    assert score(k, selected(q="B")).breakdown[0].matched_option is None


def test_a_missing_answer_scores_the_default():
    k = key(question("q1", ("A", 4), default=2), question("q2", ("A", 4), default=-3))
    result = score(k, selected(q1="A"))
    assert (result.total, [q.points for q in result.breakdown]) == (1, [4, -3])
    assert result.breakdown[1] == QuestionScore("q2", (), None, -3)
    assert score(k, QuestionFormAnswers(())).total == -1


def test_free_text_and_other_text_never_match():
    k = key(question("q", ("A", 4), default=1))
    assert points(k, QuestionFormAnswers((Answer("q", free_text="A"),))) == 1
    assert points(k, QuestionFormAnswers((Answer("q", other_selection_text="A"),))) == 1
    assert points(k, QuestionFormAnswers((Answer("q", ("A",), other_selection_text="more"),))) == 4


def test_answers_to_questions_outside_the_key_count_for_nothing():
    k = key(question("q1", ("A", 4)))
    result = score(k, selected(q1="A", q9="A"))
    assert result.total == 4 and [q.question_identifier for q in result.breakdown] == ["q1"]


def test_scores_may_be_negative_and_sum_below_zero():
    k = key(question("q1", ("A", -5), ("B", 2)), question("q2", ("A", -7), default=-1))
    assert score(k, selected(q1="A", q2="A")).value == -12
    assert score(k, selected(q1="B", q2="B")).value == 1


def test_duplicate_option_sets_first_in_document_order_wins():
    k = key(question("q", ("A B", 1), ("B A", 7), ("A", 3), ("A", 9)))
    assert score(k, selected(q="A B")).breakdown[0] == QuestionScore("q", ("A", "B"), 0, 1)
    assert score(k, selected(q="A")).breakdown[0] == QuestionScore("q", ("A",), 2, 3)


def test_the_breakdown_follows_the_key_and_sorts_selections():
    k = key(question("b", ("Z Y", 1)), question("a", ("X", 2)))
    result = score(k, selected(a="X", b="Z Y"))
    assert result.breakdown == [QuestionScore("b", ("Y", "Z"), 0, 1), QuestionScore("a", ("X",), 0, 2)]


# -- mappings ----------------------------------------------------------------------------------------------------

def test_no_mapping_gives_the_sum():
    k = key(question("q1", ("A", 3)), question("q2", ("A", 4)))
    result = score(k, selected(q1="A", q2="A"))
    assert (result.value, result.total, result.mapping, result.matched_range) == (7, 7, None, None)


def one_point_each(count: int, mapping: str):
    return key(*(question(f"q{i}", ("A", 1), ("B", -1)) for i in range(count)), mapping=mapping)


@pytest.mark.parametrize("right, wrong, maximum, value", [
    (1, 0, 3, 33), (2, 0, 3, 67),             # 33.33 -> 33, 66.67 -> 67
    (1, 0, 2, 50), (2, 0, 2, 100),
    (3, 0, 2, 150),                           # above 100 when the maximum is set too low
    (1, 0, 8, 13), (0, 1, 8, -12),            # 12.5 -> 13 and -12.5 -> -12: half up, as Java's Math.round
    (0, 3, 4, -75),
])
def test_percentage_mapping_rounds_half_up(right, wrong, maximum, value):
    k = one_point_each(right + wrong, f"<PercentageMapping><MaximumSummedScore>{maximum}</MaximumSummedScore>"
                                      "</PercentageMapping>")
    chosen = {f"q{i}": ("A" if i < right else "B") for i in range(right + wrong)}
    result = score(k, selected(**chosen))
    assert (result.total, result.value, result.mapping) == (right - wrong, value, "PercentageMapping")


def test_percentage_of_zero_is_zero():
    k = one_point_each(2, "<PercentageMapping><MaximumSummedScore>7</MaximumSummedScore></PercentageMapping>")
    assert points(k, selected(q0="A", q1="B")) == 0
    assert points(k, selected()) == 0


def test_percentage_ties_at_two_and_a_half():
    k = key(question("q", ("A", 5), ("B", -5)),
            mapping="<PercentageMapping><MaximumSummedScore>200</MaximumSummedScore></PercentageMapping>")
    assert points(k, selected(q="A")) == 3            # 2.5 -> 3
    assert points(k, selected(q="B")) == -2           # -2.5 -> -2


@pytest.mark.parametrize("multiplier, total, value", [
    ("0.5", 5, 3), ("0.5", -5, -2),           # 2.5 -> 3, -2.5 -> -2
    ("1.5", 3, 5), ("1.5", 1, 2),             # 4.5 -> 5, 1.5 -> 2
    ("0.3", 1, 0), ("0.3", -2, -1),           # 0.3 -> 0, -0.6 -> -1
    ("0.7", 45, 32),                          # exactly 31.5 -> 32 (binary floating point would say 31.4999…)
    ("2", -3, -6), ("-1.5", 3, -4),           # -4.5 -> -4
    ("0", 9, 0), ("1e1", 2, 20), ("2.", 4, 8),
])
def test_scale_mapping_multiplies_and_rounds_half_up(multiplier, total, value):
    k = key(question("q", ("A", total)),
            mapping=f"<ScaleMapping><SummedScoreMultiplier>{multiplier}</SummedScoreMultiplier></ScaleMapping>")
    result = score(k, selected(q="A"))
    assert (result.total, result.value, result.mapping) == (total, value, "ScaleMapping")


RANGES = ("<RangeMapping>"
          "<SummedScoreRange><InclusiveLowerBound>0</InclusiveLowerBound><InclusiveUpperBound>10</InclusiveUpperBound>"
          "<QualificationValue>1</QualificationValue></SummedScoreRange>"
          "<SummedScoreRange><InclusiveLowerBound>5</InclusiveLowerBound><InclusiveUpperBound>20</InclusiveUpperBound>"
          "<QualificationValue>2</QualificationValue></SummedScoreRange>"
          "<OutOfRangeQualificationValue>-1</OutOfRangeQualificationValue></RangeMapping>")


@pytest.mark.parametrize("total, value, matched", [
    (0, 1, 0), (7, 1, 0), (10, 1, 0),         # bounds are inclusive; 5..10 overlaps: the first range wins
    (11, 2, 1), (20, 2, 1),
    (21, -1, None), (-3, -1, None),           # out of every range
])
def test_range_mapping_first_range_holding_the_sum(total, value, matched):
    k = key(question("q", ("A", total)), mapping=RANGES)
    result = score(k, selected(q="A"))
    assert (result.value, result.matched_range, result.mapping) == (value, matched, "RangeMapping")


def test_values_beyond_32_bits_are_clamped():
    big = 2**31 - 1
    k = key(question("q1", ("A", big)), question("q2", ("A", big)))
    result = score(k, selected(q1="A", q2="A"))
    assert (result.total, result.value) == (2 * big, big)
    scaled = key(question("q", ("A", -big)),
                 mapping="<ScaleMapping><SummedScoreMultiplier>1e9</SummedScoreMultiplier></ScaleMapping>")
    assert points(scaled, selected(q="A")) == -2**31


@pytest.mark.parametrize("x, rounded", [
    (Fraction(5, 2), 3), (Fraction(-5, 2), -2), (Fraction(1, 2), 1), (Fraction(-1, 2), 0),
    (Fraction(3, 2), 2), (Fraction(-3, 2), -1), (Fraction(49999, 100000), 0), (Fraction(-51, 100), -1),
    (Fraction(7), 7),
])
def test_round_half_up_is_javas_math_round(x, rounded):
    assert round_half_up(x) == rounded


def test_a_score_survives_json():
    result = score(AWS_EXAMPLE, selected(q="A"))
    assert Score.from_dict(result.to_dict()) == result
    assert result.to_dict()["Breakdown"] == [{"QuestionIdentifier": "q", "Selected": ["A"], "MatchedOption": 1,
                                              "Points": 10}]
