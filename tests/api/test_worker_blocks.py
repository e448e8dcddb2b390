"""CreateWorkerBlock, DeleteWorkerBlock and ListWorkerBlocks through real boto3."""

from __future__ import annotations

import re
import uuid

import pytest
from botocore.exceptions import ClientError

def worker() -> str:
    return "A" + uuid.uuid4().hex[:13].upper()


def blocked(client) -> list[tuple[str, str]]:
    pages = client.get_paginator("list_worker_blocks").paginate(PaginationConfig={"PageSize": 3})
    return [(b["WorkerId"], b["Reason"]) for p in pages for b in p["WorkerBlocks"]]


def test_block_list_update_and_unblock(client, other_client):
    a, b = worker(), worker()
    assert set(client.create_worker_block(WorkerId=a, Reason="spam")) == {"ResponseMetadata"}
    client.create_worker_block(WorkerId=b, Reason="bots")
    assert blocked(client) == [(a, "spam"), (b, "bots")]
    # Blocking again changes the reason, not the order.
    client.create_worker_block(WorkerId=a, Reason="spam, twice")
    assert blocked(client) == [(a, "spam, twice"), (b, "bots")]
    # Blocks are per requester.
    assert blocked(other_client) == []
    assert set(client.delete_worker_block(WorkerId=a, Reason="appeal granted")) == {"ResponseMetadata"}
    assert blocked(client) == [(b, "bots")]
    # Unblocking a worker who is not blocked succeeds.
    client.delete_worker_block(WorkerId=a)
    client.delete_worker_block(WorkerId=worker())


def test_list_worker_blocks_pages(client):
    workers = [worker() for _ in range(7)]
    for w in workers:
        client.create_worker_block(WorkerId=w, Reason="r")
    first = client.list_worker_blocks(MaxResults=5)
    assert first["NumResults"] == 5 and "NextToken" in first
    rest = client.list_worker_blocks(MaxResults=5, NextToken=first["NextToken"])
    assert rest["NumResults"] == 2 and rest["NextToken"]
    end = client.list_worker_blocks(MaxResults=5, NextToken=rest["NextToken"])
    assert end["NumResults"] == 0 and end["WorkerBlocks"] == [] and "NextToken" not in end
    assert [b["WorkerId"] for b in first["WorkerBlocks"] + rest["WorkerBlocks"]] == workers


def test_reason_is_required_to_block(server, requester):
    from .signed_http import call
    response = call(server.endpoint, requester, "CreateWorkerBlock", {"WorkerId": worker()})
    body = response.json()
    assert response.status_code == 400 and body["TurkErrorCode"] == "AWS.MissingParameters"
    assert "Reason" in body["Message"]


@pytest.mark.parametrize("bad", ["not-a-worker", "a123", "A" * 65, "ABC DEF", "Ä1234"])
def test_a_malformed_worker_id_answers_the_models_message(client, bad):
    """The model's DeleteWorkerBlock documentation: "WorkerId is invalid." — the same for CreateWorkerBlock,
    and nothing is blocked."""
    for call_ in (lambda: client.create_worker_block(WorkerId=bad, Reason="r"),
                  lambda: client.delete_worker_block(WorkerId=bad)):
        with pytest.raises(ClientError) as info:
            call_()
        error = info.value.response
        assert error["Error"]["Code"] == "RequestError"
        assert re.fullmatch(r"WorkerId is invalid\. \(\d{13}\)", error["Message"])   # MTurk's time suffix
        assert error["TurkErrorCode"] == "AWS.MechanicalTurk.InvalidParameterValue"
    assert bad not in [w for w, _ in blocked(client)]
