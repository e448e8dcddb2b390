"""Every QuestionForm of the suite's own documents (tests/documents/questionform) renders in the browser
and can be answered and submitted; the answers the requester receives are the ones given on the page."""

from __future__ import annotations

import pytest

from ..unit.xml.support import DOCUMENTS, LIBRARY_TEST, SEATING_FORM
from .forms_in_browser import take_and_submit

FORMS = sorted((DOCUMENTS / "questionform").glob("*.xml"))


def test_the_forms_are_all_here():
    assert FORMS == sorted([DOCUMENTS / LIBRARY_TEST, DOCUMENTS / SEATING_FORM])


@pytest.mark.parametrize("path", FORMS, ids=lambda path: path.stem)
def test_form_renders_and_can_be_answered(server, page, unique, path):
    take_and_submit(server, page, unique, path)
