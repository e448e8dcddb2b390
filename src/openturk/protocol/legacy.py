"""The legacy MTurk Requester API, 2005-10-01 … 2014-08-15: query parameters in, XML out (spec §8).

Parameters come as a GET query string or a form-encoded POST body (or both: MTurkR puts `Service` in the
URL). Each legacy operation is declared in OPERATIONS: its parameters in the order of the 2007-06-21 schema,
the 2017-01-17 operation whose input shape types and validates them (a legacy parameter is a member of that
shape, sometimes renamed: SubjectId → WorkerId), the parameters the 2017 API no longer has (page numbers,
sorting), and the element its result is written in. Nothing here knows a business rule.

Responses are written byte for byte in the shape MTurk sent (see the captures in the shared reference
material): compact XML, `<{Op}Response><OperationRequest><RequestId>…</RequestId></OperationRequest>`, then
the result element whose first child is `<Request><IsValid>True</IsValid></Request>`. Errors of the
request itself (credentials, signature, operation) sit in `OperationRequest`; errors of the operation in
its `Request` with `IsValid` False; both with HTTP 200. A few errors came from AWS's front end instead, in
the generic `<Response><Errors>…</Errors><RequestID>…</RequestID></Response>` shape.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import cached_property
from urllib.parse import parse_qsl

from botocore import xform_name

from .. import errors
from .json11 import build_member_parser
from .model import service_model

SERVICE = "AWSMechanicalTurkRequester"
FIRST_VERSION, LAST_VERSION = "2005-10-01", "2014-08-15"
OPERATION_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]{0,63}\Z")
VERSION = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
INT32 = 2**31 - 1
XML_DECLARATION = '<?xml version="1.0"?>\n'
# Errors AWS's front end answered before MTurk saw the request: the generic envelope, HTTP 400.
FRONT_END_CODES = frozenset({errors.Code.REQUEST_EXPIRED})


# -- parameters ------------------------------------------------------------------------------------

def parse_parameters(query_string: bytes, body: bytes | None) -> dict[str, list[str]]:
    """Every parameter of the query string and the form body, each name with its values in order."""
    params: dict[str, list[str]] = {}
    for source in (query_string, body or b""):
        try:
            pairs = parse_qsl(source.decode("utf-8"), keep_blank_values=True, errors="strict")
        except UnicodeDecodeError:
            raise errors.invalid_value("the request", "parameters must be UTF-8, URL-encoded") from None
        for name, value in pairs:
            params.setdefault(name, []).append(value)
    return params


def single(params: dict[str, list[str]], name: str) -> str | None:
    """The one value of a parameter (None when absent); different values for one name are refused."""
    values = params.get(name)
    if not values:
        return None
    if any(value != values[0] for value in values[1:]):
        raise errors.invalid_value(name, "the parameter is given more than once with different values")
    return values[0]


def boolean(name: str, text: str) -> bool:
    """Clients spelled booleans every way: true/false (rturk, MTurkR), True/False (boto 2), 1/0 (MTurkR)."""
    folded = text.strip().lower()
    if folded in ("true", "1"):
        return True
    if folded in ("false", "0"):
        return False
    raise errors.invalid_value(name, f"{text!r} is not a boolean (true or false)")


def integer(name: str, text: str) -> int:
    if not re.fullmatch(r"[+-]?\d{1,20}", text.strip()):
        raise errors.invalid_value(name, f"{text!r} is not an integer")
    return int(text)


def nested(params: dict[str, list[str]], prefix: str) -> list:
    """A flattened list parameter as a list, in index order: `P.1=a&P.2=b` → ["a", "b"];
    `QualificationRequirement.1.Comparator=…&QualificationRequirement.1.IntegerValue.1=…` → [{"Comparator":
    …, "IntegerValue": [...]}]; an unindexed structure (`P.1.LocaleValue.Country=US`) becomes a dict."""
    tree: dict = {}
    for name, values in params.items():
        if not name.startswith(prefix + "."):
            continue
        parts = [_list_key(name, part) for part in name[len(prefix) + 1:].split(".")]
        node = tree
        for part in parts[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise errors.invalid_value(name, "a parameter cannot be both a value and a structure")
            node = child
        last = parts[-1]
        if isinstance(node.get(last), dict):
            raise errors.invalid_value(name, "a parameter cannot be both a value and a structure")
        node[last] = single(params, name)

    def build(node):
        if not isinstance(node, dict):
            return node
        if node and all(isinstance(key, int) for key in node):
            return [build(node[key]) for key in sorted(node)]
        if any(isinstance(key, int) for key in node):
            raise errors.invalid_value(prefix, "indexed and named members are mixed")
        return {key: build(value) for key, value in node.items()}
    return build(tree) if tree else []


_INDEX = re.compile(r"[0-9]+\Z")   # ASCII: str.isdigit() also holds for '²' and '٣'
MAX_INDEX_DIGITS = 9


def _list_key(name: str, part: str) -> int | str:
    """A part of a flattened name: an index (ASCII digits) or a member name."""
    if not _INDEX.match(part):
        return part
    if len(part) > MAX_INDEX_DIGITS:
        raise errors.invalid_value(name, "a list index has at most 9 digits")
    return int(part)


def response_groups(params: dict[str, list[str]]) -> list[str]:
    """ResponseGroup, given once, repeated, or flattened (`ResponseGroup.1=Request`)."""
    groups = list(params.get("ResponseGroup", []))
    groups += [g for g in nested(params, "ResponseGroup") if isinstance(g, str)]
    return groups


def check_common(params: dict[str, list[str]]) -> None:
    """`Service` (optional: boto 2 never sends it) and `Version` (optional; 2005-10-01 … 2014-08-15)."""
    service = single(params, "Service")
    if service is not None and service != SERVICE:
        raise errors.invalid_value("Service", f"the service is {SERVICE}")
    version = single(params, "Version")
    if version is not None and not (VERSION.match(version) and FIRST_VERSION <= version <= LAST_VERSION):
        raise errors.invalid_value("Version", f"this endpoint speaks the legacy API versions {FIRST_VERSION} to "
                                              f"{LAST_VERSION}; for 2017-01-17 use an AWS SDK (JSON, SigV4)")


# -- signatures ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Claims:
    access_key_id: str
    signature: str
    timestamp: str
    signature_version: str | None


def claims(params: dict[str, list[str]]) -> Claims:
    """The authentication parameters every request carries."""
    found = {}
    for name in ("AWSAccessKeyId", "Signature", "Timestamp"):
        value = single(params, name)
        if not value:
            raise errors.missing_parameter(name)
        found[name] = value
    return Claims(found["AWSAccessKeyId"], found["Signature"], found["Timestamp"], single(params, "SignatureVersion"))


def check_timestamp(timestamp: str, now_ms: int, skew_seconds: int) -> None:
    """`Timestamp`: xs:dateTime, normally UTC (`2015-07-09T00:40:12Z`; fractions and offsets accepted, no zone
    means UTC). Further than `skew_seconds` from the server's time → RequestExpired."""
    try:
        when = datetime.fromisoformat(timestamp.strip())
    except ValueError:
        raise errors.invalid_value("Timestamp", "expected a date and time such as 2015-07-09T00:40:12Z") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    if abs(when.timestamp() * 1000 - now_ms) > skew_seconds * 1000:
        raise errors.request_expired(timestamp)


def string_to_sign(params: dict[str, list[str]], operation: str, claims_: Claims) -> str:
    """SignatureVersion 1 (boto 2's QuerySignatureV1AuthHandler): every parameter but Signature, sorted by name
    without regard to case, name and value concatenated without separators. Otherwise the documented
    scheme: Service + Operation + Timestamp (rturk, MTurkR, the SDKs)."""
    if claims_.signature_version == "1":
        pairs = sorted(((name, value) for name, values in params.items() if name != "Signature" for value in values),
                       key=lambda pair: pair[0].lower())
        return "".join(name + value for name, value in pairs)
    return (single(params, "Service") or SERVICE) + operation + claims_.timestamp


def verify_signature(secret: str, params: dict[str, list[str]], operation: str, claims_: Claims, now_ms: int) -> None:
    """Base64(HMAC-SHA1(secret, string to sign)), compared in constant time; a mismatch → AWS.BadClaimsSupplied
    (saying, for the documented scheme, which string should have been signed, as MTurk did)."""
    text = string_to_sign(params, operation, claims_)
    expected = hmac.new(secret.encode(), text.encode("utf-8"), hashlib.sha1).digest()
    try:
        # A client that did not URL-encode the signature sent its '+' as a space.
        given = base64.b64decode(claims_.signature.replace(" ", "+"), validate=True)
    except ValueError:
        given = b""
    if not hmac.compare_digest(expected, given):
        if claims_.signature_version == "1":
            detail = ("Based on your request (SignatureVersion 1), your signature should be generated over every "
                      "parameter but Signature, sorted by name without regard to case, each name followed by its "
                      "value, without separators.")
        else:
            detail = f"Based on your request, your signature should be generated using the following string: {text}."
        raise errors.bad_claims_supplied(detail, iso_seconds(now_ms))


# -- operations ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Extra:
    """A parameter the 2017 API no longer has: its kind and range (or accepted values)."""

    kind: str                          # integer | string
    low: int | None = None
    high: int | None = None
    values: tuple[str, ...] = ()


PAGE_NUMBER = Extra("integer", 1, INT32)
PAGE_SIZE = Extra("integer", 1, 100)            # spec §8.5: 1–100 (101 → AWS.ParameterOutOfRange, §8.7)
SORT_DIRECTION = Extra("string", values=("Ascending", "Descending"))
SORT_PROPERTY = Extra("string")                 # unknown properties fall back to the default sort


@dataclass(frozen=True)
class LegacyOperation:
    name: str
    result: str                        # the element holding Request and the result
    params: tuple[str, ...]            # in the 2007-06-21 schema's order (the ResponseGroup=Request echo)
    required: tuple[str, ...] = ()
    model: str | None = None           # the 2017 operation whose input shape types and validates `params`
    implementation: str | None = None  # a function of ops/legacy.py; None: the `model` operation itself
    readonly: bool = True              # (for an `implementation`)
    renames: dict = field(default_factory=dict)   # legacy name → 2017 member
    aliases: dict = field(default_factory=dict)   # older spelling → legacy name
    extra: dict = field(default_factory=dict)     # legacy name → Extra
    render: str = "status"             # what the result element holds (see `_RENDERERS`)

    @cached_property
    def members(self) -> dict:
        """legacy name → (keyword argument, type, parser) from the 2017 shape (built on first use)."""
        members = {}
        if self.model is not None:
            shape = service_model().operation_model(self.model).input_shape
            for name in self.params:
                if name not in self.extra:
                    member = shape.members[self.renames.get(name, name)]
                    members[name] = (xform_name(self.renames.get(name, name)), member.type_name,
                                     build_member_parser(self.model, self.renames.get(name, name), member))
        return members

    def parse(self, params: dict[str, list[str]]) -> dict:
        """The operation's keyword arguments. The literal `None` (boto 2 stringifies unset arguments:
        `Query=None`, `Reason=None`) means an optional parameter is absent; unknown parameters are ignored
        (rturk sends Name and Keywords to UpdateQualificationType)."""
        values = {}
        for alias, name in self.aliases.items():
            if single(params, name) is None and single(params, alias) is not None:
                values[name] = single(params, alias)
        for name in self.params:
            value = single(params, name)
            if value is not None:
                values[name] = value
        for name in list(values):
            if values[name] == "None" and name not in self.required:
                del values[name]
        for name in self.required:
            if name not in values:
                raise errors.missing_parameter(name)
        kwargs = {}
        for name, text in values.items():
            extra = self.extra.get(name)
            if extra is not None:
                kwargs[xform_name(name)] = _parse_extra(name, text, extra)
            else:
                key, kind, parse = self.members[name]
                typed = boolean(name, text) if kind == "boolean" else integer(name, text) if kind in (
                    "integer", "long") else text
                kwargs[key] = parse(typed, name)
        return kwargs

    def echo(self, params: dict[str, list[str]]) -> str:
        """`ResponseGroup=Request`: the operation's parameters as the request gave them."""
        parts = [_element(name, single(params, name)) for name in self.params if single(params, name) is not None]
        parts += [_element("ResponseGroup", group) for group in response_groups(params)]
        return f"<{self.name}Request>{''.join(parts)}</{self.name}Request>"


def _parse_extra(name: str, text: str, extra: Extra):
    if extra.kind == "integer":
        value = integer(name, text)
        if (extra.low is not None and value < extra.low) or (extra.high is not None and value > extra.high):
            raise errors.out_of_range(name, value, extra.low, extra.high)
        return value
    if extra.values and text not in extra.values:
        raise errors.invalid_value(name, f"{text!r} is not one of {', '.join(extra.values)}")
    return text


_TYPE_ID, _SUBJECT = "QualificationTypeId", {"SubjectId": "WorkerId"}
_PAGING = {"PageNumber": PAGE_NUMBER, "PageSize": PAGE_SIZE}
_SORTED_PAGING = {"SortDirection": SORT_DIRECTION, "SortProperty": SORT_PROPERTY, **_PAGING}

OPERATIONS: dict[str, LegacyOperation] = {op.name: op for op in (
    LegacyOperation("CreateQualificationType", "QualificationType",
                    ("Name", "Keywords", "Description", "QualificationTypeStatus", "RetryDelayInSeconds", "Test",
                     "AnswerKey", "TestDurationInSeconds", "AutoGranted", "AutoGrantedValue"),
                    ("Name", "Description", "QualificationTypeStatus"), "CreateQualificationType", render="type"),
    LegacyOperation("GetQualificationType", "QualificationType", (_TYPE_ID,), (_TYPE_ID,), "GetQualificationType",
                    render="type"),
    LegacyOperation("UpdateQualificationType", "QualificationType",
                    (_TYPE_ID, "Description", "QualificationTypeStatus", "Test", "AnswerKey", "TestDurationInSeconds",
                     "RetryDelayInSeconds", "AutoGranted", "AutoGrantedValue"),
                    (_TYPE_ID,), "UpdateQualificationType", render="type"),
    LegacyOperation("DisposeQualificationType", "DisposeQualificationTypeResult", (_TYPE_ID,), (_TYPE_ID,),
                    "DeleteQualificationType"),
    LegacyOperation("SearchQualificationTypes", "SearchQualificationTypesResult",
                    ("Query", "MustBeRequestable", "MustBeOwnedByCaller", "SortDirection", "SortProperty", "PageNumber",
                     "PageSize"),
                    ("MustBeRequestable",), "ListQualificationTypes", "search_qualification_types",
                    extra=_SORTED_PAGING, render="types"),
    LegacyOperation("GetQualificationRequests", "GetQualificationRequestsResult",
                    (_TYPE_ID, "SortDirection", "SortProperty", "PageNumber", "PageSize"), (),
                    "ListQualificationRequests", "get_qualification_requests", extra=_SORTED_PAGING, render="requests"),
    LegacyOperation("GrantQualification", "GrantQualificationResult", ("QualificationRequestId", "IntegerValue"),
                    ("QualificationRequestId",), "AcceptQualificationRequest",
                    aliases={"Value": "IntegerValue"}),      # 2005-10-01 called it Value
    LegacyOperation("RejectQualificationRequest", "RejectQualificationRequestResult",
                    ("QualificationRequestId", "Reason"), ("QualificationRequestId",), "RejectQualificationRequest"),
    LegacyOperation("AssignQualification", "AssignQualificationResult",
                    (_TYPE_ID, "WorkerId", "IntegerValue", "SendNotification"), (_TYPE_ID, "WorkerId"),
                    "AssociateQualificationWithWorker", "assign_qualification", readonly=False),
    LegacyOperation("RevokeQualification", "RevokeQualificationResult", ("SubjectId", _TYPE_ID, "Reason"),
                    ("SubjectId", _TYPE_ID), "DisassociateQualificationFromWorker", renames=_SUBJECT),
    LegacyOperation("GetQualificationScore", "Qualification", (_TYPE_ID, "SubjectId"), (_TYPE_ID, "SubjectId"),
                    "GetQualificationScore", renames=_SUBJECT, render="qualification"),
    LegacyOperation("UpdateQualificationScore", "UpdateQualificationScoreResult", (_TYPE_ID, "SubjectId", "IntegerValue"),
                    (_TYPE_ID, "SubjectId", "IntegerValue"), "AssociateQualificationWithWorker",
                    "update_qualification_score", readonly=False, renames=_SUBJECT),
    LegacyOperation("GetQualificationsForQualificationType", "GetQualificationsForQualificationTypeResult",
                    (_TYPE_ID, "Status", "PageNumber", "PageSize"), (_TYPE_ID,), "ListWorkersWithQualificationType",
                    "get_qualifications_for_qualification_type", extra=_PAGING, render="qualifications"),
    LegacyOperation("BlockWorker", "BlockWorkerResult", ("WorkerId", "Reason"), ("WorkerId", "Reason"),
                    "CreateWorkerBlock"),
    LegacyOperation("UnblockWorker", "UnblockWorkerResult", ("WorkerId", "Reason"), ("WorkerId",), "DeleteWorkerBlock"),
    # MTurkR asks for 65535 blocked workers a page: this list allowed bigger pages than the others.
    LegacyOperation("GetBlockedWorkers", "GetBlockedWorkersResult", ("PageNumber", "PageSize"), (),
                    implementation="get_blocked_workers",
                    extra={"PageNumber": PAGE_NUMBER, "PageSize": Extra("integer", 1, 65535)}, render="blocks"),
    LegacyOperation("GetAccountBalance", "GetAccountBalanceResult", (), (), "GetAccountBalance", render="balance"),
)}


# -- XML ---------------------------------------------------------------------------------------------

_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def escape(text: str) -> str:
    """Element text: &, < and > escaped, \\r kept (&#13;), characters XML 1.0 cannot carry replaced by U+FFFD."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
    return _NOT_XML.sub("\ufffd", text)


def _element(name: str, value) -> str:
    if value is None:
        return ""
    return f"<{name}>{escape(str(value))}</{name}>"


def iso_seconds(ms: int) -> str:
    """Legacy timestamps: `2015-07-09T00:39:15Z`."""
    return datetime.fromtimestamp(ms // 1000, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _time(ms: int | None) -> str | None:
    return None if ms is None else iso_seconds(ms)


def qualification_type_xml(t: dict) -> str:
    """The QualificationType structure in the schema's order. As in the captured 2015 response: AutoGranted as
    0/1, AutoGrantedValue only for auto-granted types, no IsRequestable for (requestable) custom types — it is
    written only when false, for system types (openturk choice)."""
    return "".join((
        _element("QualificationTypeId", t["qualification_type_id"]), _element("CreationTime", _time(t["creation_time"])),
        _element("Name", t["name"]), _element("Description", t["description"]), _element("Keywords", t["keywords"]),
        _element("QualificationTypeStatus", t["qualification_type_status"]), _element("Test", t["test"]),
        _element("TestDurationInSeconds", t["test_duration_in_seconds"]), _element("AnswerKey", t.get("answer_key")),
        _element("RetryDelayInSeconds", t["retry_delay_in_seconds"]),
        "" if t["is_requestable"] else _element("IsRequestable", "false"),
        _element("AutoGranted", int(bool(t["auto_granted"]))), _element("AutoGrantedValue", t.get("auto_granted_value"))))


def qualification_xml(q: dict) -> str:
    """A Qualification: the worker is the `SubjectId`."""
    return "".join((_element("QualificationTypeId", q["qualification_type_id"]), _element("SubjectId", q["worker_id"]),
                    _element("GrantTime", _time(q["grant_time"])), _element("IntegerValue", q["integer_value"]),
                    _element("Status", q["status"])))


def qualification_request_xml(r: dict) -> str:
    """A QualificationRequest: Test and Answer (QuestionFormAnswers) as escaped text, only when there are any."""
    return "".join((_element("QualificationRequestId", r["qualification_request_id"]),
                    _element("QualificationTypeId", r["qualification_type_id"]), _element("SubjectId", r["worker_id"]),
                    _element("Test", r["test"]), _element("Answer", r["answer"]),
                    _element("SubmitTime", _time(r["submit_time"]))))


def _listing(result: dict, key: str, element: str, write) -> str:
    head = "".join(_element(name, result[key_]) for name, key_ in (
        ("NumResults", "num_results"), ("TotalNumResults", "total_num_results"), ("PageNumber", "page_number")))
    return head + "".join(f"<{element}>{write(item)}</{element}>" for item in result[key])


def _balance(result: dict) -> str:
    amount = result["available_balance"]
    formatted = f"${float(amount):,.2f}"
    return (f"<AvailableBalance>{_element('Amount', amount)}{_element('CurrencyCode', 'USD')}"
            f"{_element('FormattedPrice', formatted)}</AvailableBalance>")


_RENDERERS = {
    "status": lambda result: "",
    "type": lambda result: qualification_type_xml(result["qualification_type"]),
    "qualification": lambda result: qualification_xml(result["qualification"]),
    "types": lambda result: _listing(result, "qualification_types", "QualificationType", qualification_type_xml),
    "requests": lambda result: _listing(result, "qualification_requests", "QualificationRequest",
                                        qualification_request_xml),
    "qualifications": lambda result: _listing(result, "qualifications", "Qualification", qualification_xml),
    "blocks": lambda result: _listing(result, "worker_blocks", "WorkerBlock",
                                      lambda b: _element("WorkerId", b["worker_id"]) + _element("Reason", b["reason"])),
    "balance": _balance,
}


def _error(exc: errors.TurkError, epoch_ms: int, data: list[tuple[str, str]]) -> str:
    pairs = "".join(f"<Data>{_element('Key', k)}{_element('Value', v)}</Data>" for k, v in data)
    return f"<Error>{_element('Code', exc.code)}{_element('Message', f'{exc.message} ({epoch_ms})')}{pairs}</Error>"


def legacy_data(exc: errors.TurkError, params: dict[str, list[str]]) -> list[tuple[str, str]]:
    """The Data pairs of an error, laid out as MTurk did in the captured responses (MTurk quirk: pairs
    repeated). QualificationTypeAlreadyExists: the existing type's id, twice. InvalidQualificationTypeState:
    QualificationTypeId, CurrentState, ExpectedStates, ExpectedStates, QualificationTypeId."""
    data = list(exc.data)
    if exc.code == errors.Code.QUALIFICATION_TYPE_ALREADY_EXISTS:
        return data + data
    type_id = single(params, "QualificationTypeId")
    if exc.code == errors.Code.INVALID_QUALIFICATION_TYPE_STATE and type_id and data:
        return [("QualificationTypeId", type_id), *data, data[-1], ("QualificationTypeId", type_id)]
    return data


def _document(operation: str, request_id: str, inner: str) -> bytes:
    return (f"{XML_DECLARATION}<{operation}Response><OperationRequest><RequestId>{escape(request_id)}</RequestId>"
            f"{inner}").encode("utf-8")


def success(op: LegacyOperation, request_id: str, result: dict, echo: str = "") -> bytes:
    body = _RENDERERS[op.render](result)
    return _document(op.name, request_id, f"</OperationRequest><{op.result}><Request><IsValid>True</IsValid>{echo}"
                                          f"</Request>{body}</{op.result}></{op.name}Response>")


def failure(op: LegacyOperation, request_id: str, exc: errors.TurkError, epoch_ms: int,
            params: dict[str, list[str]], echo: str = "") -> bytes:
    """An error of the operation: HTTP 200, inside the result element's Request, IsValid False."""
    error = _error(exc, epoch_ms, legacy_data(exc, params))
    return _document(op.name, request_id, f"</OperationRequest><{op.result}><Request><IsValid>False</IsValid>{echo}"
                                          f"<Errors>{error}</Errors></Request></{op.result}></{op.name}Response>")


def request_failure(operation: str, request_id: str, exc: errors.TurkError, epoch_ms: int) -> bytes:
    """An error of the request itself (credentials, signature, unknown operation): inside OperationRequest."""
    return _document(operation, request_id, f"<Errors>{_error(exc, epoch_ms, exc.data)}</Errors></OperationRequest>"
                                            f"</{operation}Response>")


def front_end_failure(request_id: str, exc: errors.TurkError) -> bytes:
    """The generic AWS shape (no message suffix), as for the 2019 retirement and RequestExpired."""
    return (f"{XML_DECLARATION}<Response><Errors><Error>{_element('Code', exc.code)}{_element('Message', exc.message)}"
            f"</Error></Errors><RequestID>{escape(request_id)}</RequestID></Response>").encode("utf-8")
