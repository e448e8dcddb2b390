"""`--rate-limit N` (setting rate_limit): over N requests per second per access key the JSON API answers what
AWS's front end answered, HTTP 400 {"__type": "ThrottlingException", "message": "Rate exceeded"}, which
botocore retries with back-off; the legacy API answers HTTP 503 AWS.ServiceUnavailable."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from lxml import etree

from openturk.testing import TestServer
from openturk.web.throttle import RateLimiter

from ..legacy.helpers import post, signed

RATE = 3


@pytest.fixture(scope="module")
def throttled(database_url):
    live = TestServer(database_url, rate_limit=RATE).start()
    yield live
    live.stop()


def at_once(call, n: int = RATE * 4) -> list:
    """`call()` n times at the same moment (so that the test does not depend on how fast this machine is):
    the results, or the exceptions raised."""
    def attempt(_):
        try:
            return call()
        except Exception as exc:  # noqa: BLE001 - returned for the test to inspect
            return exc
    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(attempt, range(n)))


def client(server, creds, **retries):
    return boto3.client("mturk", endpoint_url=server.endpoint, region_name="us-east-1",
                        aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                        config=Config(retries=retries))


def test_the_bucket_allows_a_burst_of_n_then_n_per_second():
    clock = [100.0]
    limiter = RateLimiter(3, now=lambda: clock[0])
    assert [limiter.allow("k") for _ in range(4)] == [True, True, True, False]
    assert limiter.allow("other")                      # per key
    clock[0] += 0.34                                   # a third of a second: one token
    assert [limiter.allow("k") for _ in range(2)] == [True, False]
    clock[0] += 60                                     # refills to the burst, not beyond
    assert [limiter.allow("k") for _ in range(4)] == [True, True, True, False]


def test_off_by_default_costs_nothing(server):
    assert server.settings.rate_limit == 0
    assert RateLimiter.from_settings(server.settings) is None


def test_without_retries_the_client_sees_throttling_exception(throttled):
    mturk = client(throttled, throttled.new_requester("hasty"), max_attempts=1)
    outcomes = at_once(mturk.get_account_balance)
    refused = [o for o in outcomes if isinstance(o, Exception)]
    assert refused and len(refused) < len(outcomes), outcomes        # some served, some throttled
    assert all(isinstance(o, ClientError) for o in refused), refused
    info = refused[0]
    error = info.response
    assert error["Error"] == {"Code": "ThrottlingException", "Message": "Rate exceeded"}
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400
    # Not one of MTurk's modelled errors: a plain ClientError, as from AWS.
    assert not isinstance(info, (mturk.exceptions.RequestError, mturk.exceptions.ServiceFault))
    # Another requester has a bucket of its own.
    assert client(throttled, throttled.new_requester("patient"), max_attempts=1).get_account_balance()


@pytest.mark.parametrize("mode", ["standard", "legacy", "adaptive"])
def test_botocore_backs_off_and_every_call_succeeds(throttled, mode):
    mturk = client(throttled, throttled.new_requester("steady"), mode=mode, max_attempts=10)
    started = time.monotonic()
    outcomes = at_once(mturk.get_account_balance, RATE * 2)
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert sum(o["ResponseMetadata"]["RetryAttempts"] for o in outcomes) > 0   # throttled and retried
    assert time.monotonic() - started >= 0.9            # the burst, then RATE per second


def test_a_request_that_fails_authentication_takes_no_token(throttled):
    creds = throttled.new_requester("victim")
    forged = client(throttled, {**creds, "SecretAccessKey": "wrong"}, max_attempts=1)
    for _ in range(RATE * 2):
        with pytest.raises(ClientError) as info:
            forged.get_account_balance()
        assert info.value.response["Error"]["Code"] == "InvalidSignatureException"
    assert client(throttled, creds, max_attempts=1).get_account_balance()


def test_the_legacy_api_answers_503_service_unavailable(throttled):
    creds = throttled.new_requester("legacy")
    responses = at_once(lambda: post(throttled.endpoint, signed(creds, "GetAccountBalance")))
    statuses = sorted(r.status_code for r in responses)
    assert set(statuses) == {200, 503}, statuses          # some served, some throttled
    response = next(r for r in responses if r.status_code == 503)
    root = etree.fromstring(response.content)
    assert root.tag == "Response"
    assert root.findtext("Errors/Error/Code") == "AWS.ServiceUnavailable"
    assert root.findtext("Errors/Error/Message") == "Rate exceeded"
    time.sleep(1.0 / RATE + 0.1)
    assert post(throttled.endpoint, signed(creds, "GetAccountBalance")).status_code == 200


def test_serve_takes_the_flag_and_the_variable():
    from openturk.cli import build_parser
    from openturk.config import load_settings
    args = build_parser().parse_args(["serve", "--rate-limit", "7"])
    assert args.rate_limit == 7
    assert load_settings(environ={"OPENTURK_RATE_LIMIT": "5"}).rate_limit == 5
    with pytest.raises(SystemExit):
        build_parser().parse_args(["serve", "--rate-limit", "-1"])
