"""Change requests (申请异动, CHG-1) and the evidence files students upload for them."""
from __future__ import annotations

import datetime
from typing import Optional

from flask_appbuilder import Model
from sqlalchemy import DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.graduate import Graduate


class ChangeRequest(Model):
    """A student's claim that one compared field differs from the registry, with an explanation and evidence."""

    __tablename__ = "change_request"
    __scope__ = {"department": "graduate.department_id", "student": "graduate.user_id"}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    graduate_id: Mapped[int] = mapped_column(ForeignKey("graduate.id"), nullable=False, index=True)
    graduate: Mapped[Graduate] = relationship()
    field: Mapped[str] = mapped_column(String(30), nullable=False)
    registry_value: Mapped[Optional[str]] = mapped_column(String(120))
    claimed_value: Mapped[str] = mapped_column(String(120), nullable=False)
    explanation: Mapped[str] = mapped_column(Text, nullable=False)
    # only app.workflows.engine writes status and version
    status: Mapped[str] = mapped_column(String(12), nullable=False, default="submitted", index=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    created_at: Mapped[Optional[datetime.datetime]] = mapped_column(DateTime)
    decided_by: Mapped[Optional[str]] = mapped_column(String(64))
    decided_at: Mapped[Optional[datetime.datetime]] = mapped_column(DateTime)
    decision_remark: Mapped[Optional[str]] = mapped_column(Text)
    evidence: Mapped[list[Evidence]] = relationship(back_populates="change_request")


class Evidence(Model):
    """An uploaded file checked by content, stored outside static/ and served only through a scoped view."""

    __tablename__ = "evidence"
    __scope__ = {"department": "graduate.department_id", "student": "graduate.user_id"}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    graduate_id: Mapped[int] = mapped_column(ForeignKey("graduate.id"), nullable=False, index=True)
    graduate: Mapped[Graduate] = relationship()
    change_request_id: Mapped[Optional[int]] = mapped_column(ForeignKey("change_request.id"), index=True)
    change_request: Mapped[Optional[ChangeRequest]] = relationship(back_populates="evidence")
    original_name: Mapped[str] = mapped_column(String(255), nullable=False)
    content_type: Mapped[str] = mapped_column(String(50), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    storage_key: Mapped[str] = mapped_column(String(100), nullable=False, unique=True)
    uploaded_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"))
    created_at: Mapped[Optional[datetime.datetime]] = mapped_column(DateTime)
