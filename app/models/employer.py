"""Employers as records (单位): destinations, agreements and statistics point at one row, never at a copied name."""
from __future__ import annotations

import datetime
from typing import Optional

from flask_appbuilder import Model
from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from app.models.reference import EmployerNature, Industry
from app.timeutil import utcnow

PENDING, APPROVED, REFUSED, MERGED = "pending", "approved", "refused", "merged"
EMPLOYER_STATUSES = {
    PENDING: _l("Awaiting approval"),
    APPROVED: _l("Approved"),
    REFUSED: _l("Refused"),
    MERGED: _l("Merged"),
}


class Employer(Model):
    """One employer; self-registered ones start pending, duplicates are merged into a survivor (merged_into)."""

    __tablename__ = "employer"
    # not department data: every signed-in user may read approved employers (a student picks one, a college reviews
    # destinations naming it); an employer account its own row whatever its status; central roles everything
    __scope__ = {"employer": "id", "everyone_if": f"status={APPROVED}"}
    __label__ = _l("Employers")

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False, index=True)
    credit_code: Mapped[Optional[str]] = mapped_column(String(18), unique=True)
    nature_id: Mapped[Optional[int]] = mapped_column(ForeignKey("employer_nature.id"), index=True,
                                                     info={"label": _l("Employer nature")})
    nature: Mapped[Optional[EmployerNature]] = relationship()
    industry_id: Mapped[Optional[int]] = mapped_column(ForeignKey("industry.id"), index=True,
                                                       info={"label": _l("Industry")})
    industry: Mapped[Optional[Industry]] = relationship()
    region_code: Mapped[Optional[str]] = mapped_column(String(6))  # GB/T 2260, checked by services.reference
    address: Mapped[Optional[str]] = mapped_column(String(200))
    contact_name: Mapped[Optional[str]] = mapped_column(String(50))
    contact_mobile: Mapped[Optional[str]] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(10), nullable=False, default=PENDING, index=True)
    merged_into_id: Mapped[Optional[int]] = mapped_column(ForeignKey("employer.id"), index=True,
                                                          info={"label": _l("Merged into")})
    merged_into: Mapped[Optional[Employer]] = relationship(remote_side="Employer.id")
    created_at: Mapped[Optional[datetime.datetime]] = mapped_column(DateTime, default=utcnow)
    # AGR-7: a self-registration is approved or refused (with the reason) by the school through the engine
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1, server_default="1")
    self_registered: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, server_default="0")
    decision_remark: Mapped[Optional[str]] = mapped_column(Text)
    decided_at: Mapped[Optional[datetime.datetime]] = mapped_column(DateTime)
    decided_by: Mapped[Optional[str]] = mapped_column(String(64))
    updated_at: Mapped[Optional[datetime.datetime]] = mapped_column(DateTime)

    @validates("credit_code", "region_code", "address", "contact_name", "contact_mobile")
    def _empty_is_none(self, _key: str, value: Optional[str]) -> Optional[str]:
        """Forms post '' for an empty field; store NULL so the unique credit code allows many employers without one."""
        value = value.strip() if isinstance(value, str) else value
        return value or None

    def __repr__(self) -> str:
        return self.name


class EmployerRegisterEntry(Model):
    """One unit of the verified-unit register the school imports (AGR-5, seed 004 §10.4): every employer is shown
    as matching an entry exactly, differing from it (same code, other name, or the reverse) or absent."""

    __tablename__ = "employer_register_entry"
    __label__ = _l("Verified unit register")

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False, index=True)
    credit_code: Mapped[Optional[str]] = mapped_column(String(18), index=True)
    status: Mapped[Optional[str]] = mapped_column(String(40))  # 存续 / 注销 / 吊销 … as the register says
    batch: Mapped[Optional[str]] = mapped_column(String(40))
    imported_at: Mapped[Optional[datetime.datetime]] = mapped_column(DateTime, default=utcnow)
