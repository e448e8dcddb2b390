"""Every example QuestionForm of the reference material (examples/questionform) renders in the browser and
can be answered and submitted; the answers the requester receives are the ones given on the page."""

from __future__ import annotations

import pytest

from ..web.forms_in_browser import take_and_submit
from .reference import EXAMPLES, MTURKR_TEST, TICTACTOE

FORMS = sorted((EXAMPLES / "questionform").glob("*.xml"))


def test_the_examples_are_all_here():
    assert FORMS == sorted([EXAMPLES / MTURKR_TEST, EXAMPLES / TICTACTOE])


@pytest.mark.parametrize("path", FORMS, ids=lambda path: path.stem)
def test_example_renders_and_can_be_answered(server, page, unique, path):
    take_and_submit(server, page, unique, path)
