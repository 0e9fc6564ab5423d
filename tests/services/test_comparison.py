"""SRC-4: the eleven key fields against the registry — match, 未比对, 不匹配, and 异动已通过 after an approved change."""
from __future__ import annotations

import datetime
from types import SimpleNamespace
from typing import Any

from app.services.comparison import APPROVED_CHANGE, KEY_FIELDS_BY_NAME, MATCH, MISMATCH, NOT_COMPARED, compare

REGISTRY = SimpleNamespace(name="张三", gender="1", ethnicity="01", origin="湖南省岳阳县", exam_no="22430621000001",
                           major_code="080901", graduation_date=datetime.date(2026, 6, 30), education_level="31",
                           schooling_length="4", training_mode="1", training_unit=None)


def _graduate(**changes: Any) -> Any:
    values = {k: getattr(REGISTRY, k) for k in vars(REGISTRY) if k != "major_code"}
    values.update(major=SimpleNamespace(code="080901"), id=None, registry_record=REGISTRY)
    values.update(changes)
    return SimpleNamespace(**values)


def _states(graduate: Any, record: Any = REGISTRY, approved: dict[str, str] | None = None) -> dict[str, str]:
    return {c.key: c.state for c in compare(graduate, record, approved or {})}


def test_identical_values_match_everywhere(app: Any) -> None:
    """A form equal to the registry has no flag at all, including the empty unit of a non-directed student."""
    with app.test_request_context():
        assert set(_states(_graduate()).values()) == {MATCH}


def test_full_width_and_spaces_do_not_make_a_mismatch(app: Any) -> None:
    """Text is compared after NFKC and whitespace folding, as people read it."""
    with app.test_request_context():
        assert _states(_graduate(exam_no="２２４３０６２１０００００１ ", name=" 张三"))["exam_no"] == MATCH


def test_missing_registry_value_is_not_compared(app: Any) -> None:
    """未比对 when the registry lacks the value; 不匹配 with the registry value for display when it differs."""
    record = SimpleNamespace(**{**vars(REGISTRY), "ethnicity": None})
    with app.test_request_context():
        comparisons = {c.key: c for c in compare(_graduate(origin="湖南省岳阳市岳阳楼区"), record, {})}
        assert comparisons["ethnicity"].state == NOT_COMPARED and comparisons["ethnicity"].flag == "未比对"
        assert comparisons["origin"].state == MISMATCH and comparisons["origin"].flag == "不匹配"
        assert comparisons["origin"].registry_display == "湖南省岳阳县"


def test_directed_student_without_unit_is_not_compared(app: Any) -> None:
    """A directed student's missing unit is not silently accepted as agreement."""
    record = SimpleNamespace(**{**vars(REGISTRY), "training_mode": "2"})
    with app.test_request_context():
        assert _states(_graduate(training_mode="2"), record)["training_unit"] == NOT_COMPARED


def test_approved_change_is_shown_as_such(app: Any) -> None:
    """A difference accepted through a change request shows 异动已通过; a later edit away from it is 不匹配 again."""
    approved = {"origin": "湖南省岳阳市岳阳楼区", "graduation_date": "2026-07-15"}
    with app.test_request_context():
        states = _states(_graduate(origin="湖南省岳阳市岳阳楼区", graduation_date=datetime.date(2026, 7, 15)),
                         approved=approved)
        assert states["origin"] == APPROVED_CHANGE and states["graduation_date"] == APPROVED_CHANGE
        assert _states(_graduate(origin="北京市海淀区"), approved=approved)["origin"] == MISMATCH
        assert str(KEY_FIELDS_BY_NAME["origin"].label) == "生源地"
