"""X-2: the audit chain verifies, and an edited, deleted, reordered or truncated entry is detected."""
from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

from app.extensions import db
from app.services import audit
from tests.services.audit_snapshot import preserved_audit_log


@pytest.fixture()
def chain(ctx: Any) -> Any:
    """Add a few entries, restore the original log afterwards (tests tamper with it)."""
    with preserved_audit_log():
        for i in range(5):
            audit.record("test.event", "thing", i, n=i)
        db.session.commit()
        assert audit.verify().ok
        yield ctx
    assert audit.verify().ok


def last_seq() -> int:
    return db.session.execute(text("select max(seq) from audit_log")).scalar_one()


def test_orm_refuses_to_edit_audit_rows(ctx: Any) -> None:
    """The ORM never updates or deletes an audit row."""
    from app.models.audit import AuditLog

    audit.record("test.event")
    db.session.commit()
    row = db.session.query(AuditLog).order_by(AuditLog.seq.desc()).first()
    row.action = "forged"
    with pytest.raises(PermissionError):
        db.session.flush()
    db.session.rollback()


def test_edit_detected(chain: Any) -> None:
    """Changing one entry's content breaks its hash."""
    seq = last_seq() - 2
    db.session.execute(text("update audit_log set actor_name = 'mallory' where seq = :s"), {"s": seq})
    result = audit.verify()
    assert not result.ok and any(f"seq {seq}:" in p and "edited" in p for p in result.problems)


def test_delete_detected(chain: Any) -> None:
    """Removing an entry in the middle leaves a gap and a broken link."""
    seq = last_seq() - 2
    db.session.execute(text("delete from audit_log where seq = :s"), {"s": seq})
    result = audit.verify()
    assert not result.ok and any("missing" in p for p in result.problems)


def test_reorder_detected(chain: Any) -> None:
    """Swapping two entries' contents (keeping sequence numbers) breaks the links."""
    a, b = last_seq() - 3, last_seq() - 2
    rows = {r.seq: r for r in db.session.execute(text("select * from audit_log where seq in (:a, :b)"),
                                                   {"a": a, "b": b})}
    for target, source in ((a, rows[b]), (b, rows[a])):
        db.session.execute(text("update audit_log set action = :action, target_id = :tid, detail = :detail, "
                                "prev_hash = :prev, hash = :hash where seq = :s"),
                           {"action": source.action, "tid": source.target_id, "detail": source.detail,
                            "prev": source.prev_hash, "hash": source.hash, "s": target})
    assert not audit.verify().ok


def test_truncate_detected(chain: Any) -> None:
    """Cutting off the newest entries is caught by the head pointer."""
    db.session.execute(text("delete from audit_log where seq > :s"), {"s": last_seq() - 2})
    result = audit.verify()
    assert not result.ok and any("truncated" in p for p in result.problems)
