"""Online signing's forms (AGR-2): the offer's terms, the employer's invitation and the graduate's request, parsed and
checked here and created in their workflow's first state; every later status change is an engine step (fire_step)."""
from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any, Mapping, Optional
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models.agreement import BY_EMPLOYER, BY_GRADUATE, ONLINE, Agreement
from app.models.employer import APPROVED, REFUSED, Employer
from app.models.graduate import Graduate
from app.models.org import Cohort
from app.models.reference import JobCategory
from app.security.roles import EMPLOYER, role_names
from app.services import audit
from app.services.audit_text import FIELDS_BY_TYPE
from app.services.reference import check_division
from app.services.signing import signing_problem
from app.timeutil import utcnow
from app.validation.creditcode import check_credit_code
from app.validation.idcard import check_id_number, normalise_id
from app.workflows.agreement import AGREEMENT, INVITED, REQUESTED
from app.workflows.base import FireContext
from app.workflows.engine import RecordResult, WorkflowError, fire

ZONE = ZoneInfo("Asia/Shanghai")
MAX_EXPIRY_DAYS = 366


@dataclass(frozen=True)
class Field:
    key: str
    label: Any
    kind: str  # text, textarea, select, region, date, int
    max_length: int = 100
    required: bool = False


TERMS = (
    Field("position", _l("Position"), "text", 100, True),
    Field("job_category_id", _l("Job category"), "select", required=True),
    Field("salary", _l("Salary (e.g. 8000 yuan a month)"), "text", 60),
    Field("work_region_code", _l("Work location (6-digit division code)"), "region", 6, True),
    Field("work_address", _l("Work address"), "text", 200),
    Field("start_on", _l("Start date"), "date"),
    Field("contract_years", _l("Contract years"), "int"),
    Field("other_terms", _l("Other terms"), "textarea", 2000),
)
EXPIRY = Field("expires_on", _l("Answer by (the invitation expires at the end of this day)"), "date")
FIELDS_BY_TYPE.update({("agreement", f.key): f.label for f in TERMS})
FIELDS_BY_TYPE[("agreement", "expires_at")] = _l("Answer by")
YEARS = (1, 10)


class FormRefused(ValueError):
    """Nothing was stored: `errors` maps a field (or "form", "graduate", "employer") to its message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def live_message() -> str:
    """The one-live-agreement refusal, as app.services.agreements words it (also for the index's race)."""
    return _("The graduate already has a live agreement; it must end (or be terminated) before another one.")


def not_found_message() -> str:
    return _("No graduate who can be invited matches this name and ID number. Check both, exactly as on the "
             "graduate's ID card.")


# -- who may act -----------------------------------------------------------------------------------------------------

def employer_of(user: Any) -> Optional[Employer]:
    employer_id = getattr(user, "employer_id", None)
    return db.session.get(Employer, employer_id) if employer_id else None


def employer_problem(user: Any) -> Optional[str]:
    """Why this employer account may not invite or sign now (no employer, or one the school has not approved)."""
    employer = employer_of(user)
    if employer is None:
        return _("This account does not belong to an employer, so it cannot invite graduates or sign agreements.")
    if employer.status == APPROVED:
        return None
    if employer.status == REFUSED:
        return _("The school refused the registration of %(name)s (%(remark)s): it cannot invite graduates or sign "
                 "agreements.", name=employer.name, remark=employer.decision_remark or _("no reason given"))
    return _("The registration of %(name)s is awaiting the school's approval: you can invite graduates and sign "
             "agreements once the school has approved it.", name=employer.name)


# -- the terms --------------------------------------------------------------------------------------------------------

def _text(value: Any) -> str:
    return str(value).strip() if value is not None else ""


def local_day_end(day: datetime.date) -> datetime.datetime:
    """The last second of `day` in Asia/Shanghai, as the stored naive UTC time."""
    end = datetime.datetime.combine(day, datetime.time(23, 59, 59), tzinfo=ZONE)
    return end.astimezone(datetime.UTC).replace(tzinfo=None)


def local_date(value: Optional[datetime.datetime]) -> Optional[datetime.date]:
    return value.replace(tzinfo=datetime.UTC).astimezone(ZONE).date() if value else None


def default_expiry() -> datetime.datetime:
    return utcnow() + datetime.timedelta(days=int(current_app.config.get("GEMS_INVITATION_DAYS", 14)))


def _date(raw: str, errors: dict[str, str], key: str) -> Optional[datetime.date]:
    try:
        day = datetime.date.fromisoformat(raw)
    except ValueError:
        errors[key] = _("Enter a date as YYYY-MM-DD, e.g. 2026-07-01.")
        return None
    if not datetime.date(2000, 1, 1) <= day <= datetime.date(2100, 12, 31):
        errors[key] = _("Enter a date between 2000 and 2100.")
        return None
    return day


def _value(field: Field, raw: str, errors: dict[str, str], current: Any = None) -> Any:
    if not raw:
        if field.required:
            errors[field.key] = _("Please fill in %(field)s.", field=field.label)
        return None
    if field.kind in ("text", "textarea"):
        text = raw if field.kind == "textarea" else " ".join(raw.split())
        if len(text) > field.max_length:
            errors[field.key] = _("At most %(n)d characters.", n=field.max_length)
        return text
    if field.kind == "select":
        allowed = {str(c.id) for c in job_categories(current)}
        if raw not in allowed:
            errors[field.key] = _("Choose an entry from the list.")
            return None
        return int(raw)
    if field.kind == "region":
        check = check_division(raw)
        if not check.ok:
            errors[field.key] = check.message
            return None
        return check.value
    if field.kind == "date":
        return _date(raw, errors, field.key)
    if not raw.isdigit() or not YEARS[0] <= int(raw) <= YEARS[1]:
        errors[field.key] = _("Enter a whole number of years from %(low)d to %(high)d.", low=YEARS[0], high=YEARS[1])
        return None
    return int(raw)


def job_categories(current: Any = None) -> list[JobCategory]:
    from app.services.reference import choices

    return choices(JobCategory, current)


def parse_terms(posted: Mapping[str, Any], with_expiry: bool = False, current: Optional[Agreement] = None
                ) -> tuple[dict[str, str], dict[str, Any], dict[str, str]]:
    """(what was typed, the values to store, errors per field) for the offer's terms (and the answer-by day)."""
    typed = {f.key: _text(posted.get(f.key)) for f in TERMS}
    errors: dict[str, str] = {}
    values = {f.key: _value(f, typed[f.key], errors, current.job_category_id if current else None) for f in TERMS}
    if with_expiry:
        typed[EXPIRY.key] = _text(posted.get(EXPIRY.key))
        values["expires_at"] = _expiry(typed[EXPIRY.key], errors)
    return typed, values, errors


def _expiry(raw: str, errors: dict[str, str]) -> Optional[datetime.datetime]:
    if not raw:
        return default_expiry()
    day = _date(raw, errors, EXPIRY.key)
    if day is None:
        return None
    when, now = local_day_end(day), utcnow()
    if when <= now:
        errors[EXPIRY.key] = _("The answer-by day must be today or later.")
    elif when > now + datetime.timedelta(days=MAX_EXPIRY_DAYS):
        errors[EXPIRY.key] = _("The answer-by day must be within a year.")
    return when


def values_of(row: Optional[Agreement]) -> dict[str, str]:
    """The stored terms as form text (an edit form's starting values)."""
    if row is None:
        return {EXPIRY.key: local_date(default_expiry()).isoformat()}
    out = {f.key: "" if getattr(row, f.key) is None else str(getattr(row, f.key)) for f in TERMS}
    for key in ("start_on",):
        out[key] = row.start_on.isoformat() if row.start_on else ""
    out[EXPIRY.key] = local_date(row.expires_at).isoformat() if row.expires_at else ""
    return out


# -- finding the other party ---------------------------------------------------------------------------------------

def find_graduate(posted: Mapping[str, Any], errors: dict[str, str]) -> Optional[Graduate]:
    """The graduate whose name AND ID number both match exactly (the latest cohort's); one message whichever is
    wrong, so the form never tells who studies here."""
    name = " ".join(_text(posted.get("graduate_name")).split())
    number = normalise_id(posted.get("graduate_id_number"))
    if not name:
        errors["graduate_name"] = _("Please fill in %(field)s.", field=_("the graduate's name"))
    elif len(name) > 64:
        errors["graduate_name"] = _("At most %(n)d characters.", n=64)
    check = check_id_number(number)
    if not check.ok:
        errors["graduate_id_number"] = check.message
    if errors.get("graduate_name") or errors.get("graduate_id_number"):
        return None
    found = db.session.execute(
        select(Graduate).join(Cohort, Cohort.id == Graduate.cohort_id)
        .where(Graduate.name == name, Graduate.id_number == check.value, Graduate.included.is_(True))
        .order_by(Cohort.year.desc(), Graduate.id.desc()).limit(1)).scalar()
    if found is None:
        errors["graduate"] = not_found_message()
    return found


def find_employer(posted: Mapping[str, Any], user: Any, errors: dict[str, str]) -> Optional[Employer]:
    """The approved employer with this credit code, through the employer lookup a student's forms use."""
    from app.services.employers import lookup

    check = check_credit_code(posted.get("credit_code"))
    if not check.ok:
        errors["credit_code"] = check.message
        return None
    match = next((e for e in lookup(check.value, user) if e["credit_code"] == check.value), None)
    if match is None:
        errors["credit_code"] = _("No approved employer has this unified social credit code. Ask the employer to "
                                  "register in GEMS; the school approves registrations.")
        return None
    return db.session.get(Employer, match["id"])


def open_invitation(employer_id: int, graduate_id: int) -> Optional[int]:
    """The employer's unanswered, unexpired invitation to the graduate, if any."""
    return db.session.execute(select(Agreement.id).where(
        Agreement.employer_id == employer_id, Agreement.graduate_id == graduate_id, Agreement.status == INVITED,
        (Agreement.expires_at.is_(None)) | (Agreement.expires_at >= utcnow())).limit(1)).scalar()


def _plan_closed(graduate: Graduate) -> Optional[str]:
    from app.workflows.destination import closed_cohorts

    return closed_cohorts([graduate.cohort_id]).get(graduate.cohort_id)


def _notify(step: str, agreement_id: int, actor: Any) -> None:
    from app.services.agreement_notices import notify_agreement_step

    notify_agreement_step(step, [agreement_id], FireContext(actor=actor, roles=role_names(actor)))


def _new(graduate: Graduate, employer: Employer, values: dict[str, Any], actor: Any, status: str,
         started_by: str) -> Agreement:
    now = utcnow()
    row = Agreement(graduate_id=graduate.id, employer_id=employer.id, kind=ONLINE, started_by=started_by,
                    status=status, version=1, created_by_id=actor.id, created_at=now, updated_at=now, **values)
    db.session.add(row)
    db.session.flush()
    return row


# -- the two starts -------------------------------------------------------------------------------------------------

def invite(employer: Employer, posted: Mapping[str, Any], actor: Any) -> Agreement:
    """The employer's invitation (邀约): status invited, the graduate accepts or declines it. Commits."""
    _typed, values, errors = parse_terms(posted, with_expiry=True)
    graduate = find_graduate(posted, errors)
    if graduate is not None:
        problem = signing_problem(graduate) or _plan_closed(graduate)
        if problem:
            errors["graduate"] = problem
        elif open_invitation(employer.id, graduate.id):
            errors["graduate"] = _("%(employer)s already has an open invitation to this graduate: change its terms, "
                                   "or withdraw it before inviting again.", employer=employer.name)
    if errors:
        db.session.rollback()
        raise FormRefused(errors)
    row = _new(graduate, employer, values, actor, INVITED, BY_EMPLOYER)
    audit.record("agreement.invite", "agreement", row.id, employer=employer.id, graduate=graduate.id)
    _notify("invite", row.id, actor)
    db.session.commit()
    return row


def request(graduate: Graduate, posted: Mapping[str, Any], actor: Any) -> Agreement:
    """The graduate's own start (发起签约): status requested, the employer confirms or refuses it. Commits."""
    from app.services.agreements import other_live_agreement

    problem = signing_problem(graduate) or other_live_agreement(Agreement(graduate_id=graduate.id)) \
        or _plan_closed(graduate)
    if problem:
        db.session.rollback()
        raise FormRefused({"form": problem})
    _typed, values, errors = parse_terms(posted)
    employer = find_employer(posted, actor, errors)
    if errors:
        db.session.rollback()
        raise FormRefused(errors)
    try:
        row = _new(graduate, employer, values, actor, REQUESTED, BY_GRADUATE)
    except IntegrityError as exc:  # another live agreement committed meanwhile: the partial unique index says no
        db.session.rollback()
        if not _one_live(exc):
            raise
        raise FormRefused({"form": live_message()}) from None
    audit.record("agreement.request", "agreement", row.id, employer=employer.id, graduate=graduate.id)
    _notify("request", row.id, actor)
    db.session.commit()
    return row


def _stored(value: Any) -> Any:
    return value.isoformat() if isinstance(value, (datetime.date, datetime.datetime)) else value


def edit_problem(row: Agreement, user: Any) -> Optional[str]:
    """Why `user` may not change the terms now (the workflow's editable states decide), or None."""
    if not AGREEMENT.can_edit(row.status, role_names(user)):
        return _("The terms can no longer be changed: the agreement is %(state)s.", state=AGREEMENT.label(row.status))
    if row.status == INVITED and row.expires_at is not None and row.expires_at < utcnow():
        return _("The invitation has expired; ask the employer for a new one.")
    return None


def edit(row: Agreement, posted: Mapping[str, Any], actor: Any, version: Optional[int]) -> int:
    """Change the terms where the workflow lets this role edit; bumps the version, so an answer given to the old
    terms is refused as a concurrent change. Returns the number of changed fields. Commits."""
    problem = edit_problem(row, actor)
    if problem:
        raise FormRefused({"form": problem})
    with_expiry = row.status == INVITED and EMPLOYER in role_names(actor)
    _typed, values, errors = parse_terms(posted, with_expiry=with_expiry, current=row)
    if errors:
        raise FormRefused(errors)
    if with_expiry and local_date(row.expires_at) == local_date(values["expires_at"]):
        values["expires_at"] = row.expires_at  # the same answer-by day: not a change
    changes = {k: [_stored(getattr(row, k)), _stored(v)] for k, v in values.items() if getattr(row, k) != v}
    if not changes:
        return 0
    expected = row.version if version is None else version
    done = db.session.execute(update(Agreement).where(
        Agreement.id == row.id, Agreement.status == row.status, Agreement.version == expected)
        .values(**values, version=expected + 1, updated_at=utcnow()).execution_options(synchronize_session=False))
    if done.rowcount != 1:
        db.session.rollback()
        raise FormRefused({"form": _("Someone else changed this record since you opened it; reload and try again.")})
    audit.record("agreement.edit", "agreement", row.id, changes=changes)
    _notify("edited_by_employer" if EMPLOYER in role_names(actor) else "edited_by_graduate", row.id, actor)
    db.session.commit()
    db.session.expire(row)
    return len(changes)


# -- every later step -----------------------------------------------------------------------------------------------

def _one_live(exc: IntegrityError) -> bool:
    text = str(exc.orig)
    return "uq_agreement_one_live" in text or "agreement.graduate_id" in text


def fire_step(trigger: str, agreement_id: int, actor: Any, remark: str = "",
              version: Optional[int] = None) -> RecordResult:
    """One party's step through the engine; a race the one-live index settles reads as the guard's refusal."""
    try:
        return fire(AGREEMENT, trigger, agreement_id, actor, remark, expected_version=version)
    except WorkflowError as refused:
        db.session.rollback()
        return RecordResult(agreement_id, False, str(refused))
    except IntegrityError as exc:
        db.session.rollback()
        if not _one_live(exc):
            raise
        return RecordResult(agreement_id, False, live_message())


__all__ = ["EXPIRY", "TERMS", "FormRefused", "edit", "edit_problem", "employer_of", "employer_problem",
           "find_employer", "find_graduate", "fire_step", "invite", "job_categories", "live_message",
           "open_invitation", "parse_terms", "request", "values_of"]
