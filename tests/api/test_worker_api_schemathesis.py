"""schemathesis against the worker API's own OpenAPI document: generated requests (valid, boundary and
wrong) never get a 5xx, and the responses are JSON."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from openturk.web.worker_openapi import OPENAPI


def test_no_server_errors_on_generated_requests(server, unique):
    server.client().create_qualification_type(Name=f"schemathesis {unique}", Description="d",
                                              QualificationTypeStatus="Active", AutoGranted=True,
                                              RetryDelayInSeconds=0)
    worker = server.create_worker()
    schema = schemathesis.openapi.from_dict(OPENAPI)
    schema.config.base_url = server.endpoint
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 6

    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=30, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def check(case):
            for headers in ({"Authorization": f"Bearer {worker.token}"}, {}):
                response = case.call(headers=headers)
                case.validate_response(response, checks=(not_a_server_error,))
                assert response.status_code < 500, (case.path, response.text)
                assert response.headers["content-type"][0].startswith("application/json")
                if not headers:
                    assert response.status_code == 401

        check()
