"""The employment plan (PLAN-1, PLAN-3, PLAN-4): graduates' confirmations, the lock's history, statistics rollups and
daily snapshots of the rate."""
from __future__ import annotations

import datetime
from typing import Optional

from flask_appbuilder import Model
from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.destination import Destination
from app.models.graduate import Graduate
from app.models.org import Cohort
from app.scope import EVERYONE
from app.timeutil import utcnow

CONFIRMED, ERROR, NONE = "confirmed", "error", "none"
CONFIRMATION_STATES = {CONFIRMED: _l("Confirmed"), ERROR: _l("Reported an error"), NONE: _l("Not confirmed")}
LOCK, UNLOCK = "lock", "unlock"


class PlanConfirmation(Model):
    """A graduate's word on their plan entry (PLAN-4): it holds for the destination version it names only, so a
    later approved change needs a new confirmation."""

    __tablename__ = "plan_confirmation"
    __scope__ = {"department": "graduate.department_id", "student": "graduate.user_id"}
    __label__ = _l("Plan confirmations")

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    graduate_id: Mapped[int] = mapped_column(ForeignKey("graduate.id"), nullable=False, unique=True,
                                             info={"label": _l("Graduate")})
    graduate: Mapped[Graduate] = relationship()
    destination_id: Mapped[int] = mapped_column(ForeignKey("destination.id"), nullable=False, index=True,
                                                info={"label": _l("Destination")})
    destination: Mapped[Destination] = relationship()
    status: Mapped[str] = mapped_column(String(10), nullable=False)  # CONFIRMED or ERROR
    remark: Mapped[Optional[str]] = mapped_column(Text)
    created_at: Mapped[datetime.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    updated_at: Mapped[Optional[datetime.datetime]] = mapped_column(DateTime)


class PlanLockEvent(Model):
    """One lock or unlock of a cohort's plan, with who and why (the flag itself is Cohort.plan_locked)."""

    __tablename__ = "plan_lock_event"
    __label__ = _l("Plan lock history")

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id"), nullable=False, index=True,
                                           info={"label": _l("Cohort")})
    cohort: Mapped[Cohort] = relationship()
    action: Mapped[str] = mapped_column(String(10), nullable=False)
    reason: Mapped[Optional[str]] = mapped_column(Text)
    actor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"), info={"label": _l("By")})
    actor_name: Mapped[Optional[str]] = mapped_column(String(100))
    at: Mapped[datetime.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)


class StatRollup(Model):
    """Graduate counts per cohort, department, one dimension's value and approved destination code (NULL: none
    approved) — what the statistics page reads for a large cohort instead of grouping every graduate."""

    __tablename__ = "stat_rollup"
    __table_args__ = (Index("ix_stat_rollup_lookup", "cohort_id", "dimension", "department_id"),)
    __scope__ = {"department": "department_id"}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id"), nullable=False)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), nullable=False, index=True)
    dimension: Mapped[str] = mapped_column(String(12), nullable=False)
    value: Mapped[Optional[str]] = mapped_column(String(20))
    code_id: Mapped[Optional[int]] = mapped_column(ForeignKey("destination_code.id"), index=True)
    graduates: Mapped[int] = mapped_column(Integer, nullable=False)


class StatRefresh(Model):
    """When a cohort's rollup was last rebuilt and how many graduates it counted (its age is shown on the page)."""

    __tablename__ = "stat_refresh"
    __scope__ = EVERYONE

    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id"), primary_key=True)
    refreshed_at: Mapped[datetime.datetime] = mapped_column(DateTime, nullable=False)
    graduates: Mapped[int] = mapped_column(Integer, nullable=False)


class StatSnapshot(Model):
    """One day's count of graduates and placed graduates per cohort and department: the rate's rise in the season."""

    __tablename__ = "stat_snapshot"
    __table_args__ = (UniqueConstraint("cohort_id", "department_id", "day", name="uq_stat_snapshot_day"),)
    __scope__ = {"department": "department_id"}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id"), nullable=False, index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), nullable=False, index=True)
    day: Mapped[datetime.date] = mapped_column(Date, nullable=False)
    graduates: Mapped[int] = mapped_column(Integer, nullable=False)
    placed: Mapped[int] = mapped_column(Integer, nullable=False)
