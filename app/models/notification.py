"""In-app notifications (MSG-3): one row per recipient, rendered in the reader's language when shown."""
from __future__ import annotations

import datetime
from typing import Optional

from flask_appbuilder import Model
from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column


class Notification(Model):
    """A message to one account; `kind` + `params` are translated at display time, so language follows the reader."""

    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_user_unread", "user_id", "read_at"),)
    __scope__ = {"student": "user_id"}  # the inbox itself always filters by recipient (app.views.inbox)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id"), nullable=False)
    kind: Mapped[str] = mapped_column(String(60), nullable=False)
    params: Mapped[str] = mapped_column(Text, nullable=False, default="{}")
    link: Mapped[Optional[str]] = mapped_column(String(255))
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime, nullable=False)
    read_at: Mapped[Optional[datetime.datetime]] = mapped_column(DateTime)
