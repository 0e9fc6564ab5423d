"""AGR-4, APV-1: what a graduate (or the school on their behalf) files from paper — the out-of-province employment
application with its evidence, and entered agreements (offline: an in-province employer without access; outside: the
other province's agreement) with their scans. Nothing here changes a status: the engine does (OUT_OF_PROVINCE,
AGREEMENT); these functions check, store and audit what is typed, and say why not in words."""
from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Optional

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models.agreement import (
    ASSIGNED,
    BY_GRADUATE,
    BY_SCHOOL,
    LIVE_STATES,
    OFFLINE,
    OUTSIDE,
    Agreement,
    AgreementEvidence,
    AgreementNumber,
    OutOfProvinceApplication,
    OutOfProvinceEvidence,
)
from app.models.change import Evidence
from app.models.employer import APPROVED, MERGED, PENDING, REFUSED, Employer
from app.models.graduate import Graduate
from app.models.reference import JobCategory
from app.services import audit, uploads
from app.services.change_requests import Incoming
from app.services.reference import check_division, division_full_name
from app.services.signing import (
    approved_application,
    offline_entry_problem,
    outside_entry_problem,
    source_problem,
    status_of,
)
from app.timeutil import utcnow
from app.validation import check_credit_code
from app.validation.result import normalise_text
from app.workflows.agreement import AGREEMENT, DRAFT, RETURNED
from app.workflows.destination import closed_cohorts, local_today
from app.workflows.engine import RecordResult, fire
from app.workflows.out_of_province import OUT_OF_PROVINCE, SUBMITTED

ENTRY_KINDS = (OFFLINE, OUTSIDE)
EDITABLE = (DRAFT, RETURNED)
SCAN = "agreement_scan"
KIND_TITLES = {OFFLINE: _l("Offline agreement (in-province employer without access)"),
               OUTSIDE: _l("Out-of-province agreement")}


class FormRefused(ValueError):
    """Nothing was stored; `errors` maps form fields (or "form") to messages."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def school_province() -> Optional[str]:
    """The school's province (GB/T 2260, two digits) from GEMS_SCHOOL_PROVINCE, or None: then any place is taken."""
    value = str(current_app.config.get("GEMS_SCHOOL_PROVINCE") or "").strip()
    return value[:2] if len(value) >= 2 and value[:2].isdigit() else None


def check_place(raw: Any, outside: bool) -> tuple[Optional[str], Optional[str]]:
    """(code, error) of a work location: a current GB/T 2260 code, outside (or inside) the school's province when
    the province is configured."""
    result = check_division(raw)
    if not result.ok:
        return None, result.message or _("The value is not valid.")
    province = school_province()
    if province and outside and result.value[:2] == province:
        return None, _("%(place)s is inside the school's province: out-of-province employment is elsewhere.",
                       place=division_full_name(result.value) or result.value)
    if province and not outside and result.value[:2] != province:
        return None, _("%(place)s is outside the school's province: an offline agreement is with an in-province "
                       "employer (out of province, apply for out-of-province employment).",
                       place=division_full_name(result.value) or result.value)
    return result.value, None


def _text(posted: Mapping[str, Any], key: str, limit: int, errors: dict[str, str]) -> str:
    value = normalise_text(posted.get(key, ""))
    if len(value) > limit:
        errors[key] = _("At most %(n)d characters.", n=limit)
    return value


def _store_files(graduate: Graduate, files: list[Incoming], actor: Any, limit: int = uploads.MAX_FILES
                 ) -> tuple[list[Evidence], list[str]]:
    """Check every file by content (uploads service), then store them; (evidence rows, storage keys written)."""
    files = [f for f in files if f.filename or f.data]
    if len(files) > limit:
        raise FormRefused({"evidence": _("Attach at most %(n)d files.", n=limit)})
    checked, errors = [], {}
    for item in files:
        try:
            checked.append(uploads.inspect_upload(item.filename, item.data))
        except uploads.UploadRefused as refused:
            errors["evidence"] = f"{uploads.clean_name(item.filename)}: {refused.message}"
    if errors:
        raise FormRefused(errors)
    rows, keys = [], []
    for item in checked:
        keys.append(uploads.store(item))
        rows.append(Evidence(graduate_id=graduate.id, original_name=item.original_name, content_type=item.content_type,
                             size=item.size, sha256=item.sha256, storage_key=keys[-1],
                             uploaded_by_id=getattr(actor, "id", None), created_at=utcnow()))
    db.session.add_all(rows)
    db.session.flush()
    return rows, keys


def _live(graduate_id: int) -> Optional[Agreement]:
    return db.session.execute(select(Agreement).where(Agreement.graduate_id == graduate_id,
                                                      Agreement.status.in_(LIVE_STATES))).scalar()


# -- the out-of-province application (APV-1) --------------------------------------------------------------------

def applications_of(graduate: Graduate) -> list[OutOfProvinceApplication]:
    """Every application of the graduate, newest first."""
    return list(db.session.execute(select(OutOfProvinceApplication).where(
        OutOfProvinceApplication.graduate_id == graduate.id).order_by(OutOfProvinceApplication.id.desc())).scalars())


def evidence_of(application_ids: list[int]) -> dict[int, list[OutOfProvinceEvidence]]:
    out: dict[int, list[OutOfProvinceEvidence]] = {}
    for link in db.session.execute(select(OutOfProvinceEvidence).where(
            OutOfProvinceEvidence.application_id.in_(application_ids)).order_by(OutOfProvinceEvidence.id)).scalars():
        out.setdefault(link.application_id, []).append(link)
    return out


def application_problem(graduate: Graduate) -> Optional[str]:
    """Why the graduate may not apply now: source information, a pending or still effective approval, a live
    in-province agreement."""
    why = source_problem(graduate)
    if why:
        return why
    pending = db.session.execute(select(OutOfProvinceApplication.id).where(
        OutOfProvinceApplication.graduate_id == graduate.id, OutOfProvinceApplication.status == SUBMITTED)).scalar()
    if pending is not None:
        return _("An application is already waiting for the school's review; withdraw it to apply again.")
    if approved_application(graduate.id) is not None and status_of(graduate.id).in_province_locked:
        return _("Your out-of-province employment has been approved; enter the out-of-province agreement.")
    live = _live(graduate.id)
    if live is not None and live.kind != OUTSIDE:
        return _("You have a live in-province agreement: it must be terminated before you apply for "
                 "out-of-province employment.")
    return None


def apply_out_of_province(graduate: Graduate, posted: Mapping[str, Any], files: list[Incoming],
                          actor: Any) -> OutOfProvinceApplication:
    """File an application (awaiting the school's review) with optional evidence; commits, or stores nothing."""
    why = application_problem(graduate)
    if why:
        raise FormRefused({"form": why})
    errors: dict[str, str] = {}
    name = _text(posted, "employer_name", 200, errors)
    if not name and "employer_name" not in errors:
        errors["employer_name"] = _("Enter the name of the employer.")
    code_raw = normalise_text(posted.get("employer_credit_code", ""))
    code = None
    if code_raw:
        checked = check_credit_code(code_raw)
        if checked.ok:
            code = checked.value
        else:
            errors["employer_credit_code"] = checked.message or _("The value is not valid.")
    region, region_error = check_place(posted.get("region_code", ""), outside=True)
    if region_error:
        errors["region_code"] = region_error
    explanation = _text(posted, "explanation", 1000, errors)
    if not explanation and "explanation" not in errors:
        errors["explanation"] = _("Explain the out-of-province employment (where, with whom, why).")
    if errors:
        raise FormRefused(errors)
    keys: list[str] = []
    try:
        row = OutOfProvinceApplication(graduate_id=graduate.id, employer_name=name, employer_credit_code=code,
                                       region_code=region, explanation=explanation, status=OUT_OF_PROVINCE.initial,
                                       version=1, created_at=utcnow(), submitted_at=utcnow())
        db.session.add(row)
        db.session.flush()
        evidence, keys = _store_files(graduate, files, actor)
        db.session.add_all([OutOfProvinceEvidence(application_id=row.id, evidence_id=e.id) for e in evidence])
        audit.record("out_of_province.applied", "out_of_province", row.id, graduate=graduate.id, employer=name,
                     credit_code=code, region=region, evidence=[e.id for e in evidence])
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        for key in keys:
            uploads.remove(key)
        raise FormRefused({"form": _("An application is already waiting for the school's review; withdraw it to "
                                     "apply again.")}) from None
    except BaseException:
        db.session.rollback()
        for key in keys:
            uploads.remove(key)
        raise
    return row


def withdraw(application: OutOfProvinceApplication, actor: Any) -> RecordResult:
    return fire(OUT_OF_PROVINCE, "withdraw", application.id, actor, expected_version=application.version)


# -- entered agreements (AGR-4) ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Field:
    key: str
    label: Any
    kind: str = "text"  # text, textarea, date, int, select, region
    max_length: int = 200


FIELDS = (
    Field("signed_on", _l("Signing date"), "date"),
    Field("position", _l("Position"), max_length=100),
    Field("job_category_id", _l("Job category"), "select"),
    Field("salary", _l("Salary"), max_length=60),
    Field("work_region_code", _l("Work location (GB/T 2260)"), "region", 6),
    Field("work_address", _l("Work address"), max_length=200),
    Field("start_on", _l("Start date"), "date"),
    Field("contract_years", _l("Contract term (years)"), "int"),
    Field("other_terms", _l("Other terms"), "textarea", 2000),
)
NUMBER_LABELS = {OFFLINE: _l("Number printed on the paper agreement"),
                 OUTSIDE: _l("Agreement number of the other province")}


def entries_of(graduate: Graduate) -> list[Agreement]:
    """The graduate's entered agreements, newest first."""
    return list(db.session.execute(select(Agreement).where(
        Agreement.graduate_id == graduate.id, Agreement.kind.in_(ENTRY_KINDS)).order_by(Agreement.id.desc())).scalars())


def current_number(graduate_id: int) -> Optional[AgreementNumber]:
    return db.session.execute(select(AgreementNumber).where(AgreementNumber.graduate_id == graduate_id,
                                                            AgreementNumber.state == ASSIGNED)).scalar()


def start_problem(graduate: Graduate, kind: str) -> Optional[str]:
    """Why an agreement of `kind` cannot be entered for the graduate now (AGR-4; on their behalf the same)."""
    if kind not in ENTRY_KINDS:
        return _("Unknown kind of agreement.")
    why = source_problem(graduate)
    if why:
        return why
    why = outside_entry_problem(graduate) if kind == OUTSIDE else offline_entry_problem(graduate)
    if why:
        return why
    live = _live(graduate.id)
    if live is not None:
        return _("The graduate already has a live agreement (%(state)s); it must end (or be terminated) before "
                 "another one is entered.", state=AGREEMENT.label(live.status))
    return closed_cohorts([graduate.cohort_id]).get(graduate.cohort_id)


def may_edit(agreement: Agreement, roles: frozenset[str]) -> bool:
    return agreement.kind in ENTRY_KINDS and agreement.status in EDITABLE and AGREEMENT.can_edit(agreement.status,
                                                                                                 roles)


def values_of(agreement: Optional[Agreement], graduate: Graduate, kind: str) -> dict[str, str]:
    """The form's values: the agreement's, or for a new one what is known (the current number, the approved
    application's employer and place)."""
    out: dict[str, str] = {}
    if agreement is not None:
        for f in FIELDS:
            value = getattr(agreement, f.key)
            out[f.key] = value.isoformat() if isinstance(value, datetime.date) else ("" if value is None else str(value))
        out["employer_id"] = str(agreement.employer_id or "")
        out["number"] = agreement.number_text
        return out
    out = {f.key: "" for f in FIELDS}
    if kind == OFFLINE:
        number = current_number(graduate.id)
        out["number"] = number.number if number else ""
    else:
        application = approved_application(graduate.id)
        if application is not None:
            out.update(new_employer_name=application.employer_name,
                       new_employer_credit_code=application.employer_credit_code or "",
                       work_region_code=application.region_code or "")
    return out


def _employer(posted: Mapping[str, Any], agreement: Optional[Agreement], kind: str, region: Optional[str],
              actor: Any, errors: dict[str, str]) -> Optional[int]:
    """The employer picked from the list, or the one named by the typed credit code, or a new one registered as
    pending (the school approves it, as on the destination form)."""
    raw = str(posted.get("employer_id", "") or "").strip()
    typed = normalise_text(posted.get("new_employer_name", "")) or normalise_text(posted.get("new_employer_credit_code",
                                                                                             ""))
    if raw and not typed:
        employer = db.session.get(Employer, int(raw)) if raw.isdigit() and len(raw) < 10 else None
        if employer is not None and employer.status == MERGED and employer.merged_into_id:
            employer = db.session.get(Employer, employer.merged_into_id)
        keeps = agreement is not None and employer is not None and employer.id == agreement.employer_id
        if employer is None or (employer.status != APPROVED and not keeps):
            errors["employer_id"] = _("Choose an employer from the list, or register it below.")
            return None
        return employer.id
    name = _text(posted, "new_employer_name", 200, errors)
    code_raw = normalise_text(posted.get("new_employer_credit_code", ""))
    if not name and not code_raw:
        if agreement is not None:
            return agreement.employer_id
        errors["employer_id"] = _("Choose the employer of the agreement, or register it below.")
        return None
    code = None
    if code_raw:
        checked = check_credit_code(code_raw)
        if not checked.ok:
            errors["new_employer_credit_code"] = checked.message or _("The value is not valid.")
            return None
        code = checked.value
    elif kind == OFFLINE:
        errors["new_employer_credit_code"] = _("Enter the employer's unified social credit code.")
        return None
    if code:
        existing = db.session.execute(select(Employer).where(Employer.credit_code == code)).scalar()
        if existing is not None:
            if existing.status == REFUSED:
                errors["new_employer_credit_code"] = _("The school refused the registration of the employer with "
                                                       "this credit code; check the code or ask the school.")
                return None
            return existing.id
    if not name:
        errors["new_employer_name"] = _("Enter the name of the employer.")
        return None
    if "new_employer_name" in errors:
        return None
    employer = Employer(name=name, credit_code=code, region_code=region, status=PENDING, created_at=utcnow())
    db.session.add(employer)
    db.session.flush()
    audit.record("employer.added_for_entered_agreement", "employer", employer.id, name=name, credit_code=code,
                 by=getattr(actor, "id", None))
    return employer.id


def _parse(posted: Mapping[str, Any], kind: str, errors: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in FIELDS:
        raw = normalise_text(posted.get(f.key, ""))
        if f.kind == "date":
            try:
                out[f.key] = datetime.date.fromisoformat(raw) if raw else None
            except ValueError:
                errors[f.key] = _("Enter a date as YYYY-MM-DD.")
                continue
            if f.key == "signed_on" and out[f.key] and out[f.key] > local_today():
                errors[f.key] = _("The signing date cannot be in the future.")
        elif f.kind == "int":
            if raw and (not raw.isdigit() or not 0 < int(raw) <= 20):
                errors[f.key] = _("Enter a whole number of years from 1 to 20.")
                continue
            out[f.key] = int(raw) if raw else None
        elif f.kind == "select":
            if raw and (not raw.isdigit() or len(raw) > 9 or db.session.get(JobCategory, int(raw)) is None):
                errors[f.key] = _("Choose from the list.")
                continue
            out[f.key] = int(raw) if raw else None
        elif f.kind == "region":
            if raw:
                out[f.key], message = check_place(raw, outside=kind == OUTSIDE)
                if message:
                    errors[f.key] = message
            else:
                out[f.key] = None
        else:
            if len(raw) > f.max_length:
                errors[f.key] = _("At most %(n)d characters.", n=f.max_length)
                continue
            out[f.key] = raw or None
    return out


def _number(graduate: Graduate, kind: str, posted: Mapping[str, Any], errors: dict[str, str]) -> dict[str, Any]:
    """An offline agreement carries the graduate's current number when the paper shows it, else the paper's own;
    an outside one the other province's number."""
    typed = normalise_text(posted.get("number", "")).upper()
    if len(typed) > 40:
        errors["number"] = _("At most %(n)d characters.", n=40)
        return {}
    if kind == OFFLINE:
        current = current_number(graduate.id)
        if current is not None and typed == current.number.upper():
            return {"number_id": current.id, "external_number": None}
    return {"number_id": None, "external_number": typed or None}


def save(graduate: Graduate, kind: str, posted: Mapping[str, Any], files: list[Incoming], actor: Any,
         roles: frozenset[str], agreement: Optional[Agreement] = None, by_school: bool = False) -> Agreement:
    """Create (first save, in state draft) or update an entered agreement; its scans attached. Commits, or stores
    nothing and raises FormRefused."""
    if agreement is None:
        why = start_problem(graduate, kind)
        if why:
            raise FormRefused({"form": why})
    else:
        kind = agreement.kind
        if not may_edit(agreement, roles):
            raise FormRefused({"form": _("This agreement is %(state)s and can no longer be changed.",
                                         state=AGREEMENT.label(agreement.status))})
        version = posted.get("version")
        if version is not None and str(version) != str(agreement.version):
            raise FormRefused({"form": _("Someone else changed this record since you opened it; reload and try "
                                         "again.")})
        closed = closed_cohorts([graduate.cohort_id]).get(graduate.cohort_id)
        if closed:
            raise FormRefused({"form": closed})
    errors: dict[str, str] = {}
    values = _parse(posted, kind, errors)
    values.update(_number(graduate, kind, posted, errors))
    if errors:
        db.session.rollback()
        raise FormRefused(errors)
    employer_id = _employer(posted, agreement, kind, values.get("work_region_code"), actor, errors)
    if errors:
        db.session.rollback()
        raise FormRefused(errors)
    keys: list[str] = []
    try:
        if agreement is None:
            agreement = Agreement(graduate_id=graduate.id, employer_id=employer_id, kind=kind, status=DRAFT,
                                  version=1, started_by=BY_SCHOOL if by_school else BY_GRADUATE,
                                  created_by_id=getattr(actor, "id", None), created_at=utcnow())
            db.session.add(agreement)
            db.session.flush()
            changes = {"kind": [None, kind]}
        else:
            changes = {}
        values["employer_id"] = employer_id
        for key, value in values.items():
            old = getattr(agreement, key)
            if old != value:
                changes[key] = [old.isoformat() if isinstance(old, datetime.date) else old,
                                value.isoformat() if isinstance(value, datetime.date) else value]
                setattr(agreement, key, value)
        agreement.updated_at = utcnow()
        removed = _detach(agreement, [int(i) for i in _getlist(posted, "remove_evidence") if str(i).isdigit()])
        evidence, keys = _store_files(graduate, files, actor,
                                      limit=max(0, uploads.MAX_FILES - len(agreement.evidence_links) + removed))
        for item in evidence:
            db.session.add(AgreementEvidence(agreement_id=agreement.id, evidence_id=item.id, kind=SCAN))
        audit.record("agreement.entry_saved", "agreement", agreement.id, graduate=graduate.id, changes=changes,
                     evidence=[e.id for e in evidence], by_school=by_school)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        for key in keys:
            uploads.remove(key)
        raise FormRefused({"form": _("The graduate already has a live agreement; it must end (or be terminated) "
                                     "before another one is entered.")}) from None
    except BaseException:
        db.session.rollback()
        for key in keys:
            uploads.remove(key)
        raise
    return agreement


def _getlist(posted: Mapping[str, Any], key: str) -> list[Any]:
    return posted.getlist(key) if hasattr(posted, "getlist") else list(posted.get(key, []) or [])


def _detach(agreement: Agreement, link_ids: list[int]) -> int:
    removed = 0
    for link in list(agreement.evidence_links):
        if link.id in link_ids:
            agreement.evidence_links.remove(link)
            db.session.delete(link)
            audit.record("agreement.evidence_removed", "agreement", agreement.id, evidence=link.evidence_id)
            removed += 1
    return removed


def submission_problems(agreement: Agreement) -> list[str]:
    """What the entry still lacks before it can be submitted (the workflow's own guard says the rest)."""
    from app.services.agreements import entry_problem
    from app.workflows.base import FireContext

    problems = []
    why = entry_problem(agreement, FireContext(actor=None, roles=frozenset()))
    if why:
        problems.append(str(why))
    if agreement.job_category_id is None:
        problems.append(_("Choose the job category."))
    if not agreement.work_region_code:
        problems.append(_("Enter the work location."))
    if not any(link.kind == SCAN for link in agreement.evidence_links):
        problems.append(_("Attach the scan (or a photo) of the signed agreement."))
    return problems


def submit(agreement: Agreement, actor: Any) -> RecordResult:
    """Send the entry to the school's review through the engine (its guards: plan open, the entry complete and, out
    of province, the application approved) — refused first when scans or terms are missing."""
    problems = submission_problems(agreement)
    if problems:
        return RecordResult(agreement.id, False, problems[0], agreement.status, agreement.status)
    return fire(AGREEMENT, "submit", agreement.id, actor, expected_version=agreement.version)


def cancel(agreement: Agreement, actor: Any) -> RecordResult:
    return fire(AGREEMENT, "cancel", agreement.id, actor, expected_version=agreement.version)


__all__ = ["ENTRY_KINDS", "FIELDS", "FormRefused", "KIND_TITLES", "NUMBER_LABELS", "application_problem",
           "applications_of", "apply_out_of_province", "cancel", "check_place", "current_number", "entries_of",
           "evidence_of", "may_edit", "save", "school_province", "start_problem", "submission_problems", "submit",
           "values_of", "withdraw"]
