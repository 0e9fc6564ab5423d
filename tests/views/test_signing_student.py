"""AGR-2, the graduate's pages (就业服务 → 网签协议书): the menu, invitations accepted or declined (with a remark),
expired ones shown expired, the request with an employer's credit code (refused before the source information is
complete, while another agreement is live, and on the index's race), cancelling it, editing it only while pending,
the stamp confirmed."""
from __future__ import annotations

import datetime
import re
from typing import Any

import pytest

from app.extensions import db
from app.models.employer import Employer
from tests.workflows import test_agreement_world as w

world, pages = w.world, w.pages


@pytest.fixture()
def student(app: Any, pages: w.World) -> Any:
    return w.signed_in(app, pages.student)


def act(b: Any, agreement_id: int, decision: str, version: int = 1, remark: str = "") -> Any:
    url = f"/student/agreements/{agreement_id}"
    return b.post_form(f"{url}/act", {"decision": decision, "version": str(version), "remark": remark},
                       token_from="/profile/form")  # any form of the session: a page without buttons has none


def code_of(app: Any, employer_id: int) -> str:
    with app.app_context():
        return db.session.get(Employer, employer_id).credit_code


def request_form(app: Any, employer_id: int, **overrides: str) -> dict[str, str]:
    return {"credit_code": code_of(app, employer_id), "action": "send", **w.terms(), **overrides}


def test_the_menu_leads_to_online_signing(app: Any, pages: w.World, student: Any) -> None:
    w.grad(app, pages.student)
    home = student.get("/").get_data(as_text=True)
    assert "网签协议书" in home and "/student/agreements/" in home
    html = student.get("/student/agreements/").get_data(as_text=True)
    assert "单位邀约" in html and "发起签约" in html


def test_a_student_without_a_graduate_row_is_told_so(app: Any, pages: w.World) -> None:
    b = w.signed_in(app, pages.other_student)
    assert 'id="gems-no-record"' in b.get("/student/agreements/").get_data(as_text=True)


def test_accepting_an_invitation(app: Any, pages: w.World, student: Any) -> None:
    grad = w.grad(app, pages.student)
    row = w.placed(app, grad.id, pages.unit_a, "invited")
    listing = student.get("/student/agreements/").get_data(as_text=True)
    invitations = listing[listing.find('id="gems-invitations"'):listing.find('id="gems-my-agreements"')]
    assert f'id="agreement-{row}"' in invitations and "已邀约，等待毕业生接受" in invitations
    page = student.get(f"/student/agreements/{row}").get_data(as_text=True)
    assert 'id="btn-accept"' in page and 'id="btn-decline"' in page and "请阅读协议条款" in page
    assert act(student, row, "accept").status_code == 302
    after = w.state(app, row)
    assert after["status"] == "secondary" and after["number_id"] is not None
    assert w.notices(app, pages.emp_a, "agreement.accept")
    page = student.get(f"/student/agreements/{row}").get_data(as_text=True)
    assert "院系正在审核协议" in page and 'id="btn-accept"' not in page
    listing = student.get("/student/agreements/").get_data(as_text=True)
    assert 'id="gems-live"' in listing and 'id="gems-start-problem"' not in listing
    assert "disabled" in listing[listing.find('id="gems-start"') - 80:listing.find('id="gems-start"')]


def test_declining_with_a_remark(app: Any, pages: w.World, student: Any) -> None:
    row = w.placed(app, w.grad(app, pages.student).id, pages.unit_a, "invited")
    assert act(student, row, "decline", remark="已选择读研").status_code == 302
    after = w.state(app, row)
    assert (after["status"], after["answer_remark"]) == ("declined", "已选择读研")
    # the employer account's earlier declines (other tests) are not this one's: the one naming this remark
    ((link, text),) = [n for n in w.notices(app, pages.emp_a, "agreement.decline") if "已选择读研" in n[1]]
    assert link == "/employer/agreements/"


def test_declining_without_a_remark(app: Any, pages: w.World, student: Any) -> None:
    row = w.placed(app, w.grad(app, pages.student).id, pages.unit_a, "invited")
    assert act(student, row, "decline").status_code == 302
    after = w.state(app, row)
    assert (after["status"], after["answer_remark"]) == ("declined", None)


def test_an_expired_invitation_is_shown_expired(app: Any, pages: w.World, student: Any) -> None:
    row = w.placed(app, w.grad(app, pages.student).id, pages.unit_a, "invited",
                   expires_at=datetime.datetime(2020, 5, 1))
    listing = student.get("/student/agreements/").get_data(as_text=True)
    assert "邀约已过期" in listing and w.state(app, row)["status"] == "expired"
    page = student.get(f"/student/agreements/{row}").get_data(as_text=True)
    assert 'id="btn-accept"' not in page and "邀约在答复前已过期" in page
    act(student, row, "accept")  # a stale page's click: the engine's own refusal, nothing done
    assert "该邀约已过期，请联系用人单位重新邀约" in student.get(f"/student/agreements/{row}").get_data(as_text=True)
    assert w.state(app, row)["status"] == "expired"


def test_an_invitation_that_expires_while_open_refuses_the_click(app: Any, pages: w.World, student: Any) -> None:
    row = w.placed(app, w.grad(app, pages.student).id, pages.unit_a, "invited")
    version = w.page_version(student.get(f"/student/agreements/{row}").get_data(as_text=True))
    with app.app_context():
        from app.models.agreement import Agreement

        db.session.get(Agreement, row).expires_at = datetime.datetime(2020, 5, 1)
        db.session.commit()
    act(student, row, "accept", version)
    assert w.state(app, row)["status"] == "invited"
    page = student.get(f"/student/agreements/{row}").get_data(as_text=True)
    assert "该邀约已于 2020-05-01 08:00 过期" in page and w.state(app, row)["status"] == "expired"


def test_a_request_with_the_employers_credit_code(app: Any, pages: w.World, student: Any) -> None:
    grad = w.grad(app, pages.student)
    looked = student.post_form("/student/agreements/new", request_form(app, pages.unit_a, action="check"))
    with app.app_context():
        name = db.session.get(Employer, pages.unit_a).name
    assert looked.status_code == 200 and name in looked.get_data(as_text=True)
    assert w.agreements_of(app, grad.id) == []
    w.clear_notices(app, pages.emp_a)
    sent = student.post_form("/student/agreements/new", request_form(app, pages.unit_a))
    assert sent.status_code == 302, sent.get_data(as_text=True)[:1500]
    (row,) = w.agreements_of(app, grad.id)
    assert (row["status"], row["started_by"], row["employer_id"], row["position"]) == (
        "requested", "graduate", pages.unit_a, "数据分析师")
    ((link, text),) = w.notices(app, pages.emp_a, "agreement.request")
    assert link == "/employer/agreements/" and "发起三方协议签约" in text


@pytest.mark.parametrize("which", ["unknown", "pending", "malformed"])
def test_a_request_names_an_approved_employer(app: Any, pages: w.World, student: Any, which: str) -> None:
    grad = w.grad(app, pages.student)
    code = {"unknown": w.credit_code(), "pending": code_of(app, pages.pending), "malformed": "123"}[which]
    response = student.post_form("/student/agreements/new", request_form(app, pages.unit_a, credit_code=code))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert ("统一社会信用代码应为18位" if which == "malformed" else "没有使用该统一社会信用代码、已审核通过的用人单位") in html
    assert w.agreements_of(app, grad.id) == []


def test_no_request_before_the_source_information_is_complete(app: Any, pages: w.World, student: Any) -> None:
    """Seed 001: 未实名认证前，不可进行协议申请."""
    grad = w.grad(app, pages.student, source_status="central")
    listing = student.get("/student/agreements/").get_data(as_text=True)
    assert "未实名认证前，不可进行协议申请" in listing
    response = student.post_form("/student/agreements/new", request_form(app, pages.unit_a),
                                 token_from="/profile/form")
    assert response.status_code == 422 and "未实名认证前，不可进行协议申请" in response.get_data(as_text=True)
    assert w.agreements_of(app, grad.id) == []


def test_no_request_while_another_agreement_is_live(app: Any, pages: w.World, student: Any) -> None:
    grad = w.grad(app, pages.student)
    w.placed(app, grad.id, pages.unit_b, "stamp_employer")
    response = student.post_form("/student/agreements/new", request_form(app, pages.unit_a),
                                 token_from="/profile/form")
    assert response.status_code == 422 and "该毕业生已有一份有效协议" in response.get_data(as_text=True)
    assert len(w.agreements_of(app, grad.id)) == 1


def test_the_index_race_on_a_request_reads_as_the_check(app: Any, pages: w.World, student: Any,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """The check blinded (as a concurrent request slips past it): the partial unique index refuses the insert and
    the page says the check's words with a 422, never a 500."""
    import app.services.agreements as agreements

    grad = w.grad(app, pages.student)
    w.placed(app, grad.id, pages.unit_b, "requested", started_by="graduate")
    monkeypatch.setattr(agreements, "other_live_agreement", lambda row: None)
    response = student.post_form("/student/agreements/new", request_form(app, pages.unit_a),
                                 token_from="/profile/form")
    assert response.status_code == 422 and "该毕业生已有一份有效协议" in response.get_data(as_text=True)
    assert [r["employer_id"] for r in w.agreements_of(app, grad.id)] == [pages.unit_b]


def test_cancelling_and_editing_own_request_while_pending(app: Any, pages: w.World, student: Any) -> None:
    row = w.placed(app, w.grad(app, pages.student).id, pages.unit_a, "requested", started_by="graduate")
    url = f"/student/agreements/{row}"
    page = student.get(url).get_data(as_text=True)
    assert 'id="gems-edit-form"' in page and 'id="btn-cancel"' in page
    edited = student.post_form(f"{url}/edit", {**w.terms(salary="10000元/月"), "version": "1"}, token_from=url)
    assert edited.status_code == 302 and w.state(app, row)["salary"] == "10000元/月"
    assert w.notices(app, pages.emp_a, "agreement.edited_by_graduate")
    assert act(student, row, "cancel", version=2).status_code == 302
    assert w.state(app, row)["status"] == "cancelled"
    page = student.get(url).get_data(as_text=True)
    assert 'id="gems-edit-form"' not in page and "已取消" in page


def test_an_invitation_is_not_the_graduates_to_edit(app: Any, pages: w.World, student: Any) -> None:
    row = w.placed(app, w.grad(app, pages.student).id, pages.unit_a, "invited")
    url = f"/student/agreements/{row}"
    assert 'id="gems-edit-form"' not in student.get(url).get_data(as_text=True)
    refused = student.post_form(f"{url}/edit", {**w.terms(salary="1元"), "version": "1"}, token_from=url)
    assert refused.status_code == 422 and "条款已不能修改" in refused.get_data(as_text=True)
    assert w.state(app, row)["salary"] == "8000元/月"


def test_confirming_the_stamped_agreement(app: Any, pages: w.World, student: Any) -> None:
    row = w.placed(app, w.grad(app, pages.student).id, pages.unit_a, "stamp_graduate")
    page = student.get(f"/student/agreements/{row}").get_data(as_text=True)
    assert 'id="btn-confirm_stamp"' in page and "用人单位已盖章" in page
    assert act(student, row, "confirm_stamp").status_code == 302
    after = w.state(app, row)
    assert after["status"] == "stamp_school" and after["graduate_confirmed_at"] is not None


def test_steps_of_someone_elses_kind_are_bad_requests(app: Any, pages: w.World, student: Any) -> None:
    row = w.placed(app, w.grad(app, pages.student).id, pages.unit_a, "invited")
    for trigger in ("withdraw", "confirm", "archive", ""):
        assert act(student, row, trigger).status_code == 400, trigger
    assert w.state(app, row)["status"] == "invited"


def test_every_state_reads_in_words_with_what_happens_next(app: Any, pages: w.World, student: Any) -> None:
    """Each live and ended state shows its label and a next-step sentence in Chinese."""
    from app.views.signing_common import NEXT_GRADUATE

    grad = w.grad(app, pages.student)
    for state in NEXT_GRADUATE:
        with app.app_context():
            from sqlalchemy import delete

            from app.models.agreement import Agreement

            db.session.execute(delete(Agreement).where(Agreement.graduate_id == grad.id))
            db.session.commit()
        row = w.placed(app, grad.id, pages.unit_a, state)
        html = student.get(f"/student/agreements/{row}").get_data(as_text=True)
        head = html[html.find('id="gems-agreement-state"'):html.find('id="gems-next-step"') + 300]
        assert f'data-state="{state}"' in head, state
        sentence = head[head.find('id="gems-next-step">') + 20:].split("</p>")[0]
        assert re.search(r"[\u4e00-\u9fff]", sentence) and not re.search(r"[A-Za-z]", sentence), (state, sentence)
