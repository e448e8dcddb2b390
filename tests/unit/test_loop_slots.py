"""PostgreSQL operations on the event loop take turns (web/execution.on_the_loop): at most as many run as the
loop's pool has connections, and the others start in the order they came — waiting in the pool's
asyncio.Queue instead let newcomers overtake (32 clients on 8 connections: p99 20-30 ms, slowest 355 ms)."""

from __future__ import annotations

import asyncio
import types

from sqlalchemy.util import await_only

from openturk.service import Service
from openturk.web.execution import on_the_loop

from ..conftest import run_coroutine


def test_at_most_pool_size_at_once_and_first_come_first_served():
    service = Service(settings=types.SimpleNamespace(db_pool_size=2), db=None, clock=None)
    running, most, started = 0, 0, []

    def operation(_service, n):
        nonlocal running, most
        started.append(n)
        running += 1
        most = max(most, running)
        await_only(asyncio.sleep(0.01))      # a query awaited on the loop
        running -= 1
        return n

    async def scenario():
        return await asyncio.gather(*(on_the_loop(service, operation, n) for n in range(7)))

    assert run_coroutine(scenario()) == list(range(7))
    assert most == 2 and started == list(range(7))


def test_each_event_loop_has_its_own_turns():
    service = Service(settings=types.SimpleNamespace(db_pool_size=1), db=None, clock=None)

    async def slots():
        return service.loop_slots()

    first, second = run_coroutine(slots()), run_coroutine(slots())
    assert first is not second


def test_a_turn_not_given_in_time_is_a_service_fault(monkeypatch):
    import pytest

    from openturk import errors
    from openturk.web import execution

    monkeypatch.setattr(execution, "TURN_TIMEOUT_SECONDS", 0.05)
    service = Service(settings=types.SimpleNamespace(db_pool_size=1), db=None, clock=None)

    def slow(_service):
        await_only(asyncio.sleep(0.5))
        return "slow"

    async def scenario():
        first = asyncio.ensure_future(on_the_loop(service, slow))
        await asyncio.sleep(0)
        with pytest.raises(errors.TurkError) as caught:
            await on_the_loop(service, slow)
        return await first, caught.value

    done, error = run_coroutine(scenario())
    assert done == "slow" and error.kind == "ServiceFault" and "no database connection was free" in error.message
