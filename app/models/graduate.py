"""The graduate roster: one row per graduate of a cohort, linked to a department, a major and (once bound) an account."""
from __future__ import annotations

from typing import Optional

from flask_appbuilder import Model
from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.org import Cohort, Department, Major


class Graduate(Model):
    """A graduate; the registry import and the source-information form extend what is known about them."""

    __tablename__ = "graduate"
    __table_args__ = (UniqueConstraint("cohort_id", "student_no", name="uq_graduate_cohort_student_no"),)
    __scope__ = {"department": "department_id", "student": "user_id"}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    student_no: Mapped[str] = mapped_column(String(32), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    id_number: Mapped[str] = mapped_column(String(18), nullable=False, index=True)
    gender: Mapped[str] = mapped_column(String(2), nullable=False)
    education_level: Mapped[str] = mapped_column(String(20), nullable=False)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id"), nullable=False, index=True)
    cohort: Mapped[Cohort] = relationship()
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), nullable=False, index=True)
    department: Mapped[Department] = relationship()
    major_id: Mapped[Optional[int]] = mapped_column(ForeignKey("major.id"), index=True)
    major: Mapped[Optional[Major]] = relationship()
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"), unique=True)

    @property
    def id_masked(self) -> str:
        """X-3: the ID number as lists and exports show it to users without the full-view permission."""
        from app.validation.idcard import mask_id

        return mask_id(self.id_number)

    def __repr__(self) -> str:
        return f"{self.name}（{self.student_no}）"
