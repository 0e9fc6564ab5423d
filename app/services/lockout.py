"""Failed-login counting and account lockout (ORG-4), kept in the database so every app server agrees."""
from __future__ import annotations

import datetime
from typing import Optional

from flask import current_app

from app.extensions import db
from app.models.security import LoginThrottle
from app.security import sessions
from app.services import audit
from app.timeutil import utcnow


def normalise(username: str | None) -> str:
    return (username or "").strip().lower()[:128]


def _throttle(username: str) -> Optional[LoginThrottle]:
    return db.session.get(LoginThrottle, normalise(username))


def locked_until(username: str) -> Optional[datetime.datetime]:
    """When the lock on this username ends, or None if it is not locked."""
    row = _throttle(username)
    if row and row.locked_until and row.locked_until > utcnow():
        return row.locked_until
    return None


def failures(username: str) -> int:
    row = _throttle(username)
    if row is None or row.last_failure_at is None:
        return 0
    window = datetime.timedelta(minutes=current_app.config["GEMS_LOCKOUT_MINUTES"])
    return row.failures if row.last_failure_at > utcnow() - window else 0


def captcha_required(username: str) -> bool:
    return failures(username) >= current_app.config["GEMS_CAPTCHA_AFTER"]


def register_failure(username: str, ip: str = "") -> bool:
    """Count one failure (for existing and unknown usernames alike); returns True when this one locks."""
    key = normalise(username)
    count = failures(key) + 1
    row = _throttle(key) or LoginThrottle(username=key)
    now = utcnow()
    row.failures, row.last_failure_at, row.last_ip = count, now, ip[:64]
    db.session.add(row)
    audit.record("login.failed", "account", key, failures=count)
    locked = count >= current_app.config["GEMS_LOCKOUT_THRESHOLD"] and not (
        row.locked_until and row.locked_until > now
    )
    if locked:
        row.locked_until = now + datetime.timedelta(minutes=current_app.config["GEMS_LOCKOUT_MINUTES"])
        audit.record("account.locked", "account", key, until=row.locked_until.isoformat(), failures=count)
        sessions.end_all_for_username(key)  # whoever is signed in as this account is signed out too
    db.session.commit()
    return locked


def register_success(username: str) -> None:
    row = _throttle(username)
    if row is not None:
        db.session.delete(row)
    audit.record("login", "account", normalise(username))
    db.session.commit()


def unlock(username: str) -> bool:
    """Lift a lock early (a reviewer or the admin did it); audited. Returns False if it was not locked."""
    row = _throttle(username)
    if row is None:
        return False
    was_locked = bool(row.locked_until and row.locked_until > utcnow())
    db.session.delete(row)
    audit.record("account.unlocked", "account", normalise(username), was_locked=was_locked)
    db.session.commit()
    return was_locked
