"""The web pages: server-rendered HTML for workers (/worker/) and requesters (/requester/).

They only translate — forms in, the same worker actions and MTurk operations as the APIs, HTML out —
and every page works without JavaScript (one small static script runs the test countdown).
"""

from .requester import RequesterPages
from .security import STATIC_PATH, SecurityHeaders, static_files
from .worker import WorkerPages

__all__ = ["RequesterPages", "STATIC_PATH", "SecurityHeaders", "WorkerPages", "static_files"]
