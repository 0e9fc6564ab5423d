"""X-2 bookkeeping around the chain: who an entry names as actor, and how many problems verify keeps."""
from __future__ import annotations

import datetime
import hashlib
import hmac
import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Iterator

import pytest
from flask import g
from sqlalchemy import create_engine, insert, select
from sqlalchemy.orm import Session

from app.models.audit import AuditHead, AuditLog
from app.services import audit
from app.services.audit_checkpoint import PENDING
from app.services.audit_keys import AuditKeys


def test_the_actor_is_the_signed_in_user_else_nobody_else_the_cli(app: Any) -> None:
    """A signed-in user by id and name; an anonymous or signed-out client by address only; no request: the CLI."""
    with app.app_context():
        assert audit.current_actor() == (None, "cli", "local")
    with app.test_request_context(environ_base={"REMOTE_ADDR": "10.20.30.40"}):
        assert audit.current_actor() == (None, "", "10.20.30.40")
        g.user = SimpleNamespace(id=42, username="li.ming", is_authenticated=True)
        assert audit.current_actor() == (42, "li.ming", "10.20.30.40")
        g.user = SimpleNamespace(id=42, username="li.ming", is_authenticated=False)
        assert audit.current_actor() == (None, "", "10.20.30.40")
        g.user = SimpleNamespace(id=42, username="li.ming")  # an object without the flag is not signed in
        assert audit.current_actor() == (None, "", "10.20.30.40")
    with app.test_request_context(environ_base={"REMOTE_ADDR": ""}):
        assert audit.current_actor() == (None, "", "")


def test_verify_keeps_the_first_200_problems_and_counts_the_rest() -> None:
    result = audit.VerifyResult()
    for n in range(audit.MAX_PROBLEMS + 3):
        result.add(f"problem {n}")
    assert len(result.problems) == 200 and result.problems[-1] == "problem 199"
    assert result.more == 3 and not result.ok


# --- a chain of its own: a private in-memory database with just the two audit tables ---------------------------

TEST_KEY = b"gems-test-audit-key-0123456789abcdef"  # config.TestConfig's, written out again
GENESIS = "0" * 64


@pytest.fixture()
def own(ctx: Any) -> Iterator[Any]:
    """An empty audit_log and audit_head on their own engine, as on the first start of a new installation."""
    engine = create_engine("sqlite://")
    AuditLog.__table__.create(engine)
    AuditHead.__table__.create(engine)
    with Session(engine) as session:
        yield session
    engine.dispose()


def _oracle(prev: str, seq: int, at: datetime.datetime, actor: tuple[Any, str, str], action: str, target_type: str,
            target_id: str, detail: str, key_id: str) -> str:
    text = json.dumps([seq, at.isoformat(timespec="microseconds"), *actor, action, target_type, target_id, detail,
                       key_id], ensure_ascii=False, separators=(",", ":"))
    return hmac.new(TEST_KEY, (prev + text).encode("utf-8"), hashlib.sha256).hexdigest()


def _rows(session: Session) -> list[AuditLog]:
    return list(session.execute(select(AuditLog).order_by(AuditLog.seq)).scalars())


def test_the_first_entries_of_a_new_installation(own: Session) -> None:
    """The head is created at seq 0 and GENESIS; rows chain from it under the current key; the head follows."""
    actor = (7, "王老师", "10.0.0.7")
    when = datetime.datetime(2026, 12, 2, 8, 30)
    n = audit.record_many([audit.Entry("a.b", "thing", "1", {"z": "中文", "a": 1, "when": when}),
                           audit.Entry("c.d")], session=own, actor=actor)
    assert n == 2
    first, second = _rows(own)
    detail = '{"a": 1, "when": "2026-12-02 08:30:00", "z": "中文"}'
    assert (first.seq, first.prev_hash, first.detail, first.key_id) == (1, GENESIS, detail, "test")
    assert (first.actor_id, first.actor_name, first.ip, first.action, first.target_type, first.target_id) == (
        7, "王老师", "10.0.0.7", "a.b", "thing", "1")
    assert first.hash == _oracle(GENESIS, 1, first.at, actor, "a.b", "thing", "1", detail, "test")
    assert (second.seq, second.prev_hash, second.at, second.detail, second.target_type, second.target_id) == (
        2, first.hash, first.at, "{}", "", "")
    assert second.hash == _oracle(first.hash, 2, first.at, actor, "c.d", "", "", "{}", "test")
    head = own.get(AuditHead, audit.HEAD_ID)
    assert (head.last_seq, head.last_hash, head.key_id) == (2, second.hash, "test")
    result = audit.verify(own, checkpoints=False)
    assert (result.ok, result.checked, result.head_seq, result.head_hash, result.unsealed) == (
        True, 2, 2, second.hash, False)
    assert own.info[PENDING] == (1, 2, second.hash)


def test_nothing_to_write_writes_nothing_but_the_head(own: Session) -> None:
    assert audit.record_many([], session=own, actor=(None, "cli", "local")) == 0
    assert audit.seal(own) == 0
    head = own.get(AuditHead, audit.HEAD_ID)
    assert (head.last_seq, head.last_hash, head.key_id) == (0, GENESIS, "test") and _rows(own) == []
    assert PENDING not in own.info
    empty = audit.verify(own, checkpoints=False)
    assert (empty.ok, empty.checked, empty.head_seq, empty.head_hash, empty.unsealed) == (True, 0, 0, GENESIS, False)


def test_a_new_key_is_recorded_before_the_next_entry_but_not_on_an_empty_chain(app: Any, own: Session) -> None:
    """An empty chain begun under another key needs no rotation entry; once it has rows, a key change writes one."""
    own.execute(insert(AuditHead.__table__).values(id=audit.HEAD_ID, last_seq=0, last_hash=GENESIS, key_id="old"))
    actor = (None, "cli", "local")
    assert audit.record_many([audit.Entry("first")], session=own, actor=actor) == 1
    assert [r.action for r in _rows(own)] == ["first"]
    keys = app.extensions["gems_audit_keys"]
    app.extensions["gems_audit_keys"] = AuditKeys("k2", {**keys.keys, "k2": b"k" * 32})
    try:
        assert audit.seal(own) == 1
        assert audit.seal(own) == 0
        audit.record("second", "thing", 5, session=own, actor=actor, n=1)
        rotation = _rows(own)[1]
        assert (rotation.action, rotation.target_type, rotation.target_id, json.loads(rotation.detail),
                rotation.key_id) == (audit.ROTATED, "audit_key", "k2", {"from": "test", "to": "k2"}, "k2")
        assert [(r.seq, r.action, r.target_id, r.key_id) for r in _rows(own)] == [
            (1, "first", "", "test"), (2, audit.ROTATED, "k2", "k2"), (3, "second", "5", "k2")]
        assert audit.verify(own, checkpoints=False).ok
    finally:
        app.extensions["gems_audit_keys"] = keys


def _forge(session: Session, seq: int, prev: str, key_id: str, key: bytes | None, action: str = "x",
           detail: str = "{}", digest: str | None = None, row_id: int | None = None) -> str:
    """Insert a row as someone holding `key` would (sha256 when None); returns its hash."""
    at = datetime.datetime(2026, 12, 2, 9, 0, seq)
    actor = (None, "cli", "local")
    if key is None:
        text = json.dumps([seq, at.isoformat(timespec="microseconds"), *actor, action, "", "", detail],
                          ensure_ascii=False, separators=(",", ":"))
        good = hashlib.sha256((prev + text).encode()).hexdigest()
    else:
        text = json.dumps([seq, at.isoformat(timespec="microseconds"), *actor, action, "", "", detail, key_id],
                          ensure_ascii=False, separators=(",", ":"))
        good = hmac.new(key, (prev + text).encode(), hashlib.sha256).hexdigest()
    digest = digest or good
    session.execute(insert(AuditLog.__table__).values(
        id=row_id or seq, seq=seq, at=at, actor_id=None, actor_name="cli", ip="local", action=action, target_type="",
        target_id="", detail=detail, prev_hash=prev, hash=digest, key_id=key_id))
    return digest


def _head(session: Session, seq: int, digest: str, key_id: str = "test") -> None:
    session.execute(insert(AuditHead.__table__).values(id=audit.HEAD_ID, last_seq=seq, last_hash=digest,
                                                       key_id=key_id))


def _problems(session: Session, **kw: Any) -> list[str]:
    return audit.verify(session, checkpoints=False, **kw).problems


def test_rows_are_walked_in_sequence_order_whatever_their_storage_order(own: Session) -> None:
    second_id, first_id = 1, 2  # stored (and so returned unordered) as seq 2 first
    h1 = _forge(own, 1, GENESIS, "test", TEST_KEY, row_id=first_id)
    h2 = _forge(own, 2, h1, "test", TEST_KEY, row_id=second_id)
    _head(own, 2, h2)
    assert _problems(own) == []


def test_an_edited_legacy_row_is_found_under_its_seal(own: Session) -> None:
    bad = _forge(own, 1, GENESIS, "", None, digest="f" * 64)  # not the sha256 of its content
    h2 = _forge(own, 2, bad, "test", TEST_KEY, action=audit.ROTATED, detail='{"from": "", "to": "test"}')
    _head(own, 2, h2)
    assert _problems(own) == ["seq 1: content does not match its hash (edited or forged entry)"]


def test_only_legacy_rows_are_reported_unsealed(own: Session) -> None:
    h1 = _forge(own, 1, GENESIS, "", None)
    h2 = _forge(own, 2, h1, "", None)
    _head(own, 2, h2, key_id="")
    result = audit.verify(own, checkpoints=False)
    assert result.unsealed and result.problems == [
        "seq 1..2: unkeyed (sha256) entries not sealed by a keyed entry; "
        "run `flask --app run gems audit-checkpoint` once after upgrading"]


@pytest.mark.parametrize("detail, action", [
    ("not json", audit.ROTATED),  # unreadable detail: no rotation
    ('{"from": "other", "to": "k2"}', audit.ROTATED),  # names another previous key
    ('{"from": "test", "to": "k2"}', "audit.something_else"),  # right detail, wrong action
])
def test_a_key_change_needs_a_true_rotation_entry(app: Any, own: Session, detail: str, action: str) -> None:
    keys = app.extensions["gems_audit_keys"]
    app.extensions["gems_audit_keys"] = AuditKeys("k2", {**keys.keys, "k2": b"k" * 32})
    try:
        h1 = _forge(own, 1, GENESIS, "test", TEST_KEY)
        h2 = _forge(own, 2, h1, "k2", b"k" * 32, action=action, detail=detail)
        _head(own, 2, h2, key_id="k2")
        assert _problems(own) == [
            f"seq 2: key changes from 'test' to 'k2' without an {audit.ROTATED} entry"]
    finally:
        app.extensions["gems_audit_keys"] = keys


def test_unknown_keys_and_a_rewritten_head_hash_are_named(own: Session) -> None:
    h1 = _forge(own, 1, GENESIS, "test", TEST_KEY)
    h2 = _forge(own, 2, h1, "zz", b"z" * 32, action=audit.ROTATED, detail='{"from": "test", "to": "zz"}')
    _head(own, 2, "e" * 64)  # the right seq, the wrong hash
    assert _problems(own) == [
        "seq 2: made with unknown key id 'zz' (forged entry or key missing from GEMS_AUDIT_KEYS)",
        "chain ends at seq 2 but the head records seq 2 (truncated log)",
    ]
    assert h2


def test_an_entry_differing_from_its_signed_checkpoint_is_named(app: Any, own: Session, tmp_path: Path) -> None:
    from app.services import audit_checkpoint

    h1 = _forge(own, 1, GENESIS, "test", TEST_KEY)
    _head(own, 1, h1)
    path = tmp_path / "cp.jsonl"
    keys = app.extensions["gems_audit_keys"]
    path.write_text(audit_checkpoint.to_line(audit_checkpoint.sign(1, "d" * 64, keys)) + "\n")
    saved = app.config["GEMS_AUDIT_CHECKPOINT_FILE"]
    app.config["GEMS_AUDIT_CHECKPOINT_FILE"] = str(path)
    try:
        assert audit.verify(own).problems == ["seq 1: differs from its signed checkpoint (rewritten entry)"]
    finally:
        app.config["GEMS_AUDIT_CHECKPOINT_FILE"] = saved


def test_record_defaults_to_no_target(own: Session) -> None:
    audit.record("only.action", session=own, actor=(None, "cli", "local"))
    [row] = _rows(own)
    assert (row.action, row.target_type, row.target_id, row.detail) == ("only.action", "", "", "{}")


def test_record_writes_the_actor_it_is_given_not_the_request_user(own: Session) -> None:
    """A background job records for the user who started it: the actor passed in, never the ambient one."""
    audit.record("job.done", "import_job", 7, session=own, actor=(42, "赵老师", "10.1.2.3"))
    [row] = _rows(own)
    assert (row.actor_id, row.actor_name) == (42, "赵老师")
