"""ORG-4: login, lockout, captcha, enumeration resistance, forced password change, API login limits."""
from __future__ import annotations

import uuid

from tests.conftest import DEMO_PASSWORD, Browser, assert_signed_in


def test_login_page_is_chinese_and_states_policy(browser: Browser) -> None:
    """The login screen is in Simplified Chinese by default and states the password policy."""
    html = browser.get("/login/").get_data(as_text=True)
    assert "登录" in html and "密码" in html
    assert "至少 8 个字符" in html


def test_staff_login_and_logout(browser: Browser) -> None:
    """A demo reviewer signs in with the documented password and lands on the home page."""
    response = browser.login("school")
    assert response.status_code == 302
    assert_signed_in(browser, "school")
    assert "校级审核员" in browser.get("/").get_data(as_text=True)
    browser.logout()
    assert browser.get("/").status_code == 302


def test_wrong_password_and_unknown_user_get_the_same_answer(browser: Browser) -> None:
    """No user enumeration: the message for a wrong password and an unknown user is identical."""
    a = browser.login("college_b", "Wrong-pass-1", follow_redirects=True).get_data(as_text=True)
    b = Browser(browser.client.application.test_client()).login(
        f"nobody-{uuid.uuid4().hex[:6]}", "Wrong-pass-1", follow_redirects=True).get_data(as_text=True)
    assert "用户名或密码错误" in a and "用户名或密码错误" in b


def test_lockout_after_five_failures_then_unlock(app, browser: Browser, as_role) -> None:  # noqa: ANN001
    """Five failures lock the account for 15 minutes even with the right password; a reviewer unlocks it."""
    from app.extensions import db
    from app.models.user import User
    from app.services import lockout

    with app.app_context():
        user = db.session.query(User).filter(User.username.like("2022101%")).order_by(User.username).first()
        username, initial = user.username, None
        from app.models.graduate import Graduate
        initial = db.session.query(Graduate).filter_by(user_id=user.id).one().id_number[-6:]
    for attempt in range(5):
        browser.login(username, "Wrong-pass-1", captcha=browser.solve_captcha() if attempt >= 3 else None)
    with app.app_context():
        assert lockout.locked_until(username) is not None
    page = browser.login(username, initial, captcha=browser.solve_captcha(), follow_redirects=True).get_data(as_text=True)
    assert "已锁定" in page
    reviewer = as_role("college_a")
    with app.app_context():
        user_id = db.session.query(User).filter_by(username=username).one().id
    reviewer.post_form("/accounts/action_post", {"action": "unlock", "rowid": str(user_id)},
                       token_from="/accounts/list/")
    with app.app_context():
        assert lockout.locked_until(username) is None
        actions = [row.action for row in db.session.execute(
            db.text("select action from audit_log where target_id = :u order by seq"), {"u": username})]
    assert "account.locked" in actions and "account.unlocked" in actions


def test_unknown_users_lock_the_same_way(app, browser: Browser) -> None:  # noqa: ANN001
    """Lockout is counted per username whether or not it exists, so it reveals nothing."""
    from app.services import lockout

    name = f"ghost-{uuid.uuid4().hex[:6]}"
    with app.app_context():
        for _ in range(5):
            lockout.register_failure(name)
        assert lockout.locked_until(name) is not None


def test_captcha_required_after_three_failures(app, browser: Browser) -> None:  # noqa: ANN001
    """After three failures the form shows a captcha and a login without it is refused before the password."""
    name = "college_b"
    for _ in range(3):
        browser.login(name, "Wrong-pass-1")
    html = browser.get("/login/").get_data(as_text=True)
    assert "captcha.png" in html
    page = browser.login(name, DEMO_PASSWORD, follow_redirects=True).get_data(as_text=True)
    assert "请输入图片中的字符" in page
    assert browser.login(name, DEMO_PASSWORD, captcha=browser.solve_captcha()).status_code == 302
    assert "captcha.png" not in Browser(app.test_client()).get("/login/").get_data(as_text=True)


def test_first_login_forces_password_change(app, browser: Browser) -> None:  # noqa: ANN001
    """A student with an initial password is sent to the change form and cannot go elsewhere until done."""
    from app.extensions import db
    from app.models.graduate import Graduate
    from app.models.user import User

    with app.app_context():
        user = db.session.query(User).filter(User.username.like("2022102%")).order_by(User.username.desc()).first()
        username = user.username
        initial = db.session.query(Graduate).filter_by(user_id=user.id).one().id_number[-6:]
    response = browser.login(username, initial)
    assert "/resetmypassword/form" in response.headers["Location"]
    assert "/resetmypassword/form" in browser.get("/departments/list/").headers.get("Location", "")
    weak = browser.post_form("/resetmypassword/form", {"old_password": initial, "password": "abcdefgh",
                                                       "conf_password": "abcdefgh"})
    assert "三类" in weak.get_data(as_text=True)
    wrong_old = browser.post_form("/resetmypassword/form", {"old_password": "000000", "password": "Good-pass-2026",
                                                            "conf_password": "Good-pass-2026"})
    assert "当前密码不正确" in wrong_old.get_data(as_text=True)
    ok = browser.post_form("/resetmypassword/form", {"old_password": initial, "password": "Good-pass-2026",
                                                     "conf_password": "Good-pass-2026"})
    assert ok.status_code == 302
    assert browser.get("/").status_code == 200
    with app.app_context():
        assert db.session.query(User).filter_by(username=username).one().must_change_password is False


def test_csrf_refused_without_token(app, as_role) -> None:  # noqa: ANN001
    """A state-changing browser request without the CSRF token is refused."""
    b = as_role("admin")
    response = b.client.post("/departments/add", data={"code": "999", "name": "无令牌学院", "kind": "college"})
    assert response.status_code == 400
    from app.extensions import db
    from app.models.org import Department

    with app.app_context():
        assert db.session.query(Department).filter_by(code="999").count() == 0


def test_api_login_locks_and_is_rate_limited(app) -> None:  # noqa: ANN001
    """The REST login shares the lockout and has its own rate limit."""
    client = app.test_client()
    name = f"api-{uuid.uuid4().hex[:6]}"
    codes = [client.post("/api/v1/security/login", json={"username": name, "password": "x", "provider": "db"}
                         ).status_code for _ in range(25)]
    assert 401 in codes and 429 in codes
    from app.services import lockout

    with app.app_context():
        assert lockout.locked_until(name) is not None


def test_api_login_issues_token_for_reviewer(app) -> None:  # noqa: ANN001
    """A reviewer gets a JWT from the REST login and can read scoped data with it."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "10.0.0.9"  # the rate-limit test above used 127.0.0.1
    response = client.post("/api/v1/security/login",
                           json={"username": "college_a", "password": DEMO_PASSWORD, "provider": "db"})
    assert response.status_code == 200, response.get_data(as_text=True)
    token = response.get_json()["access_token"]
    listing = client.get("/api/v1/graduate/", headers={"Authorization": f"Bearer {token}"})
    assert listing.status_code == 200 and listing.get_json()["count"] > 0


def test_security_headers(browser: Browser) -> None:
    """Every response carries nosniff, frame denial and a referrer policy."""
    response = browser.get("/login/")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
