"""A scripted worker for the client drivers, standard library only (it runs inside the clients' own
virtualenvs, Python 3.10 and 3.11): it accepts a HIT through the worker API and submits the task's form to
`POST /mturk/externalSubmit`, as a worker's browser does for an ExternalQuestion task.

Drivers import it from their own directory (a script's directory is the first entry of sys.path).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request


class Worker:
    def __init__(self, endpoint: str, worker_id: str, token: str):
        self.endpoint = endpoint.rstrip("/")
        self.worker_id = worker_id
        self.token = token

    def _api(self, method: str, path: str, body: dict | None = None) -> dict:
        request = urllib.request.Request(
            f"{self.endpoint}/api/worker/v1{path}", method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read() or b"{}")

    def accept(self, hit_id: str) -> str:
        """Accept the HIT; the new assignment's id."""
        return self._api("POST", f"/hits/{hit_id}/assignments", {})["Assignment"]["AssignmentId"]

    def return_assignment(self, assignment_id: str) -> str:
        """Return the assignment (the worker gives the HIT back); its status afterwards."""
        return self._api("POST", f"/assignments/{assignment_id}/return", {})["Assignment"]["AssignmentStatus"]

    def assignments(self) -> list:
        return self._api("GET", "/assignments")["Assignments"]

    def earnings(self) -> dict:
        return self._api("GET", "/earnings")

    def external_submit(self, fields: list) -> tuple:
        """POST the task's form (a list of (name, value), assignmentId among them) to /mturk/externalSubmit,
        with no credentials, as the task's page does: (HTTP status, page text)."""
        request = urllib.request.Request(
            f"{self.endpoint}/mturk/externalSubmit", method="POST",
            data=urllib.parse.urlencode(fields).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()

    def work(self, hit_id: str, fields: list) -> str:
        """Accept, then submit `fields` (assignmentId is added first); the assignment id."""
        assignment_id = self.accept(hit_id)
        status, page = self.external_submit([("assignmentId", assignment_id), *fields])
        if status != 200:
            raise RuntimeError(f"externalSubmit answered {status}: {page[:500]}")
        return assignment_id
