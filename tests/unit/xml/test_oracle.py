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
from openturk.xml import schema
from openturk.xml.answerkey import parse_answer_key
from openturk.xml.answers import parse_answers
from openturk.xml.questionform import parse_question_form

from .documents import answer_key, answers, mutated, question_form, render
from .support import AK_NS, ANS_NS, QF_2005, QF_2017, XML_PARSE_ERROR, oracle_valid

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


# -- simple types, value by value --------------------------------------------------------------------------

def _simple_oracle(base: str, facets: str = "") -> etree.XMLSchema:
    return etree.XMLSchema(etree.fromstring(
        f'<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"><xs:element name="v"><xs:simpleType>'
        f'<xs:restriction base="{base}">{facets}</xs:restriction></xs:simpleType></xs:element></xs:schema>'))


SIMPLE = [(schema.URL, _simple_oracle("xs:anyURI", '<xs:pattern value="(http|https)://.*"/>')),
          (schema.INT, _simple_oracle("xs:int")), (schema.DOUBLE, _simple_oracle("xs:double")),
          (schema.NON_NEGATIVE_INTEGER, _simple_oracle("xs:nonNegativeInteger")),
          (schema.POSITIVE_INTEGER, _simple_oracle("xs:positiveInteger")),
          (schema.FILE_SIZE, _simple_oracle("xs:positiveInteger", '<xs:maxInclusive value="2000000000"/>')),
          (schema.BOOLEAN, _simple_oracle("xs:boolean"))]
URL_PIECES = st.sampled_from(list("abxyz09:/?#[]@!$&'()*+,;=-._~% \t\n<>\"{}|\\^`é") + ["%41", "%zz", ":80", "[::1]"])
NUMBER_PIECES = st.sampled_from(list("0123456789+-.eE INaF\t") + ["NaN", "INF", "00", "2147483648", "true", "false"])


@settings(VALID, max_examples=600)
@given(st.sampled_from(["http://", "https://", " http://", "http:/", "ftp://", ""]),
       st.lists(URL_PIECES, max_size=8), st.lists(NUMBER_PIECES, max_size=6))
def test_simple_types_get_the_xsd_verdict(prefix, url_pieces, number_pieces):
    for simple, xsd in SIMPLE:
        text = prefix + "".join(url_pieces) if simple is schema.URL else "".join(number_pieces)
        element = etree.Element("v")
        element.text = text
        try:
            simple.value(text)
            ours = True
        except schema.Invalid:
            ours = False
        assert ours == xsd.validate(etree.ElementTree(element)), (simple.name, text)


# -- robustness: whatever the text, a model or a TurkError ----------------------------------------------------

EDIT_PIECES = st.sampled_from(["<", ">", "&", "&amp;", "]]>", "<![CDATA[", "\"", "'", "=", "/", "x", " ", "\n",
                               "<Bogus/>", "</Question>", "<Question>", "http://[zz]", "-", "9" * 30, "é", "\t",
                               "<!-- -->", "<?pi?>", "xmlns=\"urn:x\"", "NaN", "&nbsp;"])


@settings(VALID, max_examples=300)
@given(st.sampled_from(["questionform/mturkr-qualificationtest1.xml", "questionform/aws-doc-tictactoe-questionform.xml",
                        "answerkey/mturkr-answerkey1.xml", "answers/aws-doc-questionformanswers-example.xml"]),
       st.lists(st.tuples(st.floats(0, 1), st.integers(0, 3), EDIT_PIECES), min_size=1, max_size=4))
def test_arbitrary_edits_never_crash_the_parsers(name, edits):
    from .support import example
    text = example(name)
    for where, remove, piece in edits:
        at = int(where * len(text))
        text = text[:at] + piece + text[at + remove:]
    for parse in (any_form, parse_answer_key, parse_answers):
        try:
            parse(text)
        except TurkError:
            pass
