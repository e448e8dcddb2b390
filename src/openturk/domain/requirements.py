"""QualificationRequirements: their validation, and the one rule that decides what a worker may do with
a HIT (discover it in search, preview it, accept it) and, when not, which requirement stood in the way.

Pure: the operations give it the worker's values (`WorkerValues`) and the HIT's state.
"""

from __future__ import annotations

import json
import operator
import re
from dataclasses import dataclass, field
from functools import lru_cache

from .. import errors

LOCALE = "00000000000000000071"
ADULT = "00000000000000000060"
NUMBER_HITS_APPROVED = "00000000000000000040"
PERCENT_APPROVED = "000000000000000000L0"
PERCENT_SUBMITTED = "00000000000000000000"
PERCENT_RETURNED = "000000000000000000E0"
PERCENT_ABANDONED = "00000000000000000070"
PERCENT_REJECTED = "000000000000000000S0"
MASTERS = ("2F1QJWKUDD8XADTFD2Q0G6UTO95ALH", "2ARFPLSP75KLA8M8DH1HTEQVJT3SY6")   # production, sandbox
COUNTING = (NUMBER_HITS_APPROVED, PERCENT_APPROVED, PERCENT_SUBMITTED, PERCENT_RETURNED, PERCENT_ABANDONED,
            PERCENT_REJECTED)

MAX_REQUIREMENTS = 10
MAX_INTEGER_VALUES = 15
MAX_LOCALE_VALUES = 30
SINGLE_VALUE = ("LessThan", "LessThanOrEqualTo", "GreaterThan", "GreaterThanOrEqualTo", "EqualTo", "NotEqualTo")
SET_VALUE = ("In", "NotIn")
NO_VALUE = ("Exists", "DoesNotExist")
LOCALE_COMPARATORS = ("EqualTo", "NotEqualTo", "In", "NotIn", "Exists", "DoesNotExist")
ACCEPT, PREVIEW_AND_ACCEPT, DISCOVER_PREVIEW_AND_ACCEPT = "Accept", "PreviewAndAccept", "DiscoverPreviewAndAccept"

_COUNTRY = re.compile(r"^[A-Z]{2}$")
_SUBDIVISION = re.compile(r"^[A-Z0-9]{2}$")

Locale = tuple[str, "str | None"]   # (Country, Subdivision)


@dataclass(frozen=True)
class Requirement:
    qualification_type_id: str
    comparator: str
    integer_values: tuple[int, ...] = ()
    locale_values: tuple[Locale, ...] = ()
    actions_guarded: str = ACCEPT
    required_to_preview: bool | None = None    # as given (deprecated), for the HIT's answer

    def describe(self) -> str:
        """How a person reads it: "00000000000000000071 In US, CA"."""
        values = [str(v) for v in self.integer_values] + [_locale_text(v) for v in self.locale_values]
        return " ".join([self.qualification_type_id, self.comparator, ", ".join(values)]).strip()


def _locale_text(locale: Locale) -> str:
    return locale[0] if locale[1] is None else f"{locale[0]}-{locale[1]}"


def _error(index: int, requirement: dict, reason: str) -> errors.TurkError:
    type_id = requirement.get("qualification_type_id")
    return errors.invalid_value(f"QualificationRequirements.{index}",
                                f"the requirement on QualificationTypeId {type_id} {reason}")


def check_requirements(raw: list[dict] | None) -> tuple[Requirement, ...]:
    """The QualificationRequirements of CreateHIT / CreateHITType, checked ("up to 10"; each comparator
    with its values; "IntegerValues ... must not be used with the Locale qualification type";
    LocaleValues only with it). Each mistake names the requirement by its 1-based position."""
    raw = raw or []
    if len(raw) > MAX_REQUIREMENTS:
        raise errors.invalid_value("QualificationRequirements",
                                   f"a HIT can have at most {MAX_REQUIREMENTS} requirements (it has {len(raw)})")
    return tuple(_check_one(index, item) for index, item in enumerate(raw, 1))


def _check_one(index: int, item: dict) -> Requirement:
    type_id, comparator = item["qualification_type_id"], item["comparator"]
    integers = tuple(item.get("integer_values") or ())
    locales = tuple(_check_locale(index, item, value) for value in item.get("locale_values") or ())
    is_locale = type_id == LOCALE
    if is_locale and integers:
        raise _error(index, item, "cannot have IntegerValues: the Locale type is compared with LocaleValues")
    if not is_locale and locales:
        raise _error(index, item, f"cannot have LocaleValues: only the Locale type ({LOCALE}) has them")
    if is_locale and comparator not in LOCALE_COMPARATORS:
        raise _error(index, item, f"cannot use {comparator}: Locale can be compared with "
                                  "EqualTo, NotEqualTo, In, NotIn, Exists or DoesNotExist")
    values = locales if is_locale else integers
    what = "LocaleValue" if is_locale else "IntegerValue"
    if comparator in NO_VALUE and values:
        raise _error(index, item, f"cannot have values with the comparator {comparator}")
    if comparator in SINGLE_VALUE and len(values) != 1:
        raise _error(index, item, f"must have exactly one {what} with the comparator {comparator} "
                                  f"(it has {len(values)})")
    if comparator in SET_VALUE:
        most = MAX_LOCALE_VALUES if is_locale else MAX_INTEGER_VALUES
        if not 1 <= len(values) <= most:
            raise _error(index, item, f"must have between 1 and {most} {what}s with the comparator {comparator} "
                                      f"(it has {len(values)})")
    guarded, to_preview = item.get("actions_guarded"), item.get("required_to_preview")
    if guarded is not None and to_preview is not None:
        raise _error(index, item, "cannot have both ActionsGuarded and RequiredToPreview "
                                  "(RequiredToPreview is deprecated: use ActionsGuarded)")
    if guarded is None:
        # "RequiredToPreview: If true, the question data for the HIT will not be shown when a Worker whose
        # Qualifications do not meet this requirement tries to preview the HIT."
        guarded = PREVIEW_AND_ACCEPT if to_preview else ACCEPT
    return Requirement(type_id, comparator, integers, locales, guarded, to_preview)


def _check_locale(index: int, item: dict, value: dict) -> Locale:
    country, subdivision = value.get("country"), value.get("subdivision")
    if not _COUNTRY.match(country or ""):
        raise _error(index, item, f"has the Country {country!r}: an ISO 3166 country code such as US is expected")
    if subdivision is not None and not _SUBDIVISION.match(subdivision):
        raise _error(index, item, f"has the Subdivision {subdivision!r}: an ISO 3166-2 subdivision code such as "
                                  "NY is expected")
    return (country, subdivision)


def requires_masters(requirements: tuple[Requirement, ...]) -> bool:
    """A Masters requirement (one that admits only holders of Masters) costs an extra 5% fee."""
    return any(r.qualification_type_id in MASTERS and r.comparator != "DoesNotExist" for r in requirements)


# -- storage and presentation -------------------------------------------------------------------------

def to_json(requirements: tuple[Requirement, ...]) -> str:
    return json.dumps([[r.qualification_type_id, r.comparator, list(r.integer_values),
                        [list(v) for v in r.locale_values], r.actions_guarded, r.required_to_preview]
                       for r in requirements], separators=(",", ":"))


def from_json(text: str) -> tuple[Requirement, ...]:
    return tuple(Requirement(t, c, tuple(i), tuple((v[0], v[1]) for v in loc), g, p)
                 for t, c, i, loc, g, p in json.loads(text))


@lru_cache(maxsize=1024)
def cached_from_json(text: str) -> tuple[Requirement, ...]:
    """`from_json`, remembered: HITs of one type share the same text, and reads are the hot path."""
    return from_json(text)


def present(requirement: Requirement) -> dict:
    """A QualificationRequirement structure as the HIT shows it: what was given, with ActionsGuarded."""
    out: dict = {"qualification_type_id": requirement.qualification_type_id, "comparator": requirement.comparator,
                 "actions_guarded": requirement.actions_guarded}
    if requirement.integer_values:
        out["integer_values"] = list(requirement.integer_values)
    if requirement.locale_values:
        out["locale_values"] = [{"country": c} if s is None else {"country": c, "subdivision": s}
                                for c, s in requirement.locale_values]
    if requirement.required_to_preview is not None:
        out["required_to_preview"] = requirement.required_to_preview
    return out


# -- what a worker may do ----------------------------------------------------------------------------

@dataclass(frozen=True)
class WorkerValues:
    """What the requirements are compared with: the integer value of each Granted qualification the worker
    holds among the types asked about (a missing key: no such qualification), and the worker's locale."""
    integers: dict[str, int] = field(default_factory=dict)
    locale: Locale | None = None


def meets(requirement: Requirement, values: WorkerValues) -> bool:
    """Whether the worker meets one requirement. A worker without a Granted qualification of the type
    (none at all, or a revoked one) meets only DoesNotExist — NotEqualTo and NotIn included (MTurk
    compared only qualifications a worker has)."""
    comparator = requirement.comparator
    if requirement.qualification_type_id == LOCALE:
        held = values.locale
        if comparator in NO_VALUE:
            return (held is None) == (comparator == "DoesNotExist")
        if held is None:
            return False
        matched = any(_locale_matches(held, wanted) for wanted in requirement.locale_values)
        return matched if comparator in ("EqualTo", "In") else not matched
    value = values.integers.get(requirement.qualification_type_id)
    if comparator in NO_VALUE:
        return (value is None) == (comparator == "DoesNotExist")
    if value is None:
        return False
    if comparator in SET_VALUE:
        return (value in requirement.integer_values) == (comparator == "In")
    return _COMPARE[comparator](value, requirement.integer_values[0])


_COMPARE = {"LessThan": operator.lt, "LessThanOrEqualTo": operator.le, "GreaterThan": operator.gt,
            "GreaterThanOrEqualTo": operator.ge, "EqualTo": operator.eq, "NotEqualTo": operator.ne}


def _locale_matches(held: Locale, wanted: Locale) -> bool:
    """A LocaleValue without a Subdivision matches the whole country."""
    return held[0] == wanted[0] and (wanted[1] is None or held[1] == wanted[1])


@dataclass(frozen=True)
class Refusal:
    index: int                 # 1-based position among the HIT's requirements (0: not a requirement)
    reason: str


@dataclass(frozen=True)
class Eligibility:
    """Which of the three actions the worker may take, and why not."""
    discover: bool
    preview: bool
    accept: bool
    refusals: tuple[Refusal, ...] = ()

    def to_dict(self) -> dict:
        return {"Discover": self.discover, "Preview": self.preview, "Accept": self.accept,
                "Refusals": [{"Requirement": r.index, "Reason": r.reason} for r in self.refusals]}


def decide(requirements: tuple[Requirement, ...], values: WorkerValues, *, hit_status: str,
           blocked: bool = False, explain: bool = True) -> Eligibility:
    """What a worker may do with a HIT. "ActionsGuarded: Setting this attribute prevents Workers whose
    Qualifications do not meet this QualificationRequirement from taking the specified action. Valid
    arguments include 'Accept' (Worker cannot accept the HIT, but can preview the HIT and see it in their
    search results), 'PreviewAndAccept' (Worker cannot accept or preview the HIT, but can see the HIT in
    their search results), and 'DiscoverPreviewAndAccept' (Worker cannot accept, preview, or see the HIT in
    their search results)." A worker must meet every requirement to accept.

    Besides the requirements: only an Assignable HIT can be found or accepted (a worker may still preview
    one they found) and a worker the requester blocked may do nothing with its HITs (openturk choice).

    With explain=False the refusals are left out (the search, which decides for every HIT group it looks
    at, needs only the three answers)."""
    refusals = []
    discover = preview = accept = True
    if blocked:
        refusals.append(Refusal(0, "The requester of this HIT has blocked the Worker."))
        discover = preview = accept = False
    if hit_status != "Assignable":
        refusals.append(Refusal(0, f"The HIT is {hit_status}: only an Assignable HIT can be found and accepted."))
        discover = accept = False
        if hit_status == "Disposed":
            preview = False
    for index, requirement in enumerate(requirements, 1):
        if meets(requirement, values):
            continue
        guarded = requirement.actions_guarded
        if explain:
            refusals.append(Refusal(index, f"The Worker does not meet the requirement {requirement.describe()} "
                                           f"(it guards {guarded})."))
        accept = False
        if guarded in (PREVIEW_AND_ACCEPT, DISCOVER_PREVIEW_AND_ACCEPT):
            preview = False
        if guarded == DISCOVER_PREVIEW_AND_ACCEPT:
            discover = False
    return Eligibility(discover, preview, accept, tuple(refusals))


# -- the counting system qualifications --------------------------------------------------------------

@dataclass(frozen=True)
class History:
    """A worker's assignments across all requesters, by what became of them."""
    accepted: int = 0
    submitted: int = 0
    approved: int = 0
    rejected: int = 0
    returned: int = 0
    abandoned: int = 0


# openturk choice (docs/compatibility.md): like MTurk, the Percent* values are 100 (submitted, approved) and
# 0 (returned, abandoned, rejected) until the worker has this much history.
PERCENT_HISTORY_THRESHOLD = 100


def counting_values(history: History) -> dict[str, int]:
    """The values of NumberHITsApproved and the Percent* types for a worker with this history."""
    out = {NUMBER_HITS_APPROVED: history.approved}
    if history.accepted < PERCENT_HISTORY_THRESHOLD:
        out.update({PERCENT_APPROVED: 100, PERCENT_SUBMITTED: 100, PERCENT_RETURNED: 0, PERCENT_ABANDONED: 0,
                    PERCENT_REJECTED: 0})
        return out
    decided = history.approved + history.rejected
    out.update({
        PERCENT_SUBMITTED: _percent(history.submitted, history.accepted),
        PERCENT_RETURNED: _percent(history.returned, history.accepted),
        PERCENT_ABANDONED: _percent(history.abandoned, history.accepted),
        PERCENT_APPROVED: _percent(history.approved, decided) if decided else 100,
        PERCENT_REJECTED: _percent(history.rejected, decided) if decided else 0,
    })
    return out


def _percent(part: int, whole: int) -> int:
    return (100 * part) // whole if whole else 0
