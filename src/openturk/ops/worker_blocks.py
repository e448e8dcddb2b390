"""CreateWorkerBlock, DeleteWorkerBlock, ListWorkerBlocks."""

from __future__ import annotations

from .. import errors
from ..domain.qualifications import WORKER_ID
from ..store import worker_queries as wq
from . import pagination
from .context import Conflict, Ctx
from .registry import operation

MAX_BLOCKS = 100_000


def _blockable(worker_id: str) -> str:
    """The model's message for a malformed WorkerId here (the JSON adapter answers it too, see
    protocol/json11.DOCUMENTED_INVALID); reached by the legacy API's BlockWorker/UnblockWorker."""
    if not WORKER_ID.match(worker_id):
        raise errors.request_error(errors.Code.INVALID_PARAMETER_VALUE, "WorkerId is invalid.")
    return worker_id


@operation("CreateWorkerBlock")
def create_worker_block(ctx: Ctx, *, worker_id: str, reason: str) -> dict:
    """"The CreateWorkerBlock operation allows you to prevent a Worker from working on your HITs ... You can
    block up to 100,000 Workers." The Reason is not shown to the worker. Blocking again updates the Reason."""
    requester = ctx.caller.requester_id
    _blockable(worker_id)
    wq.ensure_worker(ctx.conn, worker_id, ctx.now_ms)
    if wq.block(ctx.conn, requester, worker_id) is not None:
        wq.set_block_reason(ctx.conn, requester, worker_id, reason)
        return {}
    if wq.count_blocks(ctx.conn, requester) >= MAX_BLOCKS:
        raise errors.too_many_blocks(MAX_BLOCKS)
    if not wq.insert_block(ctx.conn, requester, worker_id, reason, ctx.now_ms):
        raise Conflict()
    return {}


@operation("DeleteWorkerBlock")
def delete_worker_block(ctx: Ctx, *, worker_id: str, reason: str | None = None) -> dict:
    """"The DeleteWorkerBlock operation allows you to reinstate a blocked Worker ... If the specified
    Worker is not blocked, the operation succeeds." A malformed WorkerId fails ("WorkerId is invalid")."""
    wq.delete_block(ctx.conn, ctx.caller.requester_id, _blockable(worker_id))
    return {}


@operation("ListWorkerBlocks")
def list_worker_blocks(ctx: Ctx, *, next_token: str | None = None, max_results: int | None = None) -> dict:
    """"The ListWorkersBlocks operation retrieves a list of Workers who are blocked from working on your
    HITs." In the order they were blocked."""
    requester = ctx.caller.requester_id
    filters = {"r": requester}
    limit = max_results or pagination.DEFAULT_PAGE_SIZE
    after = pagination.read_token(ctx.token_key, next_token, filters)
    rows = wq.list_blocks(ctx.conn, requester, after, limit + 1)
    rows, token, more = pagination.mturk_page(rows, limit, ctx.token_key, filters, lambda row: row["seq"])
    return {"num_results": len(rows), "next_token": token, "more": more,
            "worker_blocks": [{"worker_id": r["worker_id"], "reason": r["reason"]} for r in rows]}
