"""Helpers of the browser tests (the fixtures `browser`, `new_page` and `page` are in browser.py)."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "docs" / "screenshots"


# -- helpers -------------------------------------------------------------------------------------------

def worker_sign_in(page, worker) -> None:
    page.goto("/worker/login")
    page.get_by_label("Worker token").fill(worker.token)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/worker/types"))


def requester_sign_in(page, creds) -> None:
    page.goto("/requester/login")
    page.get_by_label("Access key ID").fill(creds["AccessKeyId"])
    page.get_by_label("Secret access key").fill(creds["SecretAccessKey"])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/requester/types"))


def find_type(page, query: str, name: str | None = None):
    """Search the worker's type list for `query`; the card of the type called `name` (default: the query)."""
    page.goto("/worker/types")
    page.get_by_label("Search by name, description or keyword").fill(query)
    page.get_by_role("button", name="Search").click()
    card = page.locator("li.card", has=page.get_by_role("heading", name=name or query, exact=True))
    card.wait_for()
    return card


def question(page, identifier: str):
    return page.locator(f'fieldset.question[data-question-identifier="{identifier}"]')


def save_screenshot(page, name: str, mask=(), texts: dict[str, str] | None = None) -> Path:
    """Take a screenshot into docs/screenshots/ (for the README); the file is rewritten only when its
    pixels changed, so a test run leaves the committed pictures alone. What changes from run to run is
    masked (times: digits have one width) or, in `texts`, given a fixed text (selector → text)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    target = SCREENSHOTS / name
    for selector, text in (texts or {}).items():
        page.eval_on_selector_all(selector, "(nodes, text) => nodes.forEach(n => { n.textContent = text; })", text)
    page.mouse.move(0, 0)                                       # no hover highlight in the picture
    data = page.screenshot(full_page=True, mask=list(mask), mask_color="#c9ced6", animations="disabled")
    if not target.exists() or target.read_bytes() != data:
        target.write_bytes(data)
    return target
