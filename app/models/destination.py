"""A graduate's destination (毕业去向登记, EMP-1/EMP-4): one row per version, exactly one current per graduate."""
from __future__ import annotations

import datetime
from typing import Optional

from flask_appbuilder import Model
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.change import Evidence
from app.models.employer import Employer
from app.models.graduate import Graduate
from app.models.reference import Country, DestinationCode, JobCategory
from app.models.review import ReviewDecisionsMixin
from app.timeutil import utcnow

# how a version came to be: the first entry, a graduate's change, or the school's revert to the original entry
ORIGINAL, CHANGE, REVERT = "original", "change", "revert"
VERSION_KINDS = {ORIGINAL: _l("Original entry"), CHANGE: _l("Change"), REVERT: _l("Reverted to the original")}


class Destination(ReviewDecisionsMixin, Model):
    """One version of a graduate's destination; a change is a new version, the approved one stays current until
    the change is approved. The database itself allows one current row per graduate (partial unique index)."""

    __tablename__ = "destination"
    __table_args__ = (
        UniqueConstraint("graduate_id", "version_no", name="uq_destination_graduate_version"),
        Index("uq_destination_one_current", "graduate_id", unique=True,
              postgresql_where=text("is_current"), sqlite_where=text("is_current")),
        Index("ix_destination_status_code", "status", "code_id"),
        # the review list's "open change of this graduate?" probe reads only the versions that are not current
        Index("ix_destination_open_versions", "graduate_id", "status",
              postgresql_where=text("NOT is_current"), sqlite_where=text("NOT is_current")),
    )
    __scope__ = {"department": "graduate.department_id", "student": "graduate.user_id"}
    __label__ = _l("Destinations")

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    graduate_id: Mapped[int] = mapped_column(ForeignKey("graduate.id"), nullable=False,
                                             info={"label": _l("Graduate")})
    graduate: Mapped[Graduate] = relationship()
    version_no: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    is_current: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, server_default="0")
    kind: Mapped[str] = mapped_column(String(10), nullable=False, default=ORIGINAL, server_default=ORIGINAL)
    # a code-10 destination created by a signed agreement changes only through a termination (agreements issue)
    from_agreement: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, server_default="0")

    # the destination part of the national record; which of these a code needs is DestinationCode.form_kind
    code_id: Mapped[Optional[int]] = mapped_column(ForeignKey("destination_code.id"), index=True,
                                                   info={"label": _l("Destination code")})
    code: Mapped[Optional[DestinationCode]] = relationship()
    employer_id: Mapped[Optional[int]] = mapped_column(ForeignKey("employer.id"), index=True,
                                                       info={"label": _l("Employer")})
    employer: Mapped[Optional[Employer]] = relationship()
    signed_on: Mapped[Optional[datetime.date]] = mapped_column(Date)  # 签约日期
    job_category_id: Mapped[Optional[int]] = mapped_column(ForeignKey("job_category.id"), index=True,
                                                           info={"label": _l("Job category")})
    job_category: Mapped[Optional[JobCategory]] = relationship()
    host_unit: Mapped[Optional[str]] = mapped_column(String(200))  # 27/50/51: the project's host unit
    venture_name: Mapped[Optional[str]] = mapped_column(String(200))  # 75
    venture_credit_code: Mapped[Optional[str]] = mapped_column(String(18))
    online_shop: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, server_default="0")
    shop_address: Mapped[Optional[str]] = mapped_column(String(300))  # the online shop's web address
    work_description: Mapped[Optional[str]] = mapped_column(Text)  # 76: the actual work
    school_name: Mapped[Optional[str]] = mapped_column(String(200))  # 80/85
    foreign_school_name: Mapped[Optional[str]] = mapped_column(String(200))  # 85: 留学院校外文名称
    country_id: Mapped[Optional[int]] = mapped_column(ForeignKey("country.id"), index=True,
                                                      info={"label": _l("Country or region")})
    country: Mapped[Optional[Country]] = relationship()
    region_code: Mapped[Optional[str]] = mapped_column(String(6))  # 单位所在地 (GB/T 2260)
    address: Mapped[Optional[str]] = mapped_column(String(200))  # 单位地址
    transfer_no: Mapped[Optional[str]] = mapped_column(String(40))  # 转递编号
    verification_no: Mapped[Optional[str]] = mapped_column(String(40))  # 核验编号

    # review state: only app.workflows.engine writes status and version (EMP-2)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="draft", server_default="draft",
                                        index=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1, server_default="1")
    rejection_reasons: Mapped[Optional[str]] = mapped_column(String(200))  # comma-separated RejectionReason codes
    rejection_text: Mapped[Optional[str]] = mapped_column(Text)
    created_at: Mapped[Optional[datetime.datetime]] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[Optional[datetime.datetime]] = mapped_column(DateTime)

    evidence_links: Mapped[list[DestinationEvidence]] = relationship(back_populates="destination",
                                                                    order_by="DestinationEvidence.id")

    # the same optimistic locking as Graduate: an edit that loses a race with a decision is refused, never merged
    __mapper_args__ = {"version_id_col": version}

    @property
    def rejection_codes(self) -> list[str]:
        return [part for part in (self.rejection_reasons or "").split(",") if part]

    def __repr__(self) -> str:
        return f"{self.graduate_id}#{self.version_no}"


class DestinationEvidence(Model):
    """A proof file (an Evidence row from the uploads service) attached to a destination version as one kind."""

    __tablename__ = "destination_evidence"
    __table_args__ = (UniqueConstraint("destination_id", "evidence_id", name="uq_destination_evidence"),)
    __scope__ = {"department": "destination.graduate.department_id", "student": "destination.graduate.user_id"}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    destination_id: Mapped[int] = mapped_column(ForeignKey("destination.id"), nullable=False, index=True)
    destination: Mapped[Destination] = relationship(back_populates="evidence_links")
    evidence_id: Mapped[int] = mapped_column(ForeignKey("evidence.id"), nullable=False, index=True)
    evidence: Mapped[Evidence] = relationship()
    kind: Mapped[str] = mapped_column(String(30), nullable=False)  # app.models.reference.EVIDENCE_KINDS key
