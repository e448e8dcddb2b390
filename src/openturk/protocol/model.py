"""botocore's MTurk service model (`mturk/2017-01-17`), loaded once on first use."""

from __future__ import annotations

import functools

from botocore.loaders import Loader
from botocore.model import ServiceModel

TARGET_PREFIX = "MTurkRequesterServiceV20170117"
SIGNING_SERVICE = "mturk-requester"


@functools.cache
def service_model() -> ServiceModel:
    loader = Loader()
    return ServiceModel(loader.load_service_model("mturk", "service-2", api_version="2017-01-17"),
                        service_name="mturk")


def operation_names() -> list[str]:
    return list(service_model().operation_names)
