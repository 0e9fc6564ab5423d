"""Tripartite agreements (三方协议, AGR-1 … AGR-5): the number pool, number requests and the agreement itself.

One live agreement per graduate and one current number per graduate are partial unique indexes, so the database
refuses what a race slips past the checks; only app.workflows.engine writes the status columns.
"""
from __future__ import annotations

import datetime
from typing import Optional

from flask_appbuilder import Model
from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.change import Evidence
from app.models.destination import Destination
from app.models.employer import Employer
from app.models.graduate import Graduate
from app.models.org import Cohort
from app.models.reference import JobCategory, NumberRequestReason
from app.models.review import ReviewDecisionsMixin
from app.timeutil import utcnow

# -- agreement numbers (协议书编号) ----------------------------------------------------------------------------------
UNUSED, ASSIGNED, VOIDED = "unused", "assigned", "voided"
NUMBER_STATES = {UNUSED: _l("Unused"), ASSIGNED: _l("Assigned"), VOIDED: _l("Voided")}
GENERATED, IMPORTED, OTHER_PROVINCE = "generated", "imported", "other_province"
NUMBER_SOURCES = {GENERATED: _l("Generated"), IMPORTED: _l("Imported")}


class AgreementNumber(Model):
    """One printed number: unused in the pool, assigned to one graduate (their current number), or voided (kept, with
    the reason, as the graduate's history). The database allows one assigned number per graduate."""

    __tablename__ = "agreement_number"
    __table_args__ = (
        Index("uq_agreement_number_one_current", "graduate_id", unique=True,
              postgresql_where=text("state = 'assigned'"), sqlite_where=text("state = 'assigned'")),
        Index("ix_agreement_number_pool", "cohort_id", "state", "number"),
    )
    __scope__ = {"department": "graduate.department_id", "student": "graduate.user_id"}
    __label__ = _l("Agreement numbers")

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(40), nullable=False, unique=True)
    cohort_id: Mapped[Optional[int]] = mapped_column(ForeignKey("cohort.id"), info={"label": _l("Cohort")})
    cohort: Mapped[Optional[Cohort]] = relationship()
    education_level: Mapped[Optional[str]] = mapped_column(String(2))
    state: Mapped[str] = mapped_column(String(10), nullable=False, default=UNUSED, server_default=UNUSED, index=True)
    source: Mapped[str] = mapped_column(String(15), nullable=False, default=GENERATED, server_default=GENERATED)
    batch: Mapped[Optional[str]] = mapped_column(String(40))  # which generation or import run made it
    graduate_id: Mapped[Optional[int]] = mapped_column(ForeignKey("graduate.id"), index=True,
                                                       info={"label": _l("Graduate")})
    graduate: Mapped[Optional[Graduate]] = relationship()
    assigned_at: Mapped[Optional[datetime.datetime]] = mapped_column(DateTime)
    voided_at: Mapped[Optional[datetime.datetime]] = mapped_column(DateTime)
    void_reason: Mapped[Optional[str]] = mapped_column(String(200))
    created_at: Mapped[Optional[datetime.datetime]] = mapped_column(DateTime, default=utcnow)

    def __repr__(self) -> str:
        return self.number


class NumberRequest(ReviewDecisionsMixin, Model):
    """A graduate's request for a new number (协议污损, 协议丢失, 解约领新协议 …), reviewed by the school (AGR-1)."""

    __tablename__ = "number_request"
    __table_args__ = (
        Index("uq_number_request_one_open", "graduate_id", unique=True,
              postgresql_where=text("status = 'central'"), sqlite_where=text("status = 'central'")),
    )
    __scope__ = {"department": "graduate.department_id", "student": "graduate.user_id"}
    __label__ = _l("Number requests")

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    graduate_id: Mapped[int] = mapped_column(ForeignKey("graduate.id"), nullable=False, index=True,
                                             info={"label": _l("Graduate")})
    graduate: Mapped[Graduate] = relationship()
    reason_id: Mapped[int] = mapped_column(ForeignKey("number_request_reason.id"), nullable=False,
                                           info={"label": _l("Reason")})
    reason: Mapped[NumberRequestReason] = relationship()
    explanation: Mapped[Optional[str]] = mapped_column(Text)
    old_number_id: Mapped[Optional[int]] = mapped_column(ForeignKey("agreement_number.id"),
                                                         info={"label": _l("Old number")})
    old_number: Mapped[Optional[AgreementNumber]] = relationship(foreign_keys=[old_number_id])
    new_number_id: Mapped[Optional[int]] = mapped_column(ForeignKey("agreement_number.id"),
                                                         info={"label": _l("New number")})
    new_number: Mapped[Optional[AgreementNumber]] = relationship(foreign_keys=[new_number_id])
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="central", server_default="central",
                                        index=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1, server_default="1")
    created_at: Mapped[Optional[datetime.datetime]] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[Optional[datetime.datetime]] = mapped_column(DateTime)


# -- the agreement ------------------------------------------------------------------------------------------------
ONLINE, OFFLINE, OUTSIDE = "online", "offline", "outside"
AGREEMENT_KINDS = {ONLINE: _l("Online signing"), OFFLINE: _l("Offline agreement (entered)"),
                   OUTSIDE: _l("Out-of-province agreement (entered)")}
BY_EMPLOYER, BY_GRADUATE, BY_SCHOOL = "employer", "graduate", "school"
STARTED_BY = {BY_EMPLOYER: _l("Employer"), BY_GRADUATE: _l("Graduate"), BY_SCHOOL: _l("School")}

# the states in which an agreement binds its graduate (app.workflows.agreement declares the machine); an invitation
# is not live (several employers may invite one graduate), an accepted one is, until it ends
LIVE_STATES = ("requested", "secondary", "central", "returned", "stamp_employer", "stamp_graduate", "stamp_school",
               "archived", "revoked", "draft")
_LIVE_SQL = "status IN (" + ", ".join(f"'{s}'" for s in LIVE_STATES) + ")"


class Agreement(ReviewDecisionsMixin, Model):
    """One tripartite agreement between a graduate, an employer and the school: online (an invitation or a
    graduate's request), or entered from paper (offline, out of province). Archived, it is the graduate's plan entry:
    `destination` is the code-10 version it made current, `previous_destination` what a revoke goes back to."""

    __tablename__ = "agreement"
    __table_args__ = (
        Index("uq_agreement_one_live", "graduate_id", unique=True,
              postgresql_where=text(_LIVE_SQL), sqlite_where=text(_LIVE_SQL)),
        Index("ix_agreement_status_graduate", "status", "graduate_id"),
        Index("ix_agreement_employer_status", "employer_id", "status"),
    )
    __scope__ = {"department": "graduate.department_id", "student": "graduate.user_id", "employer": "employer_id"}
    __label__ = _l("Agreements")

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    graduate_id: Mapped[int] = mapped_column(ForeignKey("graduate.id"), nullable=False, index=True,
                                             info={"label": _l("Graduate")})
    graduate: Mapped[Graduate] = relationship()
    employer_id: Mapped[int] = mapped_column(ForeignKey("employer.id"), nullable=False, index=True,
                                             info={"label": _l("Employer")})
    employer: Mapped[Employer] = relationship()
    kind: Mapped[str] = mapped_column(String(10), nullable=False, default=ONLINE, server_default=ONLINE)
    started_by: Mapped[str] = mapped_column(String(10), nullable=False, default=BY_EMPLOYER)
    number_id: Mapped[Optional[int]] = mapped_column(ForeignKey("agreement_number.id"), index=True,
                                                     info={"label": _l("Agreement number")})
    number: Mapped[Optional[AgreementNumber]] = relationship()
    external_number: Mapped[Optional[str]] = mapped_column(String(40))  # out of province: the other province's number

    # the offer's terms (what the invitation and the printed agreement show)
    position: Mapped[Optional[str]] = mapped_column(String(100))
    job_category_id: Mapped[Optional[int]] = mapped_column(ForeignKey("job_category.id"),
                                                           info={"label": _l("Job category")})
    job_category: Mapped[Optional[JobCategory]] = relationship()
    salary: Mapped[Optional[str]] = mapped_column(String(60))
    work_region_code: Mapped[Optional[str]] = mapped_column(String(6))  # GB/T 2260
    work_address: Mapped[Optional[str]] = mapped_column(String(200))
    start_on: Mapped[Optional[datetime.date]] = mapped_column(Date)
    contract_years: Mapped[Optional[int]] = mapped_column(Integer)
    other_terms: Mapped[Optional[str]] = mapped_column(Text)
    expires_at: Mapped[Optional[datetime.datetime]] = mapped_column(DateTime)  # an invitation's answer-by time
    signed_on: Mapped[Optional[datetime.date]] = mapped_column(Date)

    # only the engine writes status and version
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="invited", server_default="invited",
                                        index=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1, server_default="1")
    answered_at: Mapped[Optional[datetime.datetime]] = mapped_column(DateTime)  # accepted/declined/confirmed
    answer_remark: Mapped[Optional[str]] = mapped_column(Text)
    employer_stamped_at: Mapped[Optional[datetime.datetime]] = mapped_column(DateTime)
    graduate_confirmed_at: Mapped[Optional[datetime.datetime]] = mapped_column(DateTime)
    school_confirmed_at: Mapped[Optional[datetime.datetime]] = mapped_column(DateTime)
    archived_at: Mapped[Optional[datetime.datetime]] = mapped_column(DateTime)
    revoked_at: Mapped[Optional[datetime.datetime]] = mapped_column(DateTime)
    ended_at: Mapped[Optional[datetime.datetime]] = mapped_column(DateTime)
    destination_id: Mapped[Optional[int]] = mapped_column(ForeignKey("destination.id"),
                                                          info={"label": _l("Destination")})
    destination: Mapped[Optional[Destination]] = relationship(foreign_keys=[destination_id])
    previous_destination_id: Mapped[Optional[int]] = mapped_column(ForeignKey("destination.id"),
                                                                   info={"label": _l("Previous destination")})
    previous_destination: Mapped[Optional[Destination]] = relationship(foreign_keys=[previous_destination_id])
    # the printed document: a public verification code and the hash of the content it was printed with (AGR-6)
    verification_code: Mapped[Optional[str]] = mapped_column(String(20), unique=True)
    content_hash: Mapped[Optional[str]] = mapped_column(String(64))
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("ab_user.id"))
    created_at: Mapped[Optional[datetime.datetime]] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[Optional[datetime.datetime]] = mapped_column(DateTime)

    evidence_links: Mapped[list[AgreementEvidence]] = relationship(back_populates="agreement",
                                                                  order_by="AgreementEvidence.id")

    @property
    def entered(self) -> bool:
        """Entered from paper (offline, out of province), not generated by online signing: TRM-4 forces only these."""
        return self.kind != ONLINE

    @property
    def number_text(self) -> str:
        return self.external_number or (self.number.number if self.number else "")

    def __repr__(self) -> str:
        return f"{self.graduate_id}→{self.employer_id}#{self.id}"


class AgreementEvidence(Model):
    """A file attached to an agreement (the stamped scan of an offline one, the other province's agreement)."""

    __tablename__ = "agreement_evidence"
    __table_args__ = (UniqueConstraint("agreement_id", "evidence_id", name="uq_agreement_evidence"),)
    __scope__ = {"department": "agreement.graduate.department_id", "student": "agreement.graduate.user_id",
                 "employer": "agreement.employer_id"}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreement.id"), nullable=False, index=True)
    agreement: Mapped[Agreement] = relationship(back_populates="evidence_links")
    evidence_id: Mapped[int] = mapped_column(ForeignKey("evidence.id"), nullable=False, index=True)
    evidence: Mapped[Evidence] = relationship()
    kind: Mapped[str] = mapped_column(String(30), nullable=False, default="agreement_scan")


# -- who may sign where (AGR-4, APV-1, APV-4) -----------------------------------------------------------------------
SIGN_ONLINE, SIGN_DIRECTED, SIGN_BLANK = "online", "directed", "blank"
SIGNING_MODES = {SIGN_ONLINE: _l("Online signing"), SIGN_DIRECTED: _l("Offline: directed (定向签约)"),
                 SIGN_BLANK: _l("Offline: printed blank agreement (空白协议书打印)")}


class SigningStatus(Model):
    """A graduate's signing settings, apart from the versioned graduate row: the school's offline setting, the
    in-province lock (set by an approved out-of-province application or by the school) and, for directed and
    entrusted graduates, whether the school has restored their signing (APV-4). No row: online, nothing locked."""

    __tablename__ = "signing_status"
    __scope__ = {"department": "graduate.department_id", "student": "graduate.user_id"}
    __label__ = _l("Signing settings")

    graduate_id: Mapped[int] = mapped_column(ForeignKey("graduate.id"), primary_key=True,
                                             info={"label": _l("Graduate")})
    graduate: Mapped[Graduate] = relationship()
    mode: Mapped[str] = mapped_column(String(10), nullable=False, default=SIGN_ONLINE, server_default=SIGN_ONLINE)
    in_province_locked: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, server_default="0")
    signing_restored: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, server_default="0")
    updated_at: Mapped[Optional[datetime.datetime]] = mapped_column(DateTime, default=utcnow)
    updated_by: Mapped[Optional[str]] = mapped_column(String(64))


class OutOfProvinceApplication(ReviewDecisionsMixin, Model):
    """APV-1: a graduate asks to be employed outside the province; approval locks in-province signing."""

    __tablename__ = "out_of_province_application"
    __table_args__ = (
        Index("uq_out_of_province_one_open", "graduate_id", unique=True,
              postgresql_where=text("status = 'central'"), sqlite_where=text("status = 'central'")),
    )
    __scope__ = {"department": "graduate.department_id", "student": "graduate.user_id"}
    __label__ = _l("Out-of-province applications")

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    graduate_id: Mapped[int] = mapped_column(ForeignKey("graduate.id"), nullable=False, index=True,
                                             info={"label": _l("Graduate")})
    graduate: Mapped[Graduate] = relationship()
    employer_name: Mapped[str] = mapped_column(String(200), nullable=False)
    employer_credit_code: Mapped[Optional[str]] = mapped_column(String(18))
    region_code: Mapped[Optional[str]] = mapped_column(String(6))  # where the work is (another province)
    explanation: Mapped[Optional[str]] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="central", server_default="central",
                                        index=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1, server_default="1")
    created_at: Mapped[Optional[datetime.datetime]] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[Optional[datetime.datetime]] = mapped_column(DateTime)


class OutOfProvinceEvidence(Model):
    """A file attached to an out-of-province application (the offer or contract of the other province's employer)."""

    __tablename__ = "out_of_province_evidence"
    __table_args__ = (UniqueConstraint("application_id", "evidence_id", name="uq_out_of_province_evidence"),)
    __scope__ = {"department": "application.graduate.department_id", "student": "application.graduate.user_id"}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("out_of_province_application.id"), nullable=False,
                                                index=True)
    application: Mapped[OutOfProvinceApplication] = relationship()
    evidence_id: Mapped[int] = mapped_column(ForeignKey("evidence.id"), nullable=False, index=True)
    evidence: Mapped[Evidence] = relationship()
