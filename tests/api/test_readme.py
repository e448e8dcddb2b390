"""The README's boto3 example runs as written against the live server."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_boto3_example_runs(server, requester, tmp_path, monkeypatch, capsys):
    code = re.search(r"## Use it from boto3\n\n```python\n(.*?)```", README.read_text(), re.S).group(1)
    credentials = tmp_path / "credentials"
    credentials.write_text(f"[openturk]\naws_access_key_id = {requester['AccessKeyId']}\n"
                           f"aws_secret_access_key = {requester['SecretAccessKey']}\n")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    code = code.replace("http://127.0.0.1:8080", server.endpoint)
    exec(compile(code, "README.md", "exec"), {})
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "10000.00"
    assert any(line.endswith(" English writing") for line in out[1:])


def test_readme_testing_example_runs():
    code = re.search(r"## Test your MTurk code offline\n.*?```python\n(.*?)```", README.read_text(), re.S).group(1)
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)
    namespace["test_my_qualification_flow"]()
