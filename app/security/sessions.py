"""Server-side sign-in state: a session row per browser sign-in and an epoch per account for every JWT.

A browser session is valid while its row (id kept in the signed Flask session) is not revoked, not expired and
carries the account's current ``auth_epoch``; a JWT while its jti is not on the deny-list and its ``gems_epoch``
claim equals ``auth_epoch``. Logout revokes one row or one jti; a password change, reset, lock or disable bumps the
epoch, which ends every session and token of the account at once. Both checks are folded into the one query that
loads the user (app.security.request_cache), so they cost no statement per page.
"""
from __future__ import annotations

import datetime
import secrets
from typing import Any, Optional

from flask import Flask, current_app, flash, has_request_context, redirect, request, session
from flask_babel import gettext as _
from flask_login import current_user, logout_user
from sqlalchemy import and_, delete, event, exists, false, func, update

from app.extensions import db
from app.models.security import UserSession
from app.models.user import User
from app.security.token_store import token_store
from app.timeutil import utcnow

SID_KEY = "_gems_sid"
EPOCH_CLAIM = "gems_epoch"


def _lifetime() -> datetime.timedelta:
    return datetime.timedelta(hours=current_app.config.get("GEMS_SESSION_HOURS", 12))


def start(user: User) -> None:
    """Open a server-side session for a browser sign-in (and revoke the one this browser had before)."""
    now = utcnow()
    db.session.execute(delete(UserSession).where(UserSession.expires_at < now))  # prune as we go
    _revoke(session.pop(SID_KEY, None), now)
    _add_row(user, now)
    db.session.commit()


def _add_row(user: User, now: datetime.datetime) -> None:
    sid = secrets.token_urlsafe(32)
    db.session.add(UserSession(id=sid, user_id=user.id, epoch=user.auth_epoch or 0, created_at=now,
                               expires_at=now + _lifetime(), ip=(request.remote_addr or "")[:64]))
    session[SID_KEY] = sid


def _revoke(sid: Optional[str], now: datetime.datetime) -> None:
    if sid:
        db.session.execute(update(UserSession).where(UserSession.id == sid, UserSession.revoked_at.is_(None))
                           .values(revoked_at=now))


def end_current() -> None:
    """Logout: this browser's session row is revoked, so a copy of the cookie is worthless too."""
    _revoke(session.pop(SID_KEY, None), utcnow())
    db.session.commit()


def end_all(user: User) -> None:
    """End every session and token of `user` (caller commits); the acting user keeps this browser's session."""
    user.auth_epoch = (user.auth_epoch or 0) + 1
    if not has_request_context() or SID_KEY not in session:
        return
    if getattr(current_user, "id", None) == user.id and current_user.is_authenticated:
        now = utcnow()
        _revoke(session.pop(SID_KEY), now)
        _add_row(user, now)  # re-issued under the new epoch


def end_all_for_username(username: str) -> None:
    """The lockout knows a normalised user name only; bump that account's epoch if it exists (caller commits)."""
    db.session.execute(update(User).where(func.lower(User.username) == username)
                       .values(auth_epoch=User.auth_epoch + 1).execution_options(synchronize_session=False))


def session_check() -> Any:
    """The SQL condition the user query adds for a browser request; None when the cookie names no session."""
    sid = session.get(SID_KEY) if has_request_context() else None
    if not sid or not isinstance(sid, str):
        return None
    return exists().where(UserSession.id == sid, UserSession.user_id == User.id,
                          UserSession.revoked_at.is_(None), UserSession.expires_at > utcnow(),
                          UserSession.epoch == User.auth_epoch)


def token_check(payload: dict[str, Any]) -> Any:
    """The SQL condition for a JWT: issued under the current epoch and not revoked."""
    epoch = payload.get(EPOCH_CLAIM)
    if not isinstance(epoch, int) or isinstance(epoch, bool):
        return false()
    denied = token_store().denied_sql(str(payload.get("jti", "")))
    if denied is None:
        return false() if token_store().is_denied(str(payload.get("jti", ""))) else User.auth_epoch == epoch
    return and_(User.auth_epoch == epoch, ~denied)


def _ended_session() -> Any:
    """A cookie whose server-side session has ended: drop it and send the user to sign in again, saying why."""
    if "_user_id" not in session or current_user.is_authenticated:
        return None
    logout_user()
    session.pop(SID_KEY, None)
    appbuilder = current_app.appbuilder
    login_endpoint = f"{appbuilder.sm.auth_view.__class__.__name__}.login"
    if request.path.startswith("/api/") or request.endpoint in (login_endpoint, "static", "appbuilder.static"):
        return None
    flash(_("You have been signed out, or your password was changed. Please sign in again."), "warning")
    return redirect(appbuilder.get_url_for_login)


def _disabled(target: User, value: Any, oldvalue: Any, _initiator: Any) -> None:
    """Disabling an account ends its sessions and tokens for good (re-enabling does not bring them back)."""
    if oldvalue is True and not value:
        target.auth_epoch = (target.auth_epoch or 0) + 1


def init_sessions(app: Flask) -> None:
    if not event.contains(User.active, "set", _disabled):
        event.listen(User.active, "set", _disabled, active_history=True)
    app.before_request(_ended_session)
