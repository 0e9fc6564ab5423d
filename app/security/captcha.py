"""An offline image captcha (no external service): the answer's hash lives in the session, used once."""
from __future__ import annotations

import hashlib
import hmac
import io
import secrets
import time

from captcha.image import ImageCaptcha
from flask import current_app, session

ALPHABET = "ACDEFHJKLMNPRTUVWXY34679"  # no look-alikes (0/O, 1/I, 5/S, 2/Z, 8/B)
LENGTH = 4
TTL_SECONDS = 300
_SESSION_KEY = "gems_captcha"


def _digest(answer: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, answer.strip().upper().encode(), hashlib.sha256).hexdigest()


def new_challenge() -> bytes:
    """Make a new challenge, remember its answer in the session and return the PNG."""
    answer = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    session[_SESSION_KEY] = {"h": _digest(answer), "t": int(time.time())}
    if current_app.config.get("TESTING"):
        session["_test_captcha_answer"] = answer  # lets tests solve it; never set outside TESTING
    buffer = io.BytesIO()
    ImageCaptcha(width=160, height=60).write(answer, buffer, format="png")
    return buffer.getvalue()


def check(answer: str | None) -> bool:
    """True if `answer` solves the current challenge; the challenge is consumed either way."""
    stored = session.pop(_SESSION_KEY, None)
    if not stored or not answer or time.time() - stored.get("t", 0) > TTL_SECONDS:
        return False
    return hmac.compare_digest(stored["h"], _digest(answer))
