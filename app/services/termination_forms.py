"""TRM-1/TRM-4: what the parties' and the school's termination forms read and store — the agreements a party may
end, the reasons of its side, the request's fields and its evidence (through the uploads service: checked by
content, stored outside static/, audited); one open request per agreement is the database's index, said in words."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Optional

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from app.extensions import db
from app.models.agreement import Agreement
from app.models.change import Evidence
from app.models.reference import TerminationReason
from app.models.termination import LIABLE_PARTIES, OPEN_STATES, Termination, TerminationEvidence
from app.scope import scope_clause
from app.services import audit, uploads
from app.services.change_requests import Incoming
from app.services.terminations import TERMINABLE, source_problem
from app.timeutil import utcnow

EVIDENCE_KINDS = {"letter": _l("Signed termination letter (解约函)"),
                  "receipt": _l("Receipt of the penalty (违约金收据)"), "other": _l("Other evidence")}
MAX_EXPLANATION, MAX_PENALTY, MAX_FILES = 1000, 200, 10
OTHER_REASON = "99"  # 其他: offered to both sides
FIELDS = ("reason_id", "explanation", "liable_party", "penalty")


class FormRefused(Exception):
    """Nothing was stored; `errors` maps a field (or "form") to the message shown beside it."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(errors)
        self.errors = errors


def terminable(user: Any) -> list[Agreement]:
    """The agreements in the user's scope that a termination can be asked for (accepted, not ended)."""
    return list(db.session.execute(
        select(Agreement).options(joinedload(Agreement.employer), joinedload(Agreement.graduate),
                                  joinedload(Agreement.number))
        .where(scope_clause(Agreement, user), Agreement.status.in_(TERMINABLE)).order_by(Agreement.id.desc())
    ).scalars())


def agreement_of(agreement_id: int, user: Any) -> Optional[Agreement]:
    """One agreement through the scope rule (None: missing or someone else's)."""
    return db.session.execute(select(Agreement).options(joinedload(Agreement.employer), joinedload(Agreement.graduate))
                              .where(Agreement.id == agreement_id, scope_clause(Agreement, user))).scalar()


def open_termination(agreement_id: int) -> Optional[Termination]:
    return db.session.execute(select(Termination).where(Termination.agreement_id == agreement_id,
                                                        Termination.status.in_(OPEN_STATES))).scalar()


def visible_to_party(user: Any, party: str) -> Any:
    """A party's terminations: in scope, and the other party's drafts (not yet sent) stay with their author."""
    return (scope_clause(Termination, user), or_(Termination.status != "draft", Termination.requested_by == party))


def terminations_of(user: Any, party: str) -> list[Termination]:
    return list(db.session.execute(
        select(Termination).options(joinedload(Termination.agreement).joinedload(Agreement.employer),
                                    joinedload(Termination.graduate), joinedload(Termination.reason))
        .where(*visible_to_party(user, party)).order_by(Termination.id.desc())).scalars())


def load(pk: int, user: Any, party: Optional[str] = None) -> Optional[Termination]:
    """One termination through the scope rule (and, for a party, not the other side's unsent draft)."""
    where = visible_to_party(user, party) if party else (scope_clause(Termination, user),)
    return db.session.execute(
        select(Termination).options(
            joinedload(Termination.agreement).joinedload(Agreement.employer),
            joinedload(Termination.agreement).joinedload(Agreement.number),
            joinedload(Termination.graduate), joinedload(Termination.reason),
            selectinload(Termination.evidence_links).joinedload(TerminationEvidence.evidence))
        .where(Termination.id == pk, *where)).scalar()


def reasons(side: Optional[str]) -> list[TerminationReason]:
    """The active reasons of a side (graduate or employer) and 其他; all of them for the school (side None)."""
    stmt = select(TerminationReason).where(TerminationReason.active.is_(True))
    if side in ("graduate", "employer"):
        stmt = stmt.where(or_(TerminationReason.side == side, TerminationReason.code == OTHER_REASON))
    return list(db.session.execute(stmt.order_by(TerminationReason.sort_order, TerminationReason.code)).scalars())


def values_of(row: Optional[Termination]) -> dict[str, str]:
    if row is None:
        return dict.fromkeys(FIELDS, "")
    return {"reason_id": str(row.reason_id or ""), "explanation": row.explanation or "",
            "liable_party": row.liable_party or "", "penalty": row.penalty or ""}


def parse(posted: Mapping[str, Any], side: Optional[str]) -> tuple[dict[str, Any], dict[str, str]]:
    """The posted fields as stored values, and a message per field that cannot be stored (an empty field can: a
    draft may be incomplete, the engine's guard says what is missing before it is sent)."""
    errors: dict[str, str] = {}
    raw_reason = str(posted.get("reason_id") or "").strip()
    reason_id: Optional[int] = None
    if raw_reason:
        allowed = {r.id for r in reasons(side)}
        reason_id = int(raw_reason) if raw_reason.isdigit() and len(raw_reason) < 10 else None
        if reason_id not in allowed:
            errors["reason_id"], reason_id = _("Choose the reason from the list."), None
    explanation = str(posted.get("explanation") or "").strip()
    if len(explanation) > MAX_EXPLANATION:
        errors["explanation"] = _("At most %(n)d characters.", n=MAX_EXPLANATION)
    liable = str(posted.get("liable_party") or "").strip()
    if liable and liable not in LIABLE_PARTIES:
        errors["liable_party"], liable = _("Choose the liable party from the list."), ""
    penalty = str(posted.get("penalty") or "").strip()
    if len(penalty) > MAX_PENALTY:
        errors["penalty"] = _("At most %(n)d characters.", n=MAX_PENALTY)
    return {"reason_id": reason_id, "explanation": explanation or None, "liable_party": liable or None,
            "penalty": penalty or None}, errors


def _apply(row: Termination, stored: Mapping[str, Any]) -> dict[str, list[Any]]:
    changes = {}
    for key, value in stored.items():
        old = getattr(row, key)
        if old != value:
            changes[key] = [old, value]
            setattr(row, key, value)
    return changes


def attach(row: Termination, files: Mapping[str, list[Incoming]], actor: Any) -> list[str]:
    """Store each uploaded file (checked by content) as the graduate's evidence linked to the termination; returns
    the storage keys written (the caller removes them again if the transaction fails)."""
    incoming = [(kind, f) for kind, items in files.items() if kind in EVIDENCE_KINDS for f in items
                if f.filename or f.data]
    if not incoming:
        return []
    if len(row.evidence_links) + len(incoming) > MAX_FILES:
        raise FormRefused({"evidence": _("Attach at most %(n)d files.", n=MAX_FILES)})
    checked, errors = [], {}
    for kind, item in incoming:
        try:
            checked.append((kind, uploads.inspect_upload(item.filename, item.data)))
        except uploads.UploadRefused as refused:
            errors[f"evidence_{kind}"] = f"{uploads.clean_name(item.filename)}: {refused.message}"
    if errors:
        raise FormRefused(errors)
    keys = []
    for kind, item in checked:
        keys.append(uploads.store(item))
        evidence = Evidence(graduate_id=row.graduate_id, original_name=item.original_name,
                            content_type=item.content_type, size=item.size, sha256=item.sha256,
                            storage_key=keys[-1], uploaded_by_id=getattr(actor, "id", None), created_at=utcnow())
        db.session.add(evidence)
        db.session.flush()
        row.evidence_links.append(TerminationEvidence(evidence_id=evidence.id, kind=kind))
        audit.record("termination.evidence_added", "termination", row.id, evidence=evidence.id, kind=kind,
                     sha256=item.sha256)
    return keys


def detach(row: Termination, link_ids: list[int]) -> int:
    """Unlink files from the request (the stored evidence stays, as every upload does)."""
    removed = 0
    for link in list(row.evidence_links):
        if link.id in link_ids:
            row.evidence_links.remove(link)
            db.session.delete(link)
            audit.record("termination.evidence_removed", "termination", row.id, evidence=link.evidence_id)
            removed += 1
    return removed


def _already_open() -> FormRefused:
    return FormRefused({"form": _("This agreement already has an open termination request: answer or withdraw "
                                  "that one first.")})


def start(agreement: Agreement, party: str, actor: Any) -> Termination:
    """A new draft request of `party` on the agreement (not committed); refused before the source information is
    complete, for an agreement that cannot be terminated, and where a request is already open."""
    why = source_problem(agreement.graduate)
    if why is None and agreement.status not in TERMINABLE:
        why = _("Only an accepted agreement that has not ended can be terminated.")
    if why:
        raise FormRefused({"form": why})
    if open_termination(agreement.id) is not None:
        raise _already_open()
    row = Termination(agreement_id=agreement.id, graduate_id=agreement.graduate_id, requested_by=party,
                      requested_by_id=getattr(actor, "id", None), status="draft", version=1, created_at=utcnow(),
                      updated_at=utcnow())
    db.session.add(row)
    try:
        db.session.flush()  # the partial unique index: one open request per agreement, whatever raced us
    except IntegrityError:
        db.session.rollback()
        raise _already_open() from None
    row.evidence_links = []
    audit.record("termination.created", "termination", row.id, agreement=agreement.id, requested_by=party)
    return row


def save(row: Optional[Termination], posted: Mapping[str, Any], files: Mapping[str, list[Incoming]], actor: Any,
         party: str, agreement: Optional[Agreement] = None, version: Optional[int] = None) -> Termination:
    """Save the party's draft (created first when `row` is None): nothing stored if any entry cannot be. Commits."""
    if row is not None:
        if row.status != "draft" or row.requested_by != party:
            raise FormRefused({"form": _("The request can no longer be changed: it has been sent.")})
        if version is not None and version != row.version:
            raise FormRefused({"form": _("Someone else changed this record since you opened it; reload and try "
                                         "again.")})
        why = source_problem(row.graduate)
        if why:
            raise FormRefused({"form": why})
    stored, errors = parse(posted, party if party != "school" else None)
    if errors:
        raise FormRefused(errors)
    keys: list[str] = []
    try:
        if row is None:
            assert agreement is not None
            row = start(agreement, party, actor)
        changes = _apply(row, stored)
        removed = detach(row, [int(i) for i in posted.getlist("remove_evidence") if str(i).isdigit()]
                         if hasattr(posted, "getlist") else [])
        keys = attach(row, files, actor)
        if changes or removed or keys:
            row.updated_at = utcnow()
            row.version = (row.version or 1) + 1  # a page opened before this save is stale now
        if changes:
            audit.record("termination.saved", "termination", row.id, graduate=row.graduate_id,
                         changes={k: [_text(o), _text(n)] for k, (o, n) in changes.items()})
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        for key in keys:
            uploads.remove(key)
        raise _already_open() from None
    except BaseException:
        db.session.rollback()
        for key in keys:
            uploads.remove(key)
        raise
    return row


def _text(value: Any) -> Any:
    return None if value is None else str(value)


def mark_offline(row: Termination) -> None:
    """A request submitted with the signed letter is an offline one (the review lists show it); not committed."""
    row.offline = True
    db.session.flush()


def force(agreement: Agreement, posted: Mapping[str, Any], actor: Any) -> Any:
    """TRM-4: a school account ends an entered agreement at once: a school-requested termination fired with
    "force" (mandatory reason; the engine's guards refuse online agreements and a locked plan). Commits on success,
    leaves nothing behind on a refusal. Returns the engine's result, or raises FormRefused."""
    from app.workflows.engine import WorkflowError, fire
    from app.workflows.termination import TERMINATION

    remark = str(posted.get("remark") or "").strip()[:500]
    stored, errors = parse(posted, None)
    if not remark:
        errors["remark"] = _("A reason is required to %(action)s.", action=str(TERMINATION.transitions["force"].label))
    if errors:
        raise FormRefused(errors)
    row = start(agreement, "school", actor)
    _apply(row, stored)
    db.session.flush()
    try:
        result = fire(TERMINATION, "force", row.id, actor, remark=remark, commit=False)
    except WorkflowError as exc:
        db.session.rollback()
        raise FormRefused({"form": str(exc)}) from None
    if not result.ok:
        db.session.rollback()
        raise FormRefused({"form": result.reason or ""})
    db.session.commit()
    return result


def force_refusal(agreement: Agreement, actor: Any) -> Optional[str]:
    """Why the force button is disabled for this agreement (the engine's own reason), or None."""
    from app.workflows.engine import why_not
    from app.workflows.termination import TERMINATION

    if open_termination(agreement.id) is not None:
        return str(_already_open().errors["form"])
    probe = Termination(agreement=agreement, graduate=agreement.graduate, status="draft", requested_by="school")
    try:
        return why_not(TERMINATION, "force", probe, actor)
    finally:
        if probe in db.session:
            db.session.expunge(probe)


__all__ = ["EVIDENCE_KINDS", "FormRefused", "agreement_of", "attach", "detach", "force", "force_refusal", "load",
           "mark_offline", "open_termination", "parse", "reasons", "save", "start", "terminable", "terminations_of",
           "values_of", "visible_to_party"]
