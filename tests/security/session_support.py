"""Throwaway accounts for the session tests (their passwords get changed, locked, disabled) and cookie copying."""
from __future__ import annotations

import uuid
from typing import Any, Iterator, NamedTuple

import pytest
from sqlalchemy import delete, select

from app.extensions import db
from app.models.security import LoginThrottle, UserSession
from app.models.user import User
from app.security.roles import COLLEGE
from app.services.accounts import hash_password
from tests.conftest import Browser

PASSWORD = "Sess@2026pass"
NEW_PASSWORD = "Sess@2026next"


class Account(NamedTuple):
    id: int
    username: str
    first_name: str


class Accounts:
    """`accounts()` creates a college reviewer of college_a's department with PASSWORD; removed afterwards."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.made: list[Account] = []

    def __call__(self, user_id: int | None = None) -> Account:
        with self.app.app_context():
            sm = self.app.appbuilder.sm
            department_id = sm.find_user(username="college_a").department_id
            name = f"sess{uuid.uuid4().hex[:8]}"
            user = User(id=user_id, username=name, first_name=f"会话{name[-4:]}", last_name="", email=f"{name}@test.invalid",
                        active=True, department_id=department_id, password=hash_password(PASSWORD),
                        must_change_password=False, roles=[sm.find_role(COLLEGE)])
            db.session.add(user)
            db.session.commit()
            account = Account(user.id, user.username, user.first_name)
        self.made.append(account)
        return account

    def cleanup(self) -> None:
        with self.app.app_context():
            db.session.rollback()
            ids = [a.id for a in self.made]
            db.session.execute(delete(UserSession).where(UserSession.user_id.in_(ids)))
            db.session.execute(delete(LoginThrottle).where(LoginThrottle.username.in_([a.username for a in self.made])))
            for user in db.session.execute(select(User).where(User.id.in_(ids))).scalars():
                user.roles = []
                db.session.delete(user)
            db.session.commit()


@pytest.fixture(name="accounts")
def accounts_fixture(app: Any) -> Iterator[Accounts]:
    factory = Accounts(app)
    yield factory
    factory.cleanup()


def session_cookie(b: Browser) -> str:
    cookie = b.client.get_cookie(b.client.application.config["SESSION_COOKIE_NAME"])
    assert cookie is not None, "no session cookie"
    return cookie.value


def browser_with_cookie(app: Any, value: str) -> Browser:
    """A new browser (another machine) holding a copy of someone's session cookie."""
    thief = Browser(app.test_client())
    thief.client.set_cookie(app.config["SESSION_COOKIE_NAME"], value)
    return thief


def api_token(app: Any, username: str, password: str = PASSWORD) -> str:
    client = Browser(app.test_client()).client  # its own address, so the API login rate limit is per test
    response = client.post("/api/v1/security/login",
                           json={"username": username, "password": password, "provider": "db"})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["access_token"]


def api_status(app: Any, token: str) -> int:
    """What a read with this token answers: 200 while it is valid, 401 once it has been ended."""
    client = Browser(app.test_client()).client
    response = client.get("/api/v1/graduate/", headers={"Authorization": f"Bearer {token}"})
    if response.status_code == 200:
        assert response.get_json()["count"] > 0  # it really read as the reviewer
    return response.status_code
