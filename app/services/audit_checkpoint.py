"""Signed checkpoints of the audit head kept outside the database (X-2), so truncating the chain below one is caught.

A checkpoint is one JSON line {seq, hash, at, key_id, mac}: the head's sequence number and hash, when, and an HMAC
of those under the current audit key. It is appended to GEMS_AUDIT_CHECKPOINT_FILE and sent to GEMS_AUDIT_SYSLOG
(a socket path such as /dev/log, or host[:port] over UDP). The application writes one after any commit that takes
the chain across a multiple of GEMS_AUDIT_CHECKPOINT_EVERY (no scheduler, no query: the range is known in memory),
and `gems audit-verify` / `gems audit-checkpoint` write one for the head they verified.
"""
from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import logging
import os
import threading
from dataclasses import asdict, dataclass
from logging.handlers import SysLogHandler
from pathlib import Path
from typing import Any, Optional

from flask import Flask, current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from app.services.audit_keys import AuditKeys, audit_keys

log = logging.getLogger(__name__)
PENDING = "gems_audit_pending"  # session.info: (first seq, last seq, last hash) appended in this transaction
_syslog_lock = threading.Lock()
_syslog_loggers: dict[str, logging.Logger] = {}


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: str
    at: str
    key_id: str
    mac: str


def _mac(key: bytes, seq: int, digest: str, at: str, key_id: str) -> str:
    message = f"gems-audit-checkpoint|{seq}|{digest}|{at}|{key_id}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def sign(seq: int, digest: str, keys: AuditKeys, at: Optional[str] = None) -> Checkpoint:
    """A checkpoint of (seq, hash) signed with the current key (a domain prefix keeps it apart from chain MACs)."""
    at = at or datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    return Checkpoint(seq, digest, at, keys.current_id, _mac(keys.current, seq, digest, at, keys.current_id))


def to_line(checkpoint: Checkpoint) -> str:
    return json.dumps(asdict(checkpoint), sort_keys=True, separators=(",", ":"))


def checkpoint_file(app: Optional[Flask] = None) -> Optional[Path]:
    """The checkpoint file; "{db}" in the setting becomes a short id of the database URL (password left out), so
    databases sharing an instance dir (a benchmark's, the demo's) never read each other's checkpoints."""
    config = (app or current_app).config
    raw = config.get("GEMS_AUDIT_CHECKPOINT_FILE") or ""
    if not raw:
        return None
    if "{db}" in raw:
        url = make_url(config["SQLALCHEMY_DATABASE_URI"]).render_as_string(hide_password=True)
        raw = raw.replace("{db}", hashlib.sha256(url.encode()).hexdigest()[:12])
    return Path(raw)


def configured(app: Optional[Flask] = None) -> bool:
    config = (app or current_app).config
    return bool(config.get("GEMS_AUDIT_CHECKPOINT_FILE") or config.get("GEMS_AUDIT_SYSLOG"))


def _append_line(path: Path, line: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, (line + "\n").encode())  # one write of a short line: concurrent writers do not interleave
        os.fsync(fd)
    finally:
        os.close(fd)


def _syslog_address(address: str) -> Any:
    if address.startswith("/"):
        return address
    if ":" not in address:
        return address, 514
    host, _, port = address.rpartition(":")
    return host, int(port)


def _syslog(address: str, line: str) -> None:
    with _syslog_lock:
        logger = _syslog_loggers.get(address)
        if logger is None:
            handler = SysLogHandler(address=_syslog_address(address), facility=SysLogHandler.LOG_AUTH)
            handler.setFormatter(logging.Formatter("gems-audit: %(message)s"))
            logger = logging.getLogger(f"gems.audit.syslog.{len(_syslog_loggers)}")
            logger.propagate = False
            logger.setLevel(logging.INFO)
            logger.addHandler(handler)
            _syslog_loggers[address] = logger
    logger.info("checkpoint %s", line)


def write(seq: int, digest: str, app: Optional[Flask] = None) -> Optional[Checkpoint]:
    """Sign and write a checkpoint to every configured destination; log a failure, never raise it."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    try:
        checkpoint = sign(seq, digest, audit_keys(app))
        line = to_line(checkpoint)
    except Exception:  # noqa: BLE001  (a checkpoint must never break the request that triggered it)
        log.exception("audit checkpoint at seq %s not signed", seq)
        return None
    written = False
    path = checkpoint_file(app)
    if path is not None:
        try:
            _append_line(path, line)
            written = True
        except Exception:  # noqa: BLE001
            log.exception("audit checkpoint at seq %s not written to %s", seq, path)
    if app.config.get("GEMS_AUDIT_SYSLOG"):
        try:
            _syslog(app.config["GEMS_AUDIT_SYSLOG"], line)
            written = True
        except Exception:  # noqa: BLE001
            log.exception("audit checkpoint at seq %s not sent to syslog %s", seq, app.config["GEMS_AUDIT_SYSLOG"])
    return checkpoint if written else None


def load(keys: AuditKeys, app: Optional[Flask] = None) -> tuple[dict[int, str], list[str]]:
    """The checkpoint file's (seq -> hash) marks whose signature holds, and a problem for every line that does not."""
    path = checkpoint_file(app)
    marks: dict[int, str] = {}
    problems: list[str] = []
    if path is None or not path.exists():
        return marks, problems
    for number, raw in enumerate(path.read_bytes().split(b"\n"), 1):  # small file; lines are UTF-8 JSON
        line = raw.decode()
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            cp = Checkpoint(int(data["seq"]), str(data["hash"]), str(data["at"]), str(data["key_id"]),
                            str(data["mac"]))
        except (ValueError, KeyError, TypeError):
            problems.append(f"checkpoint line {number}: unreadable (edited checkpoint file)")
            continue
        key = keys.get(cp.key_id)
        if key is None:
            problems.append(f"checkpoint line {number}: unknown key id {cp.key_id!r}")
            continue
        if not hmac.compare_digest(_mac(key, cp.seq, cp.hash, cp.at, cp.key_id), cp.mac):
            problems.append(f"checkpoint line {number}: signature does not match (edited or forged checkpoint)")
            continue
        if marks.setdefault(cp.seq, cp.hash) != cp.hash:
            problems.append(f"checkpoint line {number}: contradicts an earlier checkpoint of seq {cp.seq}")
    return marks, problems


def note_append(session: Session, first_seq: int, last_seq: int, digest: str) -> None:
    """Remember what this transaction appended; the after-commit hook decides whether a checkpoint is due."""
    pending = session.info.get(PENDING)
    session.info[PENDING] = (pending[0] if pending else first_seq, last_seq, digest)


def due(first_seq: int, last_seq: int, every: int) -> bool:
    """True when the appended range first..last crosses a multiple of `every` (exactly one commit does)."""
    return every > 0 and (first_seq - 1) // every != last_seq // every


@event.listens_for(Session, "after_commit")
def _checkpoint_after_commit(session: Session) -> None:
    if session.get_nested_transaction() is not None:  # a savepoint released: nothing is durable yet
        return
    pending = session.info.pop(PENDING, None)
    if pending is None or not has_app_context():
        return
    try:
        first, last, digest = pending
        if due(first, last, int(current_app.config.get("GEMS_AUDIT_CHECKPOINT_EVERY") or 0)) and configured():
            write(last, digest)
    except Exception:  # noqa: BLE001  (the commit has happened; the user's request must not fail now)
        log.exception("audit checkpoint after commit failed")


@event.listens_for(Session, "after_soft_rollback")
def _forget_on_rollback(session: Session, previous_transaction: Any) -> None:
    """Rolled-back rows are not in the chain; a checkpoint of them would be a false alarm (a missed one is not)."""
    session.info.pop(PENDING, None)


@event.listens_for(Session, "after_transaction_end")
def _forget_on_end(session: Session, transaction: Any) -> None:
    """A root transaction closed without commit (session.close()) leaves nothing pending either."""
    if transaction.parent is None:
        session.info.pop(PENDING, None)
