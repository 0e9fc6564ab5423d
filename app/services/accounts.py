"""Account use cases: who may manage whom, password resets, bulk role grants (ORG-2, ORG-3, ORG-4, ORG-6)."""
from __future__ import annotations

from typing import Any, Iterable

from flask import current_app
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from app.extensions import db
from app.models.graduate import Graduate
from app.models.user import User
from app.scope import department_subtree, in_scope
from app.security import sessions
from app.security.passwords import one_time_password
from app.security.roles import ADMIN, CENTRAL_ROLES, COLLEGE, SCHOOL, STUDENT, role_names
from app.services import audit, lockout
from app.timeutil import utcnow


def hash_password(password: str) -> str:
    return generate_password_hash(
        password,
        method=current_app.config.get("FAB_PASSWORD_HASH_METHOD", "scrypt"),
        salt_length=current_app.config.get("FAB_PASSWORD_HASH_SALT_LENGTH", 16),
    )


def can_manage(actor: Any, target: User) -> bool:
    """Admin manages everyone; school manages non-central accounts; college manages its own students only."""
    actor_roles, target_roles = role_names(actor), role_names(target)
    if ADMIN in actor_roles:
        return True
    if not in_scope(User, [target.id], actor):
        return False
    if SCHOOL in actor_roles:
        return not (target_roles & CENTRAL_ROLES)
    if COLLEGE in actor_roles:
        return target_roles <= {STUDENT}
    return False


def set_password(user: User, password: str, *, must_change: bool, reason: str) -> None:
    user.password = hash_password(password)
    user.must_change_password = must_change
    user.password_changed_at = utcnow()
    sessions.end_all(user)  # every other session and token of the account ends; the acting browser keeps its own
    audit.record("password." + reason, "account", user.id, username=user.username)


def initial_student_password(user: User) -> str | None:
    """ORG-6: the last six characters of the bound graduate's ID number."""
    id_number = db.session.execute(select(Graduate.id_number).where(Graduate.user_id == user.id)).scalar()
    return id_number[-6:] if id_number else None


def reset_password(actor: Any, user: User) -> str:
    """Reset to a one-time password (students: their initial password); the user must change it at login."""
    if not can_manage(actor, user):
        raise PermissionError(user.username)
    password = initial_student_password(user) if role_names(user) <= {STUDENT} else None
    password = password or one_time_password()
    set_password(user, password, must_change=True, reason="reset")
    db.session.commit()
    return password


def unlock_accounts(actor: Any, users: Iterable[User]) -> tuple[list[str], list[str]]:
    """Unlock the given accounts; returns (unlocked, refused) usernames."""
    done, refused = [], []
    for user in users:
        if can_manage(actor, user):
            lockout.unlock(user.username)
            done.append(user.username)
        else:
            refused.append(user.username)
    return done, refused


def grant_to_department(department_id: int, include_children: bool, roles: list[Any], revoke: bool) -> int:
    """Add (or remove) roles on every account of a department (and optionally its sub-units); audited per account."""
    ids = department_subtree(department_id) if include_children else [department_id]
    users = db.session.execute(select(User).where(User.department_id.in_(ids))).scalars().all()
    changed = 0
    for user in users:
        before = set(user.roles)
        after = before - set(roles) if revoke else before | set(roles)
        if after != before:
            user.roles = sorted(after, key=lambda r: r.id)
            changed += 1
    db.session.commit()
    return changed
