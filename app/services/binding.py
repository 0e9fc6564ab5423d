"""SRC-1: bind a student's account to their registry record by what only they know, and pre-fill the form."""
from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import and_, exists, func, select

from app.extensions import db
from app.models.audit import AuditLog
from app.models.graduate import Graduate
from app.models.registry import RegistryRecord
from app.services import audit, source_form
from app.timeutil import utcnow
from app.validation import check_education_level, check_id_number, check_mobile
from app.validation.idcard import normalise_id
from app.validation.result import normalise_text

FAILED = "student.bind_failed"
DEFAULT_LIMIT = 10  # failed lookups per account per hour (GEMS_BIND_ATTEMPTS_PER_HOUR)


@dataclass
class BindResult:
    """What happened: bound, refused with per-input problems, or a lookup that did not agree (and on what)."""

    ok: bool = False
    input_errors: dict[str, str] = field(default_factory=dict)
    mismatched: list[str] = field(default_factory=list)  # translated labels of the entered items that differ
    message: str = ""
    prefilled: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class BindInput:
    """The five things the student types on the binding page."""

    name: str
    id_number: str
    education_level: str
    graduation_year: str
    mobile: str


def attempt_limit() -> int:
    return int(current_app.config.get("GEMS_BIND_ATTEMPTS_PER_HOUR", DEFAULT_LIMIT))


def attempts_left(user: Any) -> int:
    """How many failed lookups this account may still make this hour (a counter over the audit log)."""
    limit = attempt_limit()
    since = utcnow() - datetime.timedelta(hours=1)
    used = db.session.execute(select(func.count()).select_from(AuditLog).where(
        AuditLog.actor_id == user.id, AuditLog.actor_name == user.username, AuditLog.action == FAILED,
        AuditLog.at > since)).scalar_one()
    return max(limit - used, 0)


def _validate(data: BindInput) -> tuple[dict[str, str], dict[str, Any]]:
    """Check the inputs themselves (ID checksum, mobile, a year) before looking anything up."""
    errors: dict[str, str] = {}
    clean: dict[str, Any] = {"name": normalise_text(data.name)}
    if not clean["name"]:
        errors["name"] = _("Please fill in %(field)s.", field=_("Full name"))
    id_check = check_id_number(data.id_number)
    if id_check.ok:
        clean["id_number"] = id_check.value
    else:
        errors["id_number"] = id_check.message or ""
    level = check_education_level(data.education_level)
    if level.ok:
        clean["education_level"] = level.code
    else:
        errors["education_level"] = level.message or ""
    year = normalise_text(data.graduation_year)
    if year.isdigit() and 2000 <= int(year) <= utcnow().year + 10:
        clean["graduation_year"] = int(year)
    else:
        errors["graduation_year"] = _("Enter the graduation year as four digits, e.g. %(year)d.", year=utcnow().year)
    mobile = check_mobile(data.mobile)
    if mobile.ok:
        clean["mobile"] = mobile.value
    else:
        errors["mobile"] = mobile.message or ""
    return errors, clean


def _actor(user: Any) -> tuple[int, str, str]:
    """The binding student as the audit actor (the hourly limit counts their failures by account)."""
    return user.id, user.username, audit.current_actor()[2]


def _linked_elsewhere(record_id: int, graduate_id: int) -> bool:
    return bool(db.session.execute(select(exists().where(
        Graduate.registry_record_id == record_id, Graduate.id != graduate_id))).scalar())


def find_record(graduate: Graduate, id_number: str) -> tuple[RegistryRecord | None, str]:
    """The registry record for this graduate and how it was found: own, student_no, id_number, taken or none."""
    if graduate.registry_record is not None:
        return graduate.registry_record, "own"
    record = db.session.execute(select(RegistryRecord).where(
        RegistryRecord.cohort_id == graduate.cohort_id, RegistryRecord.student_no == graduate.student_no)).scalar()
    if record is not None:
        return (None, "taken") if _linked_elsewhere(record.id, graduate.id) else (record, "student_no")
    unlinked = ~exists().where(and_(Graduate.registry_record_id == RegistryRecord.id, Graduate.id != graduate.id))
    record = db.session.execute(select(RegistryRecord).where(
        RegistryRecord.cohort_id == graduate.cohort_id, RegistryRecord.id_number == id_number, unlinked)).scalar()
    return (record, "id_number") if record is not None else (None, "none")


def _differences(record: RegistryRecord, graduate: Graduate, clean: dict[str, Any]) -> list[str]:
    """Labels of the entered items that disagree with the record."""
    wrong = []
    if normalise_text(record.name) != clean["name"]:
        wrong.append(_("Full name"))
    if normalise_id(record.id_number) != clean["id_number"]:
        wrong.append(_("ID number"))
    if (record.education_level or "") != clean["education_level"]:
        wrong.append(_("Education level"))
    year = record.graduation_date.year if record.graduation_date else graduate.cohort.year
    if year != clean["graduation_year"]:
        wrong.append(_("Graduation year"))
    return wrong


def bind(user: Any, graduate: Graduate, data: BindInput) -> BindResult:
    """Bind on full agreement, else explain; failures are audited and count against the hourly limit."""
    errors, clean = _validate(data)
    if errors:
        return BindResult(input_errors=errors)
    if attempts_left(user) <= 0:
        return BindResult(message=_("Too many binding attempts. Please wait an hour and try again, or ask your "
                                    "college's employment officer for help."))
    record, how = find_record(graduate, clean["id_number"])
    wrong = _differences(record, graduate, clean) if record is not None else []
    if record is None or wrong:
        audit.record(FAILED, "graduate", graduate.id, actor=_actor(user), how=how, mismatched=len(wrong))
        db.session.commit()
        if how == "taken":
            return BindResult(message=_("The registry record for your student number is already bound to another "
                                        "graduate. Please contact your college's employment officer."))
        if record is None or how == "id_number":
            # a record found only by the typed ID may be someone else's: say nothing about its contents
            return BindResult(message=_("No record in the school's registry matches what you entered."))
        return BindResult(mismatched=wrong, message=_(
            "These items do not agree with the school's registry for you: %(items)s.", items="、".join(wrong)))
    graduate.registry_record_id = record.id
    graduate.bound_at = utcnow()
    changes = source_form.prefill_from_registry(graduate, record)
    changes.update(source_form.apply(graduate, {"mobile": clean["mobile"]}))
    graduate.updated_at = utcnow()
    audit.record("student.bound", "graduate", graduate.id, actor=_actor(user), registry_record_id=record.id, how=how)
    if changes:
        audit.record("graduate.form_saved", "graduate", graduate.id, actor=_actor(user), changes=changes,
                     source="binding")
    db.session.commit()
    return BindResult(ok=True, prefilled=sorted(changes))
