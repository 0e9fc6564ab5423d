"""AGR-1 pool service: generation from a pattern (placeholders, serial continuing, never a duplicate, audited),
set-based assignment (lowest number first, level pools, pool exhausted), one graduate, and the voiding rules."""
from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models.agreement import AgreementNumber
from app.models.audit import AuditLog
from app.models.graduate import Graduate
from app.models.notification import Notification
from app.services import agreement_numbers as numbers
from app.services.agreement_numbers import NumbersRefused
from tests.workflows.test_number_world import (
    YEAR,
    agreement,
    cohort,
    graduates,
    nctx,
    numbers_of_cohort,
    pool,
    state_of,
    student_id,
)

__all__ = ["nctx", "student_id"]
SCHOOL = "10000"  # TestConfig's GEMS_SCHOOL_CODE default


def _audits(action: str) -> int:
    return db.session.execute(select(func.count()).select_from(AuditLog).where(AuditLog.action == action)).scalar_one()


def test_pattern_fills_year_school_level_and_a_padded_serial(nctx: Any) -> None:
    plan = numbers.plan_batch(cohort(), "31", 3, numbers.PATTERN)
    assert (plan.first, plan.last) == (f"{YEAR}{SCHOOL}3100001", f"{YEAR}{SCHOOL}3100003")
    assert plan.numbers() == [f"{YEAR}{SCHOOL}31{n:05d}" for n in (1, 2, 3)]
    custom = numbers.plan_batch(cohort(), None, 2, "GZ-{year}-{serial:03d}-X")
    assert (custom.first, custom.last) == (f"GZ-{YEAR}-001-X", f"GZ-{YEAR}-002-X")


def test_generation_creates_unused_numbers_audited_and_the_next_batch_continues(nctx: Any) -> None:
    before = _audits("agreement_number.generated")
    batch = numbers.generate(numbers.plan_batch(cohort(), "31", 4, numbers.PATTERN))
    db.session.commit()
    rows = db.session.execute(select(AgreementNumber).where(AgreementNumber.batch == batch)
                              .order_by(AgreementNumber.number)).scalars().all()
    assert [r.number[-5:] for r in rows] == ["00001", "00002", "00003", "00004"]
    assert {(r.state, r.source, r.cohort_id, r.education_level) for r in rows} == {
        ("unused", "generated", cohort().id, "31")}
    assert _audits("agreement_number.generated") == before + 1
    again = numbers.plan_batch(cohort(), "31", 2, numbers.PATTERN)
    assert (again.start, again.existing, again.first) == (5, 4, f"{YEAR}{SCHOOL}3100005")
    # another level is another prefix: its serial starts afresh
    assert numbers.plan_batch(cohort(), "11", 1, numbers.PATTERN).first == f"{YEAR}{SCHOOL}1100001"


def test_the_serial_continues_after_the_highest_even_with_gaps_and_overflow(nctx: Any) -> None:
    db.session.add_all([AgreementNumber(number=f"Q{YEAR}{n}", cohort_id=cohort().id) for n in ("007", "120", "0999")])
    db.session.commit()
    plan = numbers.plan_batch(cohort(), None, 2, "Q{year}{serial:03d}")
    assert (plan.start, plan.first, plan.last) == (1000, f"Q{YEAR}1000", f"Q{YEAR}1001")


def test_a_stale_plan_never_creates_a_duplicate(nctx: Any) -> None:
    """A plan read before someone else's batch overlaps it: the unique number refuses the whole batch."""
    from sqlalchemy.exc import IntegrityError

    stale = numbers.plan_batch(cohort(), "31", 3, numbers.PATTERN)
    numbers.generate(numbers.plan_batch(cohort(), "31", 2, numbers.PATTERN))
    db.session.commit()
    with pytest.raises(IntegrityError):
        numbers.generate(stale)
        db.session.flush()
    db.session.rollback()
    assert numbers_of_cohort() == 2
    assert numbers.plan_batch(cohort(), "31", 3, numbers.PATTERN).first.endswith("00003")


@pytest.mark.parametrize(("pattern", "level", "words"), [
    ("{year}{school}{serial", None, "{ 都需要对应的 }"),
    ("{year}{campus}{serial}", None, "未知的占位符 {campus}"),
    ("{year}{school}", None, "需要流水号"),
    ("{serial}{serial}", None, "只能有一个流水号"),
    ("{year}{serial:5d}", None, "只能有一个流水号"),
    ("{year}{level}{serial}", None, "请选择本批编号的学历"),
    ("{year}协议{serial}", None, "只能包含数字、英文字母"),
    ("{year:04d}{serial}", None, "不能带格式"),
    ("{year}{serial:013d}", None, "最多 12 位"),
    ("X" * 36 + "{serial:05d}", None, "超过 40 个字符"),
])
def test_bad_patterns_are_refused_with_their_reason(nctx: Any, pattern: str, level: Any, words: str) -> None:
    with pytest.raises(NumbersRefused) as refused:
        numbers.plan_batch(cohort(), level, 1, pattern)
    assert words in " ".join(refused.value.messages), refused.value.messages


def test_count_cohort_and_level_are_checked(nctx: Any) -> None:
    for who, level, count, words in ((None, None, 1, "届别"), (cohort(), None, 0, "1 到"),
                                     (cohort(), None, numbers.MAX_BATCH + 1, "1 到"), (cohort(), "99", 1, "学历")):
        with pytest.raises(NumbersRefused) as refused:
            numbers.plan_batch(who, level, count, "{year}{serial}")
        assert words in " ".join(refused.value.messages)
    assert numbers_of_cohort() == 0


def test_assign_cohort_is_set_based_lowest_first_and_reports_who_waits(nctx: Any) -> None:
    ids = graduates(5)
    free = pool(3)
    before = _audits("agreement_number.assigned_cohort")
    assert numbers.assign_cohort(cohort().id) == (3, 2)
    db.session.commit()
    got = numbers.current_numbers(ids)
    assert sorted(n.number for n in got.values()) == sorted(free)
    assert [got[g].number for g in sorted(got)] == free  # graduates in id order take the numbers in number order
    assert _audits("agreement_number.assigned_cohort") == before + 1
    pool(2)
    assert numbers.assign_cohort(cohort().id) == (2, 0)
    assert numbers.assign_cohort(cohort().id) == (0, 0)  # everyone holds one now
    db.session.commit()
    assert len(numbers.current_numbers(ids)) == 5


def test_assignment_uses_the_level_pool_or_the_whole_cohort_pool_never_another_level(nctx: Any) -> None:
    master = graduates(1, level="11")
    bachelor = graduates(2, level="31")
    pool(1, level="11")
    whole = pool(1, level=None)
    pool(3, level="01")  # doctoral numbers: for nobody here
    assert numbers.assign_cohort(cohort().id, level="31") == (1, 1)  # only bachelors: one takes the whole-cohort one
    db.session.commit()
    assert numbers.current_numbers(bachelor)[bachelor[0]].number == whole[0]
    assert numbers.assign_cohort(cohort().id) == (1, 1)  # the master takes the 11 number; the bachelor still waits
    db.session.commit()
    assert numbers.current_numbers(master)[master[0]].education_level == "11"


def test_unreported_graduates_get_no_number_and_assigned_ones_are_told(nctx: Any, student_id: int) -> None:
    from tests.workflows.test_number_world import own_graduate

    excluded = graduates(1, included=False)
    mine = own_graduate(student_id)
    pool(3)
    assert numbers.assign_cohort(cohort().id) == (1, 0)
    db.session.commit()
    assert not numbers.current_numbers(excluded)
    text = db.session.execute(select(Notification.params).where(Notification.user_id == student_id,
                                                                Notification.kind == "agreement_number.assigned")
                              ).scalar_one()
    assert numbers.current_numbers([mine.id])[mine.id].number in text


def test_assign_one_refuses_a_holder_and_an_empty_pool(nctx: Any) -> None:
    grad = db.session.get(Graduate, graduates(1)[0])
    with pytest.raises(NumbersRefused) as empty:
        numbers.assign_one(grad)
    assert "编号池中已没有" in empty.value.messages[0]
    free = pool(2)
    assert numbers.assign_one(grad).number == free[0]
    db.session.commit()
    with pytest.raises(NumbersRefused) as holder:
        numbers.assign_one(grad)
    assert "已有协议书编号" in holder.value.messages[0]


def test_void_unused_and_assigned_numbers_with_a_reason_and_reissue(nctx: Any) -> None:
    grad = db.session.get(Graduate, graduates(1)[0])
    free = pool(3)
    numbers.assign_one(grad)
    db.session.commit()
    unused = db.session.execute(select(AgreementNumber).where(AgreementNumber.number == free[2])).scalar_one()
    numbers.void_number(unused, "印刷错误")
    db.session.commit()
    assert state_of(free[2]) == ("voided", None, "印刷错误")
    held = numbers.current_numbers([grad.id])[grad.id]
    new = numbers.void_number(held, "协议污损", reissue=True)
    db.session.commit()
    assert state_of(free[0]) == ("voided", grad.id, "协议污损")
    assert new is not None and new.number == free[1] and state_of(free[1])[:2] == ("assigned", grad.id)
    assert [n.number for n in numbers.history(grad.id)] == [free[1], free[0]]


def test_void_refuses_no_reason_a_voided_number_and_one_a_live_agreement_uses(nctx: Any) -> None:
    grad = db.session.get(Graduate, graduates(1)[0])
    pool(1)
    held = numbers.assign_one(grad)
    db.session.commit()
    with pytest.raises(NumbersRefused, match="作废原因"):
        numbers.void_number(held, "  ")
    live = agreement(grad.id, held.id, "stamp_employer")
    with pytest.raises(NumbersRefused) as refused:
        numbers.void_number(held, "丢失")
    assert "进行中的三方协议" in refused.value.messages[0]
    assert state_of(held.number)[0] == "assigned"
    live.status = "declined"  # an agreement that ended no longer holds the number
    db.session.commit()
    numbers.void_number(held, "丢失")
    db.session.commit()
    with pytest.raises(NumbersRefused, match="已作废"):
        numbers.void_number(held, "再次")


def test_pool_page_counts_per_state_and_pages_in_number_order(nctx: Any) -> None:
    free = pool(7)
    grad = db.session.get(Graduate, graduates(1)[0])
    numbers.assign_one(grad)
    db.session.commit()
    f = numbers.PoolFilter(cohort_id=cohort().id)
    page = numbers.pool_page(f, page=2, page_size=3)
    assert page.counts == {"unused": 6, "assigned": 1, "voided": 0} and page.total == 7 and page.pages == 3
    assert [r.number for r in page.rows] == free[3:6]
    only = numbers.pool_page(numbers.PoolFilter(cohort_id=cohort().id, state="assigned"))
    assert [(r.number, r.student_no) for r in only.rows] == [(free[0], grad.student_no)] and only.total == 1
    by_student = numbers.pool_page(numbers.PoolFilter(keyword=grad.student_no))
    assert [r.number for r in by_student.rows] == [free[0]]
    by_prefix = numbers.pool_page(numbers.PoolFilter(keyword=free[6]))
    assert [r.number for r in by_prefix.rows] == [free[6]]
