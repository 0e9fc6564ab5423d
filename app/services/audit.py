"""Writes and verifies the keyed, hash-chained audit log (X-2); every audited event in GEMS goes through here.

Each row's `hash` is HMAC-SHA256 under the key `key_id` (from the environment, see audit_keys) over the previous
row's hash and this row's content, so someone who can write the database but lacks the key cannot edit, forge or
re-chain rows. Rows written before keying (key_id '') are plain sha256 and are accepted only as the chain's prefix:
the first keyed row is an audit.key_rotated entry ('' -> id) whose HMAC covers the last legacy hash, sealing it.
Truncation with the head rewritten is caught by the signed checkpoints kept outside the database (audit_checkpoint).
"""
from __future__ import annotations

import datetime
import hashlib
import hmac
import json
from dataclasses import dataclass, field
from typing import Any, Iterable, Optional

from flask import g, has_request_context, request
from sqlalchemy import event, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from app.extensions import db
from app.models.audit import AuditHead, AuditLog
from app.services import audit_checkpoint
from app.services.audit_keys import LEGACY_ID, AuditKeys, audit_keys
from app.timeutil import utcnow

GENESIS = "0" * 64
HEAD_ID = 1
ROTATED = "audit.key_rotated"
MAX_PROBLEMS = 200  # a recomputed chain breaks every later row; the first ones say enough
VERIFY_BATCH = 2000  # rows fetched per round trip while verifying (any size gives the same answer)


@dataclass(frozen=True)
class Entry:
    """What happened, to what; the actor and address are filled in from the request."""

    action: str
    target_type: str = ""
    target_id: str = ""
    detail: dict[str, Any] = field(default_factory=dict)


def _content(seq: int, at: datetime.datetime, actor_id: Optional[int], actor_name: str, ip: str,
             action: str, target_type: str, target_id: str, detail: str, key_id: str = LEGACY_ID) -> str:
    """The canonical text a row's hash covers; a keyed row also covers its key id (legacy rows predate it)."""
    fields: list[Any] = [seq, at.isoformat(timespec="microseconds"), actor_id, actor_name, ip, action,
                         target_type, target_id, detail]
    if key_id != LEGACY_ID:
        fields.append(key_id)
    return json.dumps(fields, ensure_ascii=False, separators=(",", ":"))


def legacy_hash(prev_hash: str, content: str) -> str:
    """The pre-keying link: sha256 over the previous hash and the content (anyone can recompute it)."""
    return hashlib.sha256((prev_hash + content).encode()).hexdigest()


def keyed_hash(key: bytes, prev_hash: str, content: str) -> str:
    """The link: HMAC-SHA256 under the audit key over the previous hash and this entry's canonical content."""
    return hmac.new(key, (prev_hash + content).encode(), hashlib.sha256).hexdigest()


def current_actor() -> tuple[Optional[int], str, str]:
    """(user id, username, client address) of the request, or the CLI's placeholders.

    The address is remote_addr only: forwarding headers are trusted solely through ProxyFix's configured hops.
    """
    if not has_request_context():
        return None, "cli", "local"
    user = getattr(g, "user", None)
    ip = request.remote_addr or ""
    if user is not None and getattr(user, "is_authenticated", False):
        return user.id, user.username, ip
    return None, "", ip


def _append(conn: Connection, entries: list[Entry], actor: tuple[Optional[int], str, str],
            keys: AuditKeys) -> Optional[tuple[int, int, str]]:
    """Lock the head (a no-op UPDATE takes the row lock on PostgreSQL and the write lock on SQLite), chain, insert.

    Returns (first seq, last seq, last hash) of what was inserted, or None when nothing was.
    """
    head = AuditHead.__table__
    if not conn.execute(update(head).where(head.c.id == HEAD_ID).values(last_seq=head.c.last_seq)).rowcount:
        conn.execute(insert(head).values(id=HEAD_ID, last_seq=0, last_hash=GENESIS, key_id=keys.current_id))
    seq, prev, head_key = conn.execute(
        select(head.c.last_seq, head.c.last_hash, head.c.key_id).where(head.c.id == HEAD_ID)).one()
    key_id = keys.current_id
    if seq > 0 and head_key != key_id:  # the current key changed since the last entry: record the rotation
        entries = [Entry(ROTATED, "audit_key", key_id, {"from": head_key, "to": key_id}), *entries]
    if not entries:
        return None
    mac = hmac.new(keys.current, digestmod=hashlib.sha256)
    actor_id, actor_name, ip = actor
    at = utcnow()
    first = seq + 1
    rows = []
    for entry in entries:
        seq += 1
        detail = json.dumps(entry.detail, ensure_ascii=False, sort_keys=True, default=str)
        content = _content(seq, at, actor_id, actor_name, ip, entry.action, entry.target_type,
                           str(entry.target_id), detail, key_id)
        link = mac.copy()
        link.update((prev + content).encode())
        digest = link.hexdigest()
        rows.append(dict(seq=seq, at=at, actor_id=actor_id, actor_name=actor_name, ip=ip,
                         action=entry.action, target_type=entry.target_type, target_id=str(entry.target_id),
                         detail=detail, prev_hash=prev, hash=digest, key_id=key_id))
        prev = digest
    conn.execute(insert(AuditLog.__table__), rows)
    conn.execute(update(head).where(head.c.id == HEAD_ID).values(last_seq=seq, last_hash=prev, key_id=key_id))
    return first, seq, prev


def _write(entries: list[Entry], session: Session, actor: tuple[Optional[int], str, str]) -> int:
    appended = _append(session.connection(), entries, actor, audit_keys())
    if appended is None:
        return 0
    audit_checkpoint.note_append(session, *appended)
    return appended[1] - appended[0] + 1


def record_many(entries: Iterable[Entry], *, session: Optional[Session] = None,
                actor: Optional[tuple[Optional[int], str, str]] = None) -> int:
    """Append entries in one insert, chained after the current head, in the caller's transaction."""
    entries = list(entries)
    if not entries:
        return 0
    return _write(entries, session or db.session, actor or current_actor())


def record(action: str, target_type: str = "", target_id: Any = "", *, session: Optional[Session] = None,
           actor: Optional[tuple[Optional[int], str, str]] = None, **detail: Any) -> None:
    """Append one entry; the caller commits."""
    record_many([Entry(action, target_type, str(target_id), detail)], session=session, actor=actor)


def seal(session: Optional[Session] = None) -> int:
    """Append the key-rotation entry now if the head was written under another key (or unkeyed); the caller commits.

    This anchors a legacy sha256 prefix under the key at once instead of at the next audited event.
    """
    return _write([], session or db.session, current_actor())


@dataclass
class VerifyResult:
    checked: int = 0
    problems: list[str] = field(default_factory=list)
    more: int = 0  # problems beyond MAX_PROBLEMS, counted only
    unsealed: bool = False  # only legacy rows: fine after an upgrade until `gems audit-checkpoint` seals them
    head_seq: int = 0  # the last entry walked, for a checkpoint of what was verified
    head_hash: str = GENESIS

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, problem: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem)
        else:
            self.more += 1


def _is_rotation(row: AuditLog, prev_key: str) -> bool:
    try:
        detail = json.loads(row.detail)
    except ValueError:
        return False
    return row.action == ROTATED and detail == {"from": prev_key, "to": row.key_id}


def _check_row(result: VerifyResult, row: AuditLog, keys: AuditKeys, prev_key: Optional[str], keyed: bool) -> None:
    """The row's own MAC (or legacy hash) and the rules on key ids; the links are checked by the caller."""
    content = _content(row.seq, row.at, row.actor_id, row.actor_name, row.ip, row.action, row.target_type,
                       row.target_id, row.detail, row.key_id)
    if row.key_id == LEGACY_ID:
        if keyed:
            result.add(f"seq {row.seq}: unkeyed (sha256) entry after keyed entries (forged entry)")
        expected: Optional[str] = legacy_hash(row.prev_hash, content)
    else:
        key = keys.get(row.key_id)
        if key is None:
            result.add(f"seq {row.seq}: made with unknown key id {row.key_id!r} (forged entry or key missing "
                       "from GEMS_AUDIT_KEYS)")
        expected = keyed_hash(key, row.prev_hash, content) if key is not None else None
        if prev_key is not None and row.key_id != prev_key and not _is_rotation(row, prev_key):
            result.add(f"seq {row.seq}: key changes from {prev_key!r} to {row.key_id!r} without an "
                       f"{ROTATED} entry")
    if expected is not None and not hmac.compare_digest(expected, row.hash):
        result.add(f"seq {row.seq}: content does not match its hash (edited or forged entry)")


def verify(session: Optional[Session] = None, *, checkpoints: bool = True) -> VerifyResult:
    """Walk the chain in sequence order; report edited, forged, deleted, reordered or truncated entries.

    With `checkpoints`, every signed checkpoint in GEMS_AUDIT_CHECKPOINT_FILE must name an entry of the chain with
    the same hash, so a truncation below a checkpoint is found even when the head was rewritten to match.
    """
    session = session or db.session
    keys = audit_keys()
    result = VerifyResult()
    marks: dict[int, str] = {}
    if checkpoints:
        marks, problems = audit_checkpoint.load(keys)
        for problem in problems:
            result.add(problem)
    prev, expected_seq, prev_key, keyed = GENESIS, 1, None, False
    rows = session.execute(select(AuditLog).order_by(AuditLog.seq).execution_options(yield_per=VERIFY_BATCH)).scalars()
    for row in rows:
        result.checked += 1
        if row.seq != expected_seq:
            result.add(f"seq {expected_seq}..{row.seq - 1}: missing (deleted) entries")
        if row.prev_hash != prev:
            result.add(f"seq {row.seq}: previous-hash link broken (deleted or reordered entry)")
        _check_row(result, row, keys, prev_key, keyed)
        mark = marks.pop(row.seq, None)
        if mark is not None and mark != row.hash:
            result.add(f"seq {row.seq}: differs from its signed checkpoint (rewritten entry)")
        keyed = keyed or row.key_id != LEGACY_ID
        prev, expected_seq, prev_key = row.hash, row.seq + 1, row.key_id
    result.head_seq, result.head_hash = expected_seq - 1, prev
    for seq in sorted(marks):
        result.add(f"checkpoint of seq {seq}: no such entry in the chain (truncated log)")
    if result.checked and not keyed:
        result.unsealed = True
        result.add(f"seq 1..{result.head_seq}: unkeyed (sha256) entries not sealed by a keyed entry; "
                   "run `flask --app run gems audit-checkpoint` once after upgrading")
    head = session.get(AuditHead, HEAD_ID)
    if head is not None and (head.last_seq != result.head_seq or head.last_hash != prev):
        result.add(f"chain ends at seq {result.head_seq} but the head records seq {head.last_seq} (truncated log)")
    return result


@event.listens_for(AuditLog, "before_update")
@event.listens_for(AuditLog, "before_delete")
def _refuse_changes(mapper, connection, target) -> None:  # noqa: ANN001
    """The ORM never edits or deletes audit rows; the database trigger covers raw SQL on PostgreSQL."""
    raise PermissionError("audit_log is append-only")
