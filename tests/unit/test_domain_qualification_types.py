"""The pure UpdateQualificationType rules, without a server."""

from __future__ import annotations

import pytest

from openturk.domain import qualification_types as rules
from openturk.errors import TurkError

QF = ('<QuestionForm xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2017-11-06/'
      'QuestionForm.xsd"><Question><QuestionIdentifier>q1</QuestionIdentifier><QuestionContent><Text>Pick'
      '</Text></QuestionContent><AnswerSpecification><SelectionAnswer><Selections><Selection>'
      '<SelectionIdentifier>a</SelectionIdentifier><Text>A</Text></Selection></Selections></SelectionAnswer>'
      '</AnswerSpecification></Question></QuestionForm>')
AK = ('<AnswerKey xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/'
      'AnswerKey.xsd"><Question><QuestionIdentifier>q1</QuestionIdentifier><AnswerOption>'
      '<SelectionIdentifier>a</SelectionIdentifier><AnswerScore>1</AnswerScore></AnswerOption></Question>'
      '</AnswerKey>')


def plain(**overrides) -> rules.TypeAttributes:
    values = dict(description="d", status="Active", test=None, retry_delay_in_seconds=None, auto_granted=False,
                  auto_granted_value=None)
    return rules.TypeAttributes(**{**values, **overrides})


def code_of(fn, *args, **kwargs) -> str:
    with pytest.raises(TurkError) as info:
        fn(*args, **kwargs)
    return info.value.code


def test_nothing_sent_changes_nothing():
    current = plain(test=rules.Test(QF, 60, AK), retry_delay_in_seconds=5)
    assert rules.apply_update(current) == current


def test_new_test_without_key_drops_the_key():
    current = plain(test=rules.Test(QF, 60, AK))
    assert rules.apply_update(current, test=QF, test_duration_in_seconds=30).test == rules.Test(QF, 30, None)


def test_the_2017_namespace_of_question_form_is_accepted():
    assert rules.check_test(QF, 10, None) == rules.Test(QF, 10, None)


def test_parts_of_the_test_without_test_are_refused():
    current = plain(test=rules.Test(QF, 60, AK))
    assert code_of(rules.apply_update, current, answer_key=AK) == "AWS.MechanicalTurk.InvalidParameterValue"
    assert code_of(rules.apply_update, current, test_duration_in_seconds=9) == "AWS.MechanicalTurk.InvalidParameterValue"


def test_auto_grant_rules_are_checked_on_the_result():
    auto = plain(auto_granted=True, auto_granted_value=4)
    assert code_of(rules.apply_update, auto, test=QF, test_duration_in_seconds=5) == \
        "AWS.MechanicalTurk.InvalidParameterValue"
    switched = rules.apply_update(auto, test=QF, test_duration_in_seconds=5, auto_granted=False)
    assert switched.test is not None and switched.auto_granted is False
    with_test = plain(test=rules.Test(QF, 60, None))
    assert code_of(rules.apply_update, with_test, auto_granted=True) == "AWS.MechanicalTurk.InvalidParameterValue"


def test_auto_granted_value_defaults_to_one_only_when_auto_granted():
    assert rules.apply_update(plain(), auto_granted=True).auto_granted_value == 1
    assert rules.apply_update(plain(), description="x").auto_granted_value is None
    assert rules.new_type(description="d", status="Active", retry_delay_in_seconds=None, test=None, answer_key=None,
                          test_duration_in_seconds=None, auto_granted=True, auto_granted_value=None).auto_granted_value == 1


@pytest.mark.parametrize("field,value,code", [
    ("retry_delay_in_seconds", -1, "AWS.ParameterOutOfRange"),
    ("retry_delay_in_seconds", rules.MAX_SECONDS + 1, "AWS.ParameterOutOfRange"),
    ("description", "x" * 2001, "AWS.MechanicalTurk.InvalidParameterValue"),
])
def test_ranges(field, value, code):
    assert code_of(rules.apply_update, plain(), **{field: value}) == code
