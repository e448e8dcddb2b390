"""Rules beyond the schema, each with its code and a message naming line, element and reason; and the
validator's schema messages for the usual mistakes. (The oracle tests judge schema verdicts only.)"""

from __future__ import annotations

import dataclasses

import pytest

from openturk.xml import answerkey, questionform
from openturk.xml.answerkey import check_answer_key_against_form, parse_answer_key
from openturk.xml.answers import parse_answers
from openturk.xml.questionform import parse_question_form

from .forms import APPLICATION, FILE_UPLOAD, form, formatted, free_text, question, selection_answer
from .support import AK_NS, ANS_NS, INVALID, QF_2005, QF_2017, XHTML_PARSE_ERROR, XML_PARSE_ERROR, error_of


def refused(text: str, **kwargs) -> tuple[str, str]:
    exc = error_of(parse_question_form, text, **kwargs)
    return exc.code, exc.message.split(": ", 1)[1]


# -- QuestionForm rules ----------------------------------------------------------------------------------------

def test_question_identifiers_are_unique():
    text = form(question("q1"), "\n", question("q1"))
    assert refused(text) == (INVALID, "line 2: element QuestionIdentifier: 'q1' is already the identifier of the "
                                      "question on line 1 (question identifiers must be unique in a QuestionForm)")


def test_selection_identifiers_are_unique_within_a_question_only():
    parse_question_form(form(question("q1", selection_answer("a", "b")), question("q2", selection_answer("a", "b"))))
    text = form(question("q1", selection_answer("a", "b", "a")))
    assert refused(text)[0] == INVALID
    assert "element SelectionIdentifier: 'a' is already the identifier of the selection on line 1" in refused(text)[1]


def test_a_form_needs_a_question():
    assert refused(form("<Overview><Text>only words</Text></Overview>")) == (
        INVALID, "line 1: element QuestionForm: the form has no Question")


@pytest.mark.parametrize("url, ok", [
    ("http://example.com/a.gif", True), ("https://x.org:8443/p?q#f", True), ("http://[::1]/", True),
    ("https://", False), ("http:///path", False), ("http://a b/c", False), (" http://ok.example/ ", True),
    ("http://[zz]/", False), ("http://[a/b]", False), ("http://x:99999/", False),
])
def test_data_urls_are_http_urls_with_a_host(url, ok):
    binary = (f"<Binary><MimeType><Type>image</Type></MimeType><DataURL>{url}</DataURL><AltText>x</AltText>"
              "</Binary>")
    text = form(question(content=binary))
    if ok:
        assert parse_question_form(text).questions[0].content[0].data_url == url.strip()
    else:
        code, message = refused(text)
        assert code == INVALID and message.startswith(f"line 1: element DataURL: {url.strip()!r} is not ")


def test_urls_outside_http_are_schema_errors():
    binary = "<Binary><MimeType><Type>image</Type></MimeType><DataURL>javascript:alert(1)</DataURL><AltText>x</AltText></Binary>"
    assert refused(form(question(content=binary))) == (
        XML_PARSE_ERROR, "line 1: element DataURL: 'javascript:alert(1)' is invalid: it must start with http:// or "
                         "https://")


@pytest.mark.parametrize("counts, other, message", [
    ("<MinSelectionCount>2</MinSelectionCount>", "", "MinSelectionCount 2 is larger than MaxSelectionCount 1 (the "
                                                     "default), so no answer could be accepted"),
    ("<MinSelectionCount>3</MinSelectionCount><MaxSelectionCount>1</MaxSelectionCount>", "",
     "MinSelectionCount 3 is larger than MaxSelectionCount 1, so no answer could be accepted"),
    ("<MinSelectionCount>3</MinSelectionCount><MaxSelectionCount>5</MaxSelectionCount>", "",
     "MinSelectionCount 3 is larger than the number of selections (2)"),
])
def test_selection_counts_must_be_satisfiable(counts, other, message):
    assert refused(form(question(answer=selection_answer("a", "b", counts=counts, other=other)))) == (
        INVALID, f"line 1: element SelectionAnswer: {message}")


def test_counts_that_can_be_met_are_accepted():
    for counts, other in [("<MinSelectionCount>0</MinSelectionCount>", ""),
                          ("<MinSelectionCount>3</MinSelectionCount><MaxSelectionCount>3</MaxSelectionCount>",
                           "<OtherSelection/>"),
                          ("<MaxSelectionCount>9</MaxSelectionCount>", "")]:
        parse_question_form(form(question(answer=selection_answer("a", "b", counts=counts, other=other))))


@pytest.mark.parametrize("constraints, message", [
    ('<IsNumeric minValue="5" maxValue="4"/>', "element IsNumeric: minValue 5 is larger than maxValue 4"),
    ('<Length minLength="5" maxLength="4"/>', "element Length: minLength 5 is larger than maxLength 4"),
    ('<AnswerFormatRegex regex="(a"/>', "element AnswerFormatRegex: regex='(a' is not a regular expression openturk "
                                        "can run: missing ) at position 2"),
    ('<AnswerFormatRegex regex="a{4294967296}"/>', "element AnswerFormatRegex: regex='a{4294967296}' is not a "
                                                   "regular expression openturk can run: repeat count too big at "
                                                   "position 2"),
    ('<AnswerFormatRegex regex="a" flags="x"/>', "element AnswerFormatRegex: regex='a' has flags='x': only i, m, s, "
                                                 "g, y and u are known"),
])
def test_free_text_constraints_must_make_sense(constraints, message):
    assert refused(form(question(answer=free_text(constraints)))) == (INVALID, f"line 1: {message}")


def test_file_sizes_must_make_sense():
    upload = "<FileUploadAnswer><MaxFileSizeInBytes>1</MaxFileSizeInBytes><MinFileSizeInBytes>2</MinFileSizeInBytes></FileUploadAnswer>"
    assert refused(form(question(answer=upload)), qualification_test=False) == (
        INVALID, "line 1: element FileUploadAnswer: MinFileSizeInBytes 2 is larger than MaxFileSizeInBytes 1")


def test_integers_beyond_18_digits_are_refused_as_a_rule():
    assert refused(form(question(answer=free_text(extra="<NumberOfLinesSuggestion>" + "9" * 19
                                                  + "</NumberOfLinesSuggestion>")))) == (
        INVALID, "line 1: element NumberOfLinesSuggestion: '9999999999999999999' is too large (openturk accepts at "
                 "most 18 digits)")


# -- qualification tests -----------------------------------------------------------------------------------------------

def test_a_qualification_test_has_no_file_upload_and_no_application():
    upload = form(question(answer=FILE_UPLOAD))
    assert refused(upload) == (INVALID, "line 1: element FileUploadAnswer: a qualification test cannot contain "
                                        "FileUploadAnswer (\"It cannot be used with Qualification tests\")")
    app = form(question(content=APPLICATION))
    assert refused(app)[1].startswith("line 1: element Application: a qualification test cannot contain Application")
    # As HIT content (the model reads every element of the 2005-10-01 schema) they are fine.
    assert isinstance(parse_question_form(upload, qualification_test=False).questions[0].answer,
                      questionform.FileUploadAnswer)
    assert isinstance(parse_question_form(app, qualification_test=False).questions[0].content[0],
                      questionform.Application)


def test_the_2017_namespace_has_no_file_upload_or_application_at_all():
    code, message = refused(form(question(answer=FILE_UPLOAD), namespace=QF_2017), qualification_test=False)
    assert code == XML_PARSE_ERROR
    assert message == ("line 1: element FileUploadAnswer is not allowed here in AnswerSpecification; expected "
                       "FreeTextAnswer or SelectionAnswer (FileUploadAnswer is not part of the 2017-11-06 "
                       "QuestionForm schema: MTurk withdrew it on 2017-12-12)")
    code, message = refused(form(question(content=APPLICATION), namespace=QF_2017), qualification_test=False)
    assert code == XML_PARSE_ERROR and "element Application is not allowed here in QuestionContent" in message


def test_both_namespaces_read_the_same_and_write_back_their_own():
    a = parse_question_form(form(question(), namespace=QF_2005))
    b = parse_question_form(form(question(), namespace=QF_2017))
    assert a.items == b.items and (a.namespace, b.namespace) == (QF_2005, QF_2017)
    assert f'xmlns="{QF_2017}"' in b.to_xml() and parse_question_form(b.to_xml()) == b


# -- FormattedContent ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("xhtml, reason", [
    ("<script>alert(1)</script>", "the tag <script> is not in MTurk's XHTML subset (JavaScript is not allowed)"),
    ('<p onclick="x()">hi</p>', "<p> may not have the attribute onclick (JavaScript is not allowed)"),
    ('<p style="color:red">hi</p>', "<p> may not have the attribute style (CSS and element ids are not allowed)"),
    ("<div>hi</div>", "the tag <div> is not in MTurk's XHTML subset"),
    ('<a href="javascript:alert(1)">x</a>', "<a href='javascript:alert(1)'>: URLs must start with one of http:// "
                                            "https:// ftp:// news:// nntp:// mailto: gopher:// telnet:// (or be a "
                                            "#fragment)"),
    ('<a href="jav&#9;ascript:alert(1)">x</a>', "<a href='jav\\tascript:alert(1)'>: URLs must start with one of"),
    ('<img src="data:image/png;base64,AAAA" alt="x"/>', "<img src='data:image/png;base64,AAAA'>: URLs must start"),
    ('<img src="http://x.org/i.png"/>', "<img> needs the attribute alt"),
    ("<p>unclosed", "it is not well-formed XHTML"),
    ("<P>upper</P>", "the tag <P> is not in MTurk's XHTML subset"),
    ("<!-- hidden --><p>x</p>", "XML comments (<!-- … -->) are not allowed in FormattedContent"),
    ('<svg xmlns="http://www.w3.org/2000/svg"/>', "the element {http://www.w3.org/2000/svg}svg is not XHTML"),
    ("&bogus;", "it is not well-formed XHTML"),
])
def test_formatted_content_outside_the_subset_is_an_xhtml_parse_error(xhtml, reason):
    code, message = refused(form(question(content=formatted(xhtml))))
    assert code == XHTML_PARSE_ERROR
    assert message.startswith(f"line 1: element FormattedContent: {reason}"), message


def test_xhtml_errors_name_the_line_inside_the_document():
    text = form("\n", question(content="\n<Text>a</Text>\n" + formatted("<p>one</p>\n<p>two</p>\n<b onmouseover='x'></b>")))
    code, message = refused(text)
    assert code == XHTML_PARSE_ERROR and message.startswith("line 6: element FormattedContent: <b> may not have")


@pytest.mark.parametrize("xhtml", [
    '<table border="1"><tr><td align="center"><b>X</b></td><td>&nbsp;</td></tr></table>',
    '<p title="t" dir="ltr" lang="en">Some <i>italic</i> and <a href="https://x.org/" target="_blank">a link</a></p>',
    '<img src="http://x.org/a.png" alt="a" usemap="#m"/><map name="m"><area alt="x" href="mailto:a@b.c"/></map>',
    "plain text &amp; &lt;escaped&gt; with &eacute;", "<ol start=\"3\"><li>three</li></ol><br/><hr/>",
])
def test_formatted_content_inside_the_subset_is_accepted(xhtml):
    parsed = parse_question_form(form(question(content=formatted(xhtml))))
    assert parsed.questions[0].content[0] == questionform.FormattedContent(xhtml)


def test_formatted_content_in_a_selection_is_checked_too():
    answer = ("<SelectionAnswer><Selections><Selection><SelectionIdentifier>a</SelectionIdentifier>"
              + formatted("<script/>") + "</Selection></Selections></SelectionAnswer>")
    assert refused(form(question(answer=answer)))[0] == XHTML_PARSE_ERROR


def test_cdata_with_its_terminator_round_trips():
    text = form(question(content='<FormattedContent>a &lt;b title="]]&gt;"&gt;bold&lt;/b&gt;</FormattedContent>'))
    parsed = parse_question_form(text)
    assert parsed.questions[0].content[0].xhtml == 'a <b title="]]>">bold</b>'
    assert "<![CDATA[" in parsed.to_xml()
    assert parse_question_form(parsed.to_xml()) == parsed


# -- the schema's messages ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, message", [
    (form(question(head="<DisplayName>x</DisplayName><DisplayName>y</DisplayName>")),
     "line 1: element DisplayName is not allowed here in Question; expected IsRequired or QuestionContent"),
    (form("<Question><QuestionIdentifier>q</QuestionIdentifier></Question>"),
     "line 1: element Question is incomplete: expected one of DisplayName, IsRequired or QuestionContent after "
     "QuestionIdentifier"),
    (form("<Question/>"), "line 1: element Question is incomplete: expected QuestionIdentifier"),
    (form(question(content="")), "line 1: element QuestionContent is incomplete: expected one of Title, Text, List, "
                                 "FormattedContent, Binary, Application or EmbeddedBinary"),
    (form(question(content="<Text>a</Text>stray")),
     "line 1: element QuestionContent must not contain text (found 'stray' after line 1)"),
    (form("words", question()), "line 1: element QuestionForm must not contain text (found 'words')"),
    (form(question(content='<Text xmlns="">a</Text>')),
     "line 1: element Text (in no namespace) is not allowed in QuestionContent: elements must be in the namespace "
     f"{QF_2005}; expected one of Title, Text, List, FormattedContent, Binary, Application or EmbeddedBinary"),
    (form(question(content='<Text lang="en">a</Text>')), "line 1: element Text: attribute lang is not allowed"),
    (form(question(content="<Text>a<b>bold</b></Text>")),
     "line 1: element Text must contain only text, not the element b"),
    (form(question(answer=free_text('<IsNumeric minValue="1.5"/>'))),
     "line 1: element IsNumeric: attribute minValue='1.5' is invalid: it is not a whole number (xs:int)"),
    (form(question(answer=free_text('<IsNumeric minValue="3000000000"/>'))),
     "line 1: element IsNumeric: attribute minValue='3000000000' is invalid: it is larger than 2147483647"),
    (form(question(answer=free_text("<AnswerFormatRegex/>"))),
     "line 1: element AnswerFormatRegex: the attribute regex is required"),
    (form(question(answer=free_text('<Length maxLength="0"/>'))),
     "line 1: element Length: attribute maxLength='0' is invalid: it must be positive"),
    ("<QuestionForm/>", f"line 1: the root element must be QuestionForm in namespace {QF_2005} or {QF_2017}; "
                        "found QuestionForm"),
])
def test_schema_errors_name_line_element_and_reason(text, message):
    assert refused(text) == (XML_PARSE_ERROR, message)


def test_comments_processing_instructions_and_schema_hints_are_allowed():
    text = form("<!-- c --><?pi x?>", question(content="<Text>a<!-- b -->c</Text>"))
    text = text.replace("<QuestionForm ", '<QuestionForm xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
                                          'xsi:schemaLocation="x y" ')
    assert parse_question_form(text).questions[0].content == (questionform.Text("ac"),)


# -- AnswerKey rules ---------------------------------------------------------------------------------------------------

def ak(body: str) -> str:
    return f'<AnswerKey xmlns="{AK_NS}">{body}</AnswerKey>'


OPTION = "<AnswerOption><SelectionIdentifier>a</SelectionIdentifier><AnswerScore>1</AnswerScore></AnswerOption>"


def key_refused(text: str) -> tuple[str, str]:
    exc = error_of(parse_answer_key, text)
    return exc.code, exc.message.split(": ", 1)[1]


def test_a_key_keys_each_question_once():
    text = ak(f"<Question><QuestionIdentifier>q</QuestionIdentifier>{OPTION}</Question>\n"
              f"<Question><QuestionIdentifier>q</QuestionIdentifier>{OPTION}</Question>")
    assert key_refused(text) == (INVALID, "line 2: element QuestionIdentifier: 'q' already has a Question in the "
                                          "AnswerKey on line 1")


@pytest.mark.parametrize("mapping, message", [
    ("<PercentageMapping><MaximumSummedScore>-3</MaximumSummedScore></PercentageMapping>",
     "element MaximumSummedScore: -3 must be positive (the summed score is divided by it)"),
    ("<ScaleMapping><SummedScoreMultiplier>NaN</SummedScoreMultiplier></ScaleMapping>",
     "element SummedScoreMultiplier: NaN is not a finite number"),
    ("<ScaleMapping><SummedScoreMultiplier>-INF</SummedScoreMultiplier></ScaleMapping>",
     "element SummedScoreMultiplier: -Infinity is not a finite number"),
    ("<ScaleMapping><SummedScoreMultiplier>1e40</SummedScoreMultiplier></ScaleMapping>",
     "element SummedScoreMultiplier: '1E+40' is outside what openturk supports"),
    ("<RangeMapping><SummedScoreRange><InclusiveLowerBound>5</InclusiveLowerBound><InclusiveUpperBound>4"
     "</InclusiveUpperBound><QualificationValue>1</QualificationValue></SummedScoreRange>"
     "<OutOfRangeQualificationValue>0</OutOfRangeQualificationValue></RangeMapping>",
     "element SummedScoreRange: InclusiveLowerBound 5 is larger than InclusiveUpperBound 4"),
])
def test_mappings_must_make_sense(mapping, message):
    text = ak(f"<Question><QuestionIdentifier>q</QuestionIdentifier>{OPTION}</Question>"
              f"<QualificationValueMapping>{mapping}</QualificationValueMapping>")
    code, got = key_refused(text)
    assert code == INVALID and got.startswith(f"line 1: {message}"), got


def test_a_key_for_a_test_with_other_selection_is_refused():
    test = parse_question_form(form(question("q", selection_answer("a", "b", other="<OtherSelection/>"))))
    key = parse_answer_key(ak(f"<Question><QuestionIdentifier>q</QuestionIdentifier>{OPTION}</Question>"))
    exc = error_of(check_answer_key_against_form, key, test, "AnswerKey")
    assert exc.code == INVALID and "question 'q' (Test line 1) has an OtherSelection (free text)" in exc.message


def test_a_key_may_leave_questions_unscored():
    test = parse_question_form(form(question("q"), question("r")))
    check_answer_key_against_form(parse_answer_key(ak(
        f"<Question><QuestionIdentifier>q</QuestionIdentifier>{OPTION}</Question>")), test)


def test_answers_answer_each_question_once():
    text = (f'<QuestionFormAnswers xmlns="{ANS_NS}"><Answer><QuestionIdentifier>q</QuestionIdentifier></Answer>\n'
            "<Answer><QuestionIdentifier>q</QuestionIdentifier><FreeText>x</FreeText></Answer></QuestionFormAnswers>")
    exc = error_of(parse_answers, text)
    assert (exc.code, exc.message) == (INVALID, "The value for Answer is invalid: line 2: element QuestionIdentifier: "
                                                "the question 'q' is already answered on line 1")


# -- caching and immutability ----------------------------------------------------------------------------------------

def test_parsing_the_same_text_twice_returns_the_cached_model():
    text = form(question("cached"))
    assert parse_question_form(text) is parse_question_form(text)
    assert parse_question_form(text, "Other") is not parse_question_form(text)
    key = ak(f"<Question><QuestionIdentifier>q</QuestionIdentifier>{OPTION}</Question>")
    assert parse_answer_key(key) is parse_answer_key(key)


def test_models_are_immutable():
    parsed = parse_question_form(form(question()))
    with pytest.raises(dataclasses.FrozenInstanceError):
        parsed.questions[0].identifier = "x"
    assert isinstance(parsed.questions, tuple)
    key = parse_answer_key(ak(f"<Question><QuestionIdentifier>q</QuestionIdentifier>{OPTION}</Question>"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        key.questions[0].answer_options[0].answer_score = 100
    assert isinstance(key, answerkey.AnswerKey)


def test_size_and_depth_limits_still_apply():
    exc = error_of(parse_question_form, form(question(content="<Text>" + "x" * 70000 + "</Text>")))
    assert exc.code == INVALID and "65535 bytes" in exc.message
    deep = form("<Overview>" * 70 + "</Overview>" * 70)
    assert error_of(parse_question_form, deep).message.endswith("elements are nested deeper than 64 levels")
