"""AGR-7: an employer registers itself (a pending employer and its first account), corrects a refused registration
and asks again; the school's decision reaches the employer's accounts; an approved employer keeps several accounts.
Statuses change only through the EMPLOYER_REGISTRATION workflow; accounts are read through the scope rule."""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, fields
from typing import Any, Optional

from flask import current_app
from flask_appbuilder.security.sqla.models import Role
from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models.employer import APPROVED, MERGED, PENDING, REFUSED, Employer
from app.models.graduate import Graduate
from app.models.user import User
from app.scope import scope_clause
from app.security.passwords import one_time_password, policy_error
from app.security.roles import CENTRAL_ROLES, COLLEGE, EMPLOYER, SCHOOL, STUDENT, role_names
from app.services import audit
from app.services.accounts import hash_password
from app.services.notify import TEMPLATES, Message, notify
from app.timeutil import utcnow
from app.validation.i18n import N_
from app.workflows.base import FireContext

STATUS_LINK = "/employer/status/"
REVIEW_LINK = "/review/employer-registration/"
USERNAME = re.compile(r"^[A-Za-z][A-Za-z0-9_.@-]{3,31}$")
EMAIL_DOMAIN = "employers.gems.invalid"  # FAB wants a unique e-mail; the account holder may set a real one
TEMPLATES.update({
    "employer_registration.approve": N_("The school approved the registration of %(employer)s: your accounts may "
                                        "now invite graduates and sign agreements."),
    "employer_registration.refuse": N_("The school did not approve the registration of %(employer)s: %(remark)s "
                                       "Correct the data and ask for approval again."),
    "employer_registration.registered": N_("%(employer)s registered as an employer and awaits approval."),
    "employer_registration.resubmit": N_("%(employer)s corrected its registration and asks for approval again."),
})


@dataclass
class EmployerData:
    """What an employer states about itself (the registration form and its correction)."""

    name: str
    credit_code: str
    nature_id: Optional[int]
    industry_id: Optional[int]
    region_code: str
    address: str
    contact_name: str
    contact_mobile: str

    def values(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


class Refused(ValueError):
    """Nothing was written; `errors` maps a form field (or "" for the whole form) to its message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def credit_code_holder(code: str, except_id: Optional[int] = None) -> Optional[str]:
    """The name of the employer that already has this credit code (merged ones included: their code stays)."""
    stmt = select(Employer.name).where(Employer.credit_code == code)
    if except_id is not None:
        stmt = stmt.where(Employer.id != except_id)
    return db.session.execute(stmt.limit(1)).scalar()


def duplicate_message(holder: str) -> str:
    return _("An employer with this credit code is already registered (%(name)s). Ask a colleague who has an "
             "account, or the school's employment office, for an account instead of registering again.", name=holder)


def username_problem(username: str) -> Optional[str]:
    """Why this user name cannot be a new employer account, or None (student numbers stay free for students)."""
    if not USERNAME.match(username or ""):
        return _("The user name has 4 to 32 characters: a letter first, then letters, digits or . _ - @.")
    taken = db.session.execute(select(User.id).where(func.lower(User.username) == username.lower())).first()
    if taken or db.session.execute(select(Graduate.id).where(Graduate.student_no == username).limit(1)).first():
        return _("This user name is already taken; choose another one.")
    return None


def _new_account(employer: Employer, username: str, full_name: str, phone: Optional[str], password: str,
                 must_change: bool) -> User:
    user = User(username=username, first_name=full_name, last_name="", email=f"{username.lower()}@{EMAIL_DOMAIN}",
                active=True, phone=phone or None, password=hash_password(password), must_change_password=must_change,
                password_changed_at=utcnow(), roles=[current_app.appbuilder.sm.find_role(EMPLOYER)])
    user.employer_id = employer.id
    db.session.add(user)
    return user


def register(data: EmployerData, username: str, password: str) -> tuple[Employer, User]:
    """A pending, self-registered employer and its first (active) account; the school hears of it. Caller commits."""
    errors: dict[str, str] = {}
    holder = credit_code_holder(data.credit_code)
    if holder:
        errors["credit_code"] = duplicate_message(holder)
    for key, problem in (("username", username_problem(username)), ("password", policy_error(password))):
        if problem:
            errors[key] = problem
    if errors:
        raise Refused(errors)
    try:
        with db.session.begin_nested():
            employer = Employer(**data.values(), status=PENDING, self_registered=True, version=1,
                                created_at=utcnow(), updated_at=utcnow())
            db.session.add(employer)
            db.session.flush()
            user = _new_account(employer, username, data.contact_name, data.contact_mobile, password, False)
            db.session.flush()
    except IntegrityError:  # a registration of the same code or user name at the same moment won
        holder = credit_code_holder(data.credit_code)
        raise Refused({"credit_code": duplicate_message(holder)} if holder else {
            "username": _("This user name is already taken; choose another one.")}) from None
    audit.record("employer.registered", "employer", employer.id, name=employer.name,
                 credit_code=employer.credit_code, username=username)
    _tell_school("employer_registration.registered", [employer])
    return employer, user


def correct(employer_id: int, data: EmployerData, expected_version: Optional[int]) -> bool:
    """The employer corrects its own data while it awaits approval or was refused; False when someone else changed
    it meanwhile (or it was decided). Never touches the status: asking again is the workflow's resubmit."""
    holder = credit_code_holder(data.credit_code, except_id=employer_id)
    if holder:
        raise Refused({"credit_code": duplicate_message(holder)})
    clauses = [Employer.id == employer_id, Employer.status.in_((PENDING, REFUSED))]
    if expected_version is not None:
        clauses.append(Employer.version == expected_version)
    try:
        with db.session.begin_nested():
            changed = db.session.execute(update(Employer).where(*clauses).values(
                **data.values(), version=Employer.version + 1, updated_at=utcnow())
                .execution_options(synchronize_session=False)).rowcount
    except IntegrityError:
        raise Refused({"credit_code": duplicate_message(credit_code_holder(data.credit_code) or "")}) from None
    if changed:
        loaded = db.session.identity_map.get((Employer, (employer_id,), None))
        if loaded is not None:
            db.session.expire(loaded)
        audit.record("employer.corrected", "employer", employer_id, name=data.name, credit_code=data.credit_code)
    return bool(changed)


# -- who hears of a decision ----------------------------------------------------------------------------------


def _accounts_of_employers(employer_ids: list[int]) -> dict[int, list[int]]:
    out: dict[int, list[int]] = defaultdict(list)
    for user_id, employer_id in db.session.execute(select(User.id, User.employer_id).where(
            User.employer_id.in_(employer_ids), User.active.is_(True))):
        out[employer_id].append(user_id)
    return out


def _school_reviewers() -> list[int]:
    return list(db.session.execute(select(User.id).join(User.roles).where(
        Role.name == SCHOOL, User.active.is_(True)).order_by(User.id)).scalars())


def _tell_school(kind: str, employers: list[Any]) -> None:
    reviewers = _school_reviewers()
    notify([Message(user_id, kind, {"employer": e.name}, f"{REVIEW_LINK}{e.id}") for e in employers
            for user_id in reviewers])


def after_decision(trigger: str, ids: list[Any], ctx: FireContext) -> None:
    """The workflow's after_fire: approval and refusal (with its reason) reach every active account of the
    employer in-app; a resubmission reaches the school's reviewers."""
    rows = db.session.execute(select(Employer.id, Employer.name).where(Employer.id.in_(list(ids)))).all()
    if trigger == "resubmit":
        _tell_school("employer_registration.resubmit", rows)
        return
    if trigger not in ("approve", "refuse"):
        return
    accounts = _accounts_of_employers([r.id for r in rows])
    notify([Message(user_id, f"employer_registration.{trigger}", {"employer": r.name, "remark": ctx.remark},
                    STATUS_LINK) for r in rows for user_id in accounts.get(r.id, [])])


# -- the portal's gate and accounts ----------------------------------------------------------------------------


def is_employer_account(user: Any) -> bool:
    """An employer portal account (and nothing more: a staff account that also holds the role is staff)."""
    roles = role_names(user)
    return EMPLOYER in roles and not roles & (CENTRAL_ROLES | {COLLEGE, STUDENT})


def employer_of(user: Any) -> Optional[Employer]:
    """The employer an account belongs to, read through the scope rule."""
    employer_id = getattr(user, "employer_id", None)
    if not employer_id:
        return None
    return db.session.execute(select(Employer).where(Employer.id == employer_id, scope_clause(Employer, user))
                              ).scalar_one_or_none()


def approved_employer(user: Any) -> Optional[Employer]:
    """The account's employer when it is approved — what every other employer screen works for — else None."""
    employer = employer_of(user)
    return employer if employer is not None and employer.status == APPROVED else None


def accounts_of(employer_id: int, actor: Any) -> list[User]:
    return list(db.session.execute(select(User).where(User.employer_id == employer_id, scope_clause(User, actor))
                                   .order_by(User.username)).scalars())


def _may_manage(actor: Any, employer: Employer) -> Optional[str]:
    """Why `actor` may not manage the accounts of `employer`, or None."""
    if employer.status == MERGED:
        return _("A merged employer is kept only for history; add accounts to the employer it was merged into.")
    if role_names(actor) & CENTRAL_ROLES:
        return None
    if getattr(actor, "employer_id", None) != employer.id or EMPLOYER not in role_names(actor):
        return _("You may manage the accounts of your own employer only.")
    if employer.status != APPROVED:
        return _("Accounts can be added once the school has approved the registration.")
    return None


def add_account(actor: Any, employer: Employer, username: str, full_name: str, phone: Optional[str]
                ) -> tuple[User, str]:
    """A colleague's account with a one-time password, to be changed at first sign-in. Caller commits."""
    problem = _may_manage(actor, employer)
    if problem:
        raise Refused({"": problem})
    problem = username_problem(username)
    if problem:
        raise Refused({"username": problem})
    password = one_time_password()
    user = _new_account(employer, username, full_name, phone, password, True)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise Refused({"username": _("This user name is already taken; choose another one.")}) from None
    audit.record("employer.account_added", "employer", employer.id, name=employer.name, username=username)
    return user, password


def set_account_active(actor: Any, employer: Employer, user_id: int, active: bool) -> User:
    """Disable (sessions end at once) or re-enable an employer account; never one's own, never a staff account."""
    problem = _may_manage(actor, employer)
    target = db.session.execute(select(User).where(User.id == user_id, User.employer_id == employer.id,
                                                   scope_clause(User, actor))).scalar_one_or_none()
    if target is None:
        raise LookupError(user_id)
    if problem:
        raise Refused({"": problem})
    if target.id == getattr(actor, "id", None):
        raise Refused({"": _("You cannot disable your own account.")})
    if role_names(target) - {EMPLOYER}:
        raise Refused({"": _("This account also holds other roles; the administrator manages it.")})
    target.active = active
    return target


__all__ = ["EmployerData", "Refused", "accounts_of", "add_account", "after_decision", "approved_employer",
           "correct", "employer_of", "is_employer_account", "register", "set_account_active"]
