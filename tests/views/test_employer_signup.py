"""AGR-7 from the browser: /employer/register (anonymous, linked from the sign-in page, captcha, rate-limited) with
every error listed at its field, never a 500; a pending or refused employer's account sees only its status page,
reads the school's reason there, corrects its data and asks again."""
from __future__ import annotations

import re
from typing import Any, Iterator

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models.employer import APPROVED, PENDING, REFUSED, Employer
from app.models.graduate import Graduate
from app.models.user import User
from app.workflows.employer_registration import EMPLOYER_REGISTRATION
from app.workflows.engine import fire
from tests.conftest import Browser
from tests.services.test_employer_registration import PASSWORD, PREFIX, USER_PREFIX, cleanup, code, registered, user
from tests.views.test_zh_render import english_words


@pytest.fixture()
def world(app: Any) -> Iterator[None]:
    with app.test_request_context():
        cleanup()
    yield
    with app.test_request_context():
        cleanup()


def form(n: int, **changes: Any) -> dict[str, Any]:
    values = {"name": f"{PREFIX}{n}号科技有限公司", "credit_code": code(n).lower(), "nature": "", "industry": "",
              "region_code": "430104", "address": "长沙市岳麓区麓山南路 2 号", "contact_name": "李经理",
              "contact_mobile": "138-0013-8001", "username": f"{USER_PREFIX}{n}", "password": PASSWORD,
              "conf_password": PASSWORD}
    values.update(changes)
    return values


def choices(app: Any) -> dict[str, str]:
    """A nature and an industry from the code tables (the demo's bootstrap seeds them)."""
    from app.models.reference import EmployerNature, Industry

    with app.app_context():
        return {"nature": str(db.session.execute(select(EmployerNature.id).where(EmployerNature.code == "39"))
                              .scalar_one()),
                "industry": str(db.session.execute(select(Industry.id).where(Industry.code == "34")).scalar_one())}


def submit(b: Browser, values: dict[str, Any], captcha: str | None = None) -> Any:
    answer = b.solve_captcha() if captcha is None else captcha
    return b.post_form("/employer/register/", {**values, "captcha": answer})


def employers(app: Any) -> list[tuple[str, str]]:
    with app.app_context():
        return [tuple(r) for r in db.session.execute(select(Employer.name, Employer.status).where(
            Employer.name.like(f"{PREFIX}%")).order_by(Employer.name))]


def test_the_sign_in_page_links_to_a_chinese_registration_form(app: Any, browser: Browser) -> None:
    login = browser.get("/login/").get_data(as_text=True)
    assert 'href="/employer/register/"' in login and "注册单位" in login
    page = browser.get("/employer/register/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    for name in ("name", "credit_code", "nature", "industry", "region_code", "address", "contact_name",
                 "contact_mobile", "username", "password", "conf_password", "captcha"):
        assert f'name="{name}"' in html, name
    assert "统一社会信用代码" in html and "单位性质" in html and "行业" in html and "验证码" in html
    assert not english_words(html), english_words(html)


def test_a_valid_registration_creates_a_pending_employer_that_sees_only_its_status(app: Any, world: None) -> None:
    b = Browser(app.test_client())
    response = submit(b, {**form(1), **choices(app)})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "注册已提交" in html, html[-2000:]
    with app.app_context():
        employer = db.session.execute(select(Employer).where(Employer.credit_code == code(1))).scalar_one()
        account = db.session.execute(select(User).where(User.username == f"{USER_PREFIX}1")).scalar_one()
        assert (employer.status, employer.self_registered, employer.contact_mobile) == (PENDING, True, "13800138001")
        assert employer.nature_id and employer.industry_id and account.employer_id == employer.id
    b.login(f"{USER_PREFIX}1", PASSWORD)
    home = b.get("/")
    assert home.status_code == 302 and home.headers["Location"].endswith("/employer/status/")
    status = b.get("/employer/status/").get_data(as_text=True)
    assert "等待学校审核" in status and employer.name in status and 'id="btn-resubmit"' in status
    assert re.search(r'id="btn-resubmit"[^>]*disabled', status) and 'id="why-resubmit"' in status
    for url in ("/employer/accounts/", "/employer/agreements/", "/employers/list/", "/inbox/"):
        answer = b.get(url)
        if url == "/inbox/":
            assert answer.status_code == 200  # the school's decision arrives in the messages
        else:
            assert answer.status_code == 302 and answer.headers["Location"].endswith("/employer/status/"), url
    assert not english_words(status), english_words(status)


INVALID = [  # field, value, words of the message shown at that field
    ("name", "", "必填"),
    ("name", "长" * 201, "200"),
    ("credit_code", "", "必填"),
    ("credit_code", "91430199EPT00000", "18位"),
    ("credit_code", "91430199EPT000001I", "不是有效字符"),
    ("credit_code", None, "校验位"),  # the valid code with its check character changed
    ("nature", "999999", "请从列表中选择"),
    ("nature", "", "请选择"),
    ("industry", "abc", "请从列表中选择"),
    ("region_code", "", "必填"),
    ("region_code", "430000", "省级"),
    ("region_code", "999999", "2260"),
    ("address", "", "必填"),
    ("contact_name", "", "必填"),
    ("contact_mobile", "12345", "手机"),
    ("username", "", "必填"),
    ("username", "1abc", "字母开头"),
    ("username", "school", "已被使用"),
    ("password", "short", "8"),
    ("password", "alllowercase1", "三"),
    ("conf_password", "Other#2026x", "不一致"),
]


@pytest.mark.parametrize(("field", "value", "words"), INVALID)
def test_each_invalid_field_is_refused_at_that_field(app: Any, world: None, field: str, value: str | None,
                                                     words: str) -> None:
    if value is None:
        good = code(2)
        value = good[:-1] + ("1" if good[-1] != "1" else "2")
    b = Browser(app.test_client())
    response = submit(b, {**form(2), **choices(app), field: value})
    html = response.get_data(as_text=True)
    assert response.status_code == 422, (field, response.status_code)
    match = re.search(rf'id="err-{field}">([^<]*)<', html)
    assert match and words in match.group(1), (field, match.group(1) if match else html[:3000])
    assert 'id="gems-form-errors"' in html  # every error is also listed above the form
    assert employers(app) == []
    with app.app_context():
        assert not db.session.execute(select(User.id).where(User.username == f"{USER_PREFIX}2")).first()


def test_several_errors_are_listed_together(app: Any, world: None) -> None:
    b = Browser(app.test_client())
    html = submit(b, form(3, name="", contact_mobile="1", username="x")).get_data(as_text=True)
    for field in ("name", "contact_mobile", "username"):
        assert f'id="err-{field}"' in html, field
    summary = html[html.index('id="gems-form-errors"'):html.index("</ul>", html.index('id="gems-form-errors"'))]
    assert summary.count("<li>") >= 3


def test_a_credit_code_already_registered_is_refused_with_the_way_forward(app: Any, world: None) -> None:
    with app.test_request_context():
        first, _account = registered(4, APPROVED)
        name = first.name
    b = Browser(app.test_client())
    response = submit(b, {**form(5, credit_code=code(4)), **choices(app)})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    message = re.search(r'id="err-credit_code">([^<]*)<', html).group(1)
    assert name in message and "已注册" in message and "同事" in message and "就业指导中心" in message
    assert employers(app) == [(name, APPROVED)]


def test_a_wrong_or_missing_captcha_refuses_and_a_student_number_is_not_a_user_name(app: Any, world: None) -> None:
    b = Browser(app.test_client())
    b.solve_captcha()
    response = b.post_form("/employer/register/", {**form(6), **choices(app), "captcha": "ZZZZ"})
    assert response.status_code == 422 and 'id="err-captcha"' in response.get_data(as_text=True)
    assert employers(app) == []
    with app.app_context():
        student_no = db.session.execute(select(Graduate.student_no).where(Graduate.user_id.is_(None)).limit(1)
                                        ).scalar_one()
    response = submit(b, {**form(6), **choices(app), "username": student_no})
    assert response.status_code == 422 and 'id="err-username"' in response.get_data(as_text=True)


def test_hostile_input_is_a_422_never_a_500(app: Any, world: None) -> None:
    b = Browser(app.test_client())
    for values in ({"name": "x" * 5000, "credit_code": "\u202e" * 40, "region_code": "../../etc"},
                   {"nature": "1" * 40, "industry": "-1", "contact_mobile": "名字🙂"}, {}):
        response = submit(b, {**form(7), **values} if values else {"captcha": "x"})
        assert response.status_code == 422, values
    assert employers(app) == []


def test_registration_is_rate_limited_like_the_sign_in_form(app: Any, world: None) -> None:
    app.config["GEMS_EMPLOYER_REGISTER_RATE"] = "3 per minute"
    try:
        b = Browser(app.test_client())
        answers = [b.post_form("/employer/register/", {"captcha": "x"}).status_code for _ in range(4)]
    finally:
        app.config.pop("GEMS_EMPLOYER_REGISTER_RATE")
    assert answers[:3] == [422, 422, 422] and answers[3] == 429


def test_a_refused_employer_reads_the_reason_corrects_and_asks_again(app: Any, world: None) -> None:
    with app.test_request_context():
        employer, _account = registered(8)
        assert fire(EMPLOYER_REGISTRATION, "refuse", employer.id, user("school"), "单位地址与营业执照不符").ok
        employer_id = employer.id
    b = Browser(app.test_client())
    b.login(f"{USER_PREFIX}8", PASSWORD)
    page = b.get("/employer/status/").get_data(as_text=True)
    assert "单位地址与营业执照不符" in page and 'id="gems-refused"' in page
    assert not re.search(r'id="btn-resubmit"[^>]*disabled', page)
    inbox = b.get("/inbox/").get_data(as_text=True)
    assert "单位地址与营业执照不符" in inbox
    with app.app_context():
        version = db.session.get(Employer, employer_id).version
    values = {**form(8), **choices(app), "address": "长沙市岳麓区更正后的地址 8 号", "version": str(version),
              "action": "resubmit"}
    for key in ("username", "password", "conf_password"):
        values.pop(key)
    bad = b.post_form("/employer/status/correct", {**values, "contact_mobile": "1"}, token_from="/employer/status/")
    assert bad.status_code == 422 and 'id="err-contact_mobile"' in bad.get_data(as_text=True)
    done = b.post_form("/employer/status/correct", values, token_from="/employer/status/")
    assert done.status_code == 302
    with app.app_context():
        row = db.session.get(Employer, employer_id)
        assert (row.status, row.address) == (PENDING, "长沙市岳麓区更正后的地址 8 号")
    again = b.get("/employer/status/").get_data(as_text=True)
    assert "等待学校审核" in again and "单位地址与营业执照不符" in again  # the last reason stays visible
    stale = b.post_form("/employer/status/correct", {**values, "address": "旧页面"}, token_from="/employer/status/")
    assert stale.status_code == 302
    with app.app_context():
        assert db.session.get(Employer, employer_id).address == "长沙市岳麓区更正后的地址 8 号"


def test_an_approved_employer_reaches_its_pages_and_its_home(app: Any, world: None, as_role: Any) -> None:
    b = as_role("employer_a")
    home = b.get("/").get_data(as_text=True)
    assert "湖南星辰科技有限公司" in home and 'data-status="approved"' in home and 'id="dash-employer-agreements"' in home
    status = b.get("/employer/status/").get_data(as_text=True)
    assert 'id="gems-approved"' in status and "gems-employer-correct" not in status  # the school edits it now
    with app.app_context():
        count = db.session.execute(select(func.count()).select_from(Employer).where(
            Employer.name == "湖南星辰科技有限公司")).scalar_one()
    assert count == 1
    assert not english_words(home) and not english_words(status), (english_words(home), english_words(status))
    assert b.post_form("/employer/status/correct", form(9), token_from="/resetmypassword/form").status_code == 302
    with app.app_context():
        assert db.session.execute(select(Employer.name).where(Employer.id == user("employer_a").employer_id)
                                  ).scalar_one() == "湖南星辰科技有限公司"


def test_refused_status_cannot_resubmit_twice_and_a_staff_account_has_no_status_page(app: Any, world: None,
                                                                                       as_role: Any) -> None:
    with app.test_request_context():
        employer, _account = registered(10, REFUSED)
        assert fire(EMPLOYER_REGISTRATION, "resubmit", employer.id, user(f"{USER_PREFIX}10")).ok
    b = Browser(app.test_client())
    b.login(f"{USER_PREFIX}10", PASSWORD)
    page = b.get("/employer/status/").get_data(as_text=True)
    assert re.search(r'id="btn-resubmit"[^>]*disabled', page) and "已在等待学校审核" in page
    assert as_role("college_a").get("/employer/status/").status_code in (302, 403)
