"""REG-3 rules for a supplementary report (补报): normalise on save, list what blocks submission, create the graduate."""
from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models.graduate import Graduate
from app.models.supplementary import SupplementaryReport
from app.scope import department_subtree
from app.services import audit
from app.timeutil import utcnow
from app.validation import (
    check_education_level,
    check_ethnicity,
    check_gender,
    check_id_number,
    check_origin,
    check_political_status,
    check_schooling_length,
    check_training_mode,
)
from app.validation.result import Check
from app.workflows.base import FireContext, Workflow
from app.workflows.supplementary import SUBMITTED, SUPPLEMENTARY

LABELS: dict[str, Any] = {
    "cohort": _l("Cohort"),
    "department": _l("College"),
    "major": _l("Major"),
    "student_no": _l("Student number"),
    "name": _l("Full name"),
    "id_number": _l("ID number"),
    "birth_date": _l("Date of birth"),
    "gender": _l("Gender"),
    "ethnicity": _l("Ethnicity"),
    "political_status": _l("Political status"),
    "education_level": _l("Education level"),
    "schooling_length": _l("Length of schooling"),
    "training_mode": _l("Training mode"),
    "origin": _l("Place of origin"),
    "exam_no": _l("College entrance exam number"),
    "enrolment_date": _l("Enrolment date"),
    "graduation_date": _l("Graduation date"),
    "reason": _l("Reason for the supplementary report"),
    "qualification_name": _l("Qualification or professional title"),
    "qualification_level": _l("Qualification level"),
    "qualification_issuer": _l("Issuing authority"),
    "qualification_date": _l("Date obtained"),
    "status": _l("Status"),
    "submitted_at": _l("Submitted at"),
    "created_at": _l("Created at"),
    "graduate": _l("Roster entry"),
}
REQUIRED = ("cohort_id", "department_id", "major_id", "student_no", "name", "id_number", "education_level",
            "origin", "reason")
QUALIFICATION = ("qualification_name", "qualification_level", "qualification_issuer", "qualification_date")
TEXT_FIELDS = ("student_no", "name", "id_number", "gender", "ethnicity", "political_status", "education_level",
               "schooling_length", "training_mode", "origin", "exam_no", "reason", "qualification_name",
               "qualification_level", "qualification_issuer")
CODED: dict[str, Callable[[object], Check]] = {
    "gender": check_gender,
    "ethnicity": check_ethnicity,
    "political_status": check_political_status,
    "education_level": check_education_level,
    "schooling_length": check_schooling_length,
    "training_mode": check_training_mode,
}
# the report's fields that the new roster row takes over unchanged
COPIED_TO_GRADUATE = ("cohort_id", "department_id", "major_id", "student_no", "name", "id_number", "gender",
                      "birth_date", "ethnicity", "political_status", "education_level", "schooling_length",
                      "training_mode", "origin", "origin_code", "exam_no", "enrolment_date", "graduation_date")


def _label(column: str) -> str:
    return str(LABELS.get(column.removesuffix("_id"), column))


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def normalise(report: SupplementaryReport) -> list[str]:
    """Tidy a report before it is saved: 15→18 ID, birth date and gender from the ID when empty, canonical codes.

    Returns notes for the user about what was filled in or changed; problems are left to report_problems.
    """
    notes: list[str] = []
    for column in TEXT_FIELDS:
        value = getattr(report, column)
        if isinstance(value, str):
            value = value.strip() or None
        setattr(report, column, value)
    if report.reason is None:
        report.reason = ""  # NOT NULL column; an empty reason is reported as missing
    id_check = check_id_number(report.id_number) if report.id_number else None
    if id_check is not None and id_check.value:
        if id_check.ok and id_check.value != report.id_number and len(report.id_number or "") == 15:
            notes.append(_("The 15-digit ID number was upgraded to 18 digits: %(number)s.", number=id_check.value))
        report.id_number = id_check.value
    if id_check is not None and id_check.ok:
        if report.birth_date is None:
            report.birth_date = id_check.birth_date
            notes.append(_("Date of birth taken from the ID number: %(date)s.", date=id_check.birth_date.isoformat()))
        if report.gender is None:
            report.gender = id_check.gender
    for column, check in CODED.items():
        value = getattr(report, column)
        if value is not None:
            result = check(value)
            if result.ok:
                setattr(report, column, result.code)
    if report.origin:
        origin = check_origin(report.origin)
        report.origin_code = origin.code if origin.ok else None
        if origin.ok:
            report.origin = origin.value
    else:
        report.origin_code = None
    return notes


def report_problems(report: SupplementaryReport) -> list[str]:
    """Everything that stops this report from being submitted, each as one clear message (REG-3, seed 004 §7.5)."""
    problems: list[str] = []
    for column in REQUIRED:
        relation = column.removesuffix("_id")
        if _blank(getattr(report, column)) and (relation == column or getattr(report, relation) is None):
            problems.append(_("%(field)s is required.", field=_label(column)))

    id_check = check_id_number(report.id_number) if not _blank(report.id_number) else None
    if id_check is not None and not id_check.ok:
        problems.append(id_check.message or _("The ID number is not valid."))
    if id_check is not None and id_check.ok:
        problems.extend(_agreement_with_id(report, id_check))

    problems.extend(_coded_problems(report))
    if not _blank(report.origin):
        origin = check_origin(report.origin)
        if not origin.ok:
            problems.append(origin.message or _("The place of origin is not valid."))
        elif origin.value != report.origin:
            problems.append(_("Write the place of origin as “%(origin)s”.", origin=origin.value))

    filled = [column for column in QUALIFICATION if not _blank(getattr(report, column))]
    if filled and len(filled) < len(QUALIFICATION):
        missing = "、".join(_label(column) for column in QUALIFICATION if column not in filled)
        problems.append(_("The qualification block is all or nothing: also fill in %(fields)s, or clear it.",
                          fields=missing))

    if report.enrolment_date and report.graduation_date and report.graduation_date <= report.enrolment_date:
        problems.append(_("The graduation date must be after the enrolment date."))
    if report.major is not None and report.department_id is not None \
            and report.major.department_id not in department_subtree(report.department_id):
        problems.append(_("The major %(major)s does not belong to the selected college.", major=report.major.name))

    number = id_check.value if id_check is not None and id_check.ok else report.id_number
    problems.extend(_duplicates(report, number))
    return problems


def _agreement_with_id(report: SupplementaryReport, id_check: Check) -> list[str]:
    """Birth date and gender, when filled in, must be the ones the ID number encodes."""
    problems = []
    if report.birth_date is not None and report.birth_date != id_check.birth_date:
        problems.append(_("The date of birth %(date)s does not agree with the ID number (%(expected)s).",
                          date=report.birth_date.isoformat(), expected=id_check.birth_date.isoformat()))
    gender = check_gender(report.gender) if not _blank(report.gender) else None
    if gender is not None and gender.ok and gender.code != id_check.gender:
        problems.append(_("The gender does not agree with the ID number."))
    return problems


def _coded_problems(report: SupplementaryReport) -> list[str]:
    problems = []
    for column, check in CODED.items():
        value = getattr(report, column)
        if _blank(value):
            continue
        result = check(value)
        if not result.ok:
            problems.append(result.message or _("%(field)s is not valid.", field=_label(column)))
    return problems


def _duplicates(report: SupplementaryReport, id_number: str | None) -> list[str]:
    """Student number and ID number must be new to the cohort's roster and to every other submitted report."""
    if report.cohort_id is None:
        return []
    problems = []
    keys = [("student_no", report.student_no), ("id_number", id_number)]
    for column, value in keys:
        if _blank(value):
            continue
        in_roster = select(Graduate.id).where(Graduate.cohort_id == report.cohort_id,
                                              getattr(Graduate, column) == value)
        if report.graduate_id is not None:
            in_roster = in_roster.where(Graduate.id != report.graduate_id)
        other = select(SupplementaryReport.id).where(
            SupplementaryReport.cohort_id == report.cohort_id, SupplementaryReport.status == SUBMITTED,
            getattr(SupplementaryReport, column) == value,
        )
        if report.id is not None:
            other = other.where(SupplementaryReport.id != report.id)
        field = _label(column)
        if db.session.execute(in_roster.limit(1)).first():
            problems.append(_("%(field)s %(value)s is already in this cohort's roster.", field=field,
                              value=_shown(column, value)))
        elif db.session.execute(other.limit(1)).first():
            problems.append(_("%(field)s %(value)s is already in another submitted supplementary report.",
                              field=field, value=_shown(column, value)))
    return problems


def _shown(column: str, value: str) -> str:
    """ID numbers in messages follow X-3 like everywhere else."""
    from app.security.pii import show_id

    return show_id(value) if column == "id_number" else value


def _graduate_from(report: SupplementaryReport, now: datetime.datetime) -> Graduate:
    """The roster row a submitted report adds: included, at the college's review, marked as added by a reviewer."""
    values = {column: getattr(report, column) for column in COPIED_TO_GRADUATE}
    return Graduate(**values, student_category="mainland", included=True, status="secondary", version=1,
                    added_by_reviewer=True, submitted_at=now, updated_at=now)


def _create_graduates(workflow: Workflow, trigger: str, done_ids: list[Any], ctx: FireContext) -> None:
    """After a report is submitted (same transaction): add its graduate at 二级待审 and link it, audited."""
    if trigger != "submit":
        return
    now = utcnow()
    reports = db.session.execute(
        select(SupplementaryReport).where(SupplementaryReport.id.in_(done_ids)).order_by(SupplementaryReport.id)
    ).scalars().all()
    for report in reports:
        for column in ("student_no", "id_number"):
            value = getattr(report, column)
            clash = db.session.execute(select(Graduate.id).where(
                Graduate.cohort_id == report.cohort_id, getattr(Graduate, column) == value).limit(1)).first()
            if clash:  # two reports for one student in the same batch: the whole batch is refused, nothing written
                raise ValueError(_("%(field)s %(value)s is already in this cohort's roster.",
                                   field=_label(column), value=_shown(column, value)))
        graduate = _graduate_from(report, now)
        try:
            with db.session.begin_nested():  # a concurrent submit can still win the race: the unique keys decide
                db.session.add(graduate)
                db.session.flush()
        except IntegrityError as exc:
            raise ValueError(_("The student number or ID number is already in this cohort's roster (another "
                               "report or import added it just now); nothing was submitted.")) from exc
        report.graduate_id = graduate.id
        audit.record("graduate.added_by_supplementary_report", "graduate", graduate.id, report=report.id,
                     cohort=report.cohort_id, student_no=report.student_no, status=graduate.status)
    db.session.flush()


def register() -> None:
    """Idempotent: the submit hook is added once per process."""
    if _create_graduates not in SUPPLEMENTARY.after_fire:
        SUPPLEMENTARY.after_fire.append(_create_graduates)


register()
