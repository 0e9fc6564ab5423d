"""CHG-1/CHG-2: a student's change request for a mismatched key field, its evidence, and applying an approval."""
from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from app.extensions import db
from app.models.change import ChangeRequest, Evidence
from app.models.graduate import Graduate
from app.models.org import Major
from app.scope import department_subtree
from app.services import audit, source_form, uploads
from app.services.comparison import (
    KEY_FIELDS_BY_NAME,
    MATCH,
    NOT_COMPARED,
    KeyField,
    compare_field,
)
from app.timeutil import utcnow
from app.validation.result import Check, fail, normalise_text
from app.workflows.base import FireContext, Workflow
from app.workflows.change_request import APPROVED, CHANGE_REQUEST, REJECTED, SUBMITTED
from app.workflows.source_info import COMPLETE, SOURCE_INFO

MAX_EXPLANATION = 500
MIN_FILES = 1


class ChangeRequestInvalid(ValueError):
    """The request was not stored; `errors` maps form fields (field, claimed_value, explanation, files) to messages."""

    def __init__(self, errors: dict[str, str], suggestion: str | None = None) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors
        self.suggestion = suggestion


@dataclass
class Incoming:
    """An uploaded file as read from the request: the name the browser sent (metadata only) and its bytes."""

    filename: str | None
    data: bytes = field(repr=False)


# --- the claimed value, checked with the field's own rule -------------------------------------------------------


def check_claimed(key: str, value: Any, graduate: Graduate) -> Check:
    """The claimed value checked with the form's rule for that field (with the rest of the form as context).

    `.value` is what is stored on the request: codes for coded fields, ISO dates, the canonical 生源地.
    """
    text = "" if value is None else str(value).strip()
    if key == "major_code":
        code = normalise_text(text).upper()
        if find_major(graduate, code) is None:
            return fail(_("There is no major with code %(code)s in your college.", code=code or "—"), code)
        return Check(ok=True, value=code)
    spec = source_form.FIELDS_BY_KEY.get(key)
    if spec is None or spec.rule is None:
        return fail(_("This field cannot be changed through a change request."))
    values = source_form.values_of(graduate)
    values[key] = text
    result = spec.rule(values)
    if not result.ok:
        return fail(result.message or _("The value is not valid."), text, suggestion=result.suggestion)
    if spec.max_length and len(str(result.value or "")) > spec.max_length:
        return fail(_("At most %(n)d characters.", n=spec.max_length), text)
    return Check(ok=True, value=as_text(result.value) or "", code=result.code)


def find_major(graduate: Graduate, code: str) -> Major | None:
    """The active major with that code taught in the graduate's department subtree."""
    subtree = department_subtree(graduate.department_id)
    return db.session.execute(select(Major).where(Major.code == code, Major.department_id.in_(subtree),
                                                  Major.active.is_(True)).limit(1)).scalar_one_or_none()


def majors_for(graduate: Graduate) -> list[Major]:
    """Choices for a major-code claim: the majors of the graduate's own department subtree."""
    subtree = department_subtree(graduate.department_id)
    return list(db.session.execute(select(Major).where(Major.department_id.in_(subtree), Major.active.is_(True))
                                   .order_by(Major.code)).scalars())


# --- reading values the way the comparison does ---------------------------------------------------------------


def as_text(value: Any) -> str | None:
    """A key-field value as stored on a request: ISO dates, codes and texts as they are."""
    if value is None or value == "":
        return None
    return value.isoformat() if isinstance(value, datetime.date) else str(value)


def display(key: str, value: Any) -> str:
    """A stored value as people read it (coded values as their translated label)."""
    spec = KEY_FIELDS_BY_NAME.get(key)
    return spec.display(value) if spec is not None else str(value or "")


def field_label(key: str) -> str:
    spec = KEY_FIELDS_BY_NAME.get(key)
    return str(spec.label) if spec is not None else key


def status_label(status: str) -> str:
    return CHANGE_REQUEST.label(status)


def registry_of(graduate: Graduate) -> Any:
    """The registry record the form is compared with; an unbound (manually filled) form is compared with nothing."""
    return graduate.registry_record if graduate.bound_at is not None else None


def open_request(graduate: Graduate, key: str) -> ChangeRequest | None:
    return db.session.execute(select(ChangeRequest).where(
        ChangeRequest.graduate_id == graduate.id, ChangeRequest.field == key, ChangeRequest.status == SUBMITTED)
    ).scalars().first()


def availability(graduate: Graduate, key: str) -> str | None:
    """Why no request can be made for this field right now, or None when one can."""
    spec: KeyField | None = KEY_FIELDS_BY_NAME.get(key)
    if spec is None:
        return _("This field cannot be changed through a change request.")
    if graduate.status == COMPLETE:
        return _("Your record has been approved by the school and is complete; it can no longer be changed.")
    state = compare_field(spec, graduate, registry_of(graduate)).state
    if state == NOT_COMPARED:
        return _("The registry has no value for %(field)s, so there is nothing to change; simply fill in the "
                 "form.", field=spec.label)
    if state == MATCH:
        return _("%(field)s on your form matches the registry, so there is nothing to change.", field=spec.label)
    if open_request(graduate, key) is not None:
        return _("You already have a change request for %(field)s awaiting review; wait for the decision before "
                 "submitting another.", field=spec.label)
    return None


# --- submitting -------------------------------------------------------------------------------------------------


def submit(graduate: Graduate, key: str, claimed: Any, explanation: str, files: list[Incoming],
           actor: Any) -> ChangeRequest:
    """Validate everything, store the evidence, insert the request in its initial state and audit it; all or nothing."""
    try:
        return _submit(graduate, key, claimed, explanation, files, actor)
    except ChangeRequestInvalid:
        db.session.rollback()  # releases the graduate's row lock at once
        raise


def _submit(graduate: Graduate, key: str, claimed: Any, explanation: str, files: list[Incoming],
            actor: Any) -> ChangeRequest:
    if graduate.user_id is None or graduate.user_id != getattr(actor, "id", None):
        raise ChangeRequestInvalid({"field": _("Only the student can request a change to their own record.")})
    # one open request per field: take the graduate's row lock so two tabs cannot both pass the check
    db.session.execute(select(Graduate.id).where(Graduate.id == graduate.id).with_for_update())
    refusal = availability(graduate, key)
    if refusal:
        raise ChangeRequestInvalid({"field": refusal})
    spec = KEY_FIELDS_BY_NAME[key]
    registry_value = as_text(spec.of_registry(registry_of(graduate)))
    errors: dict[str, str] = {}
    suggestion = None
    check = check_claimed(key, as_text(spec.of_graduate(graduate)) if claimed is None else claimed, graduate)
    if not check.ok:
        errors["claimed_value"], suggestion = check.message or _("The value is not valid."), check.suggestion
    elif normalise_text(check.value) == normalise_text(registry_value):
        errors["claimed_value"] = _("This is the value the registry already holds; there is nothing to change.")
    explanation = (explanation or "").strip()
    if not explanation:
        errors["explanation"] = _("Explain why the registry value is wrong.")
    elif len(explanation) > MAX_EXPLANATION:
        errors["explanation"] = _("The explanation is limited to %(n)d characters.", n=MAX_EXPLANATION)
    checked, problem = _checked_files(files)
    if problem:
        errors["files"] = problem
    if errors:
        raise ChangeRequestInvalid(errors, suggestion)
    return _insert(graduate, key, registry_value, check.value, explanation, checked, actor)


def _checked_files(files: list[Incoming]) -> tuple[list[uploads.CheckedFile], str | None]:
    """Every file checked by content; the count and total size limited per request."""
    files = [f for f in files if f.filename or f.data]
    if len(files) < MIN_FILES:
        return [], _("Attach at least one piece of evidence (a photo or PDF of the certificate).")
    if len(files) > uploads.MAX_FILES:
        return [], _("Attach at most %(n)d files.", n=uploads.MAX_FILES)
    if sum(len(f.data) for f in files) > uploads.max_request_bytes():
        return [], _("The files together are larger than %(mb)d MB.", mb=uploads.max_request_bytes() // 2**20)
    checked, problems = [], []
    for incoming in files:
        try:
            checked.append(uploads.inspect_upload(incoming.filename, incoming.data))
        except uploads.UploadRefused as refused:
            problems.append(f"{uploads.clean_name(incoming.filename)}: {refused.message}")
    return checked, " ".join(problems) or None


def _insert(graduate: Graduate, key: str, registry_value: str | None, claimed: str, explanation: str,
            checked: list[uploads.CheckedFile], actor: Any) -> ChangeRequest:
    stored: list[str] = []
    try:
        request = ChangeRequest(graduate_id=graduate.id, field=key, registry_value=registry_value,
                                claimed_value=claimed, explanation=explanation, status=CHANGE_REQUEST.initial,
                                version=1, created_at=utcnow())
        db.session.add(request)
        db.session.flush()
        for item in checked:
            stored.append(uploads.store(item))
            db.session.add(Evidence(graduate_id=graduate.id, change_request_id=request.id,
                                    original_name=item.original_name, content_type=item.content_type,
                                    size=item.size, sha256=item.sha256, storage_key=stored[-1],
                                    uploaded_by_id=actor.id, created_at=utcnow()))
        db.session.flush()
        audit.record("change_request.submitted", "change_request", request.id, graduate=graduate.id,
                     student_no=graduate.student_no, field=key, registry_value=registry_value, claimed_value=claimed,
                     evidence=[item.sha256 for item in checked])
        db.session.commit()
    except BaseException:
        db.session.rollback()
        for key_ in stored:
            uploads.remove(key_)
        raise
    return request


# --- approval: the guard and the effect -------------------------------------------------------------------------


def approval_problem(row: ChangeRequest, ctx: FireContext) -> str | None:
    """An approval changes the student's record, so the record must still be editable by the reviewer."""
    graduate = row.graduate
    if graduate.status == COMPLETE:
        return _("%(student)s's record is already complete; the administrator must reopen it before a change can "
                 "be applied.", student=graduate.name)
    if not SOURCE_INFO.can_edit(graduate.status, ctx.roles):
        return _("%(student)s's record cannot be changed while it is %(state)s.", student=graduate.name,
                 state=SOURCE_INFO.label(graduate.status))
    if row.field not in KEY_FIELDS_BY_NAME:
        return _("This field cannot be changed through a change request.")
    check = check_claimed(row.field, row.claimed_value, graduate)
    if not check.ok:
        return _("The claimed value can no longer be applied: %(problem)s", problem=check.message)
    return None


def apply_to_graduate(request: ChangeRequest) -> dict[str, list[Any]]:
    """Write the claimed value into the graduate's record; returns {attribute: [old, new]} as the form's save does."""
    graduate, key = request.graduate, request.field
    check = check_claimed(key, request.claimed_value, graduate)
    if key == "major_code":
        major = find_major(graduate, check.value)
        old = graduate.major.code if graduate.major is not None else None
        changes: dict[str, list[Any]] = {}
        if major is not None and major.id != graduate.major_id:
            changes["major_code"] = [old, major.code]
            graduate.major_id = major.id
    else:
        stored: dict[str, Any] = {key: check.value or None}
        if key == "graduation_date":
            stored[key] = datetime.date.fromisoformat(check.value)
        elif key == "origin":
            stored["origin_code"] = check.code
        changes = source_form.apply(graduate, stored)
    graduate.updated_at = utcnow()
    return changes


def apply_approved(workflow: Workflow, trigger: str, done_ids: list[Any], ctx: FireContext) -> None:
    """CHANGE_REQUEST's after_fire effect: an approval writes the claimed value into the record, audited, in the same transaction."""
    if trigger != "approve":
        return
    requests = db.session.execute(select(ChangeRequest).where(ChangeRequest.id.in_(done_ids))).scalars()
    for request in requests:
        changes = apply_to_graduate(request)
        db.session.flush()
        audit.record("graduate.change_applied", "graduate", request.graduate_id, changes=changes,
                     source="change_request", change_request=request.id, field=request.field)


# --- a submitted request and its evidence are never edited or deleted -----------------------------------------

_DECISION_COLUMNS = {"status", "version", "decided_by", "decided_at", "decision_remark"}


@event.listens_for(Session, "before_flush")
def _refuse_edits(session: Session, flush_context: Any, instances: Any) -> None:
    """Only the engine's decision columns change after submission; deleting requests or their evidence is refused."""
    for obj in session.deleted:
        if isinstance(obj, ChangeRequest) or (isinstance(obj, Evidence) and obj.change_request_id is not None):
            raise PermissionError("submitted change requests and their evidence cannot be deleted")
    for obj in session.dirty:
        if isinstance(obj, ChangeRequest):
            state = inspect(obj)
            edited = {a.key for a in state.attrs if a.history.has_changes()} - _DECISION_COLUMNS
            if edited:
                raise PermissionError(f"a submitted change request cannot be edited ({', '.join(sorted(edited))})")
        elif isinstance(obj, Evidence):
            state = inspect(obj)
            history = state.attrs.change_request_id.history
            attached = [*history.deleted, *history.unchanged]
            if any(attached) and any(a.history.has_changes() for a in state.attrs):
                raise PermissionError("evidence of a submitted change request cannot be edited")


__all__ = ["APPROVED", "REJECTED", "SUBMITTED", "ChangeRequestInvalid", "Incoming", "availability", "submit"]
