"""The captcha is single-use on the server: one solution buys one attempt, an old cookie cannot replay it."""
from __future__ import annotations

import datetime
import uuid
from typing import Any

from sqlalchemy import func, select, update

from app.extensions import db
from app.models.security import CaptchaChallenge
from app.services import lockout
from app.timeutil import utcnow
from tests.conftest import Browser, assert_signed_in
from tests.security.session_support import PASSWORD, Accounts, accounts_fixture, session_cookie  # noqa: F401

CAPTCHA_REFUSED = "请输入图片中的字符"
WRONG_PASSWORD = "用户名或密码错误"


def captcha_browser(app: Any) -> Browser:
    """A browser that must answer the captcha (three failures for an unknown name set the session's flag)."""
    app.appbuilder.sm.limiter.reset()  # this test's quota: the generated crawls may have fetched captcha images
    b = Browser(app.test_client())
    ghost = f"ghost-{uuid.uuid4().hex[:6]}"
    for _ in range(3):
        b.login(ghost, "Wrong-pass-1")
    assert "captcha.png" in b.get("/login/").get_data(as_text=True)
    return b


def with_cookie(app: Any, value: str) -> Browser:
    b = Browser(app.test_client())
    b.client.set_cookie(app.config["SESSION_COOKIE_NAME"], value)
    return b


def attempt(b: Browser, username: str, password: str, answer: str) -> str:
    return b.login(username, password, captcha=answer, follow_redirects=True).get_data(as_text=True)


def test_a_solved_captcha_cannot_be_replayed_from_an_old_cookie(app: Any, accounts: Accounts) -> None:
    """The cookie saved after solving replays the same answer: refused before the password is even checked."""
    account = accounts()
    b = captcha_browser(app)
    answer = b.solve_captcha()
    saved = session_cookie(b)
    assert WRONG_PASSWORD in attempt(b, account.username, "Wrong-pass-1", answer)  # the captcha passed
    with app.app_context():
        failures_before = lockout.failures(account.username)
    assert failures_before == 1
    replay = with_cookie(app, saved)
    page = attempt(replay, account.username, PASSWORD, answer)
    assert CAPTCHA_REFUSED in page and WRONG_PASSWORD not in page
    with app.app_context():
        assert lockout.failures(account.username) == failures_before  # the password was never tried
    replay_signed_in = with_cookie(app, saved)
    assert "欢迎您" not in replay_signed_in.get("/").get_data(as_text=True)


def test_a_wrong_answer_consumes_the_challenge(app: Any, accounts: Accounts) -> None:
    """A wrong answer uses the challenge up: the right answer sent afterwards with the same cookie is refused."""
    account = accounts()
    b = captcha_browser(app)
    answer = b.solve_captcha()
    saved = session_cookie(b)
    assert CAPTCHA_REFUSED in attempt(b, account.username, PASSWORD, "QQQQ")  # Q is not in the alphabet
    page = attempt(with_cookie(app, saved), account.username, PASSWORD, answer)
    assert CAPTCHA_REFUSED in page


def test_a_fresh_solution_signs_in(app: Any, accounts: Accounts) -> None:
    """The control: the same steps with a fresh challenge and its answer do sign in."""
    account = accounts()
    b = captcha_browser(app)
    page = attempt(b, account.username, PASSWORD, b.solve_captcha())
    assert CAPTCHA_REFUSED not in page
    assert_signed_in(b, account.username)


def test_an_expired_challenge_is_refused_and_pruned(app: Any) -> None:
    """A challenge older than its TTL fails even with the right answer; new challenges delete expired rows."""
    b = captcha_browser(app)
    answer = b.solve_captcha()
    with b.client.session_transaction() as session:
        nonce = session["gems_captcha"]
    past = utcnow() - datetime.timedelta(seconds=1)
    with app.app_context():
        db.session.execute(update(CaptchaChallenge).where(CaptchaChallenge.nonce == nonce).values(expires_at=past))
        db.session.commit()
    other = captcha_browser(app)
    other.solve_captcha()  # a new challenge from anyone prunes the expired one
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(CaptchaChallenge)
                                  .where(CaptchaChallenge.expires_at <= utcnow())).scalar_one() == 0
    assert CAPTCHA_REFUSED in attempt(b, f"ghost-{uuid.uuid4().hex[:6]}", PASSWORD, answer)


def test_an_expired_challenge_not_yet_pruned_is_refused(app: Any) -> None:
    """Expiry is checked at the answer too, not only by pruning."""
    b = captcha_browser(app)
    answer = b.solve_captcha()
    with b.client.session_transaction() as session:
        nonce = session["gems_captcha"]
    with app.app_context():
        db.session.execute(update(CaptchaChallenge).where(CaptchaChallenge.nonce == nonce)
                           .values(expires_at=utcnow() - datetime.timedelta(seconds=1)))
        db.session.commit()
    assert CAPTCHA_REFUSED in attempt(b, f"ghost-{uuid.uuid4().hex[:6]}", PASSWORD, answer)


def test_captcha_images_are_rate_limited_per_client(app: Any) -> None:
    """Every image stores a nonce server-side: past the configured rate one client gets 429, another still gets one."""
    app.appbuilder.sm.limiter.reset()
    limit = int(app.config["GEMS_CAPTCHA_RATE_LIMIT"].split()[0])
    def stored() -> int:
        with app.app_context():
            return db.session.execute(select(func.count()).select_from(CaptchaChallenge)).scalar_one()

    before = stored()
    flood = Browser(app.test_client())
    flood.client.environ_base["REMOTE_ADDR"] = "10.9.9.1"
    codes = [flood.get("/captcha.png").status_code for _ in range(limit + 5)]
    assert codes[:limit] == [200] * limit and set(codes[limit:]) == {429}
    minted = stored() - before
    assert minted == limit, "a refused request must not store a challenge"
    other = Browser(app.test_client())
    other.client.environ_base["REMOTE_ADDR"] = "10.9.9.2"
    assert other.get("/captcha.png").status_code == 200
