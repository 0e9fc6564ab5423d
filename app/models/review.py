"""The columns every two-level reviewed record carries, written by the review builder's `sets` (one declaration)."""
from __future__ import annotations

import datetime
from typing import Optional

from sqlalchemy import DateTime, String, Text
from sqlalchemy.orm import Mapped, mapped_column


class ReviewDecisionsMixin:
    """Each level's decision, remark, time and decider (app.workflows.review_builder.decision_sets)."""

    submitted_at: Mapped[Optional[datetime.datetime]] = mapped_column(DateTime)
    college_decision: Mapped[Optional[str]] = mapped_column(String(10))
    college_remark: Mapped[Optional[str]] = mapped_column(Text)
    college_decided_at: Mapped[Optional[datetime.datetime]] = mapped_column(DateTime)
    college_decided_by: Mapped[Optional[str]] = mapped_column(String(64))
    school_decision: Mapped[Optional[str]] = mapped_column(String(10))
    school_remark: Mapped[Optional[str]] = mapped_column(Text)
    school_decided_at: Mapped[Optional[datetime.datetime]] = mapped_column(DateTime)
    school_decided_by: Mapped[Optional[str]] = mapped_column(String(64))
