"""A refused sign-in keeps the user name in the field; a wrong captcha says the characters were wrong."""
from __future__ import annotations

import re
import uuid
from typing import Any

from tests.conftest import DEMO_PASSWORD, Browser, assert_signed_in

WRONG_CAPTCHA = "您输入的验证码与图片中的字符不一致"  # zh of the wrong-captcha message
ENTER_CAPTCHA = "请输入图片中的字符"


def username_field(html: str) -> str:
    match = re.search(r'<input[^>]*name="username"[^>]*>', html)
    assert match, "no user name field"
    value = re.search(r'value="([^"]*)"', match.group(0))
    return value.group(1) if value else ""


def test_user_name_is_kept_after_a_wrong_password(browser: Browser) -> None:
    response = browser.login("school", "Wrong-pass-1", follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "用户名或密码错误" in html
    assert username_field(html) == "school"
    assert re.search(r'name="password"[^>]*autofocus', html) or re.search(r'autofocus[^>]*name="password"', html)
    assert username_field(browser.get("/login/").get_data(as_text=True)) == ""  # shown once, not forever


def test_wrong_captcha_says_the_characters_were_wrong(browser: Browser) -> None:
    name = f"cap-{uuid.uuid4().hex[:6]}"
    for _ in range(3):
        browser.login(name, "Wrong-pass-1")
    answer = browser.solve_captcha()
    wrong = "".join("A" if ch != "A" else "B" for ch in answer)
    html = browser.login(name, "Wrong-pass-1", captcha=wrong, follow_redirects=True).get_data(as_text=True)
    assert WRONG_CAPTCHA in html and username_field(html) == name
    missing = browser.login(name, "Wrong-pass-1", follow_redirects=True).get_data(as_text=True)
    assert WRONG_CAPTCHA not in missing and ENTER_CAPTCHA in missing


def test_kept_name_is_escaped_and_cleared_after_success(app: Any) -> None:
    b = Browser(app.test_client())
    html = b.login('"><script>x</script>', "Wrong-pass-1", follow_redirects=True).get_data(as_text=True)
    assert "<script>x</script>" not in html
    b.login("school", "Wrong-pass-1")
    assert b.login("school", DEMO_PASSWORD).status_code == 302
    assert_signed_in(b, "school")
    b.logout()
    assert username_field(b.get("/login/").get_data(as_text=True)) == ""
