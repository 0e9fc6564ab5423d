"""Browser tests share one way to find Debian Chromium, launch it offline, serve the app and keep screenshots."""
from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from tests.conftest import DEMO_PASSWORD

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = Path(os.environ.get("GEMS_ARTIFACTS", "test-artifacts"))
# flags that keep Chromium from reaching for the network this machine does not have (and from a sandbox root lacks)
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync", "--lang=zh-CN"]


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    """Without Chromium the browser tests skip locally and fail under CI (.ci/run installs it)."""
    if CHROMIUM is not None:
        return
    here = Path(__file__).parent
    if os.environ.get("CI") == "true":
        pytest.fail("Chromium is missing under CI (.ci/run installs the Debian package 'chromium')", pytrace=False)
    skip = pytest.mark.skip(reason="Chromium not found: install Debian's 'chromium' package to run browser tests")
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def fresh_rate_limits(app: Any) -> None:
    """Every browser signs in from 127.0.0.1: each test starts with the sign-in rate limit unspent, so the order the
    tests run in (random) cannot make a later test's sign-in answer 429."""
    app.appbuilder.sm.limiter.reset()


@pytest.fixture(scope="module")
def server(app: Any) -> Iterator[str]:
    """The test app on a real port, for the browser."""
    srv = make_server("127.0.0.1", 0, app, threaded=False)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_port}"
    srv.shutdown()


@pytest.fixture()
def chromium() -> Iterator[Any]:
    """A launched Debian Chromium (Playwright's own browser download is never used)."""
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def sign_in(page: Any, server: str, username: str, password: str = DEMO_PASSWORD) -> None:
    """Sign in through the login form and prove it: the signed-in layout's inbox is on the page."""
    page.goto(f"{server}/login/")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("input[type=submit]")
    page.wait_for_load_state()
    assert page.locator("#gems-inbox").count() == 1, f"{username} did not sign in"


def shot(page: Any, name: str) -> None:
    """Save a full-page screenshot as a CI artifact."""
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
