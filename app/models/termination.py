"""Terminations (解约, TRM-1 … TRM-5): a request on one agreement, the other party's answer, the review, the letter."""
from __future__ import annotations

import datetime
from typing import Optional

from flask_appbuilder import Model
from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.agreement import Agreement
from app.models.change import Evidence
from app.models.graduate import Graduate
from app.models.reference import TerminationReason
from app.models.review import ReviewDecisionsMixin
from app.timeutil import utcnow

LIABLE_PARTIES = {"graduate": _l("The graduate"), "employer": _l("The employer"), "both": _l("Both parties"),
                  "none": _l("Neither party")}
REQUESTERS = {"graduate": _l("Graduate"), "employer": _l("Employer"), "school": _l("School")}
# the states a request is still open in: one open termination per agreement (partial unique index)
OPEN_STATES = ("draft", "awaiting_other", "secondary", "central")
_OPEN_SQL = "status IN (" + ", ".join(f"'{s}'" for s in OPEN_STATES) + ")"


class Termination(ReviewDecisionsMixin, Model):
    """A request to end one agreement; `graduate_id` repeats the agreement's so the shared workspace lists it."""

    __tablename__ = "termination"
    __table_args__ = (
        Index("uq_termination_one_open", "agreement_id", unique=True,
              postgresql_where=text(_OPEN_SQL), sqlite_where=text(_OPEN_SQL)),
        Index("ix_termination_status_graduate", "status", "graduate_id"),
    )
    __scope__ = {"department": "graduate.department_id", "student": "graduate.user_id",
                 "employer": "agreement.employer_id"}
    __label__ = _l("Terminations")

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreement.id"), nullable=False, index=True,
                                              info={"label": _l("Agreement")})
    agreement: Mapped[Agreement] = relationship()
    graduate_id: Mapped[int] = mapped_column(ForeignKey("graduate.id"), nullable=False, index=True,
                                             info={"label": _l("Graduate")})
    graduate: Mapped[Graduate] = relationship()
    requested_by: Mapped[str] = mapped_column(String(10), nullable=False, default="graduate")
    requested_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"))
    reason_id: Mapped[Optional[int]] = mapped_column(ForeignKey("termination_reason.id"),
                                                     info={"label": _l("Reason")})
    reason: Mapped[Optional[TerminationReason]] = relationship()
    explanation: Mapped[Optional[str]] = mapped_column(Text)
    liable_party: Mapped[Optional[str]] = mapped_column(String(10))
    penalty: Mapped[Optional[str]] = mapped_column(String(200))  # 违约金 arrangement
    offline: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, server_default="0")
    forced: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, server_default="0")

    status: Mapped[str] = mapped_column(String(20), nullable=False, default="draft", server_default="draft",
                                        index=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1, server_default="1")
    other_answered_at: Mapped[Optional[datetime.datetime]] = mapped_column(DateTime)
    other_remark: Mapped[Optional[str]] = mapped_column(Text)
    # the termination letter (解约函): its public verification code and the hash of its content (AGR-6, TRM-3)
    letter_code: Mapped[Optional[str]] = mapped_column(String(20), unique=True)
    letter_hash: Mapped[Optional[str]] = mapped_column(String(64))
    new_number_id: Mapped[Optional[int]] = mapped_column(ForeignKey("agreement_number.id"),
                                                         info={"label": _l("New number")})
    created_at: Mapped[Optional[datetime.datetime]] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[Optional[datetime.datetime]] = mapped_column(DateTime)
    ended_at: Mapped[Optional[datetime.datetime]] = mapped_column(DateTime)

    evidence_links: Mapped[list[TerminationEvidence]] = relationship(back_populates="termination",
                                                                    order_by="TerminationEvidence.id")


class TerminationEvidence(Model):
    """A file of a termination: the signed 解约函, a 违约金 receipt, anything else."""

    __tablename__ = "termination_evidence"
    __table_args__ = (UniqueConstraint("termination_id", "evidence_id", name="uq_termination_evidence"),)
    __scope__ = {"department": "termination.graduate.department_id", "student": "termination.graduate.user_id",
                 "employer": "termination.agreement.employer_id"}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    termination_id: Mapped[int] = mapped_column(ForeignKey("termination.id"), nullable=False, index=True)
    termination: Mapped[Termination] = relationship(back_populates="evidence_links")
    evidence_id: Mapped[int] = mapped_column(ForeignKey("evidence.id"), nullable=False, index=True)
    evidence: Mapped[Evidence] = relationship()
    kind: Mapped[str] = mapped_column(String(30), nullable=False, default="letter")  # letter / receipt / other
