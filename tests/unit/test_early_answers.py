"""Which front end an early answer (408, 431) is shaped for, from what is known of the request."""

from __future__ import annotations

import pytest

from openturk.web.early import front_end

FORM = (b"content-type", b"application/x-www-form-urlencoded")
TARGET = (b"x-amz-target", b"MTurkRequesterServiceV20170117.GetHIT")


@pytest.mark.parametrize("method, url, headers, expected", [
    (b"POST", b"/", [TARGET], "json_api"),
    (b"POST", b"/", [(b"content-type", b"application/x-amz-json-1.1")], "json_api"),
    (b"POST", b"/", [], "json_api"),                      # nothing known yet: the 2017 API
    (b"POST", b"/", [FORM], "legacy_api"),
    (b"GET", b"/?Service=AWSMechanicalTurkRequester&Operation=GetAccountBalance", [], "legacy_api"),
    (b"GET", b"/", [], "other"),
    (b"POST", b"/onca/xml", [], "legacy_api"),
    (b"GET", b"/api/worker/v1/qualifications?x=1", [], "worker_api"),
    (None, b"/api/worker/v1", [], "worker_api"),
    (b"GET", b"/worker/types", [], "other"),
    (None, b"", [], "other"),
])
def test_front_end(method, url, headers, expected):
    assert front_end(method, url, headers) == expected
