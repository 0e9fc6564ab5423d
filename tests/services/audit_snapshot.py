"""Save and restore the whole audit log around a test that tampers with it (the app fixture is session-wide)."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from sqlalchemy import text

from app.extensions import db

COLUMNS = ("id", "seq", "at", "actor_id", "actor_name", "ip", "action", "target_type", "target_id", "detail",
           "prev_hash", "hash", "key_id")


@contextmanager
def preserved_audit_log() -> Iterator[None]:
    """Snapshot audit_log and audit_head; afterwards put back exactly those rows, whatever the test did."""
    db.session.commit()
    rows = [dict(r) for r in db.session.execute(text(f"select {', '.join(COLUMNS)} from audit_log")).mappings()]
    head = db.session.execute(text("select last_seq, last_hash, key_id from audit_head")).mappings().one()
    try:
        yield
    finally:
        db.session.rollback()
        db.session.execute(text("delete from audit_log"))
        if rows:
            db.session.execute(text(f"insert into audit_log ({', '.join(COLUMNS)}) "
                                    f"values ({', '.join(':' + c for c in COLUMNS)})"), rows)
        db.session.execute(text("update audit_head set last_seq = :last_seq, last_hash = :last_hash, "
                                "key_id = :key_id"), dict(head))
        db.session.commit()
