"""A school's setting per reviewed workflow: one review level (school only) or two (college, then school)."""
from __future__ import annotations

import datetime
from typing import Optional

from flask_appbuilder import Model
from flask_babel import lazy_gettext as _l
from sqlalchemy import DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column


class WorkflowSetting(Model):
    """One row per workflow that differs from the declaration's default (two levels); written by the admin only."""

    __tablename__ = "workflow_setting"
    __label__ = _l("Workflow settings")

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    levels: Mapped[int] = mapped_column(Integer, nullable=False, default=2, server_default="2")
    updated_at: Mapped[Optional[datetime.datetime]] = mapped_column(DateTime)
    updated_by: Mapped[Optional[str]] = mapped_column(String(64))
