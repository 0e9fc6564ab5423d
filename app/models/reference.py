"""Maintained code tables (destination codes, 单位性质, 行业, 职位类别, rejection reasons, countries): rows, not code."""
from __future__ import annotations

from typing import Any, Optional

from flask_appbuilder import Model
from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.scope import EVERYONE

# The fixed vocabularies a destination code's row chooses from; what each code needs is data, these words are code.
RATE_GROUPS = {  # the current caliber: 落实率 = 单位就业率 + 自主创业率 + 自由职业率 + 升学率
    "employed": _l("Employed by a unit"),
    "venture": _l("Self-employed (own venture)"),
    "freelance": _l("Freelance"),
    "study": _l("Further study"),
    "unplaced": _l("Not yet placed"),
}
RATE_GROUPS_2021 = {  # the 2021 caliber: 协议和合同就业 + 创业 + 灵活就业 + 升学
    "contract": _l("Agreement and contract employment"),
    "venture": _l("Venture"),
    "flexible": _l("Flexible employment"),
    "study": _l("Further study"),
    "unplaced": _l("Not yet placed"),
}
FORM_KINDS = {  # which part of the destination form a code asks for (DOMAIN-DESTINATIONS "Which fields a code needs")
    "employer": _l("The employer (full unit name)"),
    "host_unit": _l("The project's host unit"),
    "none": _l("No unit"),
    "venture": _l("The venture"),
    "freelance": _l("The actual work"),
    "domestic_study": _l("School and location (domestic)"),
    "foreign_study": _l("School (foreign name) and country"),
}
EVIDENCE_KINDS = {  # proof files a code needs (2021 notice)
    "hiring_proof": _l("Hiring proof, or pay slips at or above the local minimum wage"),
    "signed_statement": _l("The graduate's signed statement"),
    "shop_proof": _l("For an online shop: shop address, screenshots and income records"),
}


class ReferenceMixin:
    """Code, Chinese name, sort order and the active flag: a retired row stays for old records, offered to no new one."""

    __scope__ = EVERYONE  # every signed-in user reads code tables; permissions decide who edits them

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(10), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    sort_order: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)

    def __repr__(self) -> str:
        return f"{self.code} {self.name}"


class DestinationCode(ReferenceMixin, Model):
    """毕业去向类别: a two-digit stem or a three-digit sub-code under it, with what the rate and the form need."""

    __tablename__ = "destination_code"
    __label__ = _l("Destination codes")

    parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("destination_code.id"), index=True,
                                                     info={"label": _l("Stem")})
    parent: Mapped[Optional[DestinationCode]] = relationship(remote_side="DestinationCode.id")
    placed: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    rate_group: Mapped[str] = mapped_column(String(20), nullable=False, default="unplaced")
    rate_group_2021: Mapped[str] = mapped_column(String(20), nullable=False, default="unplaced")
    form_kind: Mapped[str] = mapped_column(String(20), nullable=False, default="none")
    evidence: Mapped[str] = mapped_column(String(200), nullable=False, default="")  # comma-separated EVIDENCE_KINDS

    @property
    def evidence_list(self) -> list[str]:
        return [part for part in (self.evidence or "").split(",") if part]


class EmployerNature(ReferenceMixin, Model):
    """单位性质."""

    __tablename__ = "employer_nature"
    __label__ = _l("Employer natures")


class Industry(ReferenceMixin, Model):
    """单位行业 (one per GB/T 4754-2017 section)."""

    __tablename__ = "industry"
    __label__ = _l("Industries")


class JobCategory(ReferenceMixin, Model):
    """工作职位类别."""

    __tablename__ = "job_category"
    __label__ = _l("Job categories")


class RejectionReason(ReferenceMixin, Model):
    """A reason a reviewer picks when not approving; some need the reviewer's own words as well."""

    __tablename__ = "rejection_reason"
    __label__ = _l("Rejection reasons")

    needs_text: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)


class Country(ReferenceMixin, Model):
    """A country or region for 境外留学, seeded from ISO 3166-1 (pycountry) with Chinese names; code = alpha-2."""

    __tablename__ = "country"
    __label__ = _l("Countries and regions")

    alpha_3: Mapped[Optional[str]] = mapped_column(String(3))
    numeric: Mapped[Optional[str]] = mapped_column(String(3))


class NumberRequestReason(ReferenceMixin, Model):
    """Why a graduate asks for a new agreement number (协议污损, 协议丢失, 解约领新协议 …)."""

    __tablename__ = "number_request_reason"
    __label__ = _l("Number request reasons")


TERMINATION_SIDES = {"graduate": _l("The graduate's reason"), "employer": _l("The employer's reason")}


class TerminationReason(ReferenceMixin, Model):
    """Why an agreement is terminated (继续深造, 家庭原因 … 单位违约); `side` is whose reason it is."""

    __tablename__ = "termination_reason"
    __label__ = _l("Termination reasons")

    side: Mapped[str] = mapped_column(String(10), default="graduate", nullable=False)  # graduate / employer


REFERENCE_MODELS: tuple[Any, ...] = (DestinationCode, EmployerNature, Industry, JobCategory, RejectionReason, Country,
                                     NumberRequestReason, TerminationReason)
