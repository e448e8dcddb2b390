"""The official XSDs as an oracle: for generated valid documents and for mutations of them, openturk's
verdict (XMLParseError or not) equals lxml XMLSchema's verdict with the official schema.

Rules beyond the schema are not the oracle's business: a document the schema accepts may still be refused
by a rule (with another code), and the generated valid documents keep every rule so that openturk must
accept them outright. Hypothesis runs derandomized, so CI sees the same documents every time.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from openturk.errors import TurkError
from openturk.xml.answerkey import parse_answer_key
from openturk.xml.answers import answers_from_mapping, parse_answers
from openturk.xml.questionform import parse_question_form

from ..unit.xml.documents import answer_key, answers, mutated, question_form, render
from ..unit.xml.support import AK_NS, ANS_NS, QF_2005, QF_2017, XML_PARSE_ERROR
from ..unit.xml.forms import MIXED_FORM
from .reference import oracle_valid

VALID = settings(max_examples=150, derandomize=True, deadline=None,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
BROKEN = settings(VALID, max_examples=400)


def form_oracle(text: str) -> bool:
    """A QuestionForm is judged by the schema of the namespace its root claims (openturk reads both)."""
    try:
        root = etree.fromstring(text.encode())
    except etree.XMLSyntaxError:
        return False
    kind = "QuestionForm-2017" if root.tag.startswith("{" + QF_2017 + "}") else "QuestionForm-2005"
    return oracle_valid(kind, text)


def verdict(parse, text: str) -> str:
    """"accepted", "schema" (XMLParseError) or "rule" (any other TurkError)."""
    try:
        parse(text)
    except TurkError as exc:
        return "schema" if exc.code == XML_PARSE_ERROR else "rule"
    return "accepted"


def any_form(text: str):
    return parse_question_form(text, "Test", qualification_test=False)


FORMS = st.sampled_from([QF_2005, QF_2017]).flatmap(lambda ns: st.tuples(st.just(ns), question_form(ns)))


@VALID
@given(FORMS)
def test_generated_question_forms_are_valid_accepted_and_round_trip(generated):
    namespace, tree = generated
    text = render(tree, namespace)
    assert form_oracle(text), text
    form = any_form(text)
    written = form.to_xml()
    assert form_oracle(written), written
    assert any_form(written) == form
    assert form.namespace == namespace


@BROKEN
@given(st.data())
def test_broken_question_forms_get_the_official_schemas_verdict(data):
    namespace, tree = data.draw(FORMS)
    broken, mutations = data.draw(mutated(tree))
    text = render(broken, namespace)
    expected = form_oracle(text)
    got = verdict(any_form, text)
    assert (got != "schema") == expected, (mutations, got, text)


@VALID
@given(answer_key())
def test_generated_answer_keys_are_valid_accepted_and_round_trip(tree):
    text = render(tree, AK_NS)
    assert oracle_valid("AnswerKey", text), text
    key = parse_answer_key(text)
    written = key.to_xml()
    assert oracle_valid("AnswerKey", written), written
    assert parse_answer_key(written) == key


@BROKEN
@given(st.data())
def test_broken_answer_keys_get_the_official_schemas_verdict(data):
    broken, mutations = data.draw(mutated(data.draw(answer_key())))
    text = render(broken, AK_NS)
    expected = oracle_valid("AnswerKey", text)
    got = verdict(parse_answer_key, text)
    assert (got != "schema") == expected, (mutations, got, text)


@VALID
@given(answers())
def test_generated_answers_are_valid_accepted_and_round_trip(tree):
    text = render(tree, ANS_NS)
    assert oracle_valid("Answers", text), text
    parsed = parse_answers(text)
    written = parsed.to_xml()
    assert oracle_valid("Answers", written), written
    assert parse_answers(written) == parsed


@BROKEN
@given(st.data())
def test_broken_answers_get_the_official_schemas_verdict(data):
    broken, mutations = data.draw(mutated(data.draw(answers())))
    text = render(broken, ANS_NS)
    expected = oracle_valid("Answers", text)
    got = verdict(parse_answers, text)
    assert (got != "schema") == expected, (mutations, got, text)


def test_answers_built_from_a_mapping_are_valid():
    """What answers_from_mapping writes (tests/unit/xml/test_checking.py) is what the official schema accepts."""
    form = parse_question_form(MIXED_FORM)
    got = answers_from_mapping(form, {"words": "typed", "pick": ["b", "a"], "other": "something else"})
    assert oracle_valid("Answers", got.to_xml())
    assert oracle_valid("Answers", answers_from_mapping(form, {}).to_xml())
