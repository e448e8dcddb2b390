"""`openturk test check` and `openturk test score`: qualification tests offline, with no server and no
database. They run exactly the checks CreateQualificationType runs on Test and AnswerKey, and the scoring
a worker's submission gets; errors name the file, the line, the element and the reason."""

from __future__ import annotations

import json
from pathlib import Path

from .xml import answerkey, answers, checking, questionform, scoring


def add_parsers(sub) -> None:
    test = sub.add_parser("test", help="check and score qualification tests offline (no server, no database)")
    tsub = test.add_subparsers(dest="test_command", required=True)
    check = tsub.add_parser("check", help="validate a Test (QuestionForm) and its AnswerKey as "
                                          "CreateQualificationType does")
    check.add_argument("test", metavar="TEST.xml", help="the QuestionForm")
    check.add_argument("--answer-key", metavar="KEY.xml", help="an AnswerKey, checked against the test too")
    check.add_argument("--json", action="store_true", help="print a JSON summary")
    score = tsub.add_parser("score", help="score a worker's answers with an answer key: the qualification value "
                                          "and, question by question, why")
    score.add_argument("--test", required=True, metavar="TEST.xml", help="the QuestionForm")
    score.add_argument("--answer-key", required=True, metavar="KEY.xml", help="the AnswerKey")
    score.add_argument("--answers", required=True, metavar="ANSWERS.xml", help="the QuestionFormAnswers")
    score.add_argument("--json", action="store_true", help="print the score and its breakdown as JSON")


def cmd_test(args) -> int:
    if args.test_command == "check":
        return _check(args)
    return _score(args)


def _read(path: str) -> str:
    try:
        return Path(path).read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise SystemExit(f"openturk: cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise SystemExit(f"openturk: {path} is not UTF-8 text ({exc.reason} at byte {exc.start})") from None


def _load(test_path: str, key_path: str | None):
    form = questionform.parse_question_form(_read(test_path), test_path)
    key = None
    if key_path is not None:
        key = answerkey.parse_answer_key(_read(key_path), key_path)
        answerkey.check_answer_key_against_form(key, form, key_path)
    return form, key


def _kind(question: questionform.Question) -> str:
    return type(question.answer).__name__


def _mapping(key: answerkey.AnswerKey) -> str:
    mapping = key.qualification_value_mapping
    if isinstance(mapping, answerkey.PercentageMapping):
        return f"PercentageMapping (MaximumSummedScore {mapping.maximum_summed_score})"
    if isinstance(mapping, answerkey.ScaleMapping):
        return f"ScaleMapping (SummedScoreMultiplier {mapping.summed_score_multiplier})"
    if isinstance(mapping, answerkey.RangeMapping):
        return f"RangeMapping ({len(mapping.summed_score_ranges)} ranges)"
    return "no QualificationValueMapping (the value is the summed score)"


def _check(args) -> int:
    form, key = _load(args.test, args.answer_key)
    version = form.namespace.split("/")[-2]
    if args.json:
        summary: dict = {"Test": {"File": args.test, "Namespace": form.namespace, "Questions": [
            {"QuestionIdentifier": q.identifier, "AnswerSpecification": _kind(q), "IsRequired": q.is_required}
            for q in form.questions]}}
        if key is not None:
            summary["AnswerKey"] = {"File": args.answer_key, "Questions": [q.identifier for q in key.questions],
                                    "QualificationValueMapping": type(key.qualification_value_mapping).__name__
                                    if key.qualification_value_mapping is not None else None}
        print(json.dumps(summary, indent=2))
        return 0
    kinds = [_kind(q) for q in form.questions]
    counts = ", ".join(f"{kinds.count(k)} {k}" for k in dict.fromkeys(kinds))
    print(f"OK  {args.test}: a QuestionForm ({version}) with {len(form.questions)} questions ({counts})")
    if key is not None:
        print(f"OK  {args.answer_key}: an AnswerKey for {len(key.questions)} of them, {_mapping(key)}")
    return 0


def _score(args) -> int:
    form, key = _load(args.test, args.answer_key)
    submitted = answers.parse_answers(_read(args.answers), args.answers)
    result = scoring.score(key, submitted)
    problems = checking.check_answers(form, submitted)
    if args.json:
        data = result.to_dict()
        data["AnswerProblems"] = [{"QuestionIdentifier": p.question_identifier, "Message": p.message}
                                  for p in problems]
        print(json.dumps(data, indent=2))
        return 0
    print(f"value {result.value}  (summed score {result.total}; {_mapping(key)})")
    rows = [("question", "selected", "matched", "points")]
    for q in result.breakdown:
        matched = f"AnswerOption {q.matched_option + 1}" if q.matched_option is not None else "DefaultScore"
        rows.append((q.question_identifier, " ".join(q.selected) or "-", matched, str(q.points)))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for row in rows:
        print("  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths)) + "  " + row[3])
    if result.matched_range is not None:
        print(f"  RangeMapping: SummedScoreRange {result.matched_range + 1} holds the summed score")
    for problem in problems:
        print(f"note: the answer to {problem.question_identifier!r} would not pass the form's checks: "
              f"{problem.message}")
    return 0
