"""Browser journey in Debian Chromium: the school reviewer signs in, sees the Chinese menu, opens the department tree."""
from __future__ import annotations

from typing import Any

from tests.conftest import DEMO_PASSWORD
from tests.e2e.conftest import shot


def test_school_reviewer_sees_chinese_menu_and_tree(server: str, chromium: Any) -> None:
    """Log in as `school`, see the Chinese menu, open the department tree; screenshot saved as an artifact."""
    page = chromium.new_page(locale="zh-CN")
    page.goto(f"{server}/login/")
    assert "登录" in page.content()
    page.fill("#username", "school")
    page.fill("#password", DEMO_PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_load_state()
    shot(page, "school-home")
    nav = page.inner_text(".navbar")
    assert "组织机构" in nav and "毕业生" in nav
    page.goto(f"{server}/departments/tree/")
    tree = page.inner_text("#department-tree")
    assert "计算机科学与技术学院" in tree and "软件工程系" in tree
    shot(page, "school-department-tree")
