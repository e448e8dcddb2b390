"""The pure HIT rules without a server: money and fees, the requirement comparators, the eligibility
decision, HITStatus and the counters, the CreateAdditionalAssignmentsForHIT rule."""

from __future__ import annotations

import pytest

from openturk.domain import hits, money
from openturk.domain import requirements as req
from openturk.errors import Code, TurkError

OUT_OF_RANGE = Code.PARAMETER_OUT_OF_RANGE


def code_of(fn, *args, **kwargs) -> str:
    with pytest.raises(TurkError) as info:
        fn(*args, **kwargs)
    return info.value.code


# -- money -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, cents", [("0.50", 50), ("1", 100), ("2.5", 250), ("0", 0), ("100000.00", 10_000_000),
                                         ("007.01", 701), ("3.", 300)])
def test_amounts_parse_to_cents(text, cents):
    assert money.parse_amount(text) == cents


@pytest.mark.parametrize("text", ["", "-1.00", "0.001", "1,00", "$1", "1e2", " 1", "abc"])
def test_bad_amounts_are_refused(text):
    assert code_of(money.parse_amount, text) == "AWS.MechanicalTurk.InvalidParameterValue"


def test_amounts_above_the_maximum_are_out_of_range():
    assert code_of(money.parse_amount, "100000.01") == OUT_OF_RANGE


@pytest.mark.parametrize("cents, text", [(0, "0.00"), (5, "0.05"), (1234, "12.34"), (-250, "-2.50")])
def test_cents_format_as_mturk_answered(cents, text):
    assert money.format_cents(cents) == text


@pytest.mark.parametrize("assignments, masters, percent", [(1, False, 20), (9, False, 20), (10, False, 40),
                                                           (1, True, 25), (10, True, 45)])
def test_fee_percent(assignments, masters, percent):
    assert money.fee_percent(assignments, masters) == percent


@pytest.mark.parametrize("amount, percent, fee", [(0, 20, 0), (1, 20, 1), (2, 20, 1), (50, 20, 10), (3, 20, 1),
                                                  (8, 20, 2), (125, 20, 25), (13, 45, 6), (10, 25, 3)])
def test_fee_is_rounded_half_up_with_a_minimum_of_a_cent(amount, percent, fee):
    assert money.fee_cents(amount, percent) == fee


def test_hit_cost_is_every_assignment_with_its_fee():
    assert money.hit_cost(50, 3, False) == 3 * 60
    assert money.hit_cost(50, 10, False) == 10 * 70
    assert money.hit_cost(100, 10, True) == 10 * 145
    assert money.hit_cost(0, 5, False) == 0


# -- requirements ----------------------------------------------------------------------------------------

T = "3Q0TYPEA0000000000000000000000"


def requirement(comparator: str, *values: int, guards: str = "Accept", type_id: str = T) -> req.Requirement:
    return req.Requirement(type_id, comparator, tuple(values), (), guards)


def locale(comparator: str, *values: tuple) -> req.Requirement:
    return req.Requirement(req.LOCALE, comparator, (), tuple(values))


@pytest.mark.parametrize("comparator, values, held, expected", [
    ("LessThan", (10,), 9, True), ("LessThan", (10,), 10, False),
    ("LessThanOrEqualTo", (10,), 10, True), ("LessThanOrEqualTo", (10,), 11, False),
    ("GreaterThan", (10,), 11, True), ("GreaterThan", (10,), 10, False),
    ("GreaterThanOrEqualTo", (10,), 10, True), ("GreaterThanOrEqualTo", (10,), 9, False),
    ("EqualTo", (10,), 10, True), ("EqualTo", (10,), 11, False),
    ("NotEqualTo", (10,), 11, True), ("NotEqualTo", (10,), 10, False),
    ("In", (1, 2, 3), 2, True), ("In", (1, 2, 3), 4, False),
    ("NotIn", (1, 2, 3), 4, True), ("NotIn", (1, 2, 3), 2, False),
    ("Exists", (), 0, True), ("DoesNotExist", (), 0, False),
])
def test_every_comparator_met_and_not_met(comparator, values, held, expected):
    assert req.meets(requirement(comparator, *values), req.WorkerValues({T: held})) is expected


@pytest.mark.parametrize("comparator, values", [("LessThan", (10,)), ("NotEqualTo", (10,)), ("NotIn", (1,)),
                                                ("Exists", ()), ("EqualTo", (0,))])
def test_a_worker_without_the_qualification_meets_only_does_not_exist(comparator, values):
    assert not req.meets(requirement(comparator, *values), req.WorkerValues())
    assert req.meets(requirement("DoesNotExist"), req.WorkerValues())


@pytest.mark.parametrize("comparator, values, held, expected", [
    ("EqualTo", (("US", None),), ("US", "NY"), True),          # a country matches all of its subdivisions
    ("EqualTo", (("US", "CA"),), ("US", "NY"), False),
    ("EqualTo", (("US", "NY"),), ("US", "NY"), True),
    ("In", (("CA", None), ("US", None)), ("US", None), True),
    ("NotIn", (("CA", None), ("GB", None)), ("US", None), True),
    ("NotEqualTo", (("US", None),), ("US", "NY"), False),
    ("Exists", (), ("DE", None), True),
])
def test_locale_comparators(comparator, values, held, expected):
    assert req.meets(locale(comparator, *values), req.WorkerValues(locale=held)) is expected


def test_a_worker_without_a_locale_meets_no_locale_value():
    assert not req.meets(locale("NotIn", ("US", None)), req.WorkerValues())
    assert req.meets(locale("DoesNotExist"), req.WorkerValues())


@pytest.mark.parametrize("guards, allowed", [("Accept", (True, True, False)),
                                             ("PreviewAndAccept", (True, False, False)),
                                             ("DiscoverPreviewAndAccept", (False, False, False))])
def test_actions_guarded_decides_what_an_unqualified_worker_may_do(guards, allowed):
    decision = req.decide((requirement("Exists"), requirement("Exists", guards=guards)), req.WorkerValues(),
                          hit_status="Assignable")
    assert (decision.discover, decision.preview, decision.accept) == allowed
    assert [r.index for r in decision.refusals] == [1, 2]
    assert "does not meet the requirement 3Q0TYPEA0000000000000000000000 Exists" in decision.refusals[1].reason


@pytest.mark.parametrize("guards", ["Accept", "PreviewAndAccept", "DiscoverPreviewAndAccept"])
def test_without_explanations_the_decision_is_the_same(guards):
    """The search decides for every HIT group it reads and does not show why: it asks for no reasons."""
    requirements = (requirement("GreaterThan", 5), requirement("LessThan", 3, guards=guards))
    for values in (req.WorkerValues({T: 6}), req.WorkerValues({T: 2}), req.WorkerValues()):
        full = req.decide(requirements, values, hit_status="Assignable")
        quick = req.decide(requirements, values, hit_status="Assignable", explain=False)
        assert (quick.discover, quick.preview, quick.accept) == (full.discover, full.preview, full.accept)
        assert quick.refusals == () and full.refusals


def test_a_qualified_worker_may_do_everything():
    decision = req.decide((requirement("GreaterThan", 5),), req.WorkerValues({T: 6}), hit_status="Assignable")
    assert (decision.discover, decision.preview, decision.accept, decision.refusals) == (True, True, True, ())


def test_a_blocked_worker_may_do_nothing_even_if_qualified():
    decision = req.decide((), req.WorkerValues(), hit_status="Assignable", blocked=True)
    assert (decision.discover, decision.preview, decision.accept) == (False, False, False)
    assert decision.refusals[0].index == 0 and "blocked" in decision.refusals[0].reason


@pytest.mark.parametrize("status, preview", [("Unassignable", True), ("Reviewable", True), ("Disposed", False)])
def test_only_an_assignable_hit_is_found_and_accepted(status, preview):
    decision = req.decide((), req.WorkerValues(), hit_status=status)
    assert (decision.discover, decision.preview, decision.accept) == (False, preview, False)


def test_counting_types_start_at_their_neutral_values():
    values = req.counting_values(req.History())
    assert values[req.NUMBER_HITS_APPROVED] == 0
    assert values[req.PERCENT_APPROVED] == values[req.PERCENT_SUBMITTED] == 100
    assert values[req.PERCENT_RETURNED] == values[req.PERCENT_ABANDONED] == values[req.PERCENT_REJECTED] == 0


def test_counting_types_with_enough_history():
    values = req.counting_values(req.History(accepted=200, submitted=180, approved=150, rejected=30, returned=15,
                                             abandoned=5))
    assert values == {req.NUMBER_HITS_APPROVED: 150, req.PERCENT_SUBMITTED: 90, req.PERCENT_RETURNED: 7,
                      req.PERCENT_ABANDONED: 2, req.PERCENT_APPROVED: 83, req.PERCENT_REJECTED: 16}


def test_requirements_round_trip_through_json():
    given = (requirement("In", 1, 2, guards="DiscoverPreviewAndAccept"), locale("In", ("US", "NY"), ("CA", None)))
    assert req.from_json(req.to_json(given)) == given


# -- HITStatus and counters --------------------------------------------------------------------------------

def state(now=0, expiration=1000, max_assignments=3, reviewing=False, disposed=False, **counts):
    return hits.state(max_assignments=max_assignments, expiration_ms=expiration, reviewing=reviewing,
                      disposed=disposed, counts=hits.Counts(**counts), now_ms=now)


def test_status_follows_the_clock_and_the_counts():
    assert state() == hits.State("Assignable", 3, 0, 0)
    assert state(now=1000) == hits.State("Reviewable", 0, 0, 0)              # expired: nothing available
    assert state(pending=3) == hits.State("Unassignable", 0, 3, 0)
    assert state(now=2000, pending=1) == hits.State("Unassignable", 0, 1, 0)  # expired, still being worked on
    assert state(submitted=1, completed=2) == hits.State("Reviewable", 0, 0, 2)
    assert state(pending=1, completed=1) == hits.State("Assignable", 1, 1, 1)
    assert state(reviewing=True).status == "Reviewing"
    assert state(reviewing=True, disposed=True).status == "Disposed"


def test_review_status_moves_only_between_reviewable_and_reviewing():
    assert hits.check_review_transition("Reviewable", revert=False) == "Reviewing"
    assert hits.check_review_transition("Reviewing", revert=True) == "Reviewable"
    assert code_of(hits.check_review_transition, "Assignable", False) == "AWS.MechanicalTurk.InvalidHITState"
    assert code_of(hits.check_review_transition, "Reviewable", True) == "AWS.MechanicalTurk.InvalidHITState"


def test_only_a_reviewable_hit_with_every_submission_decided_is_deletable():
    hits.check_deletable(state(now=1000), hits.Counts())
    assert code_of(hits.check_deletable, state(), hits.Counts()) == "AWS.MechanicalTurk.InvalidHITState"
    counts = hits.Counts(submitted=1)
    assert code_of(hits.check_deletable, state(submitted=1, completed=2), counts) == \
        "AWS.MechanicalTurk.InvalidHITState"


@pytest.mark.parametrize("current, more, total", [(1, 8, 9), (10, 5, 15), (9, 0, None), (9, 1, None), (5, 5, None)])
def test_fewer_than_ten_assignments_cannot_become_ten_or_more(current, more, total):
    if total is not None:
        assert hits.check_additional(current, more) == total
    else:
        expected = OUT_OF_RANGE if more < 1 else \
            "AWS.MechanicalTurk.InvalidMaximumAssignmentsIncrease"
        assert code_of(hits.check_additional, current, more) == expected


def test_identical_type_values_share_a_fingerprint():
    values = dict(title="t", description="d", keywords="a, b", reward_cents=10, assignment_duration_in_seconds=60,
                  auto_approval_delay_in_seconds=None, requirements_json="[]")
    one = hits.type_values(**values)
    assert one.auto_approval_delay_in_seconds == hits.DEFAULT_AUTO_APPROVAL_SECONDS
    assert one.fingerprint() == hits.type_values(**values).fingerprint()
    assert hits.type_values(**{**values, "auto_approval_delay_in_seconds": 2_592_000}).fingerprint() == \
        one.fingerprint()                                   # the default is the value
    assert hits.type_values(**{**values, "reward_cents": 11}).fingerprint() != one.fingerprint()
    assert code_of(hits.type_values, **{**values, "title": "x" * 129}) == "AWS.MechanicalTurk.InvalidParameterValue"
    assert code_of(hits.type_values, **{**values, "assignment_duration_in_seconds": 29}) == OUT_OF_RANGE
