def test_account_balance_is_the_sandbox_figure(client):
    assert client.get_account_balance()["AvailableBalance"] == "10000.00"

