import pytest

def test_account_balance_is_the_sandbox_figure(client):
    assert client.get_account_balance()["AvailableBalance"] == "10000.00"


def test_the_testing_clients_send_each_call_once(server, requester):
    """openturk.testing's boto3 client does not retry: a test sees the server's first answer (botocore's
    `max_attempts` counts retries, so it would send a call twice)."""
    from botocore.exceptions import EndpointConnectionError

    client = server.client(requester)
    sent = []

    def refuse(request, **_):
        sent.append(request.url)
        raise EndpointConnectionError(endpoint_url=request.url)   # a failure botocore would retry

    client.meta.events.register("before-send", refuse)
    with pytest.raises(EndpointConnectionError):
        client.get_account_balance()
    assert len(sent) == 1, sent
