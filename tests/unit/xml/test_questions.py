"""A HIT's Question: ExternalQuestion, HTMLQuestion or QuestionForm, each checked at create time."""

from __future__ import annotations

import pytest

from openturk.errors import TurkError
from openturk.xml import questions

EXT = questions.EXTERNAL_NAMESPACE
HTML = questions.HTML_NAMESPACE


def external(url="https://example.org/task?x=1", height="400", extra=""):
    return f'<ExternalQuestion xmlns="{EXT}"><ExternalURL>{url}</ExternalURL><FrameHeight>{height}</FrameHeight>{extra}</ExternalQuestion>'


def html(content="<!DOCTYPE html><html><body><p>hi</p></body></html>", height="0"):
    return (f'<HTMLQuestion xmlns="{HTML}"><HTMLContent><![CDATA[{content}]]></HTMLContent>'
            f"<FrameHeight>{height}</FrameHeight></HTMLQuestion>")


def refused(text: str) -> TurkError:
    with pytest.raises(TurkError) as info:
        questions.parse_question(text)
    return info.value


def test_external_question():
    parsed = questions.parse_question(external())
    assert parsed == questions.ExternalQuestion("https://example.org/task?x=1", 400)
    assert questions.question_kind(parsed) == "ExternalQuestion"
    assert questions.parse_question(external("http://localhost:5000/ad")).external_url == "http://localhost:5000/ad"


@pytest.mark.parametrize("url", ["javascript:alert(1)", "ftp://example.org/x", "/relative", "https://",
                                 "https://exa mple.org/", "https://example.org/" + "a" * 4000])
def test_external_urls_must_be_http_with_a_host(url):
    error = refused(external(url.replace("&", "&amp;")))
    assert error.code == "AWS.MechanicalTurk.InvalidParameterValue" and "ExternalURL" in error.message


@pytest.mark.parametrize("height, code", [("-1", "AWS.ParameterOutOfRange"), ("100001", "AWS.ParameterOutOfRange"),
                                          ("tall", "AWS.MechanicalTurk.XMLParseError")])
def test_frame_height_is_an_integer_in_range(height, code):
    assert refused(external(height=height)).code == code


def test_the_elements_come_in_order_and_alone():
    swapped = f'<ExternalQuestion xmlns="{EXT}"><FrameHeight>1</FrameHeight><ExternalURL>https://a.b/</ExternalURL></ExternalQuestion>'
    assert refused(swapped).code == "AWS.MechanicalTurk.XMLParseError"
    assert refused(external(extra="<Other/>")).code == "AWS.MechanicalTurk.XMLParseError"
    assert refused(f'<ExternalQuestion xmlns="{EXT}"><ExternalURL>https://a.b/</ExternalURL></ExternalQuestion>').code \
        == "AWS.MechanicalTurk.XMLParseError"


def test_html_question_with_a_doctype_inside_cdata():
    parsed = questions.parse_question(html())
    assert isinstance(parsed, questions.HTMLQuestion) and parsed.frame_height == 0
    assert parsed.html_content.startswith("<!DOCTYPE html>")


def test_an_empty_html_content_is_refused():
    error = refused(html(content="   "))
    assert error.code == "AWS.MechanicalTurk.InvalidParameterValue" and "HTMLContent" in error.message


def test_a_doctype_in_the_prolog_is_still_refused():
    assert refused('<!DOCTYPE x [<!ENTITY e "boom">]>' + external()).code == "AWS.MechanicalTurk.XMLParseError"


def test_the_wrong_root_or_namespace_is_refused():
    for text in (external().replace(EXT, HTML), "<ExternalQuestion/>", f'<Question xmlns="{EXT}"/>'):
        error = refused(text)
        assert error.code == "AWS.MechanicalTurk.XMLParseError" and "QuestionForm, an ExternalQuestion or an HTMLQuestion" \
            in error.message


def test_a_question_form_is_validated_as_for_tests():
    form = ('<QuestionForm xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2017-11-06/'
            'QuestionForm.xsd"><Question><QuestionIdentifier>q1</QuestionIdentifier><QuestionContent><Text>Say'
            '</Text></QuestionContent><AnswerSpecification><FreeTextAnswer/></AnswerSpecification></Question>'
            '</QuestionForm>')
    assert questions.question_kind(questions.parse_question(form)) == "QuestionForm"
    upload = form.replace("<FreeTextAnswer/>", "<FileUploadAnswer><MaxFileSizeInBytes>100</MaxFileSizeInBytes>"
                                               "<MinFileSizeInBytes>1</MinFileSizeInBytes></FileUploadAnswer>")
    assert refused(upload).code in ("AWS.MechanicalTurk.XMLParseError", "AWS.MechanicalTurk.InvalidParameterValue")
