"""AGR-7 through the services and the engine: a registration creates a pending employer and its account (refused on a
taken credit code or user name), the school approves or refuses (reason required) one by one and as a batch, the
employer's accounts hear of it, a refused employer corrects its data and asks again; accounts stay per employer."""
from __future__ import annotations

import json
from typing import Any, Iterator

import pytest
from sqlalchemy import delete, or_, select, update

from app.extensions import db
from app.models.employer import APPROVED, MERGED, PENDING, REFUSED, Employer
from app.models.graduate import Graduate
from app.models.notification import Notification
from app.models.preference import UserPreference
from app.models.user import User
from app.scope import scope_clause
from app.security.roles import EMPLOYER, role_names
from app.services import employer_registration as registration
from app.services.notify import render
from app.validation.creditcode import check_char
from app.workflows.employer_registration import EMPLOYER_REGISTRATION
from app.workflows.engine import WorkflowError, fire, fire_many, why_not
from tests.conftest import DEMO_PASSWORD

PREFIX = "门户测试"
USER_PREFIX = "eptest"  # user names of this part's tests (a letter first, no LIKE wildcard)
PASSWORD = "Portal#2026x"


def code(n: int) -> str:
    body = f"91430199EPT{n:06d}"
    return body + check_char(body)


def data(n: int, **changes: Any) -> registration.EmployerData:
    values = dict(name=f"{PREFIX}{n}号有限公司", credit_code=code(n), nature_id=None, industry_id=None,
                  region_code="430104", address="长沙市岳麓区测试路 1 号", contact_name="测试联系人",
                  contact_mobile="13800138000")
    values.update(changes)
    return registration.EmployerData(**values)


def user(name: str) -> User:
    return db.session.execute(select(User).where(User.username == name)).scalar_one()


def cleanup() -> None:
    """Everything this part's tests created: their accounts (and what points at them), employers, notices."""
    db.session.rollback()
    employers = select(Employer.id).where(Employer.name.like(f"{PREFIX}%"))
    ids = list(db.session.execute(select(User.id).where(or_(
        User.username.like(f"{USER_PREFIX}%"), User.employer_id.in_(employers)))).scalars())
    db.session.execute(delete(Notification).where(or_(Notification.user_id.in_(ids), Notification.params.like(
        f"%{PREFIX}%"))))
    db.session.execute(delete(UserPreference).where(UserPreference.user_id.in_(ids)))
    for column in ("created_by_fk", "changed_by_fk"):
        db.session.execute(update(User).where(getattr(User, column).in_(ids)).values({column: None}))
    for account in db.session.execute(select(User).where(User.id.in_(ids))).scalars():
        db.session.delete(account)
    db.session.flush()
    db.session.execute(update(Employer).where(Employer.merged_into_id.in_(employers)).values(merged_into_id=None))
    db.session.execute(delete(Employer).where(Employer.id.in_(employers.scalar_subquery())))
    db.session.commit()


@pytest.fixture()
def world(app: Any) -> Iterator[None]:
    with app.test_request_context():
        cleanup()
        yield
        cleanup()


def registered(n: int, status: str = PENDING) -> tuple[Employer, User]:
    """A self-registered employer with its first account, moved to `status` through the engine."""
    employer, account = registration.register(data(n), f"{USER_PREFIX}{n}", PASSWORD)
    db.session.commit()
    if status in (APPROVED, REFUSED):
        result = fire(EMPLOYER_REGISTRATION, "approve" if status == APPROVED else "refuse", employer.id,
                      user("school"), "测试理由")
        assert result.ok, result.reason
    elif status == MERGED:
        db.session.execute(update(Employer).where(Employer.id == employer.id).values(status=MERGED))
        db.session.commit()
    db.session.refresh(employer)
    return employer, account


def notices(user_id: int, kind: str) -> list[Notification]:
    return list(db.session.execute(select(Notification).where(Notification.user_id == user_id,
                                                              Notification.kind == kind)).scalars())


def test_a_registration_creates_a_pending_employer_and_its_account(world: None) -> None:
    from werkzeug.security import check_password_hash

    employer, account = registration.register(data(1), f"{USER_PREFIX}1", PASSWORD)
    db.session.commit()
    db.session.refresh(employer)
    assert (employer.status, employer.self_registered, employer.version) == (PENDING, True, 1)
    assert (employer.credit_code, employer.region_code, employer.contact_mobile) == (code(1), "430104", "13800138000")
    assert account.employer_id == employer.id and account.active and not account.must_change_password
    assert role_names(account) == {EMPLOYER} and check_password_hash(account.password, PASSWORD)
    school = notices(user("school").id, "employer_registration.registered")
    assert [json.loads(n.params)["employer"] for n in school] == [employer.name]
    assert school[0].link == f"/review/employer-registration/{employer.id}"


def test_a_taken_credit_code_user_name_or_student_number_is_refused(world: None) -> None:
    first, _account = registered(2)
    student_no = db.session.execute(select(Graduate.student_no).limit(1)).scalar_one()
    cases = [(data(3, credit_code=code(2)), f"{USER_PREFIX}3", PASSWORD, "credit_code", first.name),
             (data(4), f"{USER_PREFIX}2", PASSWORD, "username", "已被使用"),
             (data(5), "school", PASSWORD, "username", "已被使用"),
             (data(6), "SCHOOL", PASSWORD, "username", "已被使用"),
             (data(7), "9" + student_no[1:], PASSWORD, "username", "字母开头"),
             (data(8), "ab", PASSWORD, "username", "4 至 32"),
             (data(9), f"{USER_PREFIX}9", "weakpassword", "password", "三")]
    for values, username, password, field, words in cases:
        with pytest.raises(registration.Refused) as refused:
            registration.register(values, username, password)
        assert field in refused.value.errors and words in refused.value.errors[field], (username, refused.value.errors)
        db.session.rollback()
    assert db.session.execute(select(Employer.name).where(Employer.name.like(f"{PREFIX}%"))).scalars().all() == [
        first.name]
    taken = registration.duplicate_message(first.name)
    assert "已注册" in taken and "同事" in taken and "就业指导中心" in taken


def test_approval_through_the_engine_tells_every_account(world: None) -> None:
    employer, account = registered(10)
    colleague, _pw = registration.add_account(user("school"), employer, f"{USER_PREFIX}10b", "同事乙", None)
    db.session.commit()
    result = fire(EMPLOYER_REGISTRATION, "approve", employer.id, user("school"), expected_version=1)
    assert result.ok and (result.from_state, result.to_state) == (PENDING, APPROVED)
    db.session.refresh(employer)
    assert employer.status == APPROVED and employer.version == 2 and employer.decided_by == "就业指导中心 王老师"
    for who in (account, colleague):
        (notice,) = notices(who.id, "employer_registration.approve")
        assert employer.name in render(notice) and "审核通过" in render(notice) and notice.link == "/employer/status/"
    assert registration.approved_employer(account).id == employer.id


def test_refusal_needs_a_reason_which_reaches_the_employer(world: None) -> None:
    employer, account = registered(11)
    with pytest.raises(WorkflowError):
        fire(EMPLOYER_REGISTRATION, "refuse", employer.id, user("school"), "  ")
    db.session.rollback()
    result = fire(EMPLOYER_REGISTRATION, "refuse", employer.id, user("school"), "营业执照名称与信用代码不符")
    assert result.ok
    db.session.refresh(employer)
    assert (employer.status, employer.decision_remark) == (REFUSED, "营业执照名称与信用代码不符")
    (notice,) = notices(account.id, "employer_registration.refuse")
    assert "营业执照名称与信用代码不符" in render(notice) and "重新申请" in render(notice)
    assert registration.approved_employer(account) is None


def test_a_batch_decides_what_it_may_and_says_why_not_for_the_rest(world: None) -> None:
    rows = {status: registered(20 + i, status)[0] for i, status in enumerate((PENDING, REFUSED, APPROVED, MERGED))}
    extra, _account = registered(30)
    result = fire_many(EMPLOYER_REGISTRATION, "approve", [e.id for e in rows.values()] + [extra.id, 10**9],
                       user("school"), "")
    assert sorted(result.done_ids) == sorted([rows[PENDING].id, rows[REFUSED].id, extra.id])
    reasons = {r.id: r.reason for r in result.skipped}
    assert "已" in reasons[rows[APPROVED].id] and "通过" in reasons[rows[APPROVED].id]
    assert "合并" in reasons[rows[MERGED].id]
    assert reasons[10**9]  # an unknown id is skipped with a reason, not an error
    refused = fire_many(EMPLOYER_REGISTRATION, "refuse", [rows[PENDING].id], user("school"), "批量不通过")
    assert not refused.done and refused.skipped[0].reason


@pytest.mark.parametrize("role", ["college_a", "employer_a", "student"])
def test_only_the_school_decides(world: None, role: str) -> None:
    employer, _account = registered(40)
    actor = user(role) if role != "student" else db.session.execute(
        select(User).where(User.username.like("2022%")).limit(1)).scalar_one()
    result = fire(EMPLOYER_REGISTRATION, "approve", employer.id, actor)
    assert not result.ok and result.reason
    assert why_not(EMPLOYER_REGISTRATION, "approve", employer, actor)
    db.session.refresh(employer)
    assert employer.status == PENDING


def test_a_refused_employer_corrects_and_asks_again(world: None) -> None:
    employer, account = registered(50, REFUSED)
    assert why_not(EMPLOYER_REGISTRATION, "resubmit", employer, account) is None
    assert registration.correct(employer.id, data(50, name=f"{PREFIX}50号改名有限公司"), employer.version)
    db.session.commit()
    db.session.refresh(employer)
    assert employer.name == f"{PREFIX}50号改名有限公司" and employer.status == REFUSED
    assert fire(EMPLOYER_REGISTRATION, "resubmit", employer.id, account).ok
    db.session.refresh(employer)
    assert employer.status == PENDING and employer.decision_remark == "测试理由"  # the last reason stays visible
    assert notices(user("school").id, "employer_registration.resubmit")
    again = fire(EMPLOYER_REGISTRATION, "resubmit", employer.id, account)
    assert not again.ok and "等待学校审核" in again.reason


def test_a_correction_loses_to_a_newer_change_and_never_touches_a_decided_one(world: None) -> None:
    employer, _account = registered(51)
    stale = employer.version
    assert registration.correct(employer.id, data(51, address="新地址"), stale)
    db.session.commit()
    assert not registration.correct(employer.id, data(51, address="更新的地址"), stale)
    approved, _other = registered(52, APPROVED)
    assert not registration.correct(approved.id, data(52, name=f"{PREFIX}篡改"), approved.version)
    with pytest.raises(registration.Refused):
        registration.correct(employer.id, data(51, credit_code=code(52)), None)
    db.session.rollback()
    # the school's decision on the page it read before the correction is refused as stale
    result = fire(EMPLOYER_REGISTRATION, "approve", employer.id, user("school"), expected_version=stale)
    assert not result.ok and "其他人修改" in result.reason


def test_another_employer_cannot_resubmit_or_see_the_registration(world: None) -> None:
    employer, _account = registered(53, REFUSED)
    other = user("employer_a")
    result = fire(EMPLOYER_REGISTRATION, "resubmit", employer.id, other)
    assert not result.ok
    assert registration.employer_of(other).id != employer.id
    seen = set(db.session.execute(select(Employer.id).where(scope_clause(Employer, other))).scalars())
    assert employer.id not in seen and other.employer_id in seen


def test_accounts_stay_within_their_employer(world: None) -> None:
    employer, account = registered(60, APPROVED)
    pending, pending_account = registered(61)
    colleague, password = registration.add_account(account, employer, f"{USER_PREFIX}60b", "同事丙", "13900139000")
    db.session.commit()
    assert colleague.employer_id == employer.id and colleague.must_change_password and len(password) >= 12
    assert [u.username for u in registration.accounts_of(employer.id, account)] == [f"{USER_PREFIX}60",
                                                                                    f"{USER_PREFIX}60b"]
    assert registration.accounts_of(pending.id, account) == []  # another employer's accounts: out of scope
    visible = set(db.session.execute(select(User.username).where(scope_clause(User, account))).scalars())
    assert visible == {f"{USER_PREFIX}60", f"{USER_PREFIX}60b"}
    for actor, target_employer in ((account, pending), (pending_account, pending), (user("employer_b"), employer)):
        with pytest.raises(registration.Refused):
            registration.add_account(actor, target_employer, f"{USER_PREFIX}x", "外人", None)
        db.session.rollback()
    with pytest.raises(registration.Refused):
        registration.set_account_active(account, employer, account.id, False)  # never one's own
    with pytest.raises(LookupError):
        registration.set_account_active(account, employer, user("employer_a").id, False)
    with pytest.raises(LookupError):
        registration.set_account_active(user("employer_b"), employer, colleague.id, False)
    db.session.rollback()
    registration.set_account_active(account, employer, colleague.id, False)
    db.session.commit()
    db.session.refresh(colleague)
    assert colleague.active is False
    # the school manages any employer's accounts, also before approval
    added, _pw = registration.add_account(user("school"), pending, f"{USER_PREFIX}61b", "学校添加", None)
    db.session.commit()
    assert added.employer_id == pending.id


def test_demo_accounts_belong_to_the_demo_employers(ctx: Any) -> None:
    from app.services.demo_employers import APPROVED_DEMO

    for username, _holder, first17, name, *_rest in APPROVED_DEMO:
        account = user(username)
        employer = db.session.get(Employer, account.employer_id)
        assert (employer.name, employer.status, employer.credit_code[:17]) == (name, APPROVED, first17)
        assert role_names(account) == {EMPLOYER} and not account.must_change_password
    from werkzeug.security import check_password_hash

    assert check_password_hash(user("employer_a").password, DEMO_PASSWORD)
