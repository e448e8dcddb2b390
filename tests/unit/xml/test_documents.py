"""The suite's own documents (tests/documents): every one parses and round-trips; the paired tool-library
test and key score as spec §5.4.1 says; the seat-and-snack key does not fit the seating form; broken
variants of them get precise messages (code, line, element, reason); no edit of them crashes a parser.
(tests/reference holds them, and MTurk's own examples, to the official XSDs.)"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openturk.errors import TurkError
from openturk.xml import answerkey, answers, questionform
from openturk.xml.answerkey import check_answer_key_against_form, parse_answer_key
from openturk.xml.answers import answers_from_mapping, parse_answers
from openturk.xml.checking import check_answers
from openturk.xml.questionform import parse_question_form
from openturk.xml.scoring import score

from .support import (
    INVALID,
    LIBRARY_KEY,
    LIBRARY_TEST,
    SEAT_AND_SNACK_KEY,
    SEATING_ANSWERS,
    SEATING_FORM,
    SURVEY_ANSWERS,
    XHTML_PARSE_ERROR,
    XML_PARSE_ERROR,
    document,
    documents,
    error_of,
    line_of,
)


def test_the_documents_are_all_here():
    assert documents("questionform") == sorted([LIBRARY_TEST, SEATING_FORM])
    assert documents("answerkey") == sorted([LIBRARY_KEY, SEAT_AND_SNACK_KEY])
    assert documents("answers") == sorted([SEATING_ANSWERS, SURVEY_ANSWERS])


@pytest.mark.parametrize("name", documents("questionform"))
def test_question_forms_parse_and_round_trip(name):
    form = parse_question_form(document(name))
    written = form.to_xml()
    assert parse_question_form(written) == form
    assert written == parse_question_form(written).to_xml()


@pytest.mark.parametrize("name", documents("answerkey"))
def test_answer_keys_parse_and_round_trip(name):
    key = parse_answer_key(document(name))
    written = key.to_xml()
    assert parse_answer_key(written) == key
    assert written == parse_answer_key(written).to_xml()


@pytest.mark.parametrize("name", documents("answers"))
def test_answers_parse_and_round_trip(name):
    parsed = parse_answers(document(name))
    written = parsed.to_xml()
    assert written.startswith('<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n<QuestionFormAnswers ')
    assert parse_answers(written) == parsed


def test_the_models_hold_what_the_documents_say():
    form = parse_question_form(document(SEATING_FORM))
    assert [q.identifier for q in form.questions] == ["seat", "crowd"]
    seat, crowd = form.questions
    assert seat.is_required and seat.display_name == "A free seat"
    assert seat.answer == questionform.FreeTextAnswer(length=questionform.Length(2, 2), default_text="A1")
    assert crowd.is_required and crowd.display_name == "How full the hall is"
    assert crowd.answer.style_suggestion == "radiobutton"
    assert [s.identifier for s in crowd.answer.selections] == ["empty", "half", "full"]
    overview = form.items[0]
    assert isinstance(overview, questionform.Overview)
    assert [type(c) for c in overview.content] == [questionform.Title, questionform.Text, questionform.Binary,
                                                   questionform.Text]
    assert overview.content[2] == questionform.Binary(questionform.MimeType("image", "png"),
                                                      "http://seating.example.org/hall-3/plan.png",
                                                      "The seating plan, with the taken seats shaded.")
    test = parse_question_form(document(LIBRARY_TEST))
    assert [(q.identifier, [s.identifier for s in q.answer.selections]) for q in test.questions] == [
        ("days", list("abcd")), ("deposit", list("abcd")), ("late", list("abcd"))]
    assert all(isinstance(q.content[0], questionform.FormattedContent) for q in test.questions)
    key = parse_answer_key(document(LIBRARY_KEY))
    assert key.qualification_value_mapping == answerkey.PercentageMapping(30)
    assert [(q.identifier, q.answer_options[0].selection_identifiers) for q in key.questions] == [
        ("days", ("c",)), ("deposit", ("a",)), ("late", ("d",))]
    got = parse_answers(document(SEATING_ANSWERS))
    assert got.answers == (answers.Answer("seat", free_text="C2"), answers.Answer("crowd", ("half",)))
    survey = parse_answers(document(SURVEY_ANSWERS))
    assert survey.answer("comments").free_text == "The second picture was too small to read the labels & the dates."


# -- the paired test and key: three questions worth 10 each, PercentageMapping of 30 -----------------------

@pytest.mark.parametrize("chosen, total, value", [
    ({"days": ["c"], "deposit": ["a"], "late": ["d"]}, 30, 100),   # 30 / 30 * 100
    ({"days": ["c"], "deposit": ["b"], "late": ["d"]}, 20, 67),    # 66.67 rounds to 67
    ({"days": ["c"], "deposit": ["b"], "late": ["a"]}, 10, 33),    # 33.33 rounds to 33
    ({"days": ["a"], "deposit": ["b"], "late": ["c"]}, 0, 0),
    ({}, 0, 0),                                                    # nothing answered
    ({"days": ["c", "a"], "deposit": ["a"]}, 10, 33),              # a superset scores DefaultScore 0
])
def test_the_library_test_and_key_score_as_the_spec_says(chosen, total, value):
    form = parse_question_form(document(LIBRARY_TEST))
    key = parse_answer_key(document(LIBRARY_KEY))
    check_answer_key_against_form(key, form)
    submitted = answers_from_mapping(form, chosen)
    result = score(key, parse_answers(submitted.to_xml()))
    assert (result.total, result.value, result.mapping) == (total, value, "PercentageMapping")
    assert [q.question_identifier for q in result.breakdown] == ["days", "deposit", "late"]
    assert sum(q.points for q in result.breakdown) == total


def test_the_breakdown_says_which_option_matched():
    form = parse_question_form(document(LIBRARY_TEST))
    key = parse_answer_key(document(LIBRARY_KEY))
    result = score(key, answers_from_mapping(form, {"days": ["c"], "deposit": ["b"]}))
    assert result.to_dict() == {"Value": 33, "Total": 10, "Mapping": "PercentageMapping", "MatchedRange": None,
                                "Breakdown": [
                                    {"QuestionIdentifier": "days", "Selected": ["c"], "MatchedOption": 0,
                                     "Points": 10},
                                    {"QuestionIdentifier": "deposit", "Selected": ["b"], "MatchedOption": None,
                                     "Points": 0},
                                    {"QuestionIdentifier": "late", "Selected": [], "MatchedOption": None,
                                     "Points": 0}]}


def test_the_library_test_checks_answers_against_its_radio_buttons():
    form = parse_question_form(document(LIBRARY_TEST))
    assert check_answers(form, answers_from_mapping(form, {"days": ["c"], "deposit": ["a"], "late": ["d"]})) == []
    problems = check_answers(form, answers_from_mapping(form, {"days": ["c", "d"], "deposit": ["z"]}))
    assert [(p.question_identifier, p.message) for p in problems] == [
        ("days", "Select at most 1 option."),
        ("deposit", "'z' is not one of this question's selections."),
        ("deposit", "This question requires an answer."),
        ("late", "This question requires an answer.")]


# -- a key for another test: the seating form's `seat` is free text ------------------------------------------

def test_the_seat_and_snack_key_does_not_fit_the_seating_form():
    form = parse_question_form(document(SEATING_FORM))
    key = parse_answer_key(document(SEAT_AND_SNACK_KEY))
    exc = error_of(check_answer_key_against_form, key, form)
    assert exc.code == INVALID
    line = line_of(document(SEATING_FORM), "<Question>")
    assert exc.message == (
        f"The value for AnswerKey is invalid: the Test's question 'seat' (Test line {line}) has a FreeTextAnswer "
        "(free text): a test graded with an AnswerKey may contain only SelectionAnswer questions without "
        "OtherSelection (an answer key can only match multiple-choice selections)")


def test_the_seat_and_snack_key_scores_a_test_made_to_fit_it():
    """The key (seat: B1 scores 5; snack: popcorn scores 10; PercentageMapping 15) against a test where both
    questions are multiple choice."""
    form = parse_question_form(f'<QuestionForm xmlns="{questionform.NAMESPACE_2017}">' + "".join(
        f"<Question><QuestionIdentifier>{q}</QuestionIdentifier><QuestionContent><Text>?</Text></QuestionContent>"
        "<AnswerSpecification><SelectionAnswer><Selections>" + "".join(
            f"<Selection><SelectionIdentifier>{s}</SelectionIdentifier><Text>{s}</Text></Selection>" for s in sels)
        + "</Selections></SelectionAnswer></AnswerSpecification></Question>"
        for q, sels in (("seat", ["A1", "B1", "C1"]), ("snack", ["popcorn", "crisps"]))) + "</QuestionForm>")
    key = parse_answer_key(document(SEAT_AND_SNACK_KEY))
    check_answer_key_against_form(key, form)
    assert score(key, answers_from_mapping(form, {"seat": ["B1"], "snack": ["popcorn"]})).value == 100
    assert score(key, answers_from_mapping(form, {"seat": ["B1"], "snack": ["crisps"]})).value == 33
    assert score(key, answers_from_mapping(form, {"seat": ["C1"], "snack": ["popcorn"]})).value == 67


def test_the_seating_answers_check_against_the_seating_form():
    form = parse_question_form(document(SEATING_FORM))
    assert check_answers(form, parse_answers(document(SEATING_ANSWERS))) == []
    three = answers_from_mapping(form, {"seat": "C2x", "crowd": ["full"]})
    assert [p.message for p in check_answers(form, three)] == ["The answer must be at most 2 characters long."]
    # DefaultText "is accepted as the answer if the Worker does not change it".
    assert answers_from_mapping(form, {"crowd": ["full"]}).answer("seat").free_text == "A1"


# -- broken variants: precise messages -------------------------------------------------------------------------

def _variant(name: str, old: str, new: str, occurrence: int = 1) -> tuple[str, int]:
    text = document(name)
    line = line_of(text, old, occurrence)
    start = -1
    for _ in range(occurrence):
        start = text.index(old, start + 1)
    return text[:start] + new + text[start + len(old):], line


def _line_in_test(needle: str) -> int:
    return line_of(document(LIBRARY_TEST), needle)


TEST_VARIANTS = [
    ("IsRequired is not a boolean", "<IsRequired>true</IsRequired>", "<IsRequired>yes</IsRequired>", 1,
     XML_PARSE_ERROR, "element IsRequired: 'yes' is invalid: it must be true, false, 1 or 0 (xs:boolean)"),
    ("unknown style", "<StyleSuggestion>radiobutton</StyleSuggestion>", "<StyleSuggestion>radio</StyleSuggestion>",
     2, XML_PARSE_ERROR, "element StyleSuggestion: 'radio' is invalid: it must be one of radiobutton, checkbox, "
                         "list, dropdown, combobox, multichooser"),
    ("wrong order", "<IsRequired>true</IsRequired>", "<IsRequired>true</IsRequired><DisplayName>x</DisplayName>", 3,
     XML_PARSE_ERROR, "element DisplayName is not allowed here in Question; expected QuestionContent"),
    ("unknown element", "<StyleSuggestion>radiobutton</StyleSuggestion>", "<Style>radiobutton</Style>", 1,
     XML_PARSE_ERROR, "element Style is not allowed here in SelectionAnswer; expected one of MinSelectionCount, "
                      "MaxSelectionCount, StyleSuggestion or Selections"),
    ("a count that is not a number", "<StyleSuggestion>radiobutton</StyleSuggestion>",
     "<MaxSelectionCount>two</MaxSelectionCount>", 1, XML_PARSE_ERROR,
     "element MaxSelectionCount: 'two' is invalid: it is not a whole number (xs:positiveInteger)"),
    ("question identifier used twice", "<QuestionIdentifier>deposit</QuestionIdentifier>",
     "<QuestionIdentifier>days</QuestionIdentifier>", 1, INVALID,
     f"element QuestionIdentifier: 'days' is already the identifier of the question on line "
     f"{_line_in_test('<QuestionIdentifier>days</QuestionIdentifier>')} (question identifiers must be unique in a QuestionForm)"),
    ("selection identifier used twice", "<SelectionIdentifier>b</SelectionIdentifier>",
     "<SelectionIdentifier>a</SelectionIdentifier>", 1, INVALID,
     f"element SelectionIdentifier: 'a' is already the identifier of the selection on line "
     f"{_line_in_test('<SelectionIdentifier>a</SelectionIdentifier>')} (selection identifiers must be unique in a question)"),
    ("a script in FormattedContent", "<p>What does a power tool cost", "<p onclick=\"steal()\">What does a power tool cost",
     1, XHTML_PARSE_ERROR, "element FormattedContent: <p> may not have the attribute onclick (JavaScript is not "
                           "allowed)"),
]


@pytest.mark.parametrize("old, new, occurrence, code, reason",
                         [pytest.param(*v[1:], id=v[0]) for v in TEST_VARIANTS])
def test_broken_variants_of_the_library_test_say_what_and_where(old, new, occurrence, code, reason):
    text, line = _variant(LIBRARY_TEST, old, new, occurrence)
    exc = error_of(parse_question_form, text)
    assert exc.code == code
    prefix = ("There was an error parsing the XML in Test" if code == XML_PARSE_ERROR else
              "There was an error parsing the XHTML FormattedContent in Test" if code == XHTML_PARSE_ERROR else
              "The value for Test is invalid")
    assert exc.message == f"{prefix}: line {line}: {reason}"


KEY_VARIANTS = [
    ("score is not a number", "<AnswerScore>10</AnswerScore>", "<AnswerScore>ten</AnswerScore>", XML_PARSE_ERROR,
     "There was an error parsing the XML in AnswerKey: line {line}: element AnswerScore: 'ten' is invalid: it is "
     "not a whole number (xs:int)"),
    ("maximum is zero", "<MaximumSummedScore>30</MaximumSummedScore>", "<MaximumSummedScore>0</MaximumSummedScore>",
     INVALID, "The value for AnswerKey is invalid: line {line}: element MaximumSummedScore: 0 must be positive (the "
              "summed score is divided by it)"),
    ("mapping before the questions", "<Question>", "<QualificationValueMapping/><Question>", XML_PARSE_ERROR,
     "There was an error parsing the XML in AnswerKey: line {line}: element QualificationValueMapping is not "
     "allowed here in AnswerKey; expected Question"),
]


@pytest.mark.parametrize("old, new, code, message", [pytest.param(*v[1:], id=v[0]) for v in KEY_VARIANTS])
def test_broken_variants_of_the_library_key_say_what_and_where(old, new, code, message):
    text, line = _variant(LIBRARY_KEY, old, new)
    exc = error_of(parse_answer_key, text)
    assert (exc.code, exc.message) == (code, message.format(line=line))


def test_a_key_naming_a_selection_the_test_lacks_is_refused_with_both_lines():
    text, line = _variant(LIBRARY_KEY, "<SelectionIdentifier>d</SelectionIdentifier>",
                          "<SelectionIdentifier>e</SelectionIdentifier>")
    exc = error_of(check_answer_key_against_form, parse_answer_key(text), parse_question_form(document(LIBRARY_TEST)))
    option_line = line - 1
    question_line = line_of(document(LIBRARY_TEST), "<Question>", 3)
    assert exc.message == (f"The value for AnswerKey is invalid: line {option_line}: the AnswerOption of question "
                           f"'late' names the selection 'e', which is not one of that question's selections "
                           f"in the Test (line {question_line})")


def test_a_key_naming_a_question_the_test_lacks_is_refused():
    text, line = _variant(LIBRARY_KEY, "<QuestionIdentifier>late</QuestionIdentifier>",
                          "<QuestionIdentifier>early</QuestionIdentifier>")
    exc = error_of(check_answer_key_against_form, parse_answer_key(text), parse_question_form(document(LIBRARY_TEST)))
    assert exc.message == (f"The value for AnswerKey is invalid: line {line}: the AnswerKey's question 'early' "
                           "is not a question of the Test")


def test_broken_answers_say_what_and_where():
    text, line = _variant(SEATING_ANSWERS, "<FreeText>C2</FreeText>",
                          "<FreeText>C2</FreeText><SelectionIdentifier>x</SelectionIdentifier>")
    exc = error_of(parse_answers, text)
    assert exc.message == (f"There was an error parsing the XML in Answer: line {line}: element SelectionIdentifier "
                           "is not allowed here in Answer; expected the end of Answer")
    text, line = _variant(SEATING_ANSWERS, "<QuestionIdentifier>crowd</QuestionIdentifier>",
                          "<QuestionIdentifier>seat</QuestionIdentifier>")
    exc = error_of(parse_answers, text)
    first = line_of(document(SEATING_ANSWERS), "<QuestionIdentifier>seat</QuestionIdentifier>")
    assert (exc.code, exc.message) == (INVALID, f"The value for Answer is invalid: line {line}: element "
                                                "QuestionIdentifier: the question 'seat' is already answered on "
                                                f"line {first}")


# -- robustness: whatever the text, a model or a TurkError ----------------------------------------------------

EDIT_PIECES = st.sampled_from(["<", ">", "&", "&amp;", "]]>", "<![CDATA[", "\"", "'", "=", "/", "x", " ", "\n",
                               "<Bogus/>", "</Question>", "<Question>", "http://[zz]", "-", "9" * 30, "é", "\t",
                               "<!-- -->", "<?pi?>", "xmlns=\"urn:x\"", "NaN", "&nbsp;"])


@settings(max_examples=300, derandomize=True, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.sampled_from([LIBRARY_TEST, SEATING_FORM, LIBRARY_KEY, SEATING_ANSWERS]),
       st.lists(st.tuples(st.floats(0, 1), st.integers(0, 3), EDIT_PIECES), min_size=1, max_size=4))
def test_arbitrary_edits_never_crash_the_parsers(name, edits):
    text = document(name)
    for where, remove, piece in edits:
        at = int(where * len(text))
        text = text[:at] + piece + text[at + remove:]
    for parse in (any_form, parse_answer_key, parse_answers):
        try:
            parse(text)
        except TurkError:
            pass


def any_form(text: str):
    return parse_question_form(text, "Test", qualification_test=False)
