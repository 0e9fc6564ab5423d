"""Server-side security state every app server shares: login throttles, sessions, revoked tokens, captcha nonces."""
from __future__ import annotations

import datetime
from typing import Optional

from flask_appbuilder import Model
from sqlalchemy import DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column


class LoginThrottle(Model):
    """Consecutive failed logins for one (normalised) username and the lock they caused."""

    __tablename__ = "login_throttle"

    username: Mapped[str] = mapped_column(String(128), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    last_failure_at: Mapped[Optional[datetime.datetime]] = mapped_column(DateTime)
    locked_until: Mapped[Optional[datetime.datetime]] = mapped_column(DateTime)
    last_ip: Mapped[Optional[str]] = mapped_column(String(64))


class UserSession(Model):
    """One browser sign-in; valid while not revoked, not expired and its epoch equals the account's auth_epoch."""

    __tablename__ = "user_session"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id", ondelete="CASCADE"), index=True, nullable=False)
    epoch: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime, nullable=False)
    expires_at: Mapped[datetime.datetime] = mapped_column(DateTime, index=True, nullable=False)
    revoked_at: Mapped[Optional[datetime.datetime]] = mapped_column(DateTime)
    ip: Mapped[Optional[str]] = mapped_column(String(64))


class RevokedToken(Model):
    """A JWT ended by its holder (API logout); kept until the token would have expired anyway."""

    __tablename__ = "revoked_token"

    jti: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime.datetime] = mapped_column(DateTime, index=True, nullable=False)


class CaptchaChallenge(Model):
    """An open captcha challenge: the answer's keyed hash under a random nonce, deleted at its first check."""

    __tablename__ = "captcha_challenge"

    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), nullable=False)
    expires_at: Mapped[datetime.datetime] = mapped_column(DateTime, index=True, nullable=False)
