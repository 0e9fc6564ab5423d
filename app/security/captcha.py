"""An offline image captcha (no external service), single-use on the server: one solution buys one attempt.

The session holds only a random nonce; the answer's keyed hash is stored under that nonce in the shared token
store (every app server sees it) and deleted at the first check, right or wrong, so an old session cookie that
still names a solved challenge cannot be replayed.
"""
from __future__ import annotations

import hashlib
import hmac
import io
import secrets

from captcha.image import ImageCaptcha
from flask import current_app, session

from app.security.token_store import token_store

ALPHABET = "ACDEFHJKLMNPRTUVWXY34679"  # no look-alikes (0/O, 1/I, 5/S, 2/Z, 8/B)
LENGTH = 4
TTL_SECONDS = 300
_SESSION_KEY = "gems_captcha"


def _digest(nonce: str, answer: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"{nonce}:{answer.strip().upper()}".encode(), hashlib.sha256).hexdigest()


def new_challenge() -> bytes:
    """Make a new challenge, store its answer's hash under a fresh nonce and return the PNG."""
    answer = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    nonce = secrets.token_urlsafe(24)
    token_store().put_challenge(nonce, _digest(nonce, answer), TTL_SECONDS)
    session[_SESSION_KEY] = nonce
    if current_app.config.get("TESTING"):
        session["_test_captcha_answer"] = answer  # lets tests solve it; never set outside TESTING
    buffer = io.BytesIO()
    ImageCaptcha(width=160, height=60).write(answer, buffer, format="png")
    return buffer.getvalue()


def check(answer: str | None) -> bool:
    """True if `answer` solves the current challenge; the challenge is consumed on the server either way."""
    nonce = session.pop(_SESSION_KEY, None)
    if not isinstance(nonce, str) or not nonce:
        return False
    digest = token_store().take_challenge(nonce)
    if digest is None or not answer:
        return False
    return hmac.compare_digest(digest, _digest(nonce, answer))
