"""A graduate: roster placement, the source-information form (SRC-2) and its two-level review state (SRC-7)."""
from __future__ import annotations

import datetime
from typing import Optional

from flask_appbuilder import Model
from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.org import Cohort, Department, Major
from app.models.review import ReviewDecisionsMixin


class Graduate(ReviewDecisionsMixin, Model):
    """One graduate of a cohort; the registry pre-fills the form, the student completes it, reviewers pass it.

    The form lives on this row (not a side table) so the reviewer list, scope and workflow touch one table.
    """

    __tablename__ = "graduate"
    __table_args__ = (
        UniqueConstraint("cohort_id", "student_no", name="uq_graduate_cohort_student_no"),
        UniqueConstraint("cohort_id", "id_number", name="uq_graduate_cohort_id_number"),
        # the reviewer list: "awaiting me" sorted by name or student number, the tree's pending counts per major
        Index("ix_graduate_status_name", "status", "name", "id"),
        Index("ix_graduate_status_student_no", "status", "student_no", "id"),
        Index("ix_graduate_status_major", "status", "major_id"),
        Index("ix_graduate_submitted_at", "submitted_at", "id"),
        Index("ix_graduate_student_no_id", "student_no", "id"),  # the destination list's default order, all cohorts
        # keyword and 生源地 prefix searches (LIKE 'x%'): PostgreSQL needs pattern operator classes for them unless
        # the database collation is C; SQLite builds plain indexes
        Index("ix_graduate_name_pattern", "name", postgresql_ops={"name": "varchar_pattern_ops"}),
        Index("ix_graduate_student_no_pattern", "student_no", postgresql_ops={"student_no": "varchar_pattern_ops"}),
        Index("ix_graduate_origin_pattern", "origin", postgresql_ops={"origin": "varchar_pattern_ops"}),
    )
    __scope__ = {"department": "department_id", "student": "user_id"}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # roster placement
    student_no: Mapped[str] = mapped_column(String(32), nullable=False, index=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id"), nullable=False, index=True)
    cohort: Mapped[Cohort] = relationship()
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), nullable=False, index=True)
    department: Mapped[Department] = relationship()
    major_id: Mapped[Optional[int]] = mapped_column(ForeignKey("major.id"), index=True)
    major: Mapped[Optional[Major]] = relationship()
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"), unique=True)
    # REG-2: reported (included) or not, with the reason code (app.services.registry_rules.EXCLUSION_REASONS)
    included: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True, server_default="1")
    exclusion_reason: Mapped[Optional[str]] = mapped_column(String(20))
    # SRC-1: the registry record this graduate is bound to, and when the student confirmed it
    registry_record_id: Mapped[Optional[int]] = mapped_column(ForeignKey("registry_record.id"), unique=True)
    registry_record: Mapped[Optional[RegistryRecord]] = relationship()  # noqa: F821
    bound_at: Mapped[Optional[datetime.datetime]] = mapped_column(DateTime)

    # form section 1: identity (身份信息); coded fields hold national codes (app.validation.codes)
    name: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    id_number: Mapped[str] = mapped_column(String(18), nullable=False, index=True)
    gender: Mapped[str] = mapped_column(String(2), nullable=False)
    birth_date: Mapped[Optional[datetime.date]] = mapped_column(Date)
    ethnicity: Mapped[Optional[str]] = mapped_column(String(2))
    political_status: Mapped[Optional[str]] = mapped_column(String(2))
    student_category: Mapped[str] = mapped_column(String(10), nullable=False, default="mainland",
                                                  server_default="mainland")
    origin: Mapped[Optional[str]] = mapped_column(String(60), index=True)
    origin_code: Mapped[Optional[str]] = mapped_column(String(6))
    current_household: Mapped[Optional[str]] = mapped_column(String(120))
    # form section 2: enrolment (学籍信息)
    exam_no: Mapped[Optional[str]] = mapped_column(String(20))
    education_level: Mapped[str] = mapped_column(String(2), nullable=False)
    schooling_length: Mapped[Optional[str]] = mapped_column(String(4))
    training_mode: Mapped[Optional[str]] = mapped_column(String(2))
    training_unit: Mapped[Optional[str]] = mapped_column(String(100))
    enrolment_date: Mapped[Optional[datetime.date]] = mapped_column(Date)
    graduation_date: Mapped[Optional[datetime.date]] = mapped_column(Date)
    # form section 3: archive (档案信息)
    archive_unit: Mapped[Optional[str]] = mapped_column(String(100))
    police_station: Mapped[Optional[str]] = mapped_column(String(100))
    home_province: Mapped[Optional[str]] = mapped_column(String(20))
    home_city: Mapped[Optional[str]] = mapped_column(String(30))
    home_town: Mapped[Optional[str]] = mapped_column(String(40))
    home_street: Mapped[Optional[str]] = mapped_column(String(100))
    # form section 4: contact (联系方式)
    mobile: Mapped[Optional[str]] = mapped_column(String(20))
    home_phone: Mapped[Optional[str]] = mapped_column(String(20))
    email: Mapped[Optional[str]] = mapped_column(String(120))

    # review state: only app.workflows.engine writes status and version (SRC-7)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="draft", server_default="draft",
                                        index=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1, server_default="1")
    added_by_reviewer: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, server_default="0")
    updated_at: Mapped[Optional[datetime.datetime]] = mapped_column(DateTime)

    # Optimistic locking for every ORM edit (student save, reviewer edit, binding, applied change requests): the
    # UPDATE carries "AND version = :loaded" and bumps it, exactly like the engine's set-based transitions, so an
    # edit and a decision can never silently overwrite each other (StaleDataError → "reload and try again").
    __mapper_args__ = {"version_id_col": version}

    @property
    def id_masked(self) -> str:
        """X-3: the ID number as lists and exports show it to users without the full-view permission."""
        from app.validation.idcard import mask_id

        return mask_id(self.id_number)

    @property
    def mobile_masked(self) -> str:
        from app.validation.phone import mask_phone

        return mask_phone(self.mobile) if self.mobile else ""

    @property
    def is_hmt(self) -> bool:
        """HK/Macau/Taiwan students do not report a current household (SRC-2)."""
        return self.student_category in ("hk", "macau", "taiwan")

    def __repr__(self) -> str:
        return f"{self.name}（{self.student_no}）"
