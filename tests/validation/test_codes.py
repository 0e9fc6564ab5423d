"""Coded choices (民族, 政治面貌, 性别, 学历, 学制, 培养方式): complete lists that accept codes, labels, aliases."""

from __future__ import annotations

import pytest

from app.validation import (
    EDUCATION_LEVELS,
    ETHNICITIES,
    GENDERS,
    POLITICAL_STATUSES,
    SCHOOLING_LENGTHS,
    TRAINING_MODES,
    check_education_level,
    check_ethnicity,
    check_gender,
    check_political_status,
    check_schooling_length,
    check_training_mode,
    label_of,
    needs_training_unit,
)


def test_ethnicity_list_has_56_groups_plus_other_codes() -> None:
    """GB/T 3304: 01–56 in order, then 97 其他 and 98 外国血统中国籍人士."""
    codes = [c for c, _l in ETHNICITIES]
    assert codes[:56] == [f"{i:02d}" for i in range(1, 57)] and codes[56:] == ["97", "98"]
    assert label_of(ETHNICITIES, "01") == "汉族" and label_of(ETHNICITIES, "56") == "基诺族"


def test_political_status_runs_01_to_13() -> None:
    """GB/T 4762: 01 中共党员 … 13 群众."""
    assert [c for c, _l in POLITICAL_STATUSES] == [f"{i:02d}" for i in range(1, 14)]
    assert POLITICAL_STATUSES[0][1] == "中共党员" and POLITICAL_STATUSES[-1][1] == "群众"


@pytest.mark.parametrize(("check", "value", "code"), [
    (check_ethnicity, "01", "01"), (check_ethnicity, "汉族", "01"), (check_ethnicity, "汉", "01"),
    (check_ethnicity, "穿青人", "97"), (check_ethnicity, 3, "03"),
    (check_political_status, "共青团员", "03"), (check_political_status, "中国共产党党员", "01"),
    (check_political_status, "13", "13"),
    (check_gender, "男", "1"), (check_gender, "2", "2"), (check_gender, "f", "2"),
    (check_education_level, "本科", "31"), (check_education_level, "硕士", "11"),
    (check_education_level, "大专", "41"), (check_education_level, "01", "01"),
    (check_schooling_length, "4年", "4"), (check_schooling_length, "四年", "4"), (check_schooling_length, 3, "3"),
    (check_schooling_length, "2.5", "2.5"),
    (check_training_mode, "非定向", "1"), (check_training_mode, "委托培养", "3"), (check_training_mode, "2", "2"),
])
def test_codes_labels_and_aliases_resolve_to_codes(check, value, code) -> None:  # type: ignore[no-untyped-def]
    """Each check returns the code for a code, a label or an alias."""
    result = check(value)
    assert result.ok and result.value == code == result.code


@pytest.mark.parametrize(("check", "value"), [
    (check_ethnicity, "火星族"), (check_political_status, "14"), (check_gender, "3"),
    (check_education_level, "小学"), (check_schooling_length, "10"), (check_training_mode, "自费"),
    (check_gender, ""),
])
def test_unknown_values_are_refused(check, value) -> None:  # type: ignore[no-untyped-def]
    """Values outside the list are refused with a message."""
    result = check(value)
    assert not result.ok and result.message


def test_lists_are_selectfield_choices() -> None:
    """Every list is ordered (code, label) string pairs with unique codes."""
    for choices in (ETHNICITIES, POLITICAL_STATUSES, GENDERS, EDUCATION_LEVELS, SCHOOLING_LENGTHS, TRAINING_MODES):
        assert all(isinstance(c, str) and isinstance(label, str) for c, label in choices)
        assert len({c for c, _l in choices}) == len(choices)


def test_only_directed_and_entrusted_need_a_unit() -> None:
    """定向 and 委培 enable 定向或委培单位; 非定向 does not."""
    assert needs_training_unit("2") and needs_training_unit("3") and not needs_training_unit("1")
