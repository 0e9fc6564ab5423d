"""Browser journey in Debian Chromium: the school reviewer signs in, sees the Chinese menu, opens the department tree."""
from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path
from typing import Any, Iterator

import pytest
from werkzeug.serving import make_server

from tests.conftest import DEMO_PASSWORD

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = Path(os.environ.get("GEMS_ARTIFACTS", "test-artifacts"))

if CHROMIUM is None:
    if os.environ.get("CI") == "true":
        pytest.fail("Chromium is missing under CI (.ci/run installs the Debian package 'chromium')",
                    pytrace=False)
    pytest.skip("Chromium not found: install Debian's 'chromium' package to run browser tests",
                allow_module_level=True)


@pytest.fixture(scope="module")
def server(app: Any) -> Iterator[str]:
    srv = make_server("127.0.0.1", 0, app, threaded=False)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_port}"
    srv.shutdown()


def test_school_reviewer_sees_chinese_menu_and_tree(server: str) -> None:
    """Log in as `school`, see the Chinese menu, open the department tree; screenshot saved as an artifact."""
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        page = browser.new_page(locale="zh-CN")
        page.goto(f"{server}/login/")
        assert "登录" in page.content()
        page.fill("#username", "school")
        page.fill("#password", DEMO_PASSWORD)
        page.click("input[type=submit]")
        page.wait_for_load_state()
        page.screenshot(path=str(ARTIFACTS / "school-home.png"), full_page=True)
        nav = page.inner_text(".navbar")
        assert "组织机构" in nav and "毕业生" in nav
        page.goto(f"{server}/departments/tree/")
        tree = page.inner_text("#department-tree")
        assert "计算机科学与技术学院" in tree and "软件工程系" in tree
        page.screenshot(path=str(ARTIFACTS / "school-department-tree.png"), full_page=True)
        browser.close()
