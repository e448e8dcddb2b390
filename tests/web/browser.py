"""The browser fixtures: Debian's chromium, headless, driven by Playwright's Python package (no browser
download: `make test` installs the `chromium` package). One browser per test process, a new context per
test; the context answers only loopback addresses (a QuestionForm's images on other hosts are refused at
once). A plugin of the whole suite (tests/conftest.py), not a conftest of tests/web, so that tests/reference
shares the one browser: a second Playwright in the same process refuses to start."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync"]


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
