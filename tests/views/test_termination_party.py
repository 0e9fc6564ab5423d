"""TRM-1 … TRM-3 from the parties' pages: the graduate (就业服务 → 解约申请) and the employer request, send, answer,
withdraw and submit offline; bad input is refused with its message; nobody reaches another party's terminations."""
from __future__ import annotations

import io
from typing import Any

import pytest
from sqlalchemy import func, select, update

from app.extensions import db
from app.models.graduate import Graduate
from app.models.termination import Termination
from app.models.user import User
from tests.conftest import Browser
from tests.workflows import test_termination_world as world
from tests.workflows.test_termination_world import PASSWORD, PNG, agreement, graduate, termination

people, tctx = world.people, world.tctx
STUDENT, EMPLOYER = "/student/terminations/", "/employer/terminations/"


class _Client:
    """A test client whose every request starts with an empty `g`: the tests' own request context is pushed, and
    Flask reuses its app context (and so `g`, where Flask-Login keeps the signed-in user) for the client's requests."""

    def __init__(self, client: Any) -> None:
        self._client = client

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def _fresh(self) -> None:
        from flask import g

        g.__dict__.clear()

    def get(self, *args: Any, **kwargs: Any) -> Any:
        self._fresh()
        return self._client.get(*args, **kwargs)

    def post(self, *args: Any, **kwargs: Any) -> Any:
        self._fresh()
        return self._client.post(*args, **kwargs)


def browser_of(app: Any, user_id: int) -> Browser:
    """A signed-in browser of one account (each its own client, its own session)."""
    username = db.session.get(User, user_id).username
    b = Browser(_Client(app.test_client()))
    b.login_proven(username, PASSWORD)
    return b


_browser = browser_of


@pytest.fixture()
def grad_b(app: Any, tctx: Any, people: Any) -> Browser:
    return _browser(app, people.student)


@pytest.fixture()
def boss_b(app: Any, tctx: Any, people: Any) -> Browser:
    return _browser(app, people.employer_user)


@pytest.fixture()
def stranger_b(app: Any, tctx: Any, people: Any) -> Browser:
    return _browser(app, people.other_employer_user)


def _form(**values: Any) -> dict[str, Any]:
    from tests.workflows.test_termination_world import reason

    return {"reason_id": str(reason().id), "explanation": "已考取研究生，申请解约", "liable_party": "graduate",
            "penalty": "毕业生支付违约金3000元", "action": "save", **values}


def _post(b: Browser, url: str, data: dict[str, Any], page: str | None = None) -> Any:
    return b.client.post(url, data={"csrf_token": b.token(page or url), **data}, content_type="multipart/form-data")


def _only(agreement_id: int) -> Termination:
    db.session.expire_all()
    return db.session.execute(select(Termination).where(Termination.agreement_id == agreement_id)).scalar_one()


def test_the_graduate_requests_and_the_employer_agrees(app: Any, tctx: Any, people: Any, grad_b: Browser,
                                                       boss_b: Browser) -> None:
    deal = agreement(graduate(people), people.employer, "archived")
    index = grad_b.get(STUDENT).get_data(as_text=True)
    assert "申请解约" in index and f"new/{deal.id}" in index
    url = f"{STUDENT}new/{deal.id}"
    page = grad_b.get(url)
    assert page.status_code == 200 and "解约原因" in page.get_data(as_text=True)
    data = _form(action="request", evidence_receipt=(io.BytesIO(PNG), "收据.png"))
    response = _post(grad_b, url, data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    row = _only(deal.id)
    assert (row.status, row.requested_by, row.requested_by_id) == ("awaiting_other", "graduate", people.student)
    assert [link.kind for link in row.evidence_links] == ["receipt"]
    # the employer sees it, answers it, and the letter's code is issued
    listing = boss_b.get(EMPLOYER).get_data(as_text=True)
    assert f"{EMPLOYER}{row.id}" in listing and "答复" in listing
    detail = boss_b.get(f"{EMPLOYER}{row.id}").get_data(as_text=True)
    assert 'value="agree"' in detail and "已考取研究生" in detail
    evidence = boss_b.get(f"{EMPLOYER}{row.id}/evidence/{row.evidence_links[0].evidence_id}")
    assert evidence.status_code == 200 and evidence.data.startswith(b"\x89PNG")
    answered = _post(boss_b, f"{EMPLOYER}{row.id}/decide", {"decision": "agree", "remark": "同意",
                                                          "version": str(row.version)}, f"{EMPLOYER}{row.id}")
    assert answered.status_code == 302
    row = _only(deal.id)
    assert row.status == "secondary" and row.letter_code and row.other_remark == "同意"
    assert "解约函已生成" in grad_b.get(f"{STUDENT}{row.id}").get_data(as_text=True)


def test_each_party_downloads_the_request_s_files(app: Any, tctx: Any, people: Any, grad_b: Browser,
                                                  boss_b: Browser, stranger_b: Browser) -> None:
    row = termination(agreement(graduate(people), people.employer), "awaiting_other")
    evidence = world.attach_file(row, "letter")
    for b, url in ((grad_b, STUDENT), (boss_b, EMPLOYER)):
        got = b.get(f"{url}{row.id}/evidence/{evidence.id}")
        assert got.status_code == 200 and got.data.startswith(b"\x89PNG"), url
        assert got.headers["X-Content-Type-Options"] == "nosniff"
    assert stranger_b.get(f"{EMPLOYER}{row.id}/evidence/{evidence.id}").status_code == 404
    other = termination(agreement(graduate(people, owned=False), people.employer), "awaiting_other")
    assert grad_b.get(f"{STUDENT}{row.id}/evidence/{world.attach_file(other, 'other').id}").status_code == 404


def test_the_employer_requests_the_graduate_refuses_with_a_reason(app: Any, tctx: Any, people: Any, grad_b: Browser,
                                                                  boss_b: Browser) -> None:
    deal = agreement(graduate(people), people.employer, "stamp_graduate")
    url = f"{EMPLOYER}new/{deal.id}"
    from tests.workflows.test_termination_world import reason

    assert _post(boss_b, url, _form(action="request", reason_id=str(reason("06").id), liable_party="employer")
                 ).status_code == 302
    row = _only(deal.id)
    assert row.status == "awaiting_other" and row.requested_by == "employer"
    page = f"{STUDENT}{row.id}"
    refused = _post(grad_b, f"{page}/decide", {"decision": "refuse", "remark": ""}, page)
    assert refused.status_code == 302 and _only(deal.id).status == "awaiting_other"
    assert "理由" in grad_b.get(page).get_data(as_text=True)  # the flashed refusal: a reason is required
    _post(grad_b, f"{page}/decide", {"decision": "refuse", "remark": "单位条件已兑现，不同意解约"}, page)
    assert _only(deal.id).status == "refused"


def test_the_requester_withdraws_while_waiting_and_the_other_may_not(app: Any, tctx: Any, people: Any,
                                                                     grad_b: Browser, boss_b: Browser) -> None:
    row = termination(agreement(graduate(people), people.employer), "awaiting_other")
    page = f"{EMPLOYER}{row.id}"
    html = boss_b.get(page).get_data(as_text=True)
    assert 'id="btn-withdraw"' in html and "只有提出申请的一方" in html  # shown disabled, with the engine's reason
    _post(boss_b, f"{page}/decide", {"decision": "withdraw"}, page)
    assert _only(row.agreement_id).status == "awaiting_other"
    _post(grad_b, f"{STUDENT}{row.id}/decide", {"decision": "withdraw"}, f"{STUDENT}{row.id}")
    assert _only(row.agreement_id).status == "withdrawn"


def test_offline_submission_needs_the_letter(app: Any, tctx: Any, people: Any, grad_b: Browser,
                                             boss_b: Browser) -> None:
    deal = agreement(graduate(people), people.employer)
    url = f"{STUDENT}new/{deal.id}"
    assert _post(grad_b, url, _form(action="submit_offline")).status_code == 302
    row = _only(deal.id)
    assert row.status == "draft" and not row.offline  # saved, but not submitted: no letter
    assert "解约函" in grad_b.get(f"{STUDENT}{row.id}").get_data(as_text=True)
    page = f"{STUDENT}{row.id}"
    _post(grad_b, page, {**_form(action="submit_offline"), "version": str(row.version),
                         "evidence_letter": (io.BytesIO(PNG), "解约函.png")})
    row = _only(deal.id)
    assert row.status == "secondary" and row.offline
    # an employer submits nothing offline
    other = agreement(graduate(people, owned=False), people.employer)
    assert _post(boss_b, f"{EMPLOYER}new/{other.id}", _form(action="submit_offline")).status_code == 400


def test_one_open_request_per_agreement(app: Any, tctx: Any, people: Any, grad_b: Browser, monkeypatch: Any) -> None:
    """The form says so before saving; when a race slips past that check, the database's index does, in words."""
    deal = agreement(graduate(people), people.employer)
    open_one = termination(deal, "awaiting_other", requested_by="employer")
    page = f"{STUDENT}{open_one.id}"  # the new-request page leads to the open request instead
    assert grad_b.get(f"{STUDENT}new/{deal.id}").headers["Location"].endswith(page)
    refused = _post(grad_b, f"{STUDENT}new/{deal.id}", _form(), page)
    assert refused.status_code == 422 and "已有一个未完结的解约申请" in refused.get_data(as_text=True)
    from app.services import termination_forms

    monkeypatch.setattr(termination_forms, "open_termination", lambda agreement_id: None)
    raced = _post(grad_b, f"{STUDENT}new/{deal.id}", _form())
    assert raced.status_code == 422 and "已有一个未完结的解约申请" in raced.get_data(as_text=True)
    assert db.session.execute(select(func.count()).select_from(Termination)
                              .where(Termination.agreement_id == deal.id)).scalar_one() == 1


def test_nothing_before_the_source_information_is_complete(app: Any, tctx: Any, people: Any,
                                                           grad_b: Browser) -> None:
    grad = graduate(people)
    deal = agreement(grad, people.employer)
    db.session.execute(update(Graduate).where(Graduate.id == grad.id).values(status="secondary"))
    db.session.commit()
    index = grad_b.get(STUDENT).get_data(as_text=True)
    assert "未实名认证前，不可进行协议申请和违约申请操作" in index and f"new/{deal.id}" not in index
    refused = _post(grad_b, f"{STUDENT}new/{deal.id}", _form(action="request"))
    assert refused.status_code == 422 and "未实名认证前" in refused.get_data(as_text=True)
    assert db.session.execute(select(func.count()).select_from(Termination)
                              .where(Termination.agreement_id == deal.id)).scalar_one() == 0


@pytest.mark.parametrize("field,value,message", [
    ("explanation", "很" * 1001, "1000"),
    ("reason_id", "999999", "请从列表中选择解约原因"),
    ("liable_party", "school", "请从列表中选择违约责任方"),
    ("penalty", "元" * 201, "200"),
])
def test_bad_input_is_refused_with_its_message(app: Any, tctx: Any, people: Any, grad_b: Browser, field: str,
                                               value: str, message: str) -> None:
    deal = agreement(graduate(people), people.employer)
    refused = _post(grad_b, f"{STUDENT}new/{deal.id}", _form(**{field: value}))
    assert refused.status_code == 422 and message in refused.get_data(as_text=True)
    assert db.session.execute(select(func.count()).select_from(Termination)
                              .where(Termination.agreement_id == deal.id)).scalar_one() == 0


def test_a_file_that_is_not_a_picture_or_pdf_is_refused(app: Any, tctx: Any, people: Any, grad_b: Browser) -> None:
    deal = agreement(graduate(people), people.employer)
    refused = _post(grad_b, f"{STUDENT}new/{deal.id}",
                    _form(evidence_letter=(io.BytesIO(b"MZ\x90\x00 not a picture"), "解约函.png")))
    assert refused.status_code == 422 and "JPEG" in refused.get_data(as_text=True)
    assert db.session.execute(select(func.count()).select_from(Termination)
                              .where(Termination.agreement_id == deal.id)).scalar_one() == 0


def test_an_employer_never_sees_another_s_terminations(app: Any, tctx: Any, people: Any, boss_b: Browser,
                                                       stranger_b: Browser) -> None:
    deal = agreement(graduate(people), people.employer)
    row = termination(deal, "awaiting_other")
    assert deal.graduate.student_no not in stranger_b.get(EMPLOYER).get_data(as_text=True)
    assert deal.graduate.student_no in boss_b.get(EMPLOYER).get_data(as_text=True)
    for url in (f"{EMPLOYER}{row.id}", f"{EMPLOYER}new/{deal.id}"):
        assert stranger_b.get(url).status_code == 404, url
    own = agreement(graduate(people, owned=False), people.other_employer)  # a page of its own, for the form token
    answered = _post(stranger_b, f"{EMPLOYER}{row.id}/decide", {"decision": "agree"}, f"{EMPLOYER}new/{own.id}")
    assert answered.status_code == 404 and _only(deal.id).status == "awaiting_other"
    # nor a graduate's draft not yet sent to its own employer
    draft = termination(agreement(graduate(people, owned=False), people.employer), "draft")
    assert boss_b.get(f"{EMPLOYER}{draft.id}").status_code == 404


def test_a_graduate_never_sees_another_s(app: Any, tctx: Any, people: Any, grad_b: Browser) -> None:
    termination(agreement(graduate(people), people.employer), "awaiting_other")  # their own, so the page opens
    other = termination(agreement(graduate(people, owned=False), people.employer), "awaiting_other")
    assert grad_b.get(f"{STUDENT}{other.id}").status_code == 404
    assert grad_b.get(f"{STUDENT}new/{other.agreement_id}").status_code == 404


def test_an_employer_account_without_an_employer_is_told(app: Any, tctx: Any, people: Any) -> None:
    user = db.session.get(User, people.other_employer_user)
    employer_id, user.employer_id = user.employer_id, None
    db.session.commit()
    try:
        b = Browser(_Client(app.test_client()))
        assert b.login(user.username, PASSWORD).status_code == 302
        page = b.get(EMPLOYER)
        # told here (403), or sent on by the employer portal's own gate first: never a list of anything
        assert page.status_code in (302, 403)
        if page.status_code == 403:
            assert "尚未关联用人单位" in page.get_data(as_text=True)
    finally:
        user = db.session.get(User, people.other_employer_user)
        user.employer_id = employer_id
        db.session.commit()


def test_menus_lead_each_party_to_its_page(app: Any, tctx: Any, grad_b: Browser, boss_b: Browser) -> None:
    assert 'href="/student/terminations/"' in grad_b.get("/").get_data(as_text=True)
    assert 'href="/employer/terminations/"' in boss_b.get("/").get_data(as_text=True)
    assert grad_b.get(EMPLOYER).status_code in (302, 403)
    assert boss_b.get(STUDENT).status_code in (302, 403)
