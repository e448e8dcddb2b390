"""The real documents in ../shared/reference/examples: every one parses, validates and round-trips; the
paired MTurkR test and key score as spec §5.4.1 says; the AWS key does not fit the AWS test; broken
variants of them get precise messages (code, line, element, reason)."""

from __future__ import annotations

import pytest

from openturk.xml import answerkey, answers, questionform
from openturk.xml.answerkey import check_answer_key_against_form, parse_answer_key
from openturk.xml.answers import answers_from_mapping, parse_answers
from openturk.xml.checking import check_answers
from openturk.xml.questionform import parse_question_form
from openturk.xml.scoring import score

from .support import (
    INVALID,
    XHTML_PARSE_ERROR,
    XML_PARSE_ERROR,
    error_of,
    example,
    examples,
    line_of,
    oracle_valid,
)

MTURKR_TEST = "questionform/mturkr-qualificationtest1.xml"
MTURKR_KEY = "answerkey/mturkr-answerkey1.xml"
TICTACTOE = "questionform/aws-doc-tictactoe-questionform.xml"
AWS_KEY = "answerkey/aws-doc-answerkey-example.xml"
AWS_ANSWERS = "answers/aws-doc-questionformanswers-example.xml"
FORMIOUS_ANSWERS = "answers/formious-questionformanswers-freetext.xml"


def test_the_examples_are_all_here():
    assert examples("questionform") == sorted([MTURKR_TEST, TICTACTOE])
    assert examples("answerkey") == sorted([MTURKR_KEY, AWS_KEY])
    assert examples("answers") == sorted([AWS_ANSWERS, FORMIOUS_ANSWERS])


@pytest.mark.parametrize("name", examples("questionform"))
def test_question_forms_parse_validate_and_round_trip(name):
    text = example(name)
    assert oracle_valid("QuestionForm-2005", text)
    form = parse_question_form(text)
    written = form.to_xml()
    assert oracle_valid("QuestionForm-2005", written), written
    assert parse_question_form(written) == form
    assert written == parse_question_form(written).to_xml()


@pytest.mark.parametrize("name", examples("answerkey"))
def test_answer_keys_parse_validate_and_round_trip(name):
    text = example(name)
    assert oracle_valid("AnswerKey", text)
    key = parse_answer_key(text)
    written = key.to_xml()
    assert oracle_valid("AnswerKey", written), written
    assert parse_answer_key(written) == key


@pytest.mark.parametrize("name", examples("answers"))
def test_answers_parse_validate_and_round_trip(name):
    text = example(name)
    assert oracle_valid("Answers", text)
    parsed = parse_answers(text)
    written = parsed.to_xml()
    assert written.startswith('<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n<QuestionFormAnswers ')
    assert oracle_valid("Answers", written), written
    assert parse_answers(written) == parsed


def test_the_models_hold_what_the_documents_say():
    form = parse_question_form(example(TICTACTOE))
    assert [q.identifier for q in form.questions] == ["nextmove", "likelytowin"]
    nextmove, likely = form.questions
    assert nextmove.is_required and nextmove.display_name == "The Next Move"
    assert nextmove.answer == questionform.FreeTextAnswer(length=questionform.Length(2, 2), default_text="C1")
    assert likely.answer.style_suggestion == "radiobutton"
    assert [s.identifier for s in likely.answer.selections] == ["notlikely", "unsure", "likely"]
    overview = form.items[0]
    assert isinstance(overview, questionform.Overview)
    assert overview.content[2] == questionform.Binary(questionform.MimeType("image", "gif"),
                                                      "http://tictactoe.amazon.com/game/01523/board.gif",
                                                      'The game board, with "X" to move.')
    key = parse_answer_key(example(MTURKR_KEY))
    assert key.qualification_value_mapping == answerkey.PercentageMapping(30)
    assert [(q.identifier, q.answer_options[0].selection_identifiers) for q in key.questions] == [
        ("question1", ("3",)), ("question2", ("1",)), ("question3", ("4",))]
    got = parse_answers(example(AWS_ANSWERS))
    assert got.answers == (answers.Answer("nextmove", free_text="C3"),
                           answers.Answer("likelytowin", ("notlikely",)))


# -- the paired test and key (MTurkR): three questions worth 10 each, PercentageMapping of 30 -------------

@pytest.mark.parametrize("chosen, total, value", [
    ({"question1": ["3"], "question2": ["1"], "question3": ["4"]}, 30, 100),   # 30 / 30 * 100
    ({"question1": ["3"], "question2": ["2"], "question3": ["4"]}, 20, 67),    # 66.67 rounds to 67
    ({"question1": ["3"], "question2": ["2"], "question3": ["1"]}, 10, 33),    # 33.33 rounds to 33
    ({"question1": ["1"], "question2": ["2"], "question3": ["3"]}, 0, 0),
    ({}, 0, 0),                                                                # nothing answered
    ({"question1": ["3", "1"], "question2": ["1"]}, 10, 33),                   # a superset scores DefaultScore 0
])
def test_the_mturkr_test_and_key_score_as_the_spec_says(chosen, total, value):
    form = parse_question_form(example(MTURKR_TEST))
    key = parse_answer_key(example(MTURKR_KEY))
    check_answer_key_against_form(key, form)
    submitted = answers_from_mapping(form, chosen)
    result = score(key, parse_answers(submitted.to_xml()))
    assert (result.total, result.value, result.mapping) == (total, value, "PercentageMapping")
    assert [q.question_identifier for q in result.breakdown] == ["question1", "question2", "question3"]
    assert sum(q.points for q in result.breakdown) == total


def test_the_breakdown_says_which_option_matched():
    form = parse_question_form(example(MTURKR_TEST))
    key = parse_answer_key(example(MTURKR_KEY))
    result = score(key, answers_from_mapping(form, {"question1": ["3"], "question2": ["2"]}))
    assert result.to_dict() == {"Value": 33, "Total": 10, "Mapping": "PercentageMapping", "MatchedRange": None,
                                "Breakdown": [
                                    {"QuestionIdentifier": "question1", "Selected": ["3"], "MatchedOption": 0,
                                     "Points": 10},
                                    {"QuestionIdentifier": "question2", "Selected": ["2"], "MatchedOption": None,
                                     "Points": 0},
                                    {"QuestionIdentifier": "question3", "Selected": [], "MatchedOption": None,
                                     "Points": 0}]}


def test_the_mturkr_test_checks_answers_against_its_radio_buttons():
    form = parse_question_form(example(MTURKR_TEST))
    assert check_answers(form, answers_from_mapping(form, {"question1": ["3"], "question2": ["1"],
                                                           "question3": ["4"]})) == []
    problems = check_answers(form, answers_from_mapping(form, {"question1": ["3", "4"], "question2": ["9"]}))
    assert [(p.question_identifier, p.message) for p in problems] == [
        ("question1", "Select at most 1 option."),
        ("question2", "'9' is not one of this question's selections."),
        ("question2", "This question requires an answer."),
        ("question3", "This question requires an answer.")]


# -- the AWS examples are not consistent with each other -----------------------------------------------------

def test_the_aws_key_does_not_fit_the_aws_tictactoe_test():
    form = parse_question_form(example(TICTACTOE))
    key = parse_answer_key(example(AWS_KEY))
    exc = error_of(check_answer_key_against_form, key, form)
    assert exc.code == INVALID
    line = line_of(example(TICTACTOE), "<Question>")
    assert exc.message == (
        f"The value for AnswerKey is invalid: the Test's question 'nextmove' (Test line {line}) has a FreeTextAnswer "
        "(free text): a test graded with an AnswerKey may contain only SelectionAnswer questions without "
        "OtherSelection (an answer key can only match multiple-choice selections)")


def test_the_aws_key_scores_a_test_made_to_fit_it():
    """The AWS page's key (nextmove: D scores 5; favoritefruit: apples scores 10; PercentageMapping 15)
    against a test where both questions are multiple choice."""
    form = parse_question_form(f'<QuestionForm xmlns="{questionform.NAMESPACE_2017}">' + "".join(
        f"<Question><QuestionIdentifier>{q}</QuestionIdentifier><QuestionContent><Text>?</Text></QuestionContent>"
        "<AnswerSpecification><SelectionAnswer><Selections>" + "".join(
            f"<Selection><SelectionIdentifier>{s}</SelectionIdentifier><Text>{s}</Text></Selection>" for s in sels)
        + "</Selections></SelectionAnswer></AnswerSpecification></Question>"
        for q, sels in (("nextmove", "ABCD"), ("favoritefruit", ["apples", "pears"]))) + "</QuestionForm>")
    key = parse_answer_key(example(AWS_KEY))
    check_answer_key_against_form(key, form)
    assert score(key, answers_from_mapping(form, {"nextmove": ["D"], "favoritefruit": ["apples"]})).value == 100
    assert score(key, answers_from_mapping(form, {"nextmove": ["D"], "favoritefruit": ["pears"]})).value == 33
    assert score(key, answers_from_mapping(form, {"nextmove": ["C"], "favoritefruit": ["apples"]})).value == 67


def test_the_aws_answers_check_against_the_tictactoe_test():
    form = parse_question_form(example(TICTACTOE))
    assert check_answers(form, parse_answers(example(AWS_ANSWERS))) == []
    three = answers_from_mapping(form, {"nextmove": "C3x", "likelytowin": ["likely"]})
    assert [p.message for p in check_answers(form, three)] == ["The answer must be at most 2 characters long."]
    # DefaultText "is accepted as the answer if the Worker does not change it".
    assert answers_from_mapping(form, {"likelytowin": ["likely"]}).answer("nextmove").free_text == "C1"


# -- broken variants: precise messages -------------------------------------------------------------------------

def _variant(name: str, old: str, new: str, occurrence: int = 1) -> tuple[str, int]:
    text = example(name)
    line = line_of(text, old, occurrence)
    start = -1
    for _ in range(occurrence):
        start = text.index(old, start + 1)
    return text[:start] + new + text[start + len(old):], line


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
    ("question identifier used twice", "<QuestionIdentifier>question2</QuestionIdentifier>",
     "<QuestionIdentifier>question1</QuestionIdentifier>", 1, INVALID,
     "element QuestionIdentifier: 'question1' is already the identifier of the question on line 9 (question "
     "identifiers must be unique in a QuestionForm)"),
    ("selection identifier used twice", "<SelectionIdentifier>2</SelectionIdentifier>",
     "<SelectionIdentifier>1</SelectionIdentifier>", 1, INVALID,
     "element SelectionIdentifier: '1' is already the identifier of the selection on line 21 (selection "
     "identifiers must be unique in a question)"),
    ("a script in FormattedContent", "<p>Some question here</p>", "<p onclick=\"steal()\">Some question here</p>", 2,
     XHTML_PARSE_ERROR, "element FormattedContent: <p> may not have the attribute onclick (JavaScript is not "
                        "allowed)"),
]


@pytest.mark.parametrize("old, new, occurrence, code, reason",
                         [pytest.param(*v[1:], id=v[0]) for v in TEST_VARIANTS])
def test_broken_variants_of_the_mturkr_test_say_what_and_where(old, new, occurrence, code, reason):
    text, line = _variant(MTURKR_TEST, old, new, occurrence)
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
def test_broken_variants_of_the_mturkr_key_say_what_and_where(old, new, code, message):
    text, line = _variant(MTURKR_KEY, old, new)
    exc = error_of(parse_answer_key, text)
    assert (exc.code, exc.message) == (code, message.format(line=line))


def test_a_key_naming_a_selection_the_test_lacks_is_refused_with_both_lines():
    text, line = _variant(MTURKR_KEY, "<SelectionIdentifier>4</SelectionIdentifier>",
                          "<SelectionIdentifier>5</SelectionIdentifier>")
    exc = error_of(check_answer_key_against_form, parse_answer_key(text), parse_question_form(example(MTURKR_TEST)))
    option_line = line - 1
    question_line = line_of(example(MTURKR_TEST), "<Question>", 3)
    assert exc.message == (f"The value for AnswerKey is invalid: line {option_line}: the AnswerOption of question "
                           f"'question3' names the selection '5', which is not one of that question's selections "
                           f"in the Test (line {question_line})")


def test_a_key_naming_a_question_the_test_lacks_is_refused():
    text, line = _variant(MTURKR_KEY, "<QuestionIdentifier>question3</QuestionIdentifier>",
                          "<QuestionIdentifier>question4</QuestionIdentifier>")
    exc = error_of(check_answer_key_against_form, parse_answer_key(text), parse_question_form(example(MTURKR_TEST)))
    assert exc.message == (f"The value for AnswerKey is invalid: line {line}: the AnswerKey's question 'question4' "
                           "is not a question of the Test")


def test_broken_answers_say_what_and_where():
    text, line = _variant(AWS_ANSWERS, "<FreeText>C3</FreeText>",
                          "<FreeText>C3</FreeText><SelectionIdentifier>x</SelectionIdentifier>")
    exc = error_of(parse_answers, text)
    assert exc.message == (f"There was an error parsing the XML in Answer: line {line}: element SelectionIdentifier "
                           "is not allowed here in Answer; expected the end of Answer")
    text, line = _variant(AWS_ANSWERS, "<QuestionIdentifier>likelytowin</QuestionIdentifier>",
                          "<QuestionIdentifier>nextmove</QuestionIdentifier>")
    exc = error_of(parse_answers, text)
    assert (exc.code, exc.message) == (INVALID, f"The value for Answer is invalid: line {line}: element "
                                                "QuestionIdentifier: the question 'nextmove' is already answered on "
                                                "line 3")
