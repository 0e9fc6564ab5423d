"""Logout, password change, reset, lock and disable end sessions and JWTs on the server, not only in the cookie."""
from __future__ import annotations

import datetime
from typing import Any

import jwt as pyjwt
from sqlalchemy import select

from app.extensions import db
from app.models.security import RevokedToken, UserSession
from app.models.user import User
from tests.conftest import Browser, assert_signed_in
from tests.security.session_support import (  # noqa: F401
    NEW_PASSWORD,
    PASSWORD,
    Accounts,
    accounts_fixture,
    api_status,
    api_token,
    browser_with_cookie,
    session_cookie,
)

ENDED = "您已退出登录或密码已更改"


def signed_in_browser(app: Any, username: str, password: str = PASSWORD) -> Browser:
    b = Browser(app.test_client())
    b.login(username, password)
    assert_signed_in(b, username)
    return b


def assert_ended(b: Browser) -> None:
    """The cookie no longer signs anyone in: sent to the login page, told why, and the page is not the user's."""
    response = b.get("/")
    assert response.status_code == 302 and "/login/" in response.headers["Location"]
    page = b.get(response.headers["Location"]).get_data(as_text=True)
    assert ENDED in page
    assert "欢迎您" not in b.get("/").get_data(as_text=True)


def test_a_copied_cookie_works_before_logout_and_not_after(app: Any, accounts: Accounts) -> None:
    """Logout revokes the server-side session, so a copy of the cookie taken before it is refused."""
    account = accounts()
    b = signed_in_browser(app, account.username)
    copy = session_cookie(b)
    assert_signed_in(browser_with_cookie(app, copy), account.username)  # the copy is as good as the original
    b.logout()
    assert_ended(browser_with_cookie(app, copy))
    with app.app_context():
        rows = db.session.execute(select(UserSession).where(UserSession.user_id == account.id)).scalars().all()
        assert [r.revoked_at is not None for r in rows] == [True]


def test_a_cookie_without_a_server_side_session_is_refused(app: Any, accounts: Accounts) -> None:
    """A cookie that only names the user (as Flask's client-side session alone would) signs nobody in."""
    account = accounts()
    b = signed_in_browser(app, account.username)
    with b.client.session_transaction() as session:
        session.pop("_gems_sid")
    assert_ended(b)


def test_password_change_in_b_ends_a_and_old_tokens_but_b_goes_on(app: Any, accounts: Accounts) -> None:
    """Browser B changes the password: A's session and a JWT from before are refused; B's own session still works."""
    account = accounts()
    a = signed_in_browser(app, account.username)
    token = api_token(app, account.username)
    assert api_status(app, token) == 200
    b = signed_in_browser(app, account.username)
    b_cookie_before = session_cookie(b)
    response = b.post_form("/resetmypassword/form", {"old_password": PASSWORD, "password": NEW_PASSWORD,
                                                     "conf_password": NEW_PASSWORD})
    assert response.status_code == 302
    assert_signed_in(b, account.username)
    assert_ended(a)
    assert api_status(app, token) == 401
    assert_ended(browser_with_cookie(app, b_cookie_before))  # B's session was re-issued, the old id is dead
    assert api_status(app, api_token(app, account.username, NEW_PASSWORD)) == 200


def test_reviewer_reset_ends_sessions_and_tokens(app: Any, accounts: Accounts, as_role: Any) -> None:
    """A one-time password reset by the school reviewer ends the account's sessions and tokens."""
    account = accounts()
    a = signed_in_browser(app, account.username)
    token = api_token(app, account.username)
    school = as_role("school")
    page = school.post_form("/accounts/action_post", {"action": "reset_password", "rowid": str(account.id)},
                            token_from="/accounts/list/")
    assert page.status_code == 200 and account.username in page.get_data(as_text=True)
    assert_ended(a)
    assert api_status(app, token) == 401
    assert_signed_in(school, "school")  # the acting reviewer is not affected


def test_admin_set_password_ends_sessions_and_tokens(app: Any, accounts: Accounts, as_role: Any) -> None:
    """The admin typing a new password for an account ends that account's sessions and tokens."""
    account = accounts()
    a = signed_in_browser(app, account.username)
    token = api_token(app, account.username)
    admin = as_role("admin")
    url = f"/resetpassword/form?pk={account.id}"
    response = admin.post_form(url, {"password": NEW_PASSWORD, "conf_password": NEW_PASSWORD})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(User, account.id).must_change_password is True  # the form really was taken
    assert_ended(a)
    assert api_status(app, token) == 401


def test_lockout_ends_sessions_and_tokens(app: Any, accounts: Accounts) -> None:
    """Five failed sign-ins lock the account; whoever was signed in as it is signed out, its tokens refused."""
    account = accounts()
    a = signed_in_browser(app, account.username)
    token = api_token(app, account.username)
    attacker = Browser(app.test_client())
    for attempt in range(5):
        attacker.login(account.username, "Wrong-pass-1", captcha=attacker.solve_captcha() if attempt >= 3 else None)
    from app.services import lockout

    with app.app_context():
        assert lockout.locked_until(account.username) is not None
    assert_ended(a)
    assert api_status(app, token) == 401


def test_disable_ends_sessions_and_tokens_for_good(app: Any, accounts: Accounts, as_role: Any) -> None:
    """The admin disables the account: its session and token are refused, and stay refused after re-enabling."""
    account = accounts()
    a = signed_in_browser(app, account.username)
    token = api_token(app, account.username)
    with app.app_context():
        user = db.session.get(User, account.id)
        form = {"first_name": user.first_name, "email": user.email, "phone": "", "department": str(user.department_id),
                "roles": [str(r.id) for r in user.roles]}  # no "active": the box is unticked
    admin = as_role("admin")
    response = admin.post_form(f"/users/edit/{account.id}", form)
    assert response.status_code == 302
    with app.app_context():
        user = db.session.get(User, account.id)
        assert user.active is False
        user.active = True  # re-enabled: the old session and token must not come back
        db.session.commit()
    assert_ended(a)
    assert api_status(app, token) == 401
    assert_signed_in(signed_in_browser(app, account.username), account.username)  # a new sign-in works


def test_jwt_logout_revokes_that_token_only(app: Any, accounts: Accounts) -> None:
    """POST /api/v1/security/logout puts the token's jti on the shared deny-list; another token still works."""
    account = accounts()
    first, second = api_token(app, account.username), api_token(app, account.username)
    client = Browser(app.test_client()).client
    assert client.post("/api/v1/security/logout").status_code == 401  # needs a token
    response = client.post("/api/v1/security/logout", headers={"Authorization": f"Bearer {first}"})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert api_status(app, first) == 401
    assert api_status(app, second) == 200
    claims = pyjwt.decode(first, options={"verify_signature": False})
    with app.app_context():
        row = db.session.get(RevokedToken, claims["jti"])  # kept exactly until the token would expire anyway
        assert row is not None and row.expires_at.replace(tzinfo=datetime.UTC).timestamp() == claims["exp"]


def test_refresh_token_is_ended_by_a_password_change(app: Any, accounts: Accounts) -> None:
    """A refresh token issued before the password change cannot mint new access tokens."""
    account = accounts()
    client = Browser(app.test_client()).client
    response = client.post("/api/v1/security/login", json={"username": account.username, "password": PASSWORD,
                                                            "provider": "db", "refresh": True})
    refresh = response.get_json()["refresh_token"]
    assert client.post("/api/v1/security/refresh", headers={"Authorization": f"Bearer {refresh}"}).status_code == 200
    b = signed_in_browser(app, account.username)
    b.post_form("/resetmypassword/form", {"old_password": PASSWORD, "password": NEW_PASSWORD,
                                          "conf_password": NEW_PASSWORD})
    assert client.post("/api/v1/security/refresh", headers={"Authorization": f"Bearer {refresh}"}).status_code == 401


def test_a_token_of_a_deleted_account_does_not_pass_for_a_new_account_with_its_id(app: Any, accounts: Accounts) -> None:
    """SQLite hands a deleted account's id to the next one: the old JWT names that id but not the new account's epoch."""
    old = accounts()
    token = api_token(app, old.username)
    assert api_status(app, token) == 200
    with app.app_context():
        gone = db.session.get(User, old.id)
        gone.roles = []
        db.session.delete(gone)
        db.session.commit()
    accounts.made.remove(old)
    heir = accounts(user_id=old.id)  # what SQLite's rowid reuse does on its own
    assert heir.id == old.id
    assert api_status(app, token) == 401
    assert api_status(app, api_token(app, heir.username)) == 200
