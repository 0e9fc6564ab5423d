"""AGR-1 the graduate's page /student/numbers/: current number and history (voided ones with reason and date); a
request for a new number — refused before the source information is complete (seed 001), one open at a time (the
database's index turned into a message), withdrawn while pending — with its status in words; never another's."""
from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models.agreement import NumberRequest
from app.services import agreement_numbers as numbers
from app.workflows import fire
from app.workflows.number_request import NUMBER_REQUEST
from tests.workflows.test_number_world import (
    graduates,
    nctx,
    own_graduate,
    pool,
    reason,
    sign_in,
    student_id,
    user,
)

__all__ = ["nctx", "student_id"]
URL = "/student/numbers/"


def _holder(student_id: int, status: str = "complete") -> Any:
    grad = own_graduate(student_id, status)
    pool(3)
    numbers.assign_one(grad)
    db.session.commit()
    return grad


TOKEN_PAGE = "/resetmypassword/form"  # a form every signed-in account has, for pages that show none


def _ask(b: Any, reason_id: Any, explanation: str = "协议书被水浸湿") -> Any:
    return b.client.post(URL + "request", data={"csrf_token": b.token(TOKEN_PAGE), "reason": str(reason_id),
                                                "explanation": explanation})


def _text(response: Any) -> str:
    return response.get_data(as_text=True)


def test_the_page_shows_the_current_number_and_the_voided_ones_with_reason(app: Any, nctx: Any,
                                                                           student_id: int) -> None:
    grad = _holder(student_id)
    old = numbers.current_numbers([grad.id])[grad.id]
    numbers.void_number(old, "协议丢失", reissue=True)
    db.session.commit()
    new = numbers.current_numbers([grad.id])[grad.id]
    page = _text(sign_in(app, student_id).get(URL))
    assert f'id="gems-current-number">{new.number}<' in page
    assert old.number in page and "协议丢失" in page and "已作废" in page


def test_before_the_source_information_is_complete_no_request_is_possible(app: Any, nctx: Any,
                                                                         student_id: int) -> None:
    _holder(student_id, status="central")
    b = sign_in(app, student_id)
    page = _text(b.get(URL))
    assert "未实名认证前，不可进行协议申请" in page and 'id="gems-request-form"' not in page
    refused = _ask(b, reason().id)
    assert refused.status_code == 422 and "未实名认证前，不可进行协议申请" in _text(refused)
    assert db.session.execute(select(NumberRequest.id).join(NumberRequest.graduate).where(
        NumberRequest.graduate.has(user_id=student_id))).first() is None


def test_a_request_waits_once_shows_in_words_and_can_be_withdrawn(app: Any, nctx: Any, student_id: int) -> None:
    grad = _holder(student_id)
    b = sign_in(app, student_id)
    assert _ask(b, "", "x").status_code == 422  # no reason picked
    assert "请填写申请说明" in _text(_ask(b, reason().id, "  "))
    sent = _ask(b, reason("02").id)
    assert sent.status_code == 302
    page = _text(b.get(URL))
    assert "待审核" in page and "协议丢失" in page and "协议书被水浸湿" in page and 'id="gems-request-form"' not in page
    second = _ask(b, reason("01").id)
    assert second.status_code == 422 and "已有一份等待学校审核的申请" in _text(second)
    row = numbers.open_request(grad.id)
    assert row is not None and row.old_number_id == numbers.current_numbers([grad.id])[grad.id].id
    withdrawn = b.client.post(f"{URL}{row.id}/withdraw", data={"csrf_token": b.token(URL), "version": row.version})
    assert withdrawn.status_code == 302
    page = _text(b.get(URL))
    assert "已撤回" in page and 'id="gems-request-form"' in page


def test_a_second_request_racing_past_the_check_meets_the_index(app: Any, nctx: Any, student_id: int,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """The check passed (as for two requests at once): the partial unique index refuses, the page says why."""
    grad = _holder(student_id)
    b = sign_in(app, student_id)
    assert _ask(b, reason().id).status_code == 302
    monkeypatch.setattr(numbers, "request_problem", lambda graduate: None)
    raced = _ask(b, reason().id)
    assert raced.status_code == 422 and "已有一份等待学校审核的申请" in _text(raced)
    db.session.expire_all()
    assert len(numbers.requests_of(grad.id)) == 1


def test_the_decision_shows_with_the_new_number(app: Any, nctx: Any, student_id: int) -> None:
    grad = _holder(student_id)
    b = sign_in(app, student_id)
    _ask(b, reason().id)
    assert fire(NUMBER_REQUEST, "approve_school", numbers.open_request(grad.id).id, user("school")).ok
    new = numbers.current_numbers([grad.id])[grad.id]
    page = _text(b.get(URL))
    assert "已通过：已发放新编号" in page and f'id="gems-current-number">{new.number}<' in page
    inbox = _text(b.get("/inbox/"))
    assert new.number in inbox


def test_another_graduates_request_cannot_be_withdrawn(app: Any, nctx: Any, student_id: int) -> None:
    other = graduates(1)[0]
    pool(2)
    numbers.assign_cohort(own_graduate(student_id).cohort_id)
    db.session.commit()
    row = NumberRequest(graduate_id=other, reason_id=reason().id, explanation="x")
    db.session.add(row)
    db.session.commit()
    b = sign_in(app, student_id)
    assert b.client.post(f"{URL}{row.id}/withdraw", data={"csrf_token": b.token(TOKEN_PAGE)}).status_code == 404
    db.session.expire_all()
    assert db.session.get(NumberRequest, row.id).status == "central"


def test_the_student_menu_has_the_page(app: Any, nctx: Any, student_id: int) -> None:
    _holder(student_id)
    home = _text(sign_in(app, student_id).get("/"))
    assert "我的协议书编号" in home and f'href="{URL}"' in home
