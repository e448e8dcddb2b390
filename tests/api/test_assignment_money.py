"""The money after a randomized sequence of what workers and a requester do (hypothesis): the ledger equals
the balance (`openturk db check`'s rules), and the balance equals what MTurk's rules say it must be,
computed here independently from what boto3 lists: every HIT's assignments cost reward + fee, paid when
approved, given back when rejected or when the HIT is deleted unused; every bonus costs its amount + 20%."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openturk.store import invariants
from openturk.testing import WorkerAPIError

from .hit_helpers import create_hit

START = Decimal("50.00")
REWARDS = ("0.30", "0.45")
MAX_ASSIGNMENTS = 3
WORKERS = 3

step = st.one_of(
    st.tuples(st.just("work"), st.integers(0, WORKERS - 1), st.integers(0, 1)),
    st.tuples(st.just("work"), st.integers(0, WORKERS - 1), st.integers(0, 1)),
    st.tuples(st.just("accept"), st.integers(0, WORKERS - 1), st.integers(0, 1)),
    st.tuples(st.just("submit"), st.integers(0, WORKERS - 1), st.integers(0, 1)),
    st.tuples(st.just("return"), st.integers(0, WORKERS - 1), st.integers(0, 1)),
    st.tuples(st.just("approve"), st.integers(0, WORKERS - 1), st.integers(0, 1)),
    st.tuples(st.just("reject"), st.integers(0, WORKERS - 1), st.integers(0, 1)),
    st.tuples(st.just("override"), st.integers(0, WORKERS - 1), st.integers(0, 1)),
    st.tuples(st.just("bonus"), st.integers(0, WORKERS - 1), st.integers(0, 1), st.sampled_from(["0.01", "0.99", "7.77"])),
    st.tuples(st.just("advance"), st.sampled_from([30, 130, 700])),
    st.tuples(st.just("expire"), st.integers(0, 1)),
    st.tuples(st.just("delete"), st.integers(0, 1)),
)


def fee(amount: Decimal) -> Decimal:
    return max(Decimal("0.01"), (amount * Decimal("0.20")).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(step, min_size=5, max_size=40))
def test_the_ledger_and_the_balance_after_anything(server, steps):
    client = server.client(server.new_requester("random", balance=str(START)))
    hits = [create_hit(client, max_assignments=MAX_ASSIGNMENTS, Reward=reward, AssignmentDurationInSeconds=600,
                       AutoApprovalDelayInSeconds=800, lifetime=2000) for reward in REWARDS]
    workers = [server.create_worker() for _ in range(WORKERS)]
    held: dict[tuple[int, int], str] = {}        # (worker, hit) -> the worker's latest assignment of it
    for action, *args in steps:
        try:
            if action in ("accept", "work"):
                w, h = args
                held[(w, h)] = workers[w].accept(hits[h]["HITId"])["AssignmentId"]
                if action == "work":
                    workers[w].submit_assignment(held[(w, h)], {"answer": "x"})
            elif action in ("submit", "return") and (args[0], args[1]) in held:
                w, h = args
                if action == "submit":
                    workers[w].submit_assignment(held[(w, h)], {"answer": "x"})
                else:
                    workers[w].return_assignment(held[(w, h)])
            elif action in ("approve", "reject", "override", "bonus") and (args[0], args[1]) in held:
                aid = held[(args[0], args[1])]
                if action == "approve":
                    client.approve_assignment(AssignmentId=aid)
                elif action == "reject":
                    client.reject_assignment(AssignmentId=aid, RequesterFeedback="no")
                elif action == "override":
                    client.approve_assignment(AssignmentId=aid, OverrideRejection=True)
                else:
                    client.send_bonus(WorkerId=workers[args[0]].worker_id, BonusAmount=args[2], AssignmentId=aid,
                                      Reason="bonus")
            elif action == "advance":
                server.advance(args[0])
            elif action == "expire":
                client.update_expiration_for_hit(HITId=hits[args[0]]["HITId"], ExpireAt=0)
            elif action == "delete":
                client.delete_hit(HITId=hits[args[0]]["HITId"])
        except WorkerAPIError:
            pass                                   # refused, as the rules say: nothing changed
        except client.exceptions.RequestError as exc:
            assert exc.response["TurkErrorCode"] != "AWS.MechanicalTurk.InternalError"

    assert invariants.check(server.service.db) == []
    expected = START
    earned: dict[str, Decimal] = {}
    for created, reward_text in zip(hits, REWARDS):
        reward = Decimal(reward_text)
        cost = reward + fee(reward)
        listed = client.list_assignments_for_hit(HITId=created["HITId"], MaxResults=100)["Assignments"]
        approved = [a for a in listed if a["AssignmentStatus"] == "Approved"]
        rejected = [a for a in listed if a["AssignmentStatus"] == "Rejected"]
        deleted = created["HITId"] not in {h["HITId"] for h in client.list_hits(MaxResults=100)["HITs"]}
        expected -= cost * len(approved)
        if not deleted:
            expected -= cost * (MAX_ASSIGNMENTS - len(approved) - len(rejected))
        for a in approved:
            earned[a["WorkerId"]] = earned.get(a["WorkerId"], Decimal(0)) + reward
        for bonus in client.list_bonus_payments(HITId=created["HITId"], MaxResults=100)["BonusPayments"]:
            amount = Decimal(bonus["BonusAmount"])
            expected -= amount + fee(amount)
    assert Decimal(client.get_account_balance()["AvailableBalance"]) == expected
    for worker in workers:
        assert Decimal(worker.earnings()["ApprovedRewards"]) == earned.get(worker.worker_id, Decimal(0))
