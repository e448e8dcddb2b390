"""Untrusted XML is parsed without DTDs, entities or network, within size and depth limits."""

from __future__ import annotations

import pytest

from openturk.errors import TurkError
from openturk.xml import safe_parse

QF_NS = safe_parse.QUESTION_FORM_NAMESPACES[0]


def error(text: str) -> TurkError:
    with pytest.raises(TurkError) as info:
        safe_parse.check_question_form("Test", text)
    return info.value


def test_a_question_form_parses():
    root = safe_parse.check_question_form("Test", f'<QuestionForm xmlns="{QF_NS}"><Overview/></QuestionForm>')
    assert root.tag == f"{{{QF_NS}}}QuestionForm"


def test_billion_laughs_is_refused_before_expansion():
    bomb = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
            + "".join(f'<!ENTITY lol{i} "{"&lol;" * 10 if i == 1 else f"&lol{i-1};" * 10}">' for i in range(1, 10))
            + f']><QuestionForm xmlns="{QF_NS}">&lol9;</QuestionForm>')
    exc = error(bomb)
    assert exc.code == "AWS.MechanicalTurk.XMLParseError" and "DOCTYPE" in exc.message


def test_external_entities_are_refused():
    exc = error(f'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><QuestionForm xmlns="{QF_NS}">&e;</QuestionForm>')
    assert "DOCTYPE" in exc.message


def test_depth_is_limited_and_the_line_is_named():
    deep = f'<QuestionForm xmlns="{QF_NS}">\n' + "<a>" * 100 + "</a>" * 100 + "</QuestionForm>"
    exc = error(deep)
    assert "nested deeper than 64" in exc.message and "line 2" in exc.message


def test_syntax_errors_name_the_line():
    exc = error(f'<QuestionForm xmlns="{QF_NS}">\n<Overview>\n</QuestionForm>')
    assert exc.code == "AWS.MechanicalTurk.XMLParseError" and "line 3" in exc.message and "Test" in exc.message


def test_wrong_namespace_is_refused():
    exc = error("<QuestionForm><Overview/></QuestionForm>")
    assert "namespace" in exc.message


def test_empty_document():
    assert error("").code == "AWS.MechanicalTurk.XMLParseError"


def test_a_declared_encoding_cannot_hide_a_doctype():
    """The text's bytes are UTF-8 whatever the declaration says; parsed as UTF-7 this would be a DOCTYPE
    with an entity that the byte search for '<!DOCTYPE' does not see."""
    hidden = ('<?xml version="1.0" encoding="UTF-7"?>+ADw-!DOCTYPE x +AFs-+ADw-!ENTITY a +ACI-aaaa+ACI-+AD4-+AF0-+AD4-'
              f'+ADw-QuestionForm xmlns=+ACI-{QF_NS}+ACI-+AD4-+ACY-a;+ADw-/QuestionForm+AD4-')
    exc = error(hidden)
    assert exc.code == "AWS.MechanicalTurk.XMLParseError"


def test_text_is_read_as_utf8_whatever_the_declaration_says():
    root = safe_parse.check_question_form(
        "Test", f'<?xml version="1.0" encoding="ISO-8859-1"?><QuestionForm xmlns="{QF_NS}">Caf\u00e9</QuestionForm>')
    assert root.text == "Caf\u00e9"


def test_xinclude_is_never_processed():
    root = safe_parse.check_question_form("Test", f'<QuestionForm xmlns="{QF_NS}"><xi:include '
                                                  'xmlns:xi="http://www.w3.org/2001/XInclude" href="file:///etc/passwd" '
                                                  'parse="text"/></QuestionForm>')
    assert "root:" not in (root.xpath("string()"))
