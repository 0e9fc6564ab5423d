"""What an agreement step does beyond its status, set-based and in the engine's transaction (AGR-2, AGR-3):
archiving makes a code-10 destination version current (the plan entry), revoking goes back to the version that was
current before, restoring makes the agreement's version current again, ending an archived agreement leaves the
graduate 待就业 (code 70). The rule archived ⇔ in the plan holds because only these functions move `is_current`
for an agreement's destination. The checks the workflow's guards ask are here too."""
from __future__ import annotations

from typing import Any, Iterable, Optional

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import (
    and_,
    bindparam,
    case,
    false,
    func,
    insert,
    literal,
    select,
    text,
    true,
    update,
)

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
    """Each archived agreement's graduate gets (or gets back) a code-10 version with its employer, made current.

    Set-based per chunk: one INSERT … SELECT makes the new versions from the agreements' own rows, one UPDATE …
    FROM (VALUES …) links each agreement to its version and to the one current before, one swap_current moves them."""
    for start in range(0, len(ids), _CHUNK):
        _archive_chunk(ids[start:start + _CHUNK])
    _expire(Agreement, ids)


_CHUNK = 2000  # agreements per statement: 3 parameters each in the links' VALUES, far under both databases' limits


def _archive_chunk(ids: list[int]) -> None:
    rows = db.session.execute(select(Agreement.id, Agreement.graduate_id, Agreement.destination_id)
                              .where(Agreement.id.in_(ids))).all()
    if not rows:
        return
    previous = _current_of(row.graduate_id for row in rows)
    fresh = [row.id for row in rows if row.destination_id is None]
    made = _versions_from_agreements(fresh, _code_id("GEMS_AGREEMENT_CODE")) if fresh else {}
    links = [(r.id, r.destination_id or made[r.graduate_id], previous.get(r.graduate_id)) for r in rows]
    _link(links)
    swap_current([(d_id, row.graduate_id) for (_a, d_id, p_id), row in zip(links, rows) if d_id != p_id])


def _link(links: list[tuple[int, int, Optional[int]]]) -> None:
    """Set each (agreement, its version, the version current before) in one UPDATE: from three arrays on
    PostgreSQL (three parameters, whatever the count); SQLite's executemany costs no round trips."""
    table = Agreement.__table__
    if db.session.get_bind().dialect.name != "postgresql":
        db.session.execute(update(table).where(table.c.id == bindparam("a_id")).values(
            destination_id=bindparam("d_id"), previous_destination_id=bindparam("p_id")),
            [{"a_id": a_id, "d_id": d_id, "p_id": p_id} for a_id, d_id, p_id in links])
        return
    a_ids, d_ids, p_ids = (list(column) for column in zip(*links))
    db.session.execute(text(
        "UPDATE agreement SET destination_id = links.d, previous_destination_id = links.p FROM unnest("
        "CAST(:a AS integer[]), CAST(:d AS integer[]), CAST(:p AS integer[])) AS links (a, d, p) "
        "WHERE agreement.id = links.a"), {"a": a_ids, "d": d_ids, "p": p_ids})


def _versions_from_agreements(ids: list[int], code_id: int) -> dict[int, int]:
    """One approved code-10 version per agreement, from the agreement's own columns, in one INSERT … SELECT (the
    next version number of its graduate; 'change' when the graduate had one before); graduate id -> version id."""
    a, d = Agreement.__table__, Destination.__table__
    earlier = d.alias("earlier")
    last = select(func.max(earlier.c.version_no)).where(earlier.c.graduate_id == a.c.graduate_id).scalar_subquery()
    now = utcnow()
    columns = {
        "graduate_id": a.c.graduate_id, "version_no": func.coalesce(last, 0) + 1,
        "kind": case((last.is_(None), literal(ORIGINAL)), else_=literal(CHANGE)), "is_current": false(),
        "from_agreement": true(), "status": literal(COMPLETE), "version": literal(1), "created_at": literal(now),
        "updated_at": literal(now), "submitted_at": literal(now), "school_decision": literal("approved"),
        "school_decided_at": literal(now), "code_id": literal(code_id), "employer_id": a.c.employer_id,
        "signed_on": func.coalesce(a.c.signed_on, literal(now.date())), "job_category_id": a.c.job_category_id,
        "region_code": a.c.work_region_code, "address": a.c.work_address,
    }
    made = db.session.execute(insert(d).from_select(
        list(columns), select(*[expr.label(name) for name, expr in columns.items()]).where(a.c.id.in_(ids)),
        include_defaults=False).returning(d.c.graduate_id, d.c.id))
    return dict(made.all())


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
