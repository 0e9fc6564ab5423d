"""Supplementary reporting (生源补报, REG-3): a missed graduate entered by a school user, frozen once submitted."""
from __future__ import annotations

import datetime
from typing import Optional

from flask_appbuilder import Model
from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.graduate import Graduate
from app.models.org import Cohort, Department, Major


class SupplementaryReport(Model):
    """Draft until submitted (through the engine); submitting creates the graduate at secondary pending."""

    __tablename__ = "supplementary_report"
    __scope__ = {"department": "department_id"}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id"), nullable=False)
    cohort: Mapped[Cohort] = relationship()
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), nullable=False, index=True)
    department: Mapped[Department] = relationship()
    major_id: Mapped[Optional[int]] = mapped_column(ForeignKey("major.id"))
    major: Mapped[Optional[Major]] = relationship()
    student_no: Mapped[str] = mapped_column(String(32), nullable=False)
    name: Mapped[str] = mapped_column(String(64), nullable=False)
    id_number: Mapped[str] = mapped_column(String(18), nullable=False)
    birth_date: Mapped[Optional[datetime.date]] = mapped_column(Date)
    gender: Mapped[Optional[str]] = mapped_column(String(2))
    ethnicity: Mapped[Optional[str]] = mapped_column(String(2))
    political_status: Mapped[Optional[str]] = mapped_column(String(2))
    education_level: Mapped[str] = mapped_column(String(2), nullable=False)
    schooling_length: Mapped[Optional[str]] = mapped_column(String(4))
    training_mode: Mapped[Optional[str]] = mapped_column(String(2))
    origin: Mapped[Optional[str]] = mapped_column(String(60))
    origin_code: Mapped[Optional[str]] = mapped_column(String(6))
    exam_no: Mapped[Optional[str]] = mapped_column(String(20))
    enrolment_date: Mapped[Optional[datetime.date]] = mapped_column(Date)
    graduation_date: Mapped[Optional[datetime.date]] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    # optional professional qualification (职业资格/专业技术职务): all four or none
    qualification_name: Mapped[Optional[str]] = mapped_column(String(100))
    qualification_level: Mapped[Optional[str]] = mapped_column(String(50))
    qualification_issuer: Mapped[Optional[str]] = mapped_column(String(100))
    qualification_date: Mapped[Optional[datetime.date]] = mapped_column(Date)
    # only app.workflows.engine writes status and version
    status: Mapped[str] = mapped_column(String(12), nullable=False, default="draft", index=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"))
    created_at: Mapped[Optional[datetime.datetime]] = mapped_column(DateTime)
    submitted_at: Mapped[Optional[datetime.datetime]] = mapped_column(DateTime)
    graduate_id: Mapped[Optional[int]] = mapped_column(ForeignKey("graduate.id"))
    graduate: Mapped[Optional[Graduate]] = relationship()

    @property
    def id_masked(self) -> str:
        from app.validation.idcard import mask_id

        return mask_id(self.id_number)
