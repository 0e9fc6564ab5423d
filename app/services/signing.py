"""Who may sign where (AGR-1, AGR-4, APV-1, APV-4): the checks online signing and entered agreements ask, and the
in-province lock an approved out-of-province application sets. A graduate without a SigningStatus row signs online
with nothing locked, except directed and entrusted graduates, whose signing stays locked until the school restores it.
The school's signing settings (offline mode, the lock, APV-4's restore) are set-based, audited and told in-app."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Optional

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, false, func, or_, select, true, update
from sqlalchemy.orm.util import identity_key

from app.extensions import db
from app.models.agreement import (
    LIVE_STATES,
    ONLINE,
    OUTSIDE,
    SIGN_BLANK,
    SIGN_DIRECTED,
    SIGN_ONLINE,
    SIGNING_MODES,
    Agreement,
    AgreementNumber,
    OutOfProvinceApplication,
    SigningStatus,
)
from app.models.graduate import Graduate
from app.scope import scope_clause, subtree_ids
from app.services import audit
from app.services.audit_text import ACTIONS as AUDIT_TEXTS
from app.services.notify import TEMPLATES, Message, notify
from app.timeutil import utcnow
from app.validation.codes import TRAINING_WITH_UNIT
from app.validation.i18n import N_
from app.workflows.base import FireContext

CHUNK = 2000
APPROVED = "approved"
STUDENT_LINK = "/student/out-of-province/"


def status_of(graduate_id: int) -> SigningStatus:
    """The graduate's signing settings (a transient default row when none is stored)."""
    return db.session.get(SigningStatus, graduate_id) or SigningStatus(graduate_id=graduate_id, mode=SIGN_ONLINE,
                                                                       in_province_locked=False,
                                                                       signing_restored=False)


def directed_locked(graduate: Graduate, status: SigningStatus) -> bool:
    """APV-4: directed and entrusted graduates start with signing locked, until the school restores it."""
    return graduate.training_mode in TRAINING_WITH_UNIT and not status.signing_restored


def source_problem(graduate: Graduate) -> Optional[str]:
    """Seed 001: no agreement or application of any kind before the school has approved the source information."""
    from app.workflows.source_info import COMPLETE

    if graduate.status != COMPLETE:
        return _("The source information is not complete yet: no agreement can be requested before the school has "
                 "approved it (未实名认证前，不可进行协议申请和违约申请操作).")
    return None


def signing_problem(graduate: Graduate, agreement: Any = None) -> Optional[str]:
    """Why the graduate may not take part in online signing now, or None."""
    why = source_problem(graduate)
    if why:
        return why
    if agreement is not None and getattr(agreement, "kind", ONLINE) != ONLINE:
        return None
    status = status_of(graduate.id)
    if status.mode != SIGN_ONLINE:
        return _("The school has set this graduate to offline signing (%(mode)s): online signing is closed.",
                 mode=str(SIGNING_MODES.get(status.mode, status.mode)))
    if status.in_province_locked:
        return _("In-province signing is locked: the graduate's out-of-province employment was approved, or the "
                 "school locked it. Only the school can restore it.")
    if directed_locked(graduate, status):
        return _("Directed and entrusted graduates cannot sign until the school restores their signing.")
    has_number = db.session.execute(select(AgreementNumber.id).where(
        AgreementNumber.graduate_id == graduate.id, AgreementNumber.state == "assigned")).scalar()
    if has_number is None:
        return _("The graduate has no agreement number yet: the school assigns one before online signing.")
    return None


def approved_application(graduate_id: int) -> Optional[OutOfProvinceApplication]:
    """The graduate's latest approved out-of-province application, if any."""
    return db.session.execute(select(OutOfProvinceApplication).where(
        OutOfProvinceApplication.graduate_id == graduate_id, OutOfProvinceApplication.status == APPROVED)
        .order_by(OutOfProvinceApplication.id.desc()).limit(1)).scalar()


def outside_entry_problem(graduate: Graduate) -> Optional[str]:
    """AGR-4: an out-of-province agreement is entered (by the graduate or on their behalf) only after approval, and
    only while in-province signing stays locked (the school restoring it sends the graduate back in-province)."""
    if approved_application(graduate.id) is None:
        return _("The out-of-province employment application has not been approved yet: the out-of-province "
                 "agreement can be entered only after the school approves it.")
    if not status_of(graduate.id).in_province_locked:
        return _("The school restored in-province signing after the out-of-province approval: the out-of-province "
                 "agreement can no longer be entered. Apply for out-of-province employment again if needed.")
    return None


def offline_entry_problem(graduate: Graduate) -> Optional[str]:
    """An offline (in-province, paper) agreement: not while in-province signing is locked, nor for a directed or
    entrusted graduate whose signing is still locked — unless the school set them to directed offline signing."""
    status = status_of(graduate.id)
    if status.in_province_locked:
        return _("In-province signing is locked (out-of-province employment): enter the out-of-province agreement "
                 "instead, or ask the school to restore in-province signing.")
    if directed_locked(graduate, status) and status.mode != SIGN_DIRECTED:
        return _("Directed and entrusted graduates cannot sign until the school restores their signing.")
    return None


# -- writing the settings -----------------------------------------------------------------------------------------

def _chunks(items: list[Any]) -> Iterable[list[Any]]:
    for start in range(0, len(items), CHUNK):
        yield items[start:start + CHUNK]


def _insert_missing(rows: list[dict[str, Any]]) -> None:
    """Default rows for graduates without one; a concurrent insert of the same graduate is not an error."""
    if not rows:
        return
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    db.session.execute(insert(SigningStatus).on_conflict_do_nothing(index_elements=["graduate_id"]), rows)


def set_status(graduate_ids: list[int], actor: Any, **values: Any) -> None:
    """Write signing settings for graduates (creating rows as needed), set-based, in the caller's transaction."""
    who = getattr(actor, "display_name", None) or getattr(actor, "username", None)
    now = utcnow()
    for chunk in _chunks(list(dict.fromkeys(graduate_ids))):
        stored = set(db.session.execute(select(SigningStatus.graduate_id).where(
            SigningStatus.graduate_id.in_(chunk))).scalars())
        _insert_missing([{"graduate_id": g, "mode": SIGN_ONLINE, "in_province_locked": False,
                          "signing_restored": False, "updated_at": now, "updated_by": who}
                         for g in chunk if g not in stored])
        db.session.execute(update(SigningStatus).where(SigningStatus.graduate_id.in_(chunk))
                           .values(**values, updated_at=now, updated_by=who)
                           .execution_options(synchronize_session=False))
    for graduate_id in graduate_ids:
        row = db.session.identity_map.get(identity_key(SigningStatus, graduate_id))
        if row is not None:
            db.session.expire(row)


def lock_for_applications(ids: list[int], ctx: FireContext) -> None:
    """An approved out-of-province application locks its graduate's in-province signing (APV-1)."""
    graduates = list(db.session.execute(select(OutOfProvinceApplication.graduate_id).where(
        OutOfProvinceApplication.id.in_(ids))).scalars())
    set_status(graduates, ctx.actor, in_province_locked=True)
    audit.record_many([audit.Entry("signing.locked_by_approval", "graduate", str(g), {}) for g in graduates])


# the school's actions on the signing settings screen: key -> (label, the values it writes)
ACTIONS: dict[str, tuple[Any, dict[str, Any]]] = {
    "online": (_l("Set to online signing"), {"mode": SIGN_ONLINE}),
    "directed": (_l("Set to offline signing: directed (定向签约)"), {"mode": SIGN_DIRECTED}),
    "blank": (_l("Set to offline signing: printed blank agreement (空白协议书打印)"), {"mode": SIGN_BLANK}),
    "lock": (_l("Lock in-province signing"), {"in_province_locked": True}),
    "unlock": (_l("Restore in-province signing"), {"in_province_locked": False}),
    "restore": (_l("Restore signing (directed and entrusted graduates)"), {"signing_restored": True}),
}
NOTICES = {
    "online": N_("The school set your tripartite agreement signing to online signing."),
    "directed": N_("The school set your tripartite agreement signing to offline signing: directed (定向签约). "
                   "Sign the paper agreement and enter it in GEMS."),
    "blank": N_("The school set your tripartite agreement signing to offline signing: printed blank agreement "
                "(空白协议书打印). Sign the paper agreement and enter it in GEMS."),
    "lock": N_("The school locked your in-province signing: you cannot sign with in-province employers online now."),
    "unlock": N_("The school restored your in-province signing."),
    "restore": N_("The school restored your signing: as a directed or entrusted graduate you can now sign "
                  "tripartite agreements."),
    "out_of_province.approve_school": N_("Your out-of-province employment application (%(employer)s) was approved: "
                                         "in-province signing is locked and you can now enter the "
                                         "out-of-province agreement."),
    "out_of_province.reject": N_("Your out-of-province employment application (%(employer)s) was not approved: "
                                 "%(remark)s"),
}
TEMPLATES.update({f"signing.{k}": v for k, v in NOTICES.items() if "." not in k})
TEMPLATES.update({k: v for k, v in NOTICES.items() if "." in k})
AUDIT_TEXTS.update({
    "signing.online": _l("%(actor)s set %(target)s to online signing"),
    "signing.directed": _l("%(actor)s set %(target)s to offline signing (directed)"),
    "signing.blank": _l("%(actor)s set %(target)s to offline signing (printed blank agreement)"),
    "signing.lock": _l("%(actor)s locked the in-province signing of %(target)s"),
    "signing.unlock": _l("%(actor)s restored the in-province signing of %(target)s"),
    "signing.restore": _l("%(actor)s restored the signing of %(target)s (directed or entrusted)"),
    "signing.locked_by_approval": _l("In-province signing of %(target)s locked by an approved out-of-province "
                                     "application"),
})


@dataclass(frozen=True)
class Outcome:
    """What one action did to one graduate: done, or skipped with the reason."""

    graduate_id: int
    ok: bool
    reason: Optional[str] = None


def _live_kinds(ids: list[int]) -> dict[int, str]:
    return dict(db.session.execute(select(Agreement.graduate_id, Agreement.kind).where(
        Agreement.graduate_id.in_(ids), Agreement.status.in_(LIVE_STATES))).all())


def _refusal(action: str, graduate: Any, status: Any, live_kind: Optional[str]) -> Optional[str]:
    """Why `action` does not apply to this graduate (None: it does)."""
    mode = status.mode if status is not None else SIGN_ONLINE
    locked = bool(status.in_province_locked) if status is not None else False
    restored = bool(status.signing_restored) if status is not None else False
    if action in (SIGN_ONLINE, SIGN_DIRECTED, SIGN_BLANK) and mode == action:
        return _("Already set to %(mode)s.", mode=str(SIGNING_MODES[action]))
    if action == "lock" and locked:
        return _("In-province signing is already locked.")
    if action == "unlock":
        if not locked:
            return _("In-province signing is not locked.")
        if live_kind == OUTSIDE:
            return _("The out-of-province agreement has already been entered: in-province signing cannot be "
                     "restored; the agreement must be terminated first.")
    if action == "restore":
        if graduate.training_mode not in TRAINING_WITH_UNIT:
            return _("Only directed and entrusted graduates start with signing locked; this graduate's signing is "
                     "not locked.")
        if restored:
            return _("Signing has already been restored.")
        if live_kind is not None:
            return _("The graduate has already signed (a live agreement): signing cannot be restored this way; "
                     "the agreement must be terminated first.")
    return None


def apply(action: str, graduate_ids: Iterable[int], actor: Any) -> list[Outcome]:
    """One school action on many graduates (scoped, set-based); each change audited and told to the graduate.
    The caller commits."""
    if action not in ACTIONS:
        raise ValueError(action)
    wanted = list(dict.fromkeys(int(i) for i in graduate_ids))
    outcomes: dict[int, Outcome] = {}
    done: list[int] = []
    users: dict[int, Optional[int]] = {}
    old: dict[int, Any] = {}
    field, value = next(iter(ACTIONS[action][1].items()))
    for chunk in _chunks(wanted):
        rows = db.session.execute(select(Graduate, SigningStatus).outerjoin(
            SigningStatus, SigningStatus.graduate_id == Graduate.id).where(
            Graduate.id.in_(chunk), scope_clause(Graduate, actor))).all()
        live = _live_kinds(chunk)
        for graduate, status in rows:
            why = _refusal(action, graduate, status, live.get(graduate.id))
            if why:
                outcomes[graduate.id] = Outcome(graduate.id, False, why)
                continue
            done.append(graduate.id)
            users[graduate.id] = graduate.user_id
            old[graduate.id] = getattr(status, field) if status is not None else getattr(
                status_of(graduate.id), field)
    for graduate_id in wanted:
        if graduate_id not in outcomes and graduate_id not in users:
            outcomes[graduate_id] = Outcome(graduate_id, False, _("Record not found or not in your scope."))
    if done:
        set_status(done, actor, **{field: value})
        audit.record_many([audit.Entry(f"signing.{action}", "graduate", str(g),
                                       {"changes": {field: [old[g], value]}}) for g in done])
        notify([Message(users[g], f"signing.{action}", {}, STUDENT_LINK) for g in done if users[g]])
    return [outcomes.get(g) or Outcome(g, True) for g in wanted]


# -- the settings list -----------------------------------------------------------------------------------------------

@dataclass
class SettingsFilter:
    cohort_id: Optional[int] = None
    department_id: Optional[int] = None
    mode: Optional[str] = None
    locked: Optional[bool] = None
    with_unit: Optional[str] = None  # "1" directed/entrusted, "locked" those still locked, "0" the others
    keyword: str = ""


def _mode() -> Any:
    return func.coalesce(SigningStatus.mode, SIGN_ONLINE)


def _locked() -> Any:
    return func.coalesce(SigningStatus.in_province_locked, false())


def _restored() -> Any:
    return func.coalesce(SigningStatus.signing_restored, false())


def settings_conditions(f: SettingsFilter, user: Any) -> list[Any]:
    """WHERE of the signing settings list (the scope rule first; reported graduates only)."""
    where: list[Any] = [scope_clause(Graduate, user), Graduate.included == true()]
    if f.cohort_id:
        where.append(Graduate.cohort_id == f.cohort_id)
    if f.department_id:
        where.append(Graduate.department_id.in_(subtree_ids(f.department_id)))
    if f.mode in SIGNING_MODES:
        where.append(_mode() == f.mode)
    if f.locked is not None:
        where.append(_locked() == (true() if f.locked else false()))
    with_unit = Graduate.training_mode.in_(sorted(TRAINING_WITH_UNIT))
    if f.with_unit == "1":
        where.append(with_unit)
    elif f.with_unit == "locked":
        where.append(and_(with_unit, _restored() == false()))
    elif f.with_unit == "0":
        where.append(or_(Graduate.training_mode.is_(None), ~with_unit))
    keyword = (f.keyword or "").strip()
    if keyword:
        where.append(or_(Graduate.student_no.startswith(keyword, autoescape=True),
                         Graduate.name.startswith(keyword, autoescape=True)))
    return where


def _settings_select(columns: list[Any]) -> Any:
    return select(*columns).select_from(Graduate).outerjoin(SigningStatus, SigningStatus.graduate_id == Graduate.id)


def settings_ids(f: SettingsFilter, user: Any) -> list[int]:
    """Every graduate the filter matches (the "all matching" target of an action)."""
    return list(db.session.execute(_settings_select([Graduate.id]).where(*settings_conditions(f, user))
                                   .order_by(Graduate.id)).scalars())


def settings_page(f: SettingsFilter, user: Any, page: int, size: int) -> tuple[int, list[Any]]:
    """(total, rows) of one page: the graduate, their settings, their live agreement and latest application."""
    from app.models.org import Department

    where = settings_conditions(f, user)
    total = db.session.execute(_settings_select([func.count()]).where(*where)).scalar_one()
    live = (select(Agreement.status).where(Agreement.graduate_id == Graduate.id, Agreement.status.in_(LIVE_STATES))
            .limit(1).correlate(Graduate).scalar_subquery())
    live_kind = (select(Agreement.kind).where(Agreement.graduate_id == Graduate.id,
                                              Agreement.status.in_(LIVE_STATES))
                 .limit(1).correlate(Graduate).scalar_subquery())
    application = (select(OutOfProvinceApplication.status).where(OutOfProvinceApplication.graduate_id == Graduate.id)
                   .order_by(OutOfProvinceApplication.id.desc()).limit(1).correlate(Graduate).scalar_subquery())
    stmt = (_settings_select([Graduate.id, Graduate.student_no, Graduate.name, Graduate.training_mode,
                              Department.name.label("department"), _mode().label("mode"),
                              _locked().label("locked"), _restored().label("restored"),
                              live.label("live_status"), live_kind.label("live_kind"),
                              application.label("application")])
            .outerjoin(Department, Department.id == Graduate.department_id)
            .where(*where).order_by(Graduate.student_no, Graduate.id)
            .offset(max(page - 1, 0) * size).limit(size))
    return total, list(db.session.execute(stmt).all())


__all__ = ["ACTIONS", "Outcome", "SettingsFilter", "apply", "approved_application", "directed_locked",
           "lock_for_applications", "offline_entry_problem", "outside_entry_problem", "set_status",
           "settings_ids", "settings_page", "signing_problem", "source_problem", "status_of"]
