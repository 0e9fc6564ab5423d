"""Who may sign where (AGR-1, AGR-4, APV-1, APV-4): the checks online signing and entered agreements ask, and the
in-province lock an approved out-of-province application sets. A graduate without a SigningStatus row signs online
with nothing locked, except directed and entrusted graduates, whose signing stays locked until the school restores it."""
from __future__ import annotations

from typing import Any, Optional

from flask_babel import gettext as _
from sqlalchemy import select

from app.extensions import db
from app.models.agreement import (
    ONLINE,
    SIGN_ONLINE,
    SIGNING_MODES,
    AgreementNumber,
    OutOfProvinceApplication,
    SigningStatus,
)
from app.models.graduate import Graduate
from app.timeutil import utcnow
from app.validation.codes import TRAINING_WITH_UNIT
from app.workflows.base import FireContext


def status_of(graduate_id: int) -> SigningStatus:
    """The graduate's signing settings (a transient default row when none is stored)."""
    return db.session.get(SigningStatus, graduate_id) or SigningStatus(graduate_id=graduate_id, mode=SIGN_ONLINE,
                                                                       in_province_locked=False,
                                                                       signing_restored=False)


def directed_locked(graduate: Graduate, status: SigningStatus) -> bool:
    """APV-4: directed and entrusted graduates start with signing locked, until the school restores it."""
    return graduate.training_mode in TRAINING_WITH_UNIT and not status.signing_restored


def signing_problem(graduate: Graduate, agreement: Any = None) -> Optional[str]:
    """Why the graduate may not take part in online signing now, or None."""
    from app.workflows.source_info import COMPLETE

    if graduate.status != COMPLETE:
        return _("The source information is not complete yet: no agreement can be requested before the school has "
                 "approved it (未实名认证前，不可进行协议申请和违约申请操作).")
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


def outside_entry_problem(graduate: Graduate) -> Optional[str]:
    """AGR-4: an out-of-province agreement is entered (by the graduate or on their behalf) only after approval."""
    approved = db.session.execute(select(OutOfProvinceApplication.id).where(
        OutOfProvinceApplication.graduate_id == graduate.id, OutOfProvinceApplication.status == "approved")
        .limit(1)).scalar()
    if approved is None:
        return _("The out-of-province employment application has not been approved yet: the out-of-province "
                 "agreement can be entered only after the school approves it.")
    return None


def set_status(graduate_ids: list[int], actor: Any, **values: Any) -> None:
    """Write signing settings for graduates (creating rows as needed), in the caller's transaction."""
    who = getattr(actor, "display_name", None) or getattr(actor, "username", None)
    for graduate_id in graduate_ids:
        row = db.session.get(SigningStatus, graduate_id)
        if row is None:
            row = SigningStatus(graduate_id=graduate_id, mode=SIGN_ONLINE, in_province_locked=False,
                                signing_restored=False)
            db.session.add(row)
        for key, value in values.items():
            setattr(row, key, value)
        row.updated_at, row.updated_by = utcnow(), who
    db.session.flush()


def lock_for_applications(ids: list[int], ctx: FireContext) -> None:
    """An approved out-of-province application locks its graduate's in-province signing (APV-1)."""
    graduates = list(db.session.execute(select(OutOfProvinceApplication.graduate_id).where(
        OutOfProvinceApplication.id.in_(ids))).scalars())
    set_status(graduates, ctx.actor, in_province_locked=True)


__all__ = ["directed_locked", "lock_for_applications", "outside_entry_problem", "set_status", "signing_problem",
           "status_of"]
