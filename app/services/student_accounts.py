"""ORG-6: a student's account is created at their first sign-in (user name = student number, initial password =
last six characters of the ID number), because hashing 100 000 passwords at import time is far too slow."""
from __future__ import annotations

import hmac

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models.graduate import Graduate
from app.models.org import Cohort
from app.models.user import User
from app.security.roles import STUDENT
from app.services import audit
from app.services.accounts import hash_password


def unclaimed_graduate(username: str) -> Graduate | None:
    """The included graduate with this student number who has no account yet (latest cohort first)."""
    return db.session.execute(
        select(Graduate).join(Cohort, Cohort.id == Graduate.cohort_id)
        .where(Graduate.student_no == username, Graduate.included.is_(True), Graduate.user_id.is_(None))
        .order_by(Cohort.year.desc()).limit(1)
    ).scalar()


def initial_password_matches(graduate: Graduate, password: str) -> bool:
    """Constant-time comparison with the last six characters of the ID number (x and X both accepted)."""
    expected = (graduate.id_number or "")[-6:].upper()
    given = (password or "").upper()
    return len(expected) == 6 and hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def create_on_first_login(username: str, password: str) -> User | None:
    """Create and link the account if `username` is an unclaimed graduate and `password` is their initial one.

    Returns the new account, or None (nothing is created) so the caller runs the normal failed-login path.
    """
    username = (username or "").strip()
    if not username:
        return None
    graduate = unclaimed_graduate(username)
    if graduate is None or not initial_password_matches(graduate, password):
        return None
    sm = current_app.appbuilder.sm
    user = User(username=username, first_name=graduate.name, last_name="",
                email=f"{username}@students.gems.invalid", active=True, department_id=graduate.department_id,
                password=hash_password(password), must_change_password=True,
                roles=[sm.find_role(STUDENT)])
    try:
        db.session.add(user)
        db.session.flush()
        graduate.user_id = user.id
        audit.record("account.created_on_first_login", "account", user.id, username=username,
                     graduate_id=graduate.id)
        db.session.commit()
    except IntegrityError:  # a concurrent first sign-in won: use the account it created
        db.session.rollback()
        return None
    return user

