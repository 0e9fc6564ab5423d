"""Writes and verifies the hash-chained audit log (X-2); every audited event in GEMS goes through here."""
from __future__ import annotations

import datetime
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Iterable, Optional

from flask import g, has_request_context, request
from sqlalchemy import event, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from app.extensions import db
from app.models.audit import AuditHead, AuditLog
from app.timeutil import utcnow

GENESIS = "0" * 64
HEAD_ID = 1


@dataclass(frozen=True)
class Entry:
    """What happened, to what; the actor and address are filled in from the request."""

    action: str
    target_type: str = ""
    target_id: str = ""
    detail: dict[str, Any] = field(default_factory=dict)


def _content(seq: int, at: datetime.datetime, actor_id: Optional[int], actor_name: str, ip: str,
             action: str, target_type: str, target_id: str, detail: str) -> str:
    return json.dumps(
        [seq, at.isoformat(timespec="microseconds"), actor_id, actor_name, ip, action, target_type, target_id, detail],
        ensure_ascii=False, separators=(",", ":"),
    )


def chain_hash(prev_hash: str, content: str) -> str:
    """The link: sha256 over the previous hash and this entry's canonical content."""
    return hashlib.sha256((prev_hash + content).encode("utf-8")).hexdigest()


def current_actor() -> tuple[Optional[int], str, str]:
    """(user id, username, client address) of the request, or the CLI's placeholders."""
    if not has_request_context():
        return None, "cli", "local"
    user = getattr(g, "user", None)
    ip = request.headers.get("X-Real-IP") or request.remote_addr or ""
    if user is not None and getattr(user, "is_authenticated", False):
        return user.id, user.username, ip
    return None, "", ip


def _append(conn: Connection, entries: list[Entry], actor: tuple[Optional[int], str, str]) -> int:
    """Lock the head (a no-op UPDATE takes the row lock on PostgreSQL and the write lock on SQLite), chain, insert."""
    head = AuditHead.__table__
    if not conn.execute(update(head).where(head.c.id == HEAD_ID).values(last_seq=head.c.last_seq)).rowcount:
        conn.execute(insert(head).values(id=HEAD_ID, last_seq=0, last_hash=GENESIS))
    seq, prev = conn.execute(select(head.c.last_seq, head.c.last_hash).where(head.c.id == HEAD_ID)).one()
    actor_id, actor_name, ip = actor
    at = utcnow()
    rows = []
    for entry in entries:
        seq += 1
        detail = json.dumps(entry.detail, ensure_ascii=False, sort_keys=True, default=str)
        content = _content(seq, at, actor_id, actor_name, ip, entry.action, entry.target_type,
                           str(entry.target_id), detail)
        digest = chain_hash(prev, content)
        rows.append(dict(seq=seq, at=at, actor_id=actor_id, actor_name=actor_name, ip=ip,
                         action=entry.action, target_type=entry.target_type, target_id=str(entry.target_id),
                         detail=detail, prev_hash=prev, hash=digest))
        prev = digest
    conn.execute(insert(AuditLog.__table__), rows)
    conn.execute(update(head).where(head.c.id == HEAD_ID).values(last_seq=seq, last_hash=prev))
    return len(rows)


def record_many(entries: Iterable[Entry], *, session: Optional[Session] = None,
                actor: Optional[tuple[Optional[int], str, str]] = None) -> int:
    """Append entries in one insert, chained after the current head, in the caller's transaction."""
    entries = list(entries)
    if not entries:
        return 0
    session = session or db.session
    return _append(session.connection(), entries, actor or current_actor())


def record(action: str, target_type: str = "", target_id: Any = "", *, session: Optional[Session] = None,
           actor: Optional[tuple[Optional[int], str, str]] = None, **detail: Any) -> None:
    """Append one entry; the caller commits."""
    record_many([Entry(action, target_type, str(target_id), detail)], session=session, actor=actor)


@dataclass
class VerifyResult:
    checked: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(session: Optional[Session] = None) -> VerifyResult:
    """Walk the chain in sequence order; report edited, deleted, reordered or truncated entries."""
    session = session or db.session
    result = VerifyResult()
    prev, expected_seq = GENESIS, 1
    rows = session.execute(select(AuditLog).order_by(AuditLog.seq).execution_options(yield_per=2000)).scalars()
    for row in rows:
        result.checked += 1
        if row.seq != expected_seq:
            result.problems.append(f"seq {expected_seq}..{row.seq - 1}: missing (deleted) entries")
        if row.prev_hash != prev:
            result.problems.append(f"seq {row.seq}: previous-hash link broken (deleted or reordered entry)")
        content = _content(row.seq, row.at, row.actor_id, row.actor_name, row.ip, row.action,
                           row.target_type, row.target_id, row.detail)
        if chain_hash(row.prev_hash, content) != row.hash:
            result.problems.append(f"seq {row.seq}: content does not match its hash (edited entry)")
        prev, expected_seq = row.hash, row.seq + 1
    head = session.get(AuditHead, HEAD_ID)
    if head is not None and (head.last_seq != expected_seq - 1 or head.last_hash != prev):
        result.problems.append(
            f"chain ends at seq {expected_seq - 1} but the head records seq {head.last_seq} (truncated log)"
        )
    return result


@event.listens_for(AuditLog, "before_update")
@event.listens_for(AuditLog, "before_delete")
def _refuse_changes(mapper, connection, target) -> None:  # noqa: ANN001
    """The ORM never edits or deletes audit rows; the database trigger covers raw SQL on PostgreSQL."""
    raise PermissionError("audit_log is append-only")
