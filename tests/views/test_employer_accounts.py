"""AGR-7: an approved employer's own accounts at /employer/accounts/ — add a colleague (one-time password, changed at
first sign-in), disable one (its sessions end), never its own, never another employer's; the demo accounts sign in
and the employer's home counts its agreements by state, linking to its agreement list."""
from __future__ import annotations

import re
from typing import Any, Iterator

import pytest
from sqlalchemy import delete, select

from app.extensions import db
from app.models.agreement import Agreement
from app.models.graduate import Graduate
from app.models.org import Department
from app.models.user import User
from tests.conftest import DEMO_PASSWORD, Browser, assert_signed_in
from tests.services.test_employer_registration import USER_PREFIX, cleanup
from tests.views.test_zh_render import english_words

URL = "/employer/accounts/"


@pytest.fixture()
def world(app: Any) -> Iterator[None]:
    with app.test_request_context():
        cleanup()
    yield
    with app.test_request_context():
        cleanup()


def uid(app: Any, username: str) -> int:
    with app.app_context():
        return db.session.execute(select(User.id).where(User.username == username)).scalar_one()


@pytest.mark.parametrize("username", ["employer_a", "employer_b"])
def test_the_demo_employer_accounts_sign_in(app: Any, username: str) -> None:
    b = Browser(app.test_client())
    b.login_proven(username, DEMO_PASSWORD)
    assert_signed_in(b, username)
    menu = b.get("/").get_data(as_text=True)
    assert "单位服务" in menu and 'href="/employer/accounts/"' in menu and "用人单位注册审核" not in menu


def test_an_employer_sees_and_manages_only_its_own_accounts(app: Any, world: None, as_role: Any) -> None:
    b = as_role("employer_a")
    page = b.get(URL)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'data-username="employer_a"' in html and "employer_b" not in html
    assert "disabled" in re.search(rf'<button[^>]*id="toggle-{uid(app, "employer_a")}"[^>]*>', html).group(0)
    assert not english_words(html), english_words(html)
    taken = b.post_form(URL + "add", {"username": "employer_b", "full_name": "冒名"}, token_from=URL)
    assert taken.status_code == 422 and "已被使用" in taken.get_data(as_text=True)
    added = b.post_form(URL + "add", {"username": f"{USER_PREFIX}a1", "full_name": "星辰 同事甲",
                                      "phone": "13900139001"}, token_from=URL)
    assert added.status_code == 200 and added.headers["Cache-Control"] == "no-store"
    password = re.search(r'id="one-time-password">([^<]+)<', added.get_data(as_text=True)).group(1)
    with app.app_context():
        colleague = db.session.execute(select(User).where(User.username == f"{USER_PREFIX}a1")).scalar_one()
        employer_a = db.session.execute(select(User.employer_id).where(User.username == "employer_a")).scalar_one()
        assert colleague.employer_id == employer_a and colleague.must_change_password
    other = Browser(app.test_client())
    assert other.login(f"{USER_PREFIX}a1", password).headers["Location"].endswith("/resetmypassword/form")
    assert other.get("/resetmypassword/form").status_code == 200
    # employer_b cannot see or touch employer_a's colleague
    rival = as_role("employer_b")
    assert f"{USER_PREFIX}a1" not in rival.get(URL).get_data(as_text=True)
    answer = rival.post_form(f"{URL}{colleague.id}/active", {"active": "0"}, token_from=URL)
    assert answer.status_code == 404
    with app.app_context():
        assert db.session.get(User, colleague.id).active is True
    # employer_a disables the colleague: its session ends at once
    b.post_form(f"{URL}{colleague.id}/active", {"active": "0"}, token_from=URL)
    with app.app_context():
        assert db.session.get(User, colleague.id).active is False
    assert other.get("/resetmypassword/form").status_code == 302
    own = b.post_form(f"{URL}{uid(app, 'employer_a')}/active", {"active": "0"}, token_from=URL)
    assert own.status_code == 302
    with app.app_context():
        assert db.session.get(User, uid(app, "employer_a")).active is True
    b.post_form(f"{URL}{colleague.id}/active", {"active": "1"}, token_from=URL)
    with app.app_context():
        assert db.session.get(User, colleague.id).active is True


def test_the_account_form_refuses_bad_input(app: Any, world: None, as_role: Any) -> None:
    b = as_role("employer_b")
    for values, field in (({"username": "", "full_name": "x"}, "username"),
                          ({"username": "1abc", "full_name": "x"}, "username"),
                          ({"username": f"{USER_PREFIX}b1", "full_name": ""}, "full_name"),
                          ({"username": f"{USER_PREFIX}b1", "full_name": "x", "phone": "123"}, "phone"),
                          ({"username": "y" * 300, "full_name": "x" * 300}, "username")):
        answer = b.post_form(URL + "add", values, token_from=URL)
        assert answer.status_code == 422 and f'id="err-{field}"' in answer.get_data(as_text=True), values
    with app.app_context():
        assert not db.session.execute(select(User.id).where(User.username.like(f"{USER_PREFIX}b%"))).first()


@pytest.mark.parametrize("role", ["school", "college_a"])
def test_staff_have_no_employer_accounts_page(as_role: Any, role: str) -> None:
    assert as_role(role).get(URL).status_code in (302, 403)


@pytest.fixture()
def agreements(app: Any) -> Iterator[dict[str, int]]:
    """Two invitations and one request of employer_a, one of employer_b (raw rows: not live, no number)."""
    with app.app_context():
        employer = dict(db.session.execute(select(User.username, User.employer_id).where(
            User.username.in_(("employer_a", "employer_b")))).all())
        graduates = db.session.execute(select(Graduate.id).join(Department, Department.id == Graduate.department_id)
                                       .where(Department.code == "103").order_by(Graduate.id).limit(4)).scalars().all()
        rows = [Agreement(graduate_id=graduates[0], employer_id=employer["employer_a"], status="invited"),
                Agreement(graduate_id=graduates[1], employer_id=employer["employer_a"], status="invited"),
                Agreement(graduate_id=graduates[2], employer_id=employer["employer_a"], status="declined"),
                Agreement(graduate_id=graduates[3], employer_id=employer["employer_b"], status="invited")]
        db.session.add_all(rows)
        db.session.commit()
        ids = [r.id for r in rows]
    yield {"a": 3, "b": 1}
    with app.app_context():
        db.session.execute(delete(Agreement).where(Agreement.id.in_(ids)))
        db.session.commit()


def test_the_employer_home_counts_its_agreements_by_state(app: Any, as_role: Any, agreements: dict[str, int]
                                                          ) -> None:
    html = as_role("employer_a").get("/").get_data(as_text=True)
    assert re.search(r'href="/employer/agreements/\?status=invited"[^>]*>2<', html)
    assert re.search(r'href="/employer/agreements/\?status=declined"[^>]*>1<', html)
    assert re.search(r'id="employer-agreements-total"[^>]*>3<', html)
    assert not english_words(html), english_words(html)
    other = as_role("employer_b").get("/").get_data(as_text=True)
    assert re.search(r'href="/employer/agreements/\?status=invited"[^>]*>1<', other) and "status=declined" not in other
