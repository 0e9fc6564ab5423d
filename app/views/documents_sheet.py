"""AGR-5/AGR-6, TRM-3: what a printed agreement or termination letter shows, as one structure that the A4 page and
the PDF both render, so paper from the browser and the PDF never say different things."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

import segno
from flask import url_for
from flask_babel import gettext as _
from markupsafe import Markup

from app.models.agreement import AGREEMENT_KINDS, Agreement
from app.models.termination import LIABLE_PARTIES, REQUESTERS, Termination
from app.security.pii import show_id, show_phone
from app.services import documents
from app.services.reference import division_full_name
from app.timeutil import local_display
from app.validation.codes import EDUCATION_LEVELS, GENDERS, label_of


@dataclass
class Section:
    title: str
    rows: list[tuple[str, str]] = field(default_factory=list)  # (label, value) pairs, two to a printed line
    text: Optional[tuple[str, str]] = None  # (label, long text) on a line of its own


@dataclass
class Sheet:
    kind: str  # "agreement" | "termination"
    title: str
    number: str
    code: str
    digest: str
    state: str
    warning: Optional[str]
    sections: list[Section]
    statements: list[str]
    signatures: list[str]
    verify_url: str
    filename: str
    date: str = ""

    @property
    def typed_url(self) -> str:
        """The address printed as text, short enough to type: without the hash the QR code carries."""
        return self.verify_url.split("?", 1)[0]

    @property
    def grouped_code(self) -> str:
        return documents.grouped(self.code)

    def qr(self) -> Any:
        return segno.make(self.verify_url, error="m")

    def qr_svg(self) -> Markup:
        """Inline SVG drawn here (nothing fetched from another origin)."""
        svg = self.qr().svg_inline(scale=3, border=2, svgclass="gems-qr", title=_("QR code of the verification page"))
        return Markup(svg)  # noqa: S704 - segno's own markup: paths and a title it escapes


def verify_url(code: str, digest: str) -> str:
    """The public page for this code, absolute from the request's host, carrying the hash printed with it."""
    return url_for("DocumentVerifyView.show", code=code, h=digest, _external=True)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if hasattr(value, "strftime") and hasattr(value, "hour"):
        return local_display(value)
    if hasattr(value, "strftime"):
        return value.strftime("%Y-%m-%d")
    return str(value)


def _name(row: Any) -> str:
    return row.name if row is not None else ""


def _graduate_rows(agreement: Agreement) -> list[tuple[str, str]]:
    graduate = agreement.graduate
    school, college = documents.org_units(graduate.department)
    level, gender = label_of(EDUCATION_LEVELS, graduate.education_level), label_of(GENDERS, graduate.gender)
    return [(_("Full name"), graduate.name), (_("Gender"), _(gender) if gender else ""),
            (_("Student number"), graduate.student_no), (_("ID number"), show_id(graduate.id_number)),
            (_("School"), school), (_("College"), college), (_("Major"), _name(graduate.major)),
            (_("Education level"), _(level) if level else ""), (_("Cohort"), _name(graduate.cohort)),
            (_("Graduation date"), _text(graduate.graduation_date))]


def _employer_rows(agreement: Agreement) -> list[tuple[str, str]]:
    employer = agreement.employer
    return [(_("Employer name"), employer.name), (_("Unified social credit code"), employer.credit_code or ""),
            (_("Employer nature"), _name(employer.nature)), (_("Industry"), _name(employer.industry)),
            (_("Location"), division_full_name(employer.region_code) or employer.region_code or ""),
            (_("Employer address"), employer.address or ""), (_("Contact person"), employer.contact_name or ""),
            (_("Contact mobile"), show_phone(employer.contact_mobile))]


def _terms(agreement: Agreement) -> Section:
    years = _("%(n)d year(s)", n=agreement.contract_years) if agreement.contract_years else ""
    return Section(_("Terms"), [
        (_("Position"), agreement.position or ""), (_("Job category"), _name(agreement.job_category)),
        (_("Salary"), agreement.salary or ""),
        (_("Work region"), division_full_name(agreement.work_region_code) or agreement.work_region_code or ""),
        (_("Work address"), agreement.work_address or ""), (_("Reporting date"), _text(agreement.start_on)),
        (_("Contract term"), years), (_("Signing date"), _text(agreement.signed_on)),
    ], text=(_("Other terms"), agreement.other_terms or _("None")))


def _progress(agreement: Agreement) -> Section:
    from app.workflows.agreement import STATES

    rows = [(_("Agreement kind"), str(AGREEMENT_KINDS.get(agreement.kind, agreement.kind))),
            (_("State"), str(STATES.get(agreement.status, agreement.status))),
            (_("Employer stamped"), _text(agreement.employer_stamped_at)),
            (_("Graduate confirmed"), _text(agreement.graduate_confirmed_at)),
            (_("School confirmed and archived"), _text(agreement.archived_at))]
    if agreement.revoked_at:
        rows.append((_("Archive revoked"), _text(agreement.revoked_at)))
    if agreement.ended_at and agreement.status == "terminated":
        rows.append((_("Terminated"), _text(agreement.ended_at)))
    return Section(_("Signing and review"), rows)


def agreement_sheet(agreement: Agreement) -> Sheet:
    """The agreement as printed; seal it first (documents.seal_agreement) so the code and hash are the stored ones."""
    school, _college = documents.org_units(agreement.graduate.department)
    warning = None
    if agreement.status == "revoked":
        warning = _("The school revoked this agreement's archive: it is not in force.")
    elif agreement.status == "terminated":
        warning = _("This agreement was terminated: it is no longer in force.")
    sections = [Section(_("Party A: the graduate"), _graduate_rows(agreement)),
                Section(_("Party B: the employer"), _employer_rows(agreement)),
                Section(_("Party C: the school"), [(_("School"), school),
                                                   (_("Approved by the school"), _text(
                                                       agreement.school_decided_at or agreement.archived_at))]),
                _terms(agreement), _progress(agreement)]
    statements = [
        _("The graduate, the employer and the school make this agreement under the state's policies on the "
          "employment of graduates; it takes effect once the school has approved it and the parties have signed "
          "and stamped it."),
        _("A party who wishes to end the agreement must obtain the other party's agreement through a termination "
          "(解约); the liable party bears the liability agreed, and the agreement number is then voided."),
        _("Scan the QR code or open the verification address to confirm that this document is genuine and current."),
    ]
    return Sheet("agreement", _("Employment agreement of graduates (tripartite agreement)"),
                 agreement.number_text, agreement.verification_code or "", agreement.content_hash or "",
                 str(documents.AGREEMENT_WORDS.get(agreement.status, "")), warning, sections, statements,
                 [_("Graduate (signature)"), _("Employer (stamp)"), _("School (stamp)")],
                 verify_url(agreement.verification_code or "", agreement.content_hash or ""),
                 f"agreement-{agreement.number_text or agreement.id}.pdf", _text(documents.agreement_date(agreement)))


def _consent(termination: Termination) -> Section:
    """Both parties' agreement: who asked and when, when the other side agreed (or how else it was settled)."""
    requester = str(REQUESTERS.get(termination.requested_by, termination.requested_by))
    rows = [(_("Requested by"), requester), (_("Requested on"), _text(termination.submitted_at
                                                                      or termination.created_at))]
    if termination.forced:
        rows.append((_("Ended by"), _("The school, by forced termination")))
        return Section(_("Both parties' agreement"), rows, text=(_("School's reason"), termination.school_remark
                                                                  or ""))
    if termination.offline:
        rows.append((_("Agreed"), _("Both parties signed the paper termination letter")))
    else:
        other = _("The employer") if termination.requested_by == "graduate" else _("The graduate")
        rows += [(_("Agreed by"), str(other)), (_("Agreed on"), _text(termination.other_answered_at))]
    return Section(_("Both parties' agreement"), rows,
                   text=(_("Remark of the other party"), termination.other_remark) if termination.other_remark
                   else None)


def termination_sheet(termination: Termination) -> Sheet:
    """The termination letter (解约函) as printed; seal it first (documents.seal_letter)."""
    from app.workflows.termination import STATES

    agreement = termination.agreement
    employer = agreement.employer
    original = Section(_("The agreement terminated"), [
        (_("Agreement number"), agreement.number_text), (_("Signing date"), _text(documents.agreement_date(agreement))),
        (_("Employer name"), employer.name), (_("Unified social credit code"), employer.credit_code or ""),
        (_("Agreement kind"), str(AGREEMENT_KINDS.get(agreement.kind, agreement.kind))),
        (_("Position"), agreement.position or "")])
    reason = Section(_("Reason for the termination"), [(_("Reason"), _name(termination.reason))],
                     text=(_("Explanation"), termination.explanation or ""))
    liability = Section(_("Liability and penalty"), [
        (_("Liable party"), str(LIABLE_PARTIES.get(termination.liable_party or "", termination.liable_party or ""))),
        (_("Penalty (违约金)"), termination.penalty or _("None"))])
    handling = Section(_("Handling"), [
        (_("Employer's handler"), employer.contact_name or ""), (_("Contact mobile"), show_phone(
            employer.contact_mobile)),
        (_("School's handler"), termination.school_decided_by or ""),
        (_("Approved by the school"), _text(termination.school_decided_at)),
        (_("State"), str(STATES.get(termination.status, termination.status))),
        (_("Date"), _text(documents.letter_date(termination)))])
    warning = None
    if termination.status != "approved":
        warning = _("The school has not approved this termination yet: the agreement stays in force until it does.")
    statements = [
        _("The graduate and the employer have agreed to terminate the agreement above; liability and any penalty "
          "are borne as stated. Once the school approves, the agreement number is voided and the graduate may "
          "sign again."),
        _("Scan the QR code or open the verification address to confirm that this letter is genuine and current."),
    ]
    return Sheet("termination", _("Termination letter of the employment agreement (解约函)"), agreement.number_text,
                 termination.letter_code or "", termination.letter_hash or "",
                 str(documents.LETTER_WORDS.get(termination.status, "")), warning,
                 [Section(_("The graduate"), _graduate_rows(agreement)), original, reason, _consent(termination),
                  liability, handling], statements,
                 [_("Graduate (signature)"), _("Employer (stamp)"), _("School (stamp)")],
                 verify_url(termination.letter_code or "", termination.letter_hash or ""),
                 f"termination-{agreement.number_text or termination.id}.pdf",
                 _text(documents.letter_date(termination)))


__all__ = ["Section", "Sheet", "agreement_sheet", "termination_sheet", "verify_url"]
