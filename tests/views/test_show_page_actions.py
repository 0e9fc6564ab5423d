"""A record page's action button: GET only asks for confirmation (CSRF-safe), the confirming POST runs it, scoped."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.extensions import db
from app.models.security import LoginThrottle
from app.models.user import User


def _locked_student(app: Any, prefix: str) -> tuple[int, str]:
    """A demo student account of college 101 or 102 locked by failed sign-ins."""
    import datetime

    with app.app_context():
        user = db.session.execute(select(User).where(User.username.like(f"{prefix}%"))
                                  .order_by(User.username)).scalars().first()
        row = db.session.get(LoginThrottle, user.username.lower()) or LoginThrottle(username=user.username.lower())
        row.failures, row.locked_until = 5, datetime.datetime(2099, 1, 1)
        db.session.merge(row)
        db.session.commit()
        return user.id, user.username


def test_get_confirms_and_post_runs(app: Any, as_role: Any) -> None:
    """GET changes nothing and shows a confirmation; POST with the CSRF token unlocks the account."""
    pk, username = _locked_student(app, "2022101")
    b = as_role("college_a")
    page = b.get(f"/accounts/action/unlock/{pk}")
    assert page.status_code == 200 and 'id="confirm-action"' in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(LoginThrottle, username.lower()).locked_until is not None
    b.client.post(f"/accounts/action/unlock/{pk}", data={"csrf_token": b.token(f"/accounts/action/unlock/{pk}")})
    with app.app_context():
        assert db.session.get(LoginThrottle, username.lower()) is None or \
            db.session.get(LoginThrottle, username.lower()).locked_until is None


def test_out_of_scope_record_action_is_404(app: Any, as_role: Any) -> None:
    """Another college's account cannot even be shown the confirmation, nor unlocked by POST."""
    pk, username = _locked_student(app, "2022102")
    b = as_role("college_a")
    assert b.get(f"/accounts/action/unlock/{pk}").status_code == 404
    b.client.post(f"/accounts/action/unlock/{pk}", data={"csrf_token": b.token("/accounts/list/")})
    with app.app_context():
        assert db.session.get(LoginThrottle, username.lower()).locked_until is not None
