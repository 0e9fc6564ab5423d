"""Every registered view and API x every role x own/other department: permissions hold and nothing leaks."""
from __future__ import annotations

from typing import Any

import pytest
from flask import g
from flask_appbuilder import ModelRestApi, ModelView
from sqlalchemy import not_, select

from app.extensions import db
from app.models.user import User
from app.scope import scope_clause
from tests.conftest import DEMO_PASSWORD, Browser

ROLES = ["admin", "school", "college_a", "student"]


@pytest.fixture(scope="module")
def student_name(app: Any) -> str:
    """A student who already changed the initial password (so requests are not redirected to the change form)."""
    from app.services.accounts import hash_password

    with app.app_context():
        user = db.session.execute(select(User).where(User.username.like("2022101%")).order_by(User.username.desc())
                                  ).scalars().first()
        user.password, user.must_change_password = hash_password(DEMO_PASSWORD), False
        db.session.commit()
        return user.username


@pytest.fixture(scope="module")
def clients(app: Any, student_name: str) -> dict[str, Browser]:
    result = {}
    for role in ROLES:
        b = Browser(app.test_client())
        name = student_name if role == "student" else role
        assert b.login(name).status_code == 302
        result[role] = b
    result["anonymous"] = Browser(app.test_client())
    return result


def registered(app: Any, kind: type) -> list[Any]:
    return [v for v in app.appbuilder.baseviews if isinstance(v, kind) and getattr(v, "datamodel", None)]


def may(app: Any, username: str | None, permission: str, view_name: str) -> bool:
    if username is None:
        return False
    with app.app_context():
        user = db.session.execute(select(User).where(User.username == username)).scalar_one()
        return any(pv.permission.name == permission and pv.view_menu.name == view_name
                   for role in user.roles for pv in role.permissions)


def out_of_scope_pk(app: Any, model: Any, username: str) -> Any:
    with app.app_context():
        user = db.session.execute(select(User).where(User.username == username)).scalar_one()
        pk = model.__mapper__.primary_key[0]
        return db.session.execute(select(pk).where(not_(scope_clause(model, user))).limit(1)).scalar()


def username_of(role: str, student_name: str) -> str | None:
    return None if role == "anonymous" else (student_name if role == "student" else role)


@pytest.mark.parametrize("role", ROLES + ["anonymous"])
def test_model_views_enforce_permissions_and_scope(app: Any, clients: dict[str, Browser], student_name: str,
                                                   role: str) -> None:
    """List allowed exactly when granted; out-of-scope rows cannot be shown, edited, deleted or acted on."""
    b, name = clients[role], username_of(role, student_name)
    views = registered(app, ModelView)
    assert len(views) >= 6
    for view in views:
        base = view.route_base
        listing = b.get(f"{base}/list/")
        allowed = may(app, name, "can_list", view.class_permission_name)
        assert (listing.status_code == 200) == allowed, (role, base, listing.status_code)
        if name is None:
            continue
        pk = out_of_scope_pk(app, view.datamodel.obj, name)
        if pk is None:
            continue
        model = view.datamodel.obj
        with app.app_context():
            before = db.session.get(model, pk)
            snapshot = {c.key: getattr(before, c.key) for c in model.__table__.columns}
        assert b.get(f"{base}/show/{pk}").status_code != 200, (role, base, pk)
        assert b.get(f"{base}/edit/{pk}").status_code != 200, (role, base, pk)
        if listing.status_code == 200:
            token = b.token("/resetmypassword/form")
            b.client.post(f"{base}/delete/{pk}", data={"csrf_token": token})
            for action in view.actions:
                b.client.post(f"{base}/action_post", data={"csrf_token": token, "action": action, "rowid": str(pk)})
        with app.app_context():
            after = db.session.get(model, pk)
            assert after is not None, (role, base, "deleted out-of-scope row")
            assert {c.key: getattr(after, c.key) for c in model.__table__.columns} == snapshot, (role, base)


@pytest.mark.parametrize("role", ROLES)
def test_list_queries_carry_the_scope(app: Any, student_name: str, role: str) -> None:
    """Each view's list query returns exactly the rows the scope rule allows."""
    name = username_of(role, student_name)
    for view in registered(app, ModelView) + registered(app, ModelRestApi):
        model = view.datamodel.obj
        if not hasattr(model, "__scope__") or view.base_filters is None:
            continue
        with app.test_request_context():
            g.user = db.session.execute(select(User).where(User.username == name)).scalar_one()
            count, _ = view.datamodel.query(view._base_filters, page=0, page_size=1)
            expected = db.session.execute(select(db.func.count()).select_from(model)
                                          .where(scope_clause(model, g.user))).scalar_one()
            assert count == expected, (role, view.__class__.__name__)


@pytest.mark.parametrize("role", ["school", "college_a"])
def test_apis_hide_other_departments(app: Any, role: str) -> None:
    """REST APIs with a token: lists are scoped and another college's row answers 404."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = f"10.1.0.{ROLES.index(role)}"
    token = client.post("/api/v1/security/login", json={"username": role, "password": DEMO_PASSWORD,
                                                         "provider": "db"}).get_json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    for api in registered(app, ModelRestApi):
        model = api.datamodel.obj
        pk = out_of_scope_pk(app, model, role)
        if pk is not None:
            assert client.get(f"/api/v1/{api.resource_name}/{pk}", headers=headers).status_code == 404
        assert client.put(f"/api/v1/{api.resource_name}/1", json={"status": "x"}, headers=headers).status_code in (
            400, 401, 403, 404, 405, 422)


def test_apis_refuse_browser_sessions(app: Any) -> None:
    """APIs accept tokens only, so a cookie session (and thus CSRF) cannot drive them."""
    for api in registered(app, ModelRestApi):
        assert api.allow_browser_login is False, api.__class__.__name__
