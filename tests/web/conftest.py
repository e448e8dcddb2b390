"""Browser tests: Debian's chromium, headless, driven by Playwright's Python package (no browser download:
`make test` installs the `chromium` package). One browser per test process, a new context per test; the
context answers only loopback addresses (a QuestionForm's images on other hosts are refused at once)."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync"]
REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "docs" / "screenshots"


def examples_dir() -> Path:
    """../shared/reference/examples beside the repository; a missing folder fails the tests loudly."""
    path = (REPO / ".." / "shared" / "reference" / "examples").resolve()
    if not (path / "questionform").is_dir():
        pytest.fail(f"the reference examples are missing: expected {path}/questionform (shared/ beside the repo)")
    return path


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs it (apt-get install chromium)")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield instance
        instance.close()


def _loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    return host in ("localhost", "::1") or host.startswith("127.")


def _only_loopback(route) -> None:
    if _loopback(route.request.url):
        route.continue_()
    else:
        route.abort()


@pytest.fixture
def new_page(browser, server):
    """Pages in contexts of their own (a worker and a requester side by side), closed after the test."""
    contexts = []

    def make(width: int = 1200, height: int = 900, **options):
        ctx = browser.new_context(base_url=server.endpoint, viewport={"width": width, "height": height}, **options)
        ctx.set_default_timeout(10_000)
        ctx.route("**/*", _only_loopback)
        contexts.append(ctx)
        return ctx.new_page()

    yield make
    for ctx in contexts:
        ctx.close()


@pytest.fixture
def page(new_page):
    return new_page()


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
