"""ORG-4 and X-2 on the lockout: what each failure, lock, sign-in and unlock writes, and where a lock's edges are."""
from __future__ import annotations

import datetime
import json
import uuid
from typing import Any

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models.audit import AuditLog
from app.models.security import LoginThrottle
from app.models.user import User
from app.services import lockout
from app.timeutil import utcnow

THRESHOLD = 5  # ORG-4: the fifth failure locks
MINUTES = 15  # ORG-4: for fifteen minutes, and failures older than that are forgotten


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def _trail(name: str) -> list[tuple[str, str, str, dict[str, Any]]]:
    """(action, target type, target id, detail) of every audit row about this user name, oldest first."""
    rows = db.session.execute(select(AuditLog).where(AuditLog.target_id == name).order_by(AuditLog.seq)).scalars()
    return [(r.action, r.target_type, r.target_id, json.loads(r.detail)) for r in rows]


@pytest.fixture()
def frozen(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Stop the lockout's clock at a whole second, so a test can stand exactly on a lock's edge."""
    moment = {"now": utcnow().replace(microsecond=0)}
    monkeypatch.setattr(lockout, "utcnow", lambda: moment["now"])
    return moment


def test_user_names_normalise_to_trimmed_lower_case_of_at_most_128_characters() -> None:
    """The key the counter is stored under: no name is '', case and spaces fold, the column holds 128 characters."""
    assert lockout.normalise(None) == ""
    assert lockout.normalise("") == ""
    assert lockout.normalise("  Li.Ming \t") == "li.ming"
    assert lockout.normalise("A" * 300) == "a" * 128


def test_every_failure_and_the_lock_are_audited_under_the_normalised_name(ctx: Any) -> None:
    """Failures 1–5 each write login.failed with their count; the fifth also writes account.locked with its end."""
    name = _name("trail")
    for _ in range(THRESHOLD):
        lockout.register_failure(f"  {name.upper()} ", "10.9.8.7")
    until = db.session.get(LoginThrottle, name).locked_until
    expected = [("login.failed", "account", name, {"failures": n}) for n in range(1, THRESHOLD + 1)]
    expected.append(("account.locked", "account", name, {"until": until.isoformat(), "failures": THRESHOLD}))
    assert _trail(name) == expected


def test_a_sign_in_and_an_unlock_are_audited_under_the_normalised_name(ctx: Any) -> None:
    """A success writes `login`; an unlock writes account.unlocked saying whether a lock was lifted."""
    name = _name("unlock")
    lockout.register_success(f" {name.upper()}")
    lockout.register_failure(name)
    assert lockout.unlock(name.upper()) is False
    for _ in range(THRESHOLD):
        lockout.register_failure(name)
    assert lockout.unlock(f"{name} ") is True
    actions = [(a, t, i, d) for a, t, i, d in _trail(name) if a != "login.failed"]
    assert actions == [
        ("login", "account", name, {}),
        ("account.unlocked", "account", name, {"was_locked": False}),
        ("account.locked", "account", name, actions[2][3]),
        ("account.unlocked", "account", name, {"was_locked": True}),
    ]


def test_the_client_address_is_kept_to_the_columns_64_characters(ctx: Any) -> None:
    name = _name("addr")
    lockout.register_failure(name, "2001:db8:" + "f" * 120)
    assert db.session.get(LoginThrottle, name).last_ip == ("2001:db8:" + "f" * 120)[:64]
    lockout.register_failure(name)
    assert db.session.get(LoginThrottle, name).last_ip == ""


def test_a_lock_signs_the_account_out_everywhere(ctx: Any) -> None:
    """The fifth failure ends every session and token of the account it names (its auth epoch moves on)."""
    name = _name("epoch")
    user = User(username=name, first_name="锁", last_name="", email=f"{name}@demo.gems.invalid", active=True)
    db.session.add(user)
    db.session.commit()
    epoch = user.auth_epoch
    try:
        for _ in range(THRESHOLD - 1):
            lockout.register_failure(name.upper())
        db.session.refresh(user)
        assert user.auth_epoch == epoch
        lockout.register_failure(name.upper())
        db.session.refresh(user)
        assert user.auth_epoch == epoch + 1
    finally:
        db.session.delete(user)
        db.session.commit()


def test_a_lock_is_over_at_the_instant_it_ends(ctx: Any, frozen: Any) -> None:
    """Locked while now < until: at `until` itself the name is free, unlock lifts nothing, a new failure re-locks."""
    name = _name("edge")
    for _ in range(THRESHOLD):
        lockout.register_failure(name)
    until = lockout.locked_until(name)
    assert until == frozen["now"] + datetime.timedelta(minutes=MINUTES)
    frozen["now"] = until - datetime.timedelta(microseconds=1)
    assert lockout.locked_until(name) == until
    frozen["now"] = until
    assert lockout.locked_until(name) is None
    row = db.session.get(LoginThrottle, name)
    row.last_failure_at = until - datetime.timedelta(minutes=1)  # the counter is still inside its window
    db.session.commit()
    assert lockout.register_failure(name) is True  # a sixth failure after the lock ended locks anew
    assert lockout.locked_until(name) == until + datetime.timedelta(minutes=MINUTES)
    frozen["now"] = until + datetime.timedelta(minutes=MINUTES)
    assert lockout.unlock(name) is False  # it had just ended: nothing was lifted


def test_failures_are_forgotten_at_the_instant_the_window_closes(ctx: Any, frozen: Any) -> None:
    """A failure counts while it is younger than the window; exactly 15 minutes old it no longer does."""
    name = _name("window")
    for _ in range(2):
        lockout.register_failure(name)
    start = frozen["now"]
    frozen["now"] = start + datetime.timedelta(minutes=MINUTES) - datetime.timedelta(microseconds=1)
    assert lockout.failures(name) == 2
    frozen["now"] = start + datetime.timedelta(minutes=MINUTES)
    assert lockout.failures(name) == 0
