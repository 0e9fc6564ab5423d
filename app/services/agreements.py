"""What an agreement step does beyond its status, set-based and in the engine's transaction (AGR-2, AGR-3):
archiving makes a code-10 destination version current (the plan entry), revoking goes back to the version that was
current before, restoring makes the agreement's version current again, ending an archived agreement leaves the
graduate 待就业 (code 70). The rule archived ⇔ in the plan holds because only these functions move `is_current`
for an agreement's destination. The checks the workflow's guards ask are here too."""
from __future__ import annotations

from typing import Any, Iterable, Optional

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import and_, bindparam, func, insert, select, update

from app.extensions import db
from app.models.agreement import LIVE_STATES, ONLINE, OUTSIDE, Agreement, SigningStatus
from app.models.destination import CHANGE, ORIGINAL, Destination
from app.models.graduate import Graduate
from app.models.reference import DestinationCode
from app.timeutil import utcnow
from app.workflows.base import FireContext
from app.workflows.destination import COMPLETE, swap_current

# -- checks the guards ask -----------------------------------------------------------------------------------------

def plan_closed(agreement: Agreement, ctx: FireContext) -> Optional[str]:
    """The destination workflow's own cohort check (plan lock, change deadline), for an agreement's graduate."""
    from app.workflows.destination import cohort_open

    return cohort_open(agreement, ctx)


def signing_problem(graduate: Graduate, agreement: Optional[Agreement] = None) -> Optional[str]:
    """Why the graduate may not take part in online signing now, or None (AGR-1, AGR-4, APV-1, APV-4)."""
    from app.services.signing import signing_problem as problem

    return problem(graduate, agreement)


def other_live_agreement(agreement: Agreement) -> Optional[str]:
    """One live agreement per graduate: the database's partial unique index enforces it, this says it in words."""
    other = db.session.execute(select(Agreement.id).where(
        Agreement.graduate_id == agreement.graduate_id, Agreement.id != agreement.id,
        Agreement.status.in_(LIVE_STATES)).limit(1)).scalar()
    if other is not None:
        return _("The graduate already has a live agreement; it must end (or be terminated) before another one.")
    return None


def entry_problem(agreement: Agreement, ctx: FireContext) -> Optional[str]:
    """An entered agreement names its employer and the number on the paper; out of province only after approval."""
    if agreement.kind == OUTSIDE:
        from app.services.signing import outside_entry_problem

        why = outside_entry_problem(agreement.graduate)
        if why:
            return why
        if not (agreement.external_number or "").strip():
            return _("Enter the number of the other province's agreement.")
    elif agreement.number_id is None and not (agreement.external_number or "").strip():
        return _("Enter the agreement number printed on the paper agreement.")
    if agreement.employer_id is None:
        return _("Choose the employer of the agreement.")
    if agreement.signed_on is None:
        return _("Enter the signing date.")
    return None


def live_agreement_of(graduate_id: int) -> Optional[Agreement]:
    return db.session.execute(select(Agreement).where(
        Agreement.graduate_id == graduate_id, Agreement.status.in_(LIVE_STATES))).scalar()


# -- effects -------------------------------------------------------------------------------------------------------

def after_agreement_step(trigger: str, ids: list[Any], ctx: FireContext) -> None:
    """Called by the workflow after the engine moved `ids` with `trigger` (only the ones that moved)."""
    if trigger in ("accept", "confirm", "resubmit"):
        attach_current_numbers(ids)
    elif trigger in ("archive", "approve_entry"):
        archive_into_plan(ids)
    elif trigger == "revoke":
        leave_plan(ids)
    elif trigger == "restore":
        restore_into_plan(ids)
    elif trigger == "terminate":
        end_in_plan(ids)
    from app.services.agreement_notices import notify_agreement_step

    notify_agreement_step(trigger, ids, ctx)


def attach_current_numbers(ids: list[int]) -> None:
    """An accepted or confirmed online agreement carries its graduate's current number (AGR-1)."""
    from app.models.agreement import ASSIGNED, AgreementNumber

    number = (select(AgreementNumber.id).where(AgreementNumber.graduate_id == Agreement.graduate_id,
                                               AgreementNumber.state == ASSIGNED)
              .correlate(Agreement).scalar_subquery())
    db.session.execute(update(Agreement).where(Agreement.id.in_(ids), Agreement.kind == ONLINE)
                       .values(number_id=number).execution_options(synchronize_session=False))
    _expire(Agreement, ids)


def _code_id(setting: str) -> int:
    code = current_app.config[setting]
    found = db.session.execute(select(DestinationCode.id).where(DestinationCode.code == code)).scalar()
    if found is None:
        raise RuntimeError(f"destination code {code} ({setting}) is missing from the code table")
    return found


def _current_of(graduates: Iterable[int]) -> dict[int, int]:
    """graduate id -> their current destination version's id."""
    return dict(db.session.execute(select(Destination.graduate_id, Destination.id).where(
        Destination.graduate_id.in_(list(graduates)), Destination.is_current)).all())


def _new_versions(rows: list[dict[str, Any]]) -> dict[int, int]:
    """Insert one approved destination version per row (each names its graduate); graduate id -> new version id."""
    graduates = [row["graduate_id"] for row in rows]
    last = dict(db.session.execute(select(Destination.graduate_id, func.max(Destination.version_no))
                                   .where(Destination.graduate_id.in_(graduates))
                                   .group_by(Destination.graduate_id)).all())
    now = utcnow()
    values = [{"version_no": last.get(row["graduate_id"], 0) + 1,
               "kind": CHANGE if row["graduate_id"] in last else ORIGINAL, "is_current": False, "status": COMPLETE,
               "version": 1, "created_at": now, "updated_at": now, "submitted_at": now, "school_decision": "approved",
               "school_decided_at": now, **row} for row in rows]
    made = db.session.execute(insert(Destination).returning(Destination.graduate_id, Destination.id), values)
    return dict(made.all())


def archive_into_plan(ids: list[int]) -> None:
    """Each archived agreement's graduate gets (or gets back) a code-10 version with its employer, made current."""
    rows = db.session.execute(select(
        Agreement.id, Agreement.graduate_id, Agreement.employer_id, Agreement.signed_on, Agreement.job_category_id,
        Agreement.work_region_code, Agreement.work_address, Agreement.destination_id).where(Agreement.id.in_(ids))
    ).all()
    if not rows:
        return
    previous = _current_of(row.graduate_id for row in rows)
    fresh = [row for row in rows if row.destination_id is None]
    made: dict[int, int] = {}
    if fresh:
        code_id = _code_id("GEMS_AGREEMENT_CODE")
        made = _new_versions([{"graduate_id": r.graduate_id, "code_id": code_id, "employer_id": r.employer_id,
                               "signed_on": r.signed_on or utcnow().date(), "job_category_id": r.job_category_id,
                               "region_code": r.work_region_code, "address": r.work_address, "from_agreement": True}
                              for r in fresh])
    links = [{"a_id": r.id, "d_id": r.destination_id or made[r.graduate_id],
              "p_id": previous.get(r.graduate_id)} for r in rows]
    db.session.execute(update(Agreement.__table__).where(Agreement.__table__.c.id == bindparam("a_id")).values(
        destination_id=bindparam("d_id"), previous_destination_id=bindparam("p_id")), links)
    swap_current([(link["d_id"], row.graduate_id) for link, row in zip(links, rows) if link["d_id"] != link["p_id"]])
    _expire(Agreement, ids)


def leave_plan(ids: list[int]) -> None:
    """撤消存档: the agreement's version stops being current; the one current before it is current again (if any)."""
    rows = db.session.execute(select(Agreement.graduate_id, Agreement.destination_id,
                                     Agreement.previous_destination_id).where(Agreement.id.in_(ids))).all()
    back = [(r.previous_destination_id, r.graduate_id) for r in rows if r.previous_destination_id]
    swap_current(back)
    alone = [r.destination_id for r in rows if not r.previous_destination_id and r.destination_id]
    if alone:
        db.session.execute(update(Destination).where(Destination.id.in_(alone)).values(is_current=False)
                           .execution_options(synchronize_session=False))
        _expire(Destination, alone)


def restore_into_plan(ids: list[int]) -> None:
    """恢复存档: the agreement's version is current again; what was current meanwhile is what a revoke returns to."""
    archive_into_plan(ids)


def end_in_plan(ids: list[int]) -> None:
    """An ended agreement that was the plan entry leaves its graduate 待就业 (a new version, current); one that was
    not (never archived, or revoked) leaves the destination as it is."""
    rows = db.session.execute(select(Agreement.graduate_id).join(
        Destination, and_(Destination.id == Agreement.destination_id, Destination.is_current))
        .where(Agreement.id.in_(ids))).scalars().all()
    if not rows:
        return
    made = _new_versions([{"graduate_id": graduate_id, "code_id": _code_id("GEMS_UNPLACED_CODE")}
                          for graduate_id in rows])
    swap_current([(version_id, graduate_id) for graduate_id, version_id in made.items()])


def _expire(model: Any, ids: Iterable[Any]) -> None:
    from sqlalchemy.orm.util import identity_key

    for record_id in ids:
        obj = db.session.identity_map.get(identity_key(model, record_id))
        if obj is not None:
            db.session.expire(obj)


def signing_row(graduate_id: int) -> Optional[SigningStatus]:
    return db.session.get(SigningStatus, graduate_id)


__all__ = ["after_agreement_step", "archive_into_plan", "end_in_plan", "entry_problem", "leave_plan",
           "live_agreement_of", "other_live_agreement", "plan_closed", "restore_into_plan", "signing_problem",
           "signing_row"]
