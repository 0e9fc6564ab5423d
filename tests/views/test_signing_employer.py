"""AGR-2, the employer's pages: invite (name AND ID number, one 'not found' whichever is wrong), the refusals, the
list and its state filter, the record page (edit only while invited, withdraw, confirm/refuse a request, stamp),
buttons disabled with the engine's reason, an unapproved employer refused with 'awaiting approval'."""
from __future__ import annotations

import datetime
import json
from typing import Any

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models.audit import AuditLog
from app.models.employer import Employer
from app.models.user import User
from tests.workflows import test_agreement_world as w

world, pages = w.world, w.pages


@pytest.fixture()
def emp(app: Any, pages: w.World) -> Any:
    return w.signed_in(app, pages.emp_a)


def invite_form(grad: w.Grad, **overrides: str) -> dict[str, str]:
    return {"graduate_name": grad.name, "graduate_id_number": grad.id_number, **w.terms(), **overrides}


def audit_since(app: Any, agreement_id: int, since: int) -> list[str]:
    with app.app_context():
        return list(db.session.execute(select(AuditLog.action).where(
            AuditLog.seq > since, AuditLog.target_type == "agreement", AuditLog.target_id == str(agreement_id))
            .order_by(AuditLog.seq)).scalars())


def last_seq(app: Any) -> int:
    with app.app_context():
        return db.session.execute(select(func.max(AuditLog.seq))).scalar_one() or 0


def act(b: Any, agreement_id: int, decision: str, version: int = 1, remark: str = "") -> Any:
    url = f"/employer/agreements/{agreement_id}"
    return b.post_form(f"{url}/act", {"decision": decision, "version": str(version), "remark": remark},
                       token_from=url)


def test_the_invitation_form_reads_in_chinese(emp: Any) -> None:
    html = emp.get("/employer/invite/").get_data(as_text=True)
    assert "邀约毕业生" in html and 'name="graduate_id_number"' in html and 'name="expires_on"' in html
    assert "身份证号" in html and "答复截止日" in html


def test_an_invitation_names_the_graduate_and_the_terms(app: Any, pages: w.World, emp: Any) -> None:
    grad = w.grad(app, pages.student, name="邀约甲")
    w.clear_notices(app, pages.student)
    response = emp.post_form("/employer/invite/", invite_form(grad))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    (row,) = w.agreements_of(app, grad.id)
    assert response.headers["Location"].endswith(f"/employer/agreements/{row['id']}")
    assert (row["status"], row["kind"], row["started_by"], row["employer_id"], row["created_by_id"]) == (
        "invited", "online", "employer", pages.unit_a, pages.emp_a)
    assert (row["position"], row["salary"], row["work_region_code"], row["contract_years"]) == (
        "数据分析师", "9000元/月", "430602", 3)
    assert row["start_on"] == datetime.date(2087, 7, 1) and row["number_id"] is None
    days = app.config["GEMS_INVITATION_DAYS"]
    left = row["expires_at"] - datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    assert datetime.timedelta(days=days, minutes=-5) < left <= datetime.timedelta(days=days), left
    ((link, text),) = w.notices(app, pages.student, "agreement.invite")
    assert link == "/student/agreements/" and "邀请你签订三方协议" in text


@pytest.mark.parametrize("wrong", ["name", "number"])
def test_a_wrong_name_or_number_gets_the_same_answer(app: Any, pages: w.World, emp: Any, wrong: str) -> None:
    """Never reveal who studies here: a wrong name and a wrong number read the same, nothing is created."""
    grad = w.grad(app, pages.student, name="邀约乙")
    other = w.grad(app, None, numbered=False, name="邀约丙")
    form = invite_form(grad, graduate_name="邀约丁") if wrong == "name" else invite_form(
        grad, graduate_id_number=other.id_number)
    response = emp.post_form("/employer/invite/", form)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "没有与该姓名和身份证号相符、可邀约的毕业生" in html and "未实名认证" not in html
    assert w.agreements_of(app, grad.id) == [] and w.agreements_of(app, other.id) == []


def test_a_malformed_id_number_is_a_field_error(app: Any, pages: w.World, emp: Any) -> None:
    grad = w.grad(app, pages.student)
    response = emp.post_form("/employer/invite/", invite_form(grad, graduate_id_number="12345"))
    assert response.status_code == 422 and "身份证号应为18位" in response.get_data(as_text=True)


@pytest.mark.parametrize("field,value,words", [
    ("position", "", "请填写工作岗位"), ("work_region_code", "999999", "999999"),
    ("contract_years", "40", "1 至 10"), ("job_category_id", "0", "请从列表中选择。"),
    ("expires_on", "2001-01-01", "不能早于今天"), ("start_on", "七月一日", "YYYY-MM-DD"),
])
def test_bad_terms_are_refused_field_by_field(app: Any, pages: w.World, emp: Any, field: str, value: str,
                                              words: str) -> None:
    grad = w.grad(app, pages.student)
    response = emp.post_form("/employer/invite/", invite_form(grad, **{field: value}))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    row = html[html.find(f'id="row-{field}"'):][:1500]
    assert "has-error" in html[html.rfind("<div", 0, html.find(f'id="row-{field}"')):][:200] and words in row, row
    assert w.agreements_of(app, grad.id) == []


def test_a_graduate_who_cannot_sign_is_refused_with_the_reason(app: Any, pages: w.World, emp: Any) -> None:
    grad = w.grad(app, pages.student, source_status="secondary")
    response = emp.post_form("/employer/invite/", invite_form(grad))
    assert response.status_code == 422 and "未实名认证前，不可进行协议申请" in response.get_data(as_text=True)
    assert w.agreements_of(app, grad.id) == []


def test_a_second_open_invitation_is_refused_until_the_first_is_withdrawn(app: Any, pages: w.World,
                                                                         emp: Any) -> None:
    grad = w.grad(app, pages.student)
    assert emp.post_form("/employer/invite/", invite_form(grad)).status_code == 302
    again = emp.post_form("/employer/invite/", invite_form(grad))
    assert again.status_code == 422 and "已有一份未答复的邀约" in again.get_data(as_text=True)
    (first,) = w.agreements_of(app, grad.id)
    version = w.page_version(emp.get(f"/employer/agreements/{first['id']}").get_data(as_text=True))
    assert act(emp, first["id"], "withdraw", version).status_code == 302
    assert w.state(app, first["id"])["status"] == "withdrawn"
    assert w.notices(app, pages.student, "agreement.withdraw")
    assert emp.post_form("/employer/invite/", invite_form(grad)).status_code == 302
    assert [r["status"] for r in w.agreements_of(app, grad.id)] == ["withdrawn", "invited"]


def test_another_employer_may_invite_the_same_graduate(app: Any, pages: w.World, emp: Any) -> None:
    grad = w.grad(app, pages.student)
    assert emp.post_form("/employer/invite/", invite_form(grad)).status_code == 302
    other = w.signed_in(app, pages.emp_b)
    assert other.post_form("/employer/invite/", invite_form(grad)).status_code == 302
    assert sorted(r["employer_id"] for r in w.agreements_of(app, grad.id)) == sorted([pages.unit_a, pages.unit_b])


def _awaiting(app: Any, pages: w.World, url: str) -> tuple[int, str]:
    """What an unapproved employer gets: our gate's 403, or the portal's status page it is sent to first."""
    b = w.signed_in(app, pages.emp_pending, landing="/employer/agreements/")
    response = b.get(url, follow_redirects=True)
    return response.status_code, response.get_data(as_text=True)


@pytest.mark.parametrize("url", ["/employer/invite/", "/employer/agreements/"])
def test_an_employer_awaiting_approval_is_refused(app: Any, pages: w.World, url: str) -> None:
    status, html = _awaiting(app, pages, url)
    assert "等待学校审核" in html and 'id="gems-invite-form"' not in html and 'id="gems-agreements"' not in html


def test_the_gate_itself_refuses_with_awaiting_approval(app: Any, pages: w.World) -> None:
    """Our own check, whatever the portal does before it: the message names the employer and its waiting."""
    from app.services.signing_forms import employer_problem

    with app.test_request_context(headers={"Accept-Language": "zh"}):
        user = db.session.get(User, pages.emp_pending)
        message = employer_problem(user)
        assert "正在等待学校审核" in message and db.session.get(Employer, pages.pending).name in message
        assert employer_problem(db.session.get(User, pages.emp_a)) is None
        assert "不属于任何用人单位" in employer_problem(db.session.get(User, pages.student))


def test_an_employer_awaiting_approval_cannot_post_an_invitation(app: Any, pages: w.World) -> None:
    grad = w.grad(app, pages.student)
    b = w.signed_in(app, pages.emp_pending, landing="/employer/agreements/")
    response = b.post_form("/employer/invite/", invite_form(grad), token_from="/profile/form")
    assert response.status_code in (302, 403)
    assert w.agreements_of(app, grad.id) == []


def test_the_list_filters_by_state_and_counts_each(app: Any, pages: w.World, emp: Any) -> None:
    a = w.placed(app, w.grad(app, None, name="列表甲").id, pages.unit_a, "invited")
    b = w.placed(app, w.grad(app, None, name="列表乙").id, pages.unit_a, "requested", started_by="graduate")
    everything = emp.get("/employer/agreements/").get_data(as_text=True)
    assert f'id="agreement-{a}"' in everything and f'id="agreement-{b}"' in everything
    assert "已邀约，等待毕业生接受" in everything and 'data-state="requested"' in everything
    invited = emp.get("/employer/agreements/?status=invited").get_data(as_text=True)
    assert f'id="agreement-{a}"' in invited and f'id="agreement-{b}"' not in invited
    both = emp.get("/employer/agreements/?status=invited,requested").get_data(as_text=True)
    assert f'id="agreement-{a}"' in both and f'id="agreement-{b}"' in both
    by_name = emp.get("/employer/agreements/?q=列表乙").get_data(as_text=True)
    assert f'id="agreement-{b}"' in by_name and f'id="agreement-{a}"' not in by_name
    unknown = emp.get("/employer/agreements/?status=nonsense")
    assert unknown.status_code == 400 and "未知状态" in unknown.get_data(as_text=True)


def test_an_overdue_invitation_is_shown_expired(app: Any, pages: w.World, emp: Any) -> None:
    row = w.placed(app, w.grad(app, None).id, pages.unit_a, "invited", expires_at=datetime.datetime(2020, 5, 1))
    html = emp.get("/employer/agreements/").get_data(as_text=True)
    assert f'id="agreement-{row}"' in html and 'data-state="expired"' in html
    assert w.state(app, row)["status"] == "expired"


def test_the_record_page_shows_number_state_next_step_and_steps(app: Any, pages: w.World, emp: Any) -> None:
    grad = w.grad(app, pages.student, name="详情甲")
    assert emp.post_form("/employer/invite/", invite_form(grad)).status_code == 302
    (row,) = w.agreements_of(app, grad.id)
    html = emp.get(f"/employer/agreements/{row['id']}").get_data(as_text=True)
    assert "详情甲" in html and grad.id_number not in html and grad.id_number[-4:] in html  # masked
    assert "已邀约，等待毕业生接受" in html and "毕业生须在邀约过期前接受或拒绝" in html
    steps = html[html.find('id="gems-steps"'):]
    with app.app_context():
        name = db.session.get(User, pages.emp_a).first_name
    assert "发出邀约" in steps and name in steps
    assert 'id="btn-withdraw"' in html and 'id="gems-edit-form"' in html
    assert 'id="btn-stamp"' not in html and 'id="btn-confirm"' not in html  # only the steps of this state


def test_terms_are_edited_only_while_invited_and_an_answer_to_old_terms_is_refused(app: Any, pages: w.World,
                                                                                  emp: Any) -> None:
    grad = w.grad(app, pages.student)
    row = w.placed(app, grad.id, pages.unit_a, "invited")
    url = f"/employer/agreements/{row}"
    student = w.signed_in(app, pages.student)
    seen_by_student = w.page_version(student.get(f"/student/agreements/{row}").get_data(as_text=True))
    seen = w.page_version(emp.get(url).get_data(as_text=True))
    edited = emp.post_form(f"{url}/edit", {**w.terms(position="高级数据分析师"), "version": str(seen),
                                           "expires_on": ""}, token_from=url)
    assert edited.status_code == 302
    after = w.state(app, row)
    assert (after["position"], after["version"], after["status"]) == ("高级数据分析师", 2, "invited")
    with app.app_context():
        detail = db.session.execute(select(AuditLog.detail).where(
            AuditLog.target_type == "agreement", AuditLog.target_id == str(row),
            AuditLog.action == "agreement.edit").order_by(AuditLog.seq.desc())).scalars().first()
    assert json.loads(detail)["changes"]["position"] == ["软件工程师", "高级数据分析师"]
    assert w.notices(app, pages.student, "agreement.edited_by_employer")
    # the graduate's page still shows the old terms: accepting them is refused as a concurrent change
    student.post_form(f"/student/agreements/{row}/act", {"decision": "accept", "version": str(seen_by_student)},
                      token_from=f"/student/agreements/{row}")
    assert "您打开该记录后已有其他人修改过它" in student.get(f"/student/agreements/{row}").get_data(as_text=True)
    assert w.state(app, row)["status"] == "invited"
    # accepted on the new terms, the employer's page has no edit form and a posted edit is refused
    student.post_form(f"/student/agreements/{row}/act", {"decision": "accept", "version": "2"},
                      token_from=f"/student/agreements/{row}")
    assert w.state(app, row)["status"] == "secondary"
    assert 'id="gems-edit-form"' not in emp.get(url).get_data(as_text=True)
    refused = emp.post_form(f"{url}/edit", {**w.terms(position="别的岗位"), "version": "3"},
                            token_from="/employer/invite/")
    assert refused.status_code == 422 and "条款已不能修改" in refused.get_data(as_text=True)
    assert w.state(app, row)["position"] == "高级数据分析师"


def test_confirm_or_refuse_a_graduates_request(app: Any, pages: w.World, emp: Any) -> None:
    first = w.placed(app, w.grad(app, pages.student).id, pages.unit_a, "requested", started_by="graduate")
    html = emp.get(f"/employer/agreements/{first}").get_data(as_text=True)
    assert 'id="btn-confirm"' in html and 'id="btn-refuse"' in html and 'id="btn-cancel"' not in html
    assert "毕业生向你发起签约" in html
    w.clear_notices(app, pages.student)
    assert act(emp, first, "refuse", remark="岗位已满").status_code == 302
    row = w.state(app, first)
    assert (row["status"], row["answer_remark"]) == ("declined", "岗位已满")
    ((_link, text),) = w.notices(app, pages.student, "agreement.refuse")
    assert "岗位已满" in text
    second = w.placed(app, w.grad(app, pages.student).id, pages.unit_a, "requested", started_by="graduate")
    assert act(emp, second, "confirm").status_code == 302
    row = w.state(app, second)
    assert row["status"] == "secondary" and row["number_id"] is not None


def test_a_reason_is_required_to_refuse(app: Any, pages: w.World, emp: Any) -> None:
    row = w.placed(app, w.grad(app, pages.student).id, pages.unit_a, "requested", started_by="graduate")
    act(emp, row, "refuse", remark=" ")
    html = emp.get(f"/employer/agreements/{row}").get_data(as_text=True)
    assert "执行“拒绝毕业生的申请”操作须填写理由" in html, html[html.find("alert"):][:400]
    assert w.state(app, row)["status"] == "requested"


def test_the_stamp_is_confirmed_when_approved(app: Any, pages: w.World, emp: Any) -> None:
    row = w.placed(app, w.grad(app, pages.student).id, pages.unit_a, "stamp_employer")
    html = emp.get(f"/employer/agreements/{row}").get_data(as_text=True)
    assert 'id="btn-stamp"' in html and "请确认盖章" in html
    assert act(emp, row, "stamp").status_code == 302
    after = w.state(app, row)
    assert after["status"] == "stamp_graduate" and after["employer_stamped_at"] is not None
    assert w.notices(app, pages.student, "agreement.stamp")


def test_a_disabled_button_says_why(app: Any, pages: w.World, emp: Any) -> None:
    """The plan lock disables 'confirm' with the lock's words on the button and beside it."""
    row = w.placed(app, w.grad(app, pages.student).id, pages.unit_a, "requested", started_by="graduate")
    w.set_cohort(app, plan_locked=True)
    html = emp.get(f"/employer/agreements/{row}").get_data(as_text=True)
    button = html[html.find('id="btn-confirm"'):][:400]
    assert "disabled" in button and f"{w.YEAR}届就业方案已锁定" in button
    assert 'id="why-confirm"' in html
    assert act(emp, row, "confirm").status_code == 302
    assert w.state(app, row)["status"] == "requested"


def test_a_trigger_that_is_not_the_employers_is_a_bad_request(app: Any, pages: w.World, emp: Any) -> None:
    row = w.placed(app, w.grad(app, pages.student).id, pages.unit_a, "requested", started_by="graduate")
    since = last_seq(app)
    for trigger in ("accept", "archive", "cancel", "nonsense"):
        assert act(emp, row, trigger).status_code == 400, trigger
    assert w.state(app, row)["status"] == "requested"
    assert audit_since(app, row, since) == []
