"""CreateWorkerBlock, DeleteWorkerBlock and ListWorkerBlocks through real boto3."""

from __future__ import annotations

import uuid



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
    assert rest["NumResults"] == 2 and "NextToken" not in rest
    assert [b["WorkerId"] for b in first["WorkerBlocks"] + rest["WorkerBlocks"]] == workers


def test_reason_is_required_to_block(server, requester):
    from .signed_http import call
    response = call(server.endpoint, requester, "CreateWorkerBlock", {"WorkerId": worker()})
    body = response.json()
    assert response.status_code == 400 and body["TurkErrorCode"] == "AWS.MissingParameters"
    assert "Reason" in body["Message"]
