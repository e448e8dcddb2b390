"""python -m bench.scoring [--seconds S] [--output PATH]: qualification-test scorings per second, one core.

A generated 50-question multiple-choice test (four selections each, Title, Text and FormattedContent in
every question), its AnswerKey (PercentageMapping) and a worker's QuestionFormAnswers. One scoring is what
the server does with a worker's submission: parse and validate the test and the key (schema and rules,
the key checked against the test), parse and validate the answers, check them against the form, score.

- cold: every parse cache is cleared before each scoring (a type's test seen for the first time);
- cached test: the test and key come from the parse cache, as they do for every submission after the
  first one for a type; the answers are parsed and validated each time.
Both are measured with time.perf_counter (wall) and time.process_time (CPU) in this one process (on one
core: the process is pinned to one CPU where the OS allows it). Target: at least 2,000 scorings/s with a
cached test, judged on CPU time (wall time also counts whatever else the machine is running).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import time
from pathlib import Path

import lxml.etree

from openturk.xml import answerkey, answers, checking, questionform, scoring

TARGET_PER_SECOND = 2000
QUESTIONS = 50
SELECTIONS = 4
QF = "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/QuestionForm.xsd"
AK = "http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/AnswerKey.xsd"
ROOT = Path(__file__).resolve().parents[1]


def documents(seed: int = 1) -> tuple[str, str, str]:
    """The test, the key and one worker's answers (text, as the server stores them)."""
    rng = random.Random(seed)
    test = [f'<QuestionForm xmlns="{QF}">\n  <Overview><Title>A {QUESTIONS}-question test</Title>'
            "<Text>Choose the best answer to each question.</Text></Overview>"]
    key = [f'<AnswerKey xmlns="{AK}">']
    chosen = {}
    for q in range(1, QUESTIONS + 1):
        test.append(f"  <Question><QuestionIdentifier>q{q}</QuestionIdentifier><DisplayName>Question {q}"
                    "</DisplayName><IsRequired>true</IsRequired><QuestionContent>"
                    f"<Title>Question {q}</Title><Text>Read the passage and answer.</Text>"
                    f"<FormattedContent><![CDATA[<p>Which of these is <b>right</b> for item {q}?</p>]]>"
                    "</FormattedContent></QuestionContent><AnswerSpecification><SelectionAnswer>"
                    "<StyleSuggestion>radiobutton</StyleSuggestion><Selections>"
                    + "".join(f"<Selection><SelectionIdentifier>s{s}</SelectionIdentifier><Text>Answer {s}</Text>"
                              "</Selection>" for s in range(1, SELECTIONS + 1))
                    + "</Selections></SelectionAnswer></AnswerSpecification></Question>")
        right = rng.randint(1, SELECTIONS)
        key.append(f"  <Question><QuestionIdentifier>q{q}</QuestionIdentifier><AnswerOption><SelectionIdentifier>"
                   f"s{right}</SelectionIdentifier><AnswerScore>2</AnswerScore></AnswerOption><AnswerOption>"
                   f"<SelectionIdentifier>s{right % SELECTIONS + 1}</SelectionIdentifier><AnswerScore>1</AnswerScore>"
                   "</AnswerOption><DefaultScore>0</DefaultScore></Question>")
        chosen[f"q{q}"] = [f"s{rng.randint(1, SELECTIONS)}"]
    test.append("</QuestionForm>\n")
    key.append(f"  <QualificationValueMapping><PercentageMapping><MaximumSummedScore>{2 * QUESTIONS}"
               "</MaximumSummedScore></PercentageMapping></QualificationValueMapping>\n</AnswerKey>\n")
    test_text, key_text = "\n".join(test), "\n".join(key)
    form = questionform.parse_question_form(test_text)
    answers_text = answers.answers_from_mapping(form, chosen).to_xml()
    return test_text, key_text, answers_text


def clear_caches(test_too: bool) -> None:
    answers.clear_cache()
    if test_too:
        questionform.clear_cache()
        answerkey.clear_cache()


def score_once(test: str, key: str, submitted: str) -> scoring.Score:
    form = questionform.parse_question_form(test, "Test")
    parsed_key = answerkey.parse_answer_key(key, "AnswerKey")
    answerkey.check_answer_key_against_form(parsed_key, form)
    worker_answers = answers.parse_answers(submitted)
    if checking.check_answers(form, worker_answers):
        raise AssertionError("the generated answers should be acceptable")
    return scoring.score(parsed_key, worker_answers)


def measure(test: str, key: str, submitted: str, cold: bool, seconds: float) -> dict:
    score_once(test, key, submitted)                  # warm up (and fill the cache for the cached case)
    count = 0
    wall0, cpu0 = time.perf_counter(), time.process_time()
    deadline = wall0 + seconds
    while True:
        for _ in range(20):
            clear_caches(cold)
            score_once(test, key, submitted)
        count += 20
        now = time.perf_counter()
        if now >= deadline:
            break
    wall, cpu = now - wall0, time.process_time() - cpu0
    return {"scorings": count, "wall_s": round(wall, 4), "cpu_s": round(cpu, 4),
            "per_second_wall": round(count / wall, 1), "per_second_cpu": round(count / cpu, 1) if cpu else None,
            "us_each_wall": round(wall / count * 1e6, 1)}


def pin_to_one_cpu() -> int | None:
    try:
        cpu = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
        return cpu
    except (AttributeError, OSError):
        return None


def machine() -> dict:
    model = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"python": platform.python_version(), "platform": platform.platform(), "cpu": model,
            "cpus": os.cpu_count(), "lxml": lxml.etree.__version__, "libxml2": ".".join(map(str, lxml.etree.LIBXML_VERSION))}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.scoring", description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="how long to measure each case (default 2)")
    parser.add_argument("--output", default=str(ROOT / "build" / "bench-scoring.json"), help="JSON report path")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    cpu = pin_to_one_cpu()
    test, key, submitted = documents()
    result = score_once(test, key, submitted)
    cold = measure(test, key, submitted, cold=True, seconds=args.seconds)
    cached = measure(test, key, submitted, cold=False, seconds=args.seconds)
    met = cached["per_second_cpu"] >= TARGET_PER_SECOND
    report = {
        "benchmark": "parse + validate + check + score a worker's answers to a qualification test",
        "workload": {"questions": QUESTIONS, "selections_per_question": SELECTIONS,
                     "test_bytes": len(test.encode()), "answer_key_bytes": len(key.encode()),
                     "answers_bytes": len(submitted.encode()), "value": result.value, "total": result.total},
        "cold": cold, "cached_test": cached,
        "target": {"scorings_per_second": TARGET_PER_SECOND, "measured_on": "cached_test, CPU time (process_time: what one core does, whatever else the machine runs)", "met": met},
        "pinned_cpu": cpu, "machine": machine(),
    }
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(report, indent=2) + "\n")
    print(f"scoring a {QUESTIONS}-question test, one core: cached test {cached['per_second_cpu']:,.0f}/s CPU "
          f"({cached['per_second_wall']:,.0f}/s wall), cold {cold['per_second_cpu']:,.0f}/s CPU "
          f"({cold['per_second_wall']:,.0f}/s wall); target ≥ {TARGET_PER_SECOND:,}/s "
          f"{'met' if met else 'NOT met'}; report written to {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
