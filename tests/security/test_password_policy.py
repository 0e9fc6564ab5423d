"""ORG-4's password policy: at least 8 characters and at least three character classes, on every form."""
from __future__ import annotations

from typing import Any

import pytest
from flask_appbuilder.exceptions import PasswordComplexityValidationError

from app.security import passwords
from app.security.passwords import check_policy, one_time_password, policy_error
from tests.conftest import DEMO_PASSWORD


@pytest.mark.parametrize("password", ["Ab1#xyz", "Ab1", "a", "", "Aa1!Aa1"])
def test_shorter_than_eight_is_refused_for_length(ctx: Any, password: str) -> None:
    """Up to 7 characters is too short even with all four classes; the message names the minimum 8."""
    error = policy_error(password)
    assert error == "密码长度不能少于 8 个字符。"


@pytest.mark.parametrize("password", ["Ab1#xyzw", "abcdEF12", "ABCD12#$", "abcd#$%1", "长密码Ab1#xyz"])
def test_eight_or_more_with_three_classes_pass(ctx: Any, password: str) -> None:
    """Exactly 8 characters from three or four classes is accepted."""
    assert policy_error(password) is None
    check_policy(password)


@pytest.mark.parametrize("password", ["abcdefgh", "ABCDEFGH12", "12345678", "abcd1234", "ABCD####", "abcd!!!!"])
def test_two_classes_are_refused_for_mixing(ctx: Any, password: str) -> None:
    """Long enough but only one or two classes: refused with the mixing message."""
    assert policy_error(password) == "密码须至少包含小写字母、大写字母、数字、符号中的三类。"
    with pytest.raises(PasswordComplexityValidationError) as raised:
        check_policy(password)
    assert str(raised.value) == "密码须至少包含小写字母、大写字母、数字、符号中的三类。"  # FAB shows this text


def test_character_classes_counts_each_class_once() -> None:
    """Lower, upper, digit and symbol are counted as classes, not characters."""
    assert [passwords.character_classes(p) for p in ("", "aaa", "aA", "aA1", "aA1#", "####", "1a1a")] == [
        0, 1, 2, 3, 4, 1, 2]


def test_constant_and_stated_policy_agree(ctx: Any) -> None:
    """The enforced minimum is the one stated on screen."""
    assert passwords.MIN_LENGTH == 8
    assert "至少 8 个字符" in str(passwords.POLICY_TEXT)


def test_one_time_passwords_satisfy_the_policy_and_differ(ctx: Any) -> None:
    """Reset passwords are 12 characters, pass the policy, start alphanumeric and are not repeated."""
    made = [one_time_password() for _ in range(50)]
    assert all(len(p) == 12 and policy_error(p) is None and p[0].isalnum() for p in made)
    assert len(set(made)) == 50


def test_short_new_password_is_refused_on_the_change_form(as_role: Any) -> None:
    """The own-password form refuses a 7-character password with the length message and keeps the old one."""
    b = as_role("college_b")
    page = b.post_form("/resetmypassword/form", {"old_password": DEMO_PASSWORD, "password": "Ab1#xyz",
                                                 "conf_password": "Ab1#xyz"})
    assert "密码长度不能少于 8 个字符" in page.get_data(as_text=True)
    assert as_role("college_b") is not None  # the demo password still signs in
