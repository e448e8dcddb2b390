"""`openturk test check` and `openturk test score`: the real command, offline (no server, no database)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ..unit.xml import support
from ..unit.xml.support import ANS_NS, DOCUMENTS, line_of
from .conftest import openturk

pytestmark = pytest.mark.slow

TEST = str(DOCUMENTS / support.LIBRARY_TEST)
KEY = str(DOCUMENTS / support.LIBRARY_KEY)
SEATING = str(DOCUMENTS / support.SEATING_FORM)
SEAT_AND_SNACK_KEY = str(DOCUMENTS / support.SEAT_AND_SNACK_KEY)


def answers_file(tmp_path: Path, **chosen: str) -> str:
    path = tmp_path / "answers.xml"
    path.write_text(f'<QuestionFormAnswers xmlns="{ANS_NS}">' + "".join(
        f"<Answer><QuestionIdentifier>{q}</QuestionIdentifier><SelectionIdentifier>{s}</SelectionIdentifier></Answer>"
        for q, s in chosen.items()) + "</QuestionFormAnswers>")
    return str(path)


def test_check_accepts_the_library_test_and_key():
    proc = openturk("test", "check", TEST, "--answer-key", KEY)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [
        f"OK  {TEST}: a QuestionForm (2005-10-01) with 3 questions (3 SelectionAnswer)",
        f"OK  {KEY}: an AnswerKey for 3 of them, PercentageMapping (MaximumSummedScore 30)"]


def test_check_json():
    proc = openturk("test", "check", SEATING, "--json")
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert [(q["QuestionIdentifier"], q["AnswerSpecification"]) for q in summary["Test"]["Questions"]] == [
        ("seat", "FreeTextAnswer"), ("crowd", "SelectionAnswer")]
    assert "AnswerKey" not in summary


def test_check_refuses_a_key_for_a_test_with_free_text():
    proc = openturk("test", "check", SEATING, "--answer-key", SEAT_AND_SNACK_KEY)
    assert proc.returncode == 1 and proc.stdout == ""
    line = line_of(Path(SEATING).read_text(), "<Question>")
    assert proc.stderr.startswith(f"openturk: The value for {SEAT_AND_SNACK_KEY} is invalid: the Test's question "
                                  f"'seat' (Test line {line}) has a FreeTextAnswer (free text)")


def test_check_names_file_line_element_and_reason(tmp_path):
    text = Path(TEST).read_text().replace("<StyleSuggestion>radiobutton</StyleSuggestion>",
                                          "<StyleSuggestion>slider</StyleSuggestion>", 1)
    broken = tmp_path / "broken.xml"
    broken.write_text(text)
    proc = openturk("test", "check", str(broken))
    assert proc.returncode == 1
    line = line_of(text, "slider")
    assert proc.stderr == (f"openturk: There was an error parsing the XML in {broken}: line {line}: element "
                           "StyleSuggestion: 'slider' is invalid: it must be one of radiobutton, checkbox, list, "
                           "dropdown, combobox, multichooser\n")


def test_check_reports_unreadable_files(tmp_path):
    proc = openturk("test", "check", str(tmp_path / "missing.xml"))
    assert proc.returncode == 1 and "cannot read" in proc.stderr and "missing.xml" in proc.stderr
    latin = tmp_path / "latin.xml"
    latin.write_bytes(b"\xe9")
    assert "is not UTF-8 text" in openturk("test", "check", str(latin)).stderr


def test_score_prints_the_value_and_the_breakdown(tmp_path):
    answers = answers_file(tmp_path, days="c", deposit="b")
    proc = openturk("test", "score", "--test", TEST, "--answer-key", KEY, "--answers", answers)
    assert proc.returncode == 0, proc.stderr
    # 10 + 0 + 0 of 30 = 33.33 %, rounded to 33.
    assert proc.stdout.splitlines() == [
        "value 33  (summed score 10; PercentageMapping (MaximumSummedScore 30))",
        "  question  selected  matched         points",
        "  days      c         AnswerOption 1  10",
        "  deposit   b         DefaultScore    0",
        "  late      -         DefaultScore    0",
        "note: the answer to 'late' would not pass the form's checks: This question requires an answer."]


def test_score_json(tmp_path):
    answers = answers_file(tmp_path, days="c", deposit="a", late="d")
    proc = openturk("test", "score", "--test", TEST, "--answer-key", KEY, "--answers", answers, "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == {
        "Value": 100, "Total": 30, "Mapping": "PercentageMapping", "MatchedRange": None, "AnswerProblems": [],
        "Breakdown": [{"QuestionIdentifier": q, "Selected": [s], "MatchedOption": 0, "Points": 10}
                      for q, s in (("days", "c"), ("deposit", "a"), ("late", "d"))]}


def test_score_refuses_broken_answers(tmp_path):
    path = tmp_path / "answers.xml"
    path.write_text(f'<QuestionFormAnswers xmlns="{ANS_NS}">\n<Answer/></QuestionFormAnswers>')
    proc = openturk("test", "score", "--test", TEST, "--answer-key", KEY, "--answers", str(path))
    assert proc.returncode == 1
    assert proc.stderr == (f"openturk: There was an error parsing the XML in {path}: line 2: element Answer is "
                           "incomplete: expected QuestionIdentifier\n")


def test_the_test_command_is_listed_and_needs_a_subcommand():
    assert "test" in openturk("--help").stdout
    proc = openturk("test")
    assert proc.returncode == 2 and "check" in proc.stderr and "score" in proc.stderr
