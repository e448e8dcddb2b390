"""Paths and methods the worker API does not have are answered in its own error shape, like its other
errors; the rest of the server keeps plain answers."""

from __future__ import annotations

import httpx
import pytest


@pytest.mark.parametrize("path", ["/api/worker/v1", "/api/worker/v1/", "/api/worker/v1/hits",
                                  "/api/worker/v1/qualification-types/X/nothing"])
def test_an_unknown_path_is_a_worker_api_404(server, path):
    response = httpx.get(server.endpoint + path)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"
    error = response.json()["error"]
    assert error["code"] == "NotFound" and path in error["message"] and "openapi.json" in error["message"]


def test_another_method_is_a_worker_api_405_with_allow(server):
    response = httpx.delete(server.endpoint + "/api/worker/v1/qualifications")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD"
    assert response.json() == {"error": {"code": "MethodNotAllowed", "message":
                                          "DELETE is not allowed on /api/worker/v1/qualifications: use GET, HEAD"}}


def test_elsewhere_the_answers_stay_plain(server):
    missing = httpx.get(server.endpoint + "/no/such/page")
    assert (missing.status_code, missing.headers["content-type"], missing.text) == (
        404, "text/plain; charset=utf-8", "Not Found")
    wrong = httpx.delete(server.endpoint + "/healthz")
    assert (wrong.status_code, wrong.text) == (405, "Method Not Allowed")
