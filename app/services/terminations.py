"""What a termination step does beyond its status (TRM-2, TRM-3), and the checks its guards ask: an approved or
forced termination ends the agreement through the agreement workflow (so the plan, the destination and the audit
follow the same rules as every other step), voids its number and issues the graduate a new one; an agreement of both
parties online produces the termination letter and informs the school."""
from __future__ import annotations

from typing import Any, Optional

from flask_babel import gettext as _
from sqlalchemy import select, update

from app.extensions import db
from app.models.agreement import Agreement
from app.models.termination import LIABLE_PARTIES, Termination, TerminationEvidence
from app.security.roles import EMPLOYER, STUDENT
from app.workflows.base import FireContext

# the agreement states a termination can be asked in: accepted and not yet ended
TERMINABLE = ("secondary", "central", "returned", "stamp_employer", "stamp_graduate", "stamp_school", "archived",
              "revoked")


def party_of(ctx: FireContext) -> str:
    """Which side the actor speaks for: the graduate, the employer, or the school."""
    if STUDENT in ctx.roles:
        return "graduate"
    if EMPLOYER in ctx.roles:
        return "employer"
    return "school"


def source_problem(graduate: Any) -> Optional[str]:
    """Seed 001: no agreement or termination request of any kind before the source information is complete."""
    from app.workflows.source_info import COMPLETE

    if graduate is None or graduate.status != COMPLETE:
        return _("The source information is not complete yet: no agreement can be requested before the school has "
                 "approved it (未实名认证前，不可进行协议申请和违约申请操作).")
    return None


def _not_terminable(row: Termination) -> Optional[str]:
    if row.agreement is None or row.agreement.status not in TERMINABLE:
        return _("Only an accepted agreement that has not ended can be terminated.")
    return None


def agreement_problem(row: Termination) -> Optional[str]:
    """Before a termination ends its agreement: the agreement is locked here, before the termination's own update
    and audit row, so a concurrent archive or revoke and this approval take their locks in one order (never a
    deadlock); if that step moved the agreement since it was read, this one is refused — one of them wins."""
    why = _not_terminable(row)
    if why:
        return why
    seen = row.agreement.version
    now = db.session.execute(select(Agreement.status, Agreement.version).where(Agreement.id == row.agreement.id)
                             .with_for_update()).one()
    if now.version != seen:
        return _("The agreement was changed at the same time (it is now %(state)s); reload and try again.",
                 state=_agreement_label(now.status))
    return None


def _agreement_label(state: str) -> str:
    from app.workflows.agreement import AGREEMENT

    return AGREEMENT.label(state)


def request_problem(row: Termination) -> Optional[str]:
    """A request names a reason, explains it and says which side is liable; its agreement must be terminable and
    its graduate's source information complete."""
    why = _not_terminable(row) or source_problem(row.graduate)
    if why:
        return why
    if row.reason_id is None:
        return _("Choose the reason for the termination.")
    if not (row.explanation or "").strip():
        return _("Explain the termination.")
    if row.liable_party not in LIABLE_PARTIES:
        return _("Say which party is liable for the termination.")
    return None


def letter_problem(row: Termination) -> Optional[str]:
    has_letter = db.session.execute(select(TerminationEvidence.id).where(
        TerminationEvidence.termination_id == row.id, TerminationEvidence.kind == "letter").limit(1)).scalar()
    return None if has_letter else _("Attach the signed termination letter (解约函).")


def after_termination_step(trigger: str, ids: list[Any], ctx: FireContext) -> None:
    """Called by the workflow after the engine moved `ids` with `trigger`."""
    if trigger == "agree":
        from app.services.documents import issue_letters

        issue_letters(ids)
    elif trigger in ("approve_school", "force"):
        end_agreements(ids, ctx)
    from app.services.agreement_notices import notify_termination_step

    notify_termination_step(trigger, ids, ctx)


def end_agreements(ids: list[int], ctx: FireContext) -> None:
    """TRM-2: end each termination's agreement (out of the plan), void its number, issue the graduate a new one."""
    from app.services.agreement_numbers import void_and_reissue
    from app.workflows.agreement import AGREEMENT
    from app.workflows.engine import fire_many

    rows = db.session.execute(select(Termination.id, Termination.agreement_id, Termination.graduate_id).where(
        Termination.id.in_(ids))).all()
    ended = fire_many(AGREEMENT, "terminate", [r.agreement_id for r in rows], ctx.actor,
                      remark=ctx.remark or _("Terminated"), extra={"termination": [r.id for r in rows]},
                      commit=False)
    if ended.skipped:  # the agreement moved meanwhile (archived, revoked at the same moment): nothing may stay
        from app.workflows.engine import WorkflowError

        reason = ended.skipped[0].reason or ""
        db.session.rollback()
        raise WorkflowError(_("The agreement changed while the termination was being decided, so nothing was "
                              "changed: %(reason)s", reason=reason))
    given = void_and_reissue([r.graduate_id for r in rows], _("Terminated (解约)"))
    for row in rows:
        db.session.execute(update(Termination).where(Termination.id == row.id)
                           .values(new_number_id=given.get(row.graduate_id)).execution_options(
                               synchronize_session=False))


__all__ = ["TERMINABLE", "after_termination_step", "agreement_problem", "end_agreements", "letter_problem", "party_of",
           "request_problem", "source_problem"]
