"""APV-1: an out-of-province employment application, decided by the school; approval locks in-province signing
(app.services.signing) and opens the entry of the other province's agreement. The graduate hears of each decision."""
from __future__ import annotations

from typing import Any, Optional

from flask_babel import lazy_gettext as _l

from app.models.agreement import OutOfProvinceApplication
from app.security.roles import ADMIN, SCHOOL, STUDENT
from app.timeutil import utcnow
from app.workflows.base import FireContext, Transition, Workflow
from app.workflows.review_builder import CENTRAL, TRIGGER_LABELS, review_steps

SUBMITTED, APPROVED, REJECTED, WITHDRAWN = CENTRAL, "approved", "rejected", "withdrawn"  # one level: the school
SCHOOL_ROLES = frozenset({SCHOOL, ADMIN})
PENDING = (SUBMITTED,)


def no_live_in_province(row: OutOfProvinceApplication, ctx: FireContext) -> Optional[str]:
    """A graduate bound by an in-province agreement terminates it before going out of province."""
    from sqlalchemy import select

    from app.extensions import db
    from app.models.agreement import LIVE_STATES, OUTSIDE, Agreement

    bound = db.session.execute(select(Agreement.id).where(
        Agreement.graduate_id == row.graduate_id, Agreement.status.in_(LIVE_STATES), Agreement.kind != OUTSIDE)
        .limit(1)).scalar()
    if bound is not None:
        return str(_l("The graduate already has a live in-province agreement: it must be terminated before "
                      "out-of-province employment is approved."))
    return None


no_live_in_province.description = _l("The graduate has no live in-province agreement")  # type: ignore[attr-defined]


def school_decides(row: OutOfProvinceApplication, ctx: FireContext) -> Optional[str]:
    """The school alone decides on out-of-province employment (a college reviewer reads the list only)."""
    if not ctx.roles & SCHOOL_ROLES:
        return str(_l("Out-of-province employment applications are decided by the school."))
    return None


school_decides.description = _l("Decided by the school")  # type: ignore[attr-defined]


OUT_OF_PROVINCE = Workflow(
    name="out_of_province",
    title=_l("Out-of-province employment applications"),
    model=OutOfProvinceApplication,
    states={SUBMITTED: _l("Awaiting review"), APPROVED: _l("Approved"), REJECTED: _l("Not approved"),
            WITHDRAWN: _l("Withdrawn")},
    initial=SUBMITTED,
    transitions=[
        *review_steps(1, APPROVED, REJECTED, {**TRIGGER_LABELS, "approve_school": _l("Approve the application"),
                                              "reject": _l("Reject the application")},
                      school_guards=(no_live_in_province,), reject_guards=(school_decides,)),
        Transition("withdraw", (SUBMITTED,), WITHDRAWN, frozenset({STUDENT}), _l("Withdraw the application"),
                   sets=lambda ctx: {"updated_at": utcnow()}),
    ],
    refusals={
        ("approve_school", APPROVED): _l("This application has already been approved."),
        ("reject", APPROVED): _l("This application has already been approved."),
        ("approve_school", REJECTED): _l("This application was not approved; the graduate may apply again."),
        ("reject", REJECTED): _l("This application has already been rejected."),
        ("approve_school", WITHDRAWN): _l("The graduate withdrew this application."),
        ("reject", WITHDRAWN): _l("The graduate withdrew this application."),
        ("withdraw", APPROVED): _l("The application has been decided; it can no longer be withdrawn."),
        ("withdraw", REJECTED): _l("The application has been decided; it can no longer be withdrawn."),
        ("withdraw", WITHDRAWN): _l("The application has already been withdrawn."),
    },
)


def _decided(workflow: Workflow, trigger: str, ids: list[Any], ctx: FireContext) -> None:
    """Approval locks in-province signing; the graduate is told of an approval or a rejection (with the reason)."""
    if trigger not in ("approve_school", "reject"):
        return
    from sqlalchemy import select

    from app.extensions import db
    from app.models.graduate import Graduate
    from app.services.notify import Message, notify
    from app.services.signing import STUDENT_LINK, lock_for_applications

    if trigger == "approve_school":
        lock_for_applications(ids, ctx)
    rows = db.session.execute(select(Graduate.user_id, OutOfProvinceApplication.employer_name)
                              .join(Graduate, Graduate.id == OutOfProvinceApplication.graduate_id)
                              .where(OutOfProvinceApplication.id.in_(ids), Graduate.user_id.isnot(None))).all()
    notify([Message(user_id, f"out_of_province.{trigger}", {"employer": employer, "remark": ctx.remark},
                    STUDENT_LINK) for user_id, employer in rows])


OUT_OF_PROVINCE.after_fire.append(_decided)
