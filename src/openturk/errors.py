"""Errors are values of one type, carrying a TurkErrorCode from this one catalogue.

`RequestError` is the caller's fault (HTTP 400 on the JSON API); `ServiceFault` means transient or our
bug (HTTP 500; SDKs retry it) and is never used for a rule violation. Every front end renders a
`TurkError` in its own format. No TurkErrorCode string appears anywhere else in the code.
"""

from __future__ import annotations

from dataclasses import dataclass, field


class Code:
    """The TurkErrorCode catalogue (spec §2.5)."""

    QUALIFICATION_TYPE_ALREADY_EXISTS = "AWS.MechanicalTurk.QualificationTypeAlreadyExists"
    QUALIFICATION_TYPE_DOES_NOT_EXIST = "AWS.MechanicalTurk.QualificationTypeDoesNotExist"
    QUALIFICATION_DOES_NOT_EXIST = "AWS.MechanicalTurk.QualificationDoesNotExist"
    INVALID_QUALIFICATION_STATE = "AWS.MechanicalTurk.InvalidQualificationState"
    QUALIFICATION_REQUEST_DOES_NOT_EXIST = "AWS.MechanicalTurk.QualificationRequestDoesNotExist"
    INVALID_QUALIFICATION_REQUEST_STATE = "AWS.MechanicalTurk.InvalidQualificationRequestState"
    RETRY_DELAY_NOT_ELAPSED = "AWS.MechanicalTurk.QualificationTypeRetryDelayNotElapsed"
    DOES_NOT_ALLOW_RETAKE = "AWS.MechanicalTurk.QualificationTypeDoesNotAllowRetake"
    # openturk code: MTurk's worker site never let a worker open a second request for one type.
    REQUEST_ALREADY_OPEN = "AWS.MechanicalTurk.QualificationRequestAlreadyOpen"
    NOT_REQUESTABLE = "AWS.MechanicalTurk.QualificationTypeNotRequestable"
    NOT_AUTHORIZED = "AWS.NotAuthorized"
    INVALID_QUALIFICATION_TYPE_STATE = "AWS.MechanicalTurk.InvalidQualificationTypeState"
    PERMISSION_DENIED = "AWS.MechanicalTurk.PermissionDenied"
    INVALID_PARAMETER_VALUE = "AWS.MechanicalTurk.InvalidParameterValue"
    XML_PARSE_ERROR = "AWS.MechanicalTurk.XMLParseError"
    XHTML_PARSE_ERROR = "AWS.MechanicalTurk.XHTMLParseError"
    MISSING_PARAMETERS = "AWS.MissingParameters"
    PARAMETER_OUT_OF_RANGE = "AWS.ParameterOutOfRange"
    HIT_DOES_NOT_EXIST = "AWS.MechanicalTurk.HITDoesNotExist"
    INVALID_HIT_STATE = "AWS.MechanicalTurk.InvalidHITState"
    HIT_ALREADY_EXISTS = "AWS.MechanicalTurk.HitAlreadyExists"
    INSUFFICIENT_FUNDS = "AWS.MechanicalTurk.InsufficientFunds"
    INVALID_MAXIMUM_ASSIGNMENTS_INCREASE = "AWS.MechanicalTurk.InvalidMaximumAssignmentsIncrease"
    UNSUPPORTED_OPERATION = "AWS.MechanicalTurk.UnsupportedOperation"
    ASSIGNMENT_DOES_NOT_EXIST = "AWS.MechanicalTurk.AssignmentDoesNotExist"
    INVALID_ASSIGNMENT_STATE = "AWS.MechanicalTurk.InvalidAssignmentState"
    DUPLICATE_REQUEST = "AWS.MechanicalTurk.DuplicateRequest"
    # The worker's side (MTurk's worker website had no API; these name its refusals).
    ASSIGNMENT_ALREADY_EXISTS = "AWS.MechanicalTurk.AssignmentAlreadyExists"
    NO_HITS_AVAILABLE = "AWS.MechanicalTurk.NoHITsAvailableInGroupException"
    QUALIFICATION_REQUIREMENT_NOT_MET = "AWS.MechanicalTurk.QualificationRequirementNotMet"
    INTERNAL_ERROR = "AWS.MechanicalTurk.InternalError"
    # The legacy REST/XML API (spec §8): its own codes.
    QUALIFICATION_ALREADY_EXISTS = "AWS.MechanicalTurk.QualificationAlreadyExists"
    BAD_CLAIMS_SUPPLIED = "AWS.BadClaimsSupplied"
    REQUEST_EXPIRED = "RequestExpired"
    SERVICE_UNAVAILABLE = "AWS.ServiceUnavailable"


@dataclass
class TurkError(Exception):
    """An MTurk error: `kind` is the wire `__type` (RequestError or ServiceFault)."""

    message: str
    code: str
    kind: str = "RequestError"
    # Legacy XML responses carried <Data><Key>…</Key><Value>…</Value></Data> pairs.
    data: list[tuple[str, str]] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


def request_error(code: str, message: str, data: list[tuple[str, str]] | None = None) -> TurkError:
    return TurkError(message, code, "RequestError", data or [])


def service_fault(message: str = "We encountered an unexpected error. Please try again.") -> TurkError:
    return TurkError(message, Code.INTERNAL_ERROR, "ServiceFault")


# Message texts. Clients match on some of these (Mephisto, Dallinger): keep them exact.

def qualification_type_already_exists(existing_id: str) -> TurkError:
    return request_error(
        Code.QUALIFICATION_TYPE_ALREADY_EXISTS,
        "You have already created a QualificationType with this name. A QualificationType's name must "
        "be unique among all of the QualificationTypes created by the same user.",
        [("QualificationTypeId", existing_id)],
    )


def qualification_type_does_not_exist(type_id: str) -> TurkError:
    # openturk choice: MTurk's wording for this case was not captured; it follows the observed
    # "You requested a Qualification that does not exist." and keeps the phrase clients match on.
    return request_error(
        Code.QUALIFICATION_TYPE_DOES_NOT_EXIST,
        f"You requested a QualificationType that does not exist. (QualificationTypeId: {type_id})",
    )


def permission_denied() -> TurkError:
    return request_error(Code.PERMISSION_DENIED,
                         "This user is not authorized to perform the requested operation.")


def invalid_qualification_type_state(current: str, expected: str = "Active,Inactive") -> TurkError:
    return request_error(
        Code.INVALID_QUALIFICATION_TYPE_STATE,
        f"This operation can be called with a status of: {expected}",
        [("CurrentState", current), ("ExpectedStates", expected)],
    )


def missing_parameter(name: str) -> TurkError:
    return request_error(Code.MISSING_PARAMETERS,
                         f"Your request is missing required parameters. Required parameters include {name}.")


def invalid_value(name: str, reason: str) -> TurkError:
    return request_error(Code.INVALID_PARAMETER_VALUE, f"The value for {name} is invalid: {reason}")


def out_of_range(name: str, value: object, low: object | None, high: object | None) -> TurkError:
    if low is not None and high is not None:
        bounds = f"Valid values range from {low} to {high}."
    elif low is not None:
        bounds = f"The minimum is {low}."
    else:
        bounds = f"The maximum is {high}."
    return request_error(Code.PARAMETER_OUT_OF_RANGE,
                         f"The value {value} for parameter {name} is out of range. {bounds}")


def xml_parse_error(name: str, reason: str) -> TurkError:
    return request_error(Code.XML_PARSE_ERROR, f"There was an error parsing the XML in {name}: {reason}")


def xhtml_parse_error(name: str, reason: str) -> TurkError:
    """FormattedContent outside MTurk's XHTML subset (spec §2.5: MTurk's own code for it)."""
    return request_error(Code.XHTML_PARSE_ERROR,
                         f"There was an error parsing the XHTML FormattedContent in {name}: {reason}")


def unsupported_operation(name: str) -> TurkError:
    return request_error(Code.UNSUPPORTED_OPERATION,
                         f"The operation {name} is not supported by this server yet (openturk implements "
                         "the qualification and HIT operations of the MTurk API).")


def qualification_does_not_exist() -> TurkError:
    """Observed on MTurk (Dallinger#3331); clients read "does not exist" as "the worker lacks it"."""
    return request_error(Code.QUALIFICATION_DOES_NOT_EXIST, "You requested a Qualification that does not exist.")


def invalid_qualification_state(current: str, expected: str = "Granted") -> TurkError:
    """Dallinger matches "This operation can be called with a status of: Granted" for a revoked
    qualification; the sentence before it follows MTurk's wording for HITs in the wrong state."""
    return request_error(
        Code.INVALID_QUALIFICATION_STATE,
        f"This Qualification is currently in the state '{current}'.  This operation can be called with a "
        f"status of: {expected}",
        [("CurrentState", current), ("ExpectedStates", expected)],
    )


def too_many_blocks(limit: int) -> TurkError:
    return request_error(Code.PARAMETER_OUT_OF_RANGE,
                         f"You have already blocked {limit} Workers, the most a requester may block.")


def qualification_request_does_not_exist(request_id: str) -> TurkError:
    return request_error(Code.QUALIFICATION_REQUEST_DOES_NOT_EXIST,
                         f"You requested a QualificationRequest that does not exist. (QualificationRequestId: {request_id})")


def invalid_qualification_request_state(current: str, expected: str) -> TurkError:
    return request_error(
        Code.INVALID_QUALIFICATION_REQUEST_STATE,
        f"This QualificationRequest is currently in the state '{current}'.  This operation can be called with "
        f"a status of: {expected}",
        [("CurrentState", current), ("ExpectedStates", expected)],
    )


def does_not_allow_retake() -> TurkError:
    return request_error(Code.DOES_NOT_ALLOW_RETAKE,
                         "You have already requested this Qualification, and its Qualification type does not "
                         "allow retakes.")


def retry_delay_not_elapsed(retry_at_iso: str) -> TurkError:
    return request_error(Code.RETRY_DELAY_NOT_ELAPSED,
                         f"You can request this Qualification again after {retry_at_iso}.",
                         [("RetryAt", retry_at_iso)])


def request_already_open(request_id: str) -> TurkError:
    return request_error(Code.REQUEST_ALREADY_OPEN,
                         "You already have an open request for this Qualification type.",
                         [("QualificationRequestId", request_id)])


def not_requestable() -> TurkError:
    return request_error(Code.NOT_REQUESTABLE, "This Qualification type cannot be requested.")


def not_authorized(message: str = "A valid worker token is required (Authorization: Bearer <token>).") -> TurkError:
    return request_error(Code.NOT_AUTHORIZED, message)


def answers_rejected(problems: list[tuple[str, str]], of: str = "the test") -> TurkError:
    """Per-question problems with a worker's answers (to a qualification test, or to a HIT's QuestionForm:
    `of` names which); `data` pairs are (QuestionIdentifier, message)."""
    listing = "; ".join(f"{question}: {message}" for question, message in problems)
    return request_error(Code.INVALID_PARAMETER_VALUE, f"The answers do not satisfy {of}. {listing}", problems)


# -- HITs ---------------------------------------------------------------------------------------

def hit_does_not_exist(hit_id: str) -> TurkError:
    """Observed on MTurk (psiTurk and Mephisto issues quote it): "Hit <id> does not exist." """
    return request_error(Code.HIT_DOES_NOT_EXIST, f"Hit {hit_id} does not exist.", [("HITId", hit_id)])


def hit_type_does_not_exist(hit_type_id: str) -> TurkError:
    """A malformed or unknown HITTypeId was answered InvalidParameterValue (observed with the Perl SDK)."""
    return invalid_value("HITTypeId", f"you have no HIT type {hit_type_id}")


def invalid_hit_state(current: str, expected: str, detail: str | None = None) -> TurkError:
    """The wording of the other state errors ("This HIT is currently in the state 'Assignable'.  This
    operation can be called with a status of: Reviewable"), as MTurk answered DeleteHIT."""
    message = (f"This HIT is currently in the state '{current}'.  This operation can be called with a status "
               f"of: {expected}")
    if detail:
        message += f" ({detail})"
    return request_error(Code.INVALID_HIT_STATE, message, [("CurrentState", current), ("ExpectedStates", expected)])


def hit_already_exists(hit_id: str, token: str, *, assignments: bool = False) -> TurkError:
    """A retry with the same UniqueRequestToken within 24 hours: nothing is done twice. `assignments`: the
    retry of CreateAdditionalAssignmentsForHIT, whose first call added them to `hit_id`."""
    done = (f"Assignments were already added to the HIT {hit_id}" if assignments
            else f"The HIT {hit_id} was already created")
    return request_error(Code.HIT_ALREADY_EXISTS,
                         f"{done} with the UniqueRequestToken {token!r}; a request with the same token is not "
                         "acted on twice within 24 hours.", [("HITId", hit_id), ("UniqueRequestToken", token)])


def insufficient_funds(needed: str, available: str) -> TurkError:
    return request_error(Code.INSUFFICIENT_FUNDS,
                         "This Requester has insufficient funds in their account to complete this transaction. "
                         f"(It costs ${needed}; the available balance is ${available}.)",
                         [("Needed", needed), ("AvailableBalance", available)])


def invalid_maximum_assignments_increase(current: int, total: int) -> TurkError:
    return request_error(Code.INVALID_MAXIMUM_ASSIGNMENTS_INCREASE,
                         f"This HIT has {current} assignments: HITs created with fewer than 10 assignments "
                         f"cannot be extended to have 10 or more (here {total}).")


# -- assignments ----------------------------------------------------------------------------------

def assignment_does_not_exist(assignment_id: str) -> TurkError:
    """Dallinger's get_assignment reads "does not exist" as "no such assignment"."""
    return request_error(Code.ASSIGNMENT_DOES_NOT_EXIST, f"Assignment {assignment_id} does not exist.",
                         [("AssignmentId", assignment_id)])


def invalid_assignment_state(assignment_id: str, current: str, expected: str) -> TurkError:
    """The family of the HIT and qualification state errors."""
    return request_error(
        Code.INVALID_ASSIGNMENT_STATE,
        f"This operation can be called with a status of: {expected} (assignment {assignment_id} is {current})",
        [("AssignmentId", assignment_id), ("CurrentState", current), ("ExpectedStates", expected)])


def token_already_processed(token: str) -> TurkError:
    """A retry of SendBonus with the same UniqueRequestToken within 24 hours: "subsequent calls will return an
    error with a message containing the request ID" — MTurk's wording (seen in Dallinger#3109)."""
    return request_error(Code.DUPLICATE_REQUEST, f'The idempotency token "{token}" has already been processed.',
                         [("UniqueRequestToken", token)])


def assignment_already_held(assignment_id: str) -> TurkError:
    return request_error(Code.ASSIGNMENT_ALREADY_EXISTS,
                         f"You have already accepted this HIT (assignment {assignment_id}); a Worker can accept a "
                         "HIT only once.", [("AssignmentId", assignment_id)])


def no_assignment_available(hit_status: str) -> TurkError:
    return request_error(Code.NO_HITS_AVAILABLE,
                         f"There are no more assignments of this HIT available (it is {hit_status}).",
                         [("HITStatus", hit_status)])


def not_supported_parameter(name: str, reason: str) -> TurkError:
    """A parameter of the model whose feature openturk does not have (HIT layouts, review policies)."""
    return request_error(Code.INVALID_PARAMETER_VALUE, f"{name} is not supported by this server: {reason}")


# -- the legacy REST/XML API ---------------------------------------------------------------------

def qualification_already_exists(worker_id: str, type_id: str) -> TurkError:
    """Legacy AssignQualification for a worker who holds the qualification (the Java SDK and oTree knew this
    code; the wording is openturk's)."""
    return request_error(Code.QUALIFICATION_ALREADY_EXISTS,
                         "The Worker already has a Qualification of this type. Use UpdateQualificationScore to "
                         "change its value.",
                         [("QualificationTypeId", type_id), ("SubjectId", worker_id)])


def legacy_not_authorized() -> TurkError:
    """Observed (boto#2247, boto#3565): an access key MTurk does not know, HTTP 200."""
    return request_error(Code.NOT_AUTHORIZED,
                         "The identity contained in the request is not authorized to use this AWSAccessKeyId")


def bad_claims_supplied(detail: str, now_iso: str) -> TurkError:
    """Observed (MTurkR#35): the signature does not match. `detail` says what should have been signed."""
    return request_error(Code.BAD_CLAIMS_SUPPLIED,
                         f"The specified claims are invalid.   {detail}  Check to make sure your system clock and "
                         f"timezone is not incorrect.  Our current system time: {now_iso}. ")


def request_expired(timestamp: str) -> TurkError:
    """Observed (MTurkR#59): a Timestamp too far from the server's time."""
    return request_error(Code.REQUEST_EXPIRED, f"Request has expired. Timestamp date is {timestamp}")


def legacy_unsupported_operation(name: str) -> TurkError:
    return request_error(Code.UNSUPPORTED_OPERATION,
                         f"The operation {name} is not supported by this server's legacy REST/XML API (openturk "
                         "implements its qualification operations and worker blocks; use the 2017-01-17 API "
                         "for the rest).")
