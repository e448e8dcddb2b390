"""Every operation of the 2017-01-17 model is registered; the built ones are exactly IMPLEMENTED."""

from __future__ import annotations

import botocore.session
import pytest
from botocore import xform_name

from openturk import errors
from openturk.ops import REGISTRY

# The operations built so far. An issue that builds another operation adds its name here.
IMPLEMENTED = frozenset({
    "CreateQualificationType",
    "GetQualificationType",
    "ListQualificationTypes",
    "UpdateQualificationType",
    "DeleteQualificationType",
    "GetAccountBalance",
    "GetAssignment",
    "ListAssignmentsForHIT",
    "ApproveAssignment",
    "RejectAssignment",
    "SendBonus",
    "ListBonusPayments",
    "NotifyWorkers",
    "AssociateQualificationWithWorker",
    "DisassociateQualificationFromWorker",
    "GetQualificationScore",
    "ListWorkersWithQualificationType",
    "CreateWorkerBlock",
    "DeleteWorkerBlock",
    "ListWorkerBlocks",
    "ListQualificationRequests",
    "AcceptQualificationRequest",
    "RejectQualificationRequest",
    "CreateHITType",
    "CreateHIT",
    "CreateHITWithHITType",
    "GetHIT",
    "ListHITs",
    "ListHITsForQualificationType",
    "ListReviewableHITs",
    "UpdateExpirationForHIT",
    "UpdateHITReviewStatus",
    "UpdateHITTypeOfHIT",
    "DeleteHIT",
    "CreateAdditionalAssignmentsForHIT",
    "UpdateNotificationSettings",
    "SendTestEventNotification",
})

# botocore's own copy of the model, loaded independently of openturk.protocol.model.
MODEL_OPERATIONS = frozenset(
    botocore.session.get_session().get_service_model("mturk", api_version="2017-01-17").operation_names)


def test_the_model_has_39_operations():
    assert len(MODEL_OPERATIONS) == 39
    assert IMPLEMENTED <= MODEL_OPERATIONS


def test_the_registry_holds_exactly_the_models_operations():
    assert set(REGISTRY) == MODEL_OPERATIONS


def test_the_implemented_operations_are_exactly_the_built_ones():
    assert {name for name, op in REGISTRY.items() if op.implemented} == IMPLEMENTED


@pytest.mark.parametrize("name", sorted(IMPLEMENTED))
def test_each_implementation_is_named_after_its_operation(name):
    op = REGISTRY[name]
    assert op.name == name
    assert op.fn.__name__ == xform_name(name)


@pytest.mark.parametrize("name", sorted(IMPLEMENTED))
def test_only_get_and_list_operations_are_read_only(name):
    assert REGISTRY[name].readonly == name.startswith(("Get", "List"))


@pytest.mark.parametrize("name", sorted(MODEL_OPERATIONS - IMPLEMENTED))
def test_the_others_answer_that_they_are_not_supported(name):
    op = REGISTRY[name]
    assert op.name == name
    assert op.readonly          # never opens a write transaction
    with pytest.raises(errors.TurkError) as info:
        op.fn(None, any_parameter=1)
    assert info.value.kind == "RequestError"
    assert info.value.code == errors.Code.UNSUPPORTED_OPERATION
    assert f"The operation {name} is not supported by this server yet" in info.value.message
