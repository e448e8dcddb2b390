"""The rules of qualification types: what CreateQualificationType accepts and how
UpdateQualificationType may change a type. Each rule quotes the MTurk documentation it implements."""

from __future__ import annotations

from dataclasses import dataclass, replace

from .. import errors
from ..xml import answerkey, questionform

MAX_NAME_CHARS = 255            # openturk choice: MTurk documents no limit; see docs/compatibility.md
MAX_DESCRIPTION_CHARS = 2000
MAX_KEYWORDS_CHARS = 1000
MAX_SECONDS = 315_360_000       # openturk choice: durations and delays up to ten years


@dataclass(frozen=True)
class Test:
    """A qualification test: "The test is updated based on the values specified for the Test,
    TestDurationInSeconds and AnswerKey parameters. All three parameters specify the updated test." """

    question_form: str
    duration_in_seconds: int
    answer_key: str | None


@dataclass(frozen=True)
class TypeAttributes:
    """The attributes of a qualification type that UpdateQualificationType may change."""

    description: str
    status: str
    test: Test | None
    retry_delay_in_seconds: int | None
    auto_granted: bool
    auto_granted_value: int | None


def search_text(name: str, description: str, keywords: str | None) -> str:
    """What ListQualificationTypes' Query is matched against: "a search term ... the search term is
    matched against the searchable attributes" — name, description and keywords, without regard to case
    (Python's case folding, so that "É" matches "é" too, which SQL LOWER() does only for ASCII)."""
    return f"{name}\n{description}\n{keywords or ''}".casefold()


# openturk choice: MTurk documents no limit for Query. A longer one than the longest searchable text
# (name, description and keywords, as search_text joins them) can match nothing, so it is refused.
MAX_QUERY_CHARS = MAX_NAME_CHARS + MAX_DESCRIPTION_CHARS + MAX_KEYWORDS_CHARS + 2


def check_query(query: str | None) -> str | None:
    """ListQualificationTypes' "Query: A text query against all of the searchable attributes of Qualification
    types" — at most MAX_QUERY_CHARS characters, without U+0000 (which no searchable text holds, and which
    PostgreSQL cannot compare; the JSON API's parser refuses it in every string already)."""
    if query is not None and "\x00" in query:
        raise errors.invalid_value("Query", "it must not contain the character U+0000")
    if query is not None and len(query) > MAX_QUERY_CHARS:
        raise errors.invalid_value("Query", f"it must be at most {MAX_QUERY_CHARS} characters long (it is "
                                            f"{len(query)})")
    return query


def check_name(name: str) -> str:
    """Name: required, shown to workers; openturk limits it to 255 characters and refuses blanks."""
    if not name.strip():
        raise errors.invalid_value("Name", "it must not be empty")
    if len(name) > MAX_NAME_CHARS:
        raise errors.invalid_value("Name", f"it must be at most {MAX_NAME_CHARS} characters long")
    return name


def check_description(description: str) -> str:
    """"A long description for the Qualification type" — up to 2000 characters."""
    if len(description) > MAX_DESCRIPTION_CHARS:
        raise errors.invalid_value("Description", f"it must be at most {MAX_DESCRIPTION_CHARS} characters long "
                                                  f"(it is {len(description)})")
    return description


def check_keywords(keywords: str | None) -> str | None:
    """Keywords: "up to 1000 characters, including commas and spaces"."""
    if keywords is not None and len(keywords) > MAX_KEYWORDS_CHARS:
        raise errors.invalid_value("Keywords", f"it must be at most {MAX_KEYWORDS_CHARS} characters long "
                                               f"(it is {len(keywords)})")
    return keywords


def _check_seconds(name: str, value: int | None, minimum: int) -> int | None:
    if value is not None and not (minimum <= value <= MAX_SECONDS):
        raise errors.out_of_range(name, value, minimum, MAX_SECONDS)
    return value


def check_test(test: str | None, duration: int | None, answer_key: str | None) -> Test | None:
    """The test triple, as given to Create or Update.

    "If you are updating the test for a type, you must specify the Test and TestDurationInSeconds
    parameters." AnswerKey "must be specified" only with a Test. Test and AnswerKey: "Must not be longer
    than 65535 bytes. Must be a QuestionForm data structure."
    """
    if test is None:
        if answer_key is not None:
            raise errors.invalid_value("AnswerKey", "an AnswerKey can only be given together with a Test")
        if duration is not None:
            raise errors.invalid_value("TestDurationInSeconds",
                                       "it can only be given together with a Test (to change the duration of "
                                       "an existing test, send the Test again with the new duration)")
        return None
    if duration is None:
        raise errors.missing_parameter("TestDurationInSeconds")
    _check_seconds("TestDurationInSeconds", duration, 1)
    form = questionform.parse_question_form(test, "Test")
    if answer_key is not None:
        key = answerkey.parse_answer_key(answer_key, "AnswerKey")
        answerkey.check_answer_key_against_form(key, form, "AnswerKey")
    return Test(test, duration, answer_key)


def _check_auto_grant(test: Test | None, auto_granted: bool) -> None:
    """"A Qualification type cannot have both a specified Test parameter and an AutoGranted value of true." """
    if test is not None and auto_granted:
        raise errors.invalid_value("AutoGranted", "a QualificationType with a Test cannot be AutoGranted")


def new_type(*, description: str, status: str, retry_delay_in_seconds: int | None, test: str | None,
             answer_key: str | None, test_duration_in_seconds: int | None, auto_granted: bool | None,
             auto_granted_value: int | None) -> TypeAttributes:
    """CreateQualificationType's attributes, checked. AutoGrantedValue: "If AutoGranted is true,
    AutoGrantedValue is set to 1" when not given."""
    check_description(description)
    _check_seconds("RetryDelayInSeconds", retry_delay_in_seconds, 0)
    spec = check_test(test, test_duration_in_seconds, answer_key)
    granted = bool(auto_granted)
    _check_auto_grant(spec, granted)
    if granted and auto_granted_value is None:
        auto_granted_value = 1
    return TypeAttributes(description, status, spec, retry_delay_in_seconds, granted, auto_granted_value)


def apply_update(current: TypeAttributes, *, description: str | None = None,
                 qualification_type_status: str | None = None,
                 test: str | None = None, answer_key: str | None = None,
                 test_duration_in_seconds: int | None = None, retry_delay_in_seconds: int | None = None,
                 auto_granted: bool | None = None, auto_granted_value: int | None = None) -> TypeAttributes:
    """UpdateQualificationType's rules (core docs, 2017-01-17 and 2006-08-23):

    - "If you omit the Test parameter, the test for the Qualification type is unchanged." Sending
      TestDurationInSeconds or AnswerKey without Test is refused: "you must specify a Test parameter
      with the original questions, along with the updated values."
    - "omitting [AnswerKey] specifies that the updated test does not have an answer key."
    - "There is no way to remove a test from a Qualification type that has one." (no parameter does it)
    - "If the type already has a test, you cannot update it to be AutoGranted." The rule is checked on
      the resulting state, so Test together with AutoGranted=false in one call is accepted.
    - "RetryDelayInSeconds can be modified or added ... but cannot be used to disable retries": the
      only values accepted are non-negative numbers; null and omission never clear it.
    - "You can also update the AutoGranted and AutoGrantedValue attributes."
    """
    new = current
    if description is not None:
        new = replace(new, description=check_description(description))
    if qualification_type_status is not None:
        new = replace(new, status=qualification_type_status)
    if test is not None or answer_key is not None or test_duration_in_seconds is not None:
        new = replace(new, test=check_test(test, test_duration_in_seconds, answer_key))
    if retry_delay_in_seconds is not None:
        new = replace(new, retry_delay_in_seconds=_check_seconds("RetryDelayInSeconds", retry_delay_in_seconds, 0))
    if auto_granted is not None:
        if auto_granted and current.test is not None:
            raise errors.invalid_value("AutoGranted", "the QualificationType has a test, so it cannot be "
                                                      "updated to be AutoGranted")
        new = replace(new, auto_granted=auto_granted)
    if auto_granted_value is not None:
        new = replace(new, auto_granted_value=auto_granted_value)
    elif new.auto_granted and new.auto_granted_value is None:
        new = replace(new, auto_granted_value=1)
    _check_auto_grant(new.test, new.auto_granted)
    return new
