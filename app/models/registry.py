"""The provincial student registry (学籍库, REG-1) as imported, and the import jobs that load it."""
from __future__ import annotations

import datetime
from typing import Optional

from flask_appbuilder import Model
from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.org import Cohort, Department


class RegistryRecord(Model):
    """One registry row: the reference the student's form is compared against (SRC-4); never edited by hand."""

    __tablename__ = "registry_record"
    __table_args__ = (
        UniqueConstraint("cohort_id", "id_number", name="uq_registry_cohort_id_number"),
        UniqueConstraint("cohort_id", "student_no", name="uq_registry_cohort_student_no"),
    )
    __scope__ = {"department": "department_id"}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id"), nullable=False, index=True)
    cohort: Mapped[Cohort] = relationship()
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), nullable=False, index=True)
    department: Mapped[Department] = relationship()
    student_no: Mapped[str] = mapped_column(String(32), nullable=False)
    id_number: Mapped[str] = mapped_column(String(18), nullable=False)
    name: Mapped[str] = mapped_column(String(64), nullable=False)
    gender: Mapped[Optional[str]] = mapped_column(String(2))
    birth_date: Mapped[Optional[datetime.date]] = mapped_column(Date)
    ethnicity: Mapped[Optional[str]] = mapped_column(String(2))
    political_status: Mapped[Optional[str]] = mapped_column(String(2))
    student_category: Mapped[str] = mapped_column(String(10), nullable=False, default="mainland",
                                                  server_default="mainland")
    origin: Mapped[Optional[str]] = mapped_column(String(60))
    origin_code: Mapped[Optional[str]] = mapped_column(String(6))
    exam_no: Mapped[Optional[str]] = mapped_column(String(20))
    major_code: Mapped[Optional[str]] = mapped_column(String(20))
    major_name: Mapped[Optional[str]] = mapped_column(String(100))
    education_level: Mapped[Optional[str]] = mapped_column(String(2))
    schooling_length: Mapped[Optional[str]] = mapped_column(String(4))
    training_mode: Mapped[Optional[str]] = mapped_column(String(2))
    training_unit: Mapped[Optional[str]] = mapped_column(String(100))
    enrolment_date: Mapped[Optional[datetime.date]] = mapped_column(Date)
    graduation_date: Mapped[Optional[datetime.date]] = mapped_column(Date)
    included: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True, server_default="1")
    exclusion_reason: Mapped[Optional[str]] = mapped_column(String(20))
    import_job_id: Mapped[Optional[int]] = mapped_column(ForeignKey("import_job.id"), index=True)
    updated_at: Mapped[Optional[datetime.datetime]] = mapped_column(DateTime)

    @property
    def id_masked(self) -> str:
        from app.validation.idcard import mask_id

        return mask_id(self.id_number)

    def __repr__(self) -> str:
        return f"{self.name}（{self.student_no}）"


class ImportJob(Model):
    """One uploaded file's import: progress for the page that polls it, the outcome and the error report."""

    __tablename__ = "import_job"
    __scope__: dict[str, str] = {}  # no department or owner column: only central roles see import jobs

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), nullable=False, default="registry")
    cohort_id: Mapped[Optional[int]] = mapped_column(ForeignKey("cohort.id"))
    cohort: Mapped[Optional[Cohort]] = relationship()
    filename: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    state: Mapped[str] = mapped_column(String(12), nullable=False, default="queued")
    phase: Mapped[str] = mapped_column(String(12), nullable=False, default="")
    total: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    processed: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    added: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    updated: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    error_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    message: Mapped[str] = mapped_column(Text, nullable=False, default="")
    errors_json: Mapped[str] = mapped_column(Text, nullable=False, default="[]")
    report_path: Mapped[Optional[str]] = mapped_column(String(255))
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"))
    created_at: Mapped[Optional[datetime.datetime]] = mapped_column(DateTime)
    finished_at: Mapped[Optional[datetime.datetime]] = mapped_column(DateTime)
