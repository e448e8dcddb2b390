"""openturk's simple types (xs:anyURI with MTurk's URL pattern, the integers, xs:double, xs:boolean) give
lxml XMLSchema's verdict, value by value. The schemas here are one-element XSDs written for the test, so
this runs without the official XSDs (tests/reference compares whole documents with those)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from openturk.xml import schema


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


@settings(max_examples=600, derandomize=True, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
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
