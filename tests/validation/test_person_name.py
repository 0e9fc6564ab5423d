"""Person names as a rule: 2–30 characters after normalising; Chinese, the middle dot, Latin letters; no digits."""
from __future__ import annotations

import pytest

from app.validation.person_name import check_person_name

ACCEPTED = [
    ("张三", "张三"),
    ("欧阳娜娜", "欧阳娜娜"),
    ("阿依古丽·买买提", "阿依古丽·买买提"),
    ("阿依古丽・买买提", "阿依古丽·买买提"),  # katakana middle dot typed by an IME
    ("阿依古丽.买买提", "阿依古丽·买买提"),
    ("阿依古丽 · 买买提", "阿依古丽·买买提"),
    ("张 三", "张三"),
    ("\u200b李四\ufeff", "李四"),  # zero-width space and BOM from a copied text
    ("Ｌｉ　Ｍｉｎｇ", "Li Ming"),  # full-width letters and an ideographic space
    ("Élodie Martin", "Élodie Martin"),
    ("𠮷野", "𠮷野"),  # an Extension B character
]
REFUSED = [
    ("X", "至少 2 个字符"),
    ("李", "至少 2 个字符"),
    ("张3", "不能包含数字"),
    ("张三１", "不能包含数字"),
    ("李@", "不能包含“@”"),
    ("Li-Ming", "不能包含“-”"),
    ("·张三", "间隔号"),
    ("张三·", "间隔号"),
    ("阿依古丽··买买提", "间隔号"),
    ("王" * 31, "最多 30 个字符"),
    ("", "请填写姓名"),
    ("\u200b", "请填写姓名"),
]


@pytest.mark.parametrize(("typed", "stored"), ACCEPTED)
def test_real_names_pass_normalised(typed: str, stored: str) -> None:
    result = check_person_name(typed)
    assert result.ok, result.message
    assert result.value == stored


@pytest.mark.parametrize(("typed", "says"), REFUSED)
def test_what_cannot_be_a_name_is_refused_with_its_reason(ctx: object, typed: str, says: str) -> None:
    result = check_person_name(typed)
    assert not result.ok
    assert says in (result.message or "")


def test_length_limits_are_inclusive() -> None:
    assert check_person_name("王" * 30).ok and check_person_name("王王").ok
    assert not check_person_name("王" * 31).ok
