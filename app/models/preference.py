"""Per-user screen preferences (SRC-8: the reviewer's chosen columns and page size are remembered)."""
from __future__ import annotations

from flask_appbuilder import Model
from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column


class UserPreference(Model):
    """One remembered setting of one account, as JSON text."""

    __tablename__ = "user_preference"
    __table_args__ = (UniqueConstraint("user_id", "key", name="uq_user_preference_user_key"),)
    __scope__ = {"student": "user_id"}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id"), nullable=False)
    key: Mapped[str] = mapped_column(String(60), nullable=False)
    value: Mapped[str] = mapped_column(Text, nullable=False, default="null")
