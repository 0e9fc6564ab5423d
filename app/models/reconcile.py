"""EMP-5: a reconciliation of the national system's destination export with GEMS, kept so it can be filtered and
exported afterwards; central roles only (no department scope: the national file is the whole school's)."""
from __future__ import annotations

import datetime
import json
from typing import Optional

from flask_appbuilder import Model
from flask_babel import lazy_gettext as _l
from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.org import Cohort
from app.timeutil import utcnow


class ReconcileRun(Model):
    """One uploaded national file compared with one cohort: who, when, and the count of each kind of difference."""

    __tablename__ = "reconcile_run"
    __label__ = _l("Reconciliations with the national system")

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id"), nullable=False, index=True,
                                           info={"label": _l("Cohort")})
    cohort: Mapped[Cohort] = relationship()
    filename: Mapped[str] = mapped_column(String(255), nullable=False)
    national_rows: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    gems_rows: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    counts_json: Mapped[str] = mapped_column(Text, nullable=False, default="{}")
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"), info={"label": _l("Created by")})
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)

    @property
    def counts(self) -> dict[str, int]:
        return json.loads(self.counts_json or "{}")


class ReconcileDifference(Model):
    """One difference for one graduate (student number), with both sides' values as shown to the office."""

    __tablename__ = "reconcile_difference"
    __table_args__ = (Index("ix_reconcile_difference_run_kind", "run_id", "kind", "id"),)
    __label__ = _l("Reconciliation differences")

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("reconcile_run.id", ondelete="CASCADE"), nullable=False,
                                        info={"label": _l("Reconciliation")})
    run: Mapped[ReconcileRun] = relationship()
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    graduate_id: Mapped[Optional[int]] = mapped_column(ForeignKey("graduate.id", ondelete="SET NULL"), index=True,
                                                       info={"label": _l("Graduate")})
    student_no: Mapped[str] = mapped_column(String(32), nullable=False)
    name: Mapped[Optional[str]] = mapped_column(String(64))
    department: Mapped[Optional[str]] = mapped_column(String(100))
    national_value: Mapped[Optional[str]] = mapped_column(String(300))
    gems_value: Mapped[Optional[str]] = mapped_column(String(300))
    gems_status: Mapped[Optional[str]] = mapped_column(String(20))
    row_number: Mapped[Optional[int]] = mapped_column(Integer)  # the row in the national file
