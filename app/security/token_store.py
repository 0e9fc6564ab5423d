"""Where short-lived security state lives so that every app server sees it: revoked JWTs and captcha nonces.

The database store is the default. A faster store (Redis, issue 11) plugs in by putting an object with the same
methods into ``app.extensions["gems_token_store"]`` (e.g. when REDIS_URL is set); ``denied_sql`` may then return
None, and the JWT check asks ``is_denied`` instead of folding the test into the user query.
"""
from __future__ import annotations

import datetime
from typing import Any, Optional

from flask import current_app
from sqlalchemy import delete, exists, select

from app.extensions import db
from app.models.security import CaptchaChallenge, RevokedToken
from app.timeutil import utcnow


class DatabaseTokenStore:
    """Revoked tokens and captcha nonces in two small tables; expired rows are pruned as new ones arrive."""

    def deny(self, jti: str, expires_at: datetime.datetime) -> None:
        now = utcnow()
        db.session.execute(delete(RevokedToken).where(RevokedToken.expires_at < now))
        if db.session.get(RevokedToken, jti) is None:
            db.session.add(RevokedToken(jti=jti, expires_at=expires_at))
        db.session.commit()

    def denied_sql(self, jti: str) -> Any:
        """An EXISTS clause for the user query, so checking a token costs no statement of its own."""
        return exists().where(RevokedToken.jti == jti)

    def is_denied(self, jti: str) -> bool:
        return db.session.execute(select(self.denied_sql(jti))).scalar_one()

    def put_challenge(self, nonce: str, digest: str, ttl_seconds: int) -> None:
        now = utcnow()
        db.session.execute(delete(CaptchaChallenge).where(CaptchaChallenge.expires_at < now))
        db.session.add(CaptchaChallenge(nonce=nonce, digest=digest,
                                        expires_at=now + datetime.timedelta(seconds=ttl_seconds)))
        db.session.commit()

    def take_challenge(self, nonce: str) -> Optional[str]:
        """The challenge's digest if it is open and unexpired; deleted in the same statement, so it answers once."""
        row = db.session.execute(delete(CaptchaChallenge).where(CaptchaChallenge.nonce == nonce)
                                 .returning(CaptchaChallenge.digest, CaptchaChallenge.expires_at)).first()
        db.session.commit()
        if row is None or row.expires_at <= utcnow():
            return None
        return row.digest


_DEFAULT = DatabaseTokenStore()


def token_store() -> Any:
    """The store configured for this app (the database unless another one was plugged in)."""
    return current_app.extensions.get("gems_token_store", _DEFAULT)
