"""The append-only, hash-chained audit log (X-2) and its head pointer that serialises writers."""
from __future__ import annotations

import datetime
from typing import Optional

from flask_appbuilder import Model
from sqlalchemy import BigInteger, DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column


class AuditLog(Model):
    """One audited event; `hash` is an HMAC (key `key_id`) over `prev_hash` and this row's content, so edits break
    the chain and cannot be re-signed without the key; `key_id` '' marks a legacy sha256 row."""

    __tablename__ = "audit_log"
    # Two indexes serve every reader (a record's history, the binding rate limit); each extra one slows the bulk
    # insert a batch decision makes (10 000 rows).
    __table_args__ = (
        Index("ix_audit_log_target", "target_type", "target_id"),
        Index("ix_audit_log_actor_action_at", "actor_id", "action", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, unique=True, nullable=False)
    at: Mapped[datetime.datetime] = mapped_column(DateTime, nullable=False)
    actor_id: Mapped[Optional[int]] = mapped_column(Integer)
    actor_name: Mapped[str] = mapped_column(String(128), nullable=False, default="")
    ip: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    action: Mapped[str] = mapped_column(String(64), nullable=False)
    target_type: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    target_id: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    detail: Mapped[str] = mapped_column(Text, nullable=False, default="{}")
    prev_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    hash: Mapped[str] = mapped_column(String(64), nullable=False)
    key_id: Mapped[str] = mapped_column(String(16), nullable=False, default="", server_default="")

    def sentence(self) -> str:
        """The entry as a readable sentence (the audit log's list and show pages)."""
        from app.services.audit_text import entry_sentence

        return entry_sentence(self)


class AuditHead(Model):
    """Single row holding the last sequence number and hash; locking it orders concurrent writers."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    last_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    # key id of the last entry: a writer whose current key differs appends an audit.key_rotated entry first
    key_id: Mapped[str] = mapped_column(String(16), nullable=False, default="", server_default="")
