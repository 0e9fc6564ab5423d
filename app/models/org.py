"""Organisation reference data (ORG-1): departments form a tree, majors hang off departments, cohorts are years."""
from __future__ import annotations

import datetime
import enum
from typing import Optional

from flask_appbuilder import Model
from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, Date, Enum, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.scope import EVERYONE


class DepartmentKind(str, enum.Enum):
    SCHOOL = "school"
    COLLEGE = "college"
    UNIT = "unit"

    @property
    def label(self) -> str:
        return str(DEPARTMENT_KIND_LABELS[self])

    def __str__(self) -> str:
        return self.label


DEPARTMENT_KIND_LABELS = {
    DepartmentKind.SCHOOL: _l("School"),
    DepartmentKind.COLLEGE: _l("College"),
    DepartmentKind.UNIT: _l("Sub-unit"),
}


class Department(Model):
    """A node of the school's department tree; students and accounts reference it, never copy it."""

    __tablename__ = "department"
    __scope__ = {"department": "id"}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    kind: Mapped[DepartmentKind] = mapped_column(
        Enum(DepartmentKind, name="department_kind", native_enum=False, length=10),
        nullable=False,
        default=DepartmentKind.COLLEGE,
    )
    parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("department.id"), index=True)
    parent: Mapped[Optional[Department]] = relationship(
        remote_side=[id], back_populates="children"
    )
    children: Mapped[list[Department]] = relationship(back_populates="parent")
    sort_order: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)

    def __repr__(self) -> str:
        return f"{self.name}（{self.code}）"


class Major(Model):
    """A major with its national major code (专业代码), taught by one department."""

    __tablename__ = "major"
    __scope__ = {"department": "department_id"}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(20), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), nullable=False, index=True)
    department: Mapped[Department] = relationship()
    education_level: Mapped[str] = mapped_column(String(20), nullable=False, default="本科")
    active: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)

    def __repr__(self) -> str:
        return f"{self.name}（{self.code}）"


class Cohort(Model):
    """A graduation cohort (届), e.g. 2026届."""

    __tablename__ = "cohort"
    __scope__ = EVERYONE  # reference data: every signed-in user picks cohorts

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(50), nullable=False)
    is_current: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    # EMP-4 / PLAN-1: self-service destination changes end at the deadline (31 August by default); a locked plan
    # refuses every destination transition of the cohort
    change_deadline: Mapped[Optional[datetime.date]] = mapped_column(Date, info={"label": _l("Change deadline")})
    plan_locked: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False, server_default="0")

    @property
    def effective_change_deadline(self) -> datetime.date:
        """The last day destinations may change: the cohort's setting, else 31 August of its year."""
        return self.change_deadline or datetime.date(self.year, 8, 31)

    def __repr__(self) -> str:
        return self.name
