"""EMP-1/EMP-4: the student's destination form — what each code needs (from the code table), evidence through the
uploads service, a new employer when it is not listed — and the change rules between versions."""
from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Optional

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.extensions import db
from app.models.change import Evidence
from app.models.destination import CHANGE, ORIGINAL, REVERT, Destination, DestinationEvidence
from app.models.employer import MERGED, PENDING, Employer
from app.models.graduate import Graduate
from app.models.reference import EVIDENCE_KINDS, Country, DestinationCode, JobCategory, RejectionReason
from app.services import audit, uploads
from app.services.change_requests import Incoming
from app.services.reference import check_division, destination, division_full_name
from app.timeutil import utcnow
from app.validation import check_credit_code
from app.validation.result import normalise_text
from app.workflows.destination import COMPLETE, DESTINATION, cohort_closed, swap_current

# -- what each form kind asks for ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class FormField:
    key: str
    label: Any
    kind: str = "text"  # text, textarea, date, select, region, employer, checkbox
    max_length: int = 200


FIELDS = {f.key: f for f in (
    FormField("employer_id", _l("Employer"), "employer"),
    FormField("signed_on", _l("Signing date"), "date"),
    FormField("job_category_id", _l("Job category"), "select"),
    FormField("host_unit", _l("Host unit of the project"), max_length=200),
    FormField("venture_name", _l("Name of the venture"), max_length=200),
    FormField("venture_credit_code", _l("Unified social credit code of the venture"), max_length=18),
    FormField("online_shop", _l("It is an online shop"), "checkbox"),
    FormField("shop_address", _l("Web address of the online shop"), max_length=300),
    FormField("work_description", _l("What the work is"), "textarea", max_length=1000),
    FormField("school_name", _l("School"), max_length=200),
    FormField("foreign_school_name", _l("School name in its own language"), max_length=200),
    FormField("country_id", _l("Country or region"), "select"),
    FormField("region_code", _l("Location"), "region", max_length=6),
    FormField("address", _l("Address"), max_length=200),
)}
# form kind -> (field, required) in display order; a field not listed for the code is cleared on save
KIND_FIELDS: dict[str, tuple[tuple[str, bool], ...]] = {
    "employer": (("employer_id", True), ("signed_on", True), ("job_category_id", True)),
    "host_unit": (("host_unit", True), ("region_code", True), ("address", False)),
    "none": (),
    "venture": (("venture_name", True), ("venture_credit_code", False), ("region_code", True), ("address", True),
                ("online_shop", False), ("shop_address", False)),
    "freelance": (("work_description", True), ("region_code", True)),
    "domestic_study": (("school_name", True), ("region_code", True)),
    "foreign_study": (("school_name", False), ("foreign_school_name", True), ("country_id", True)),
}
NUMBERS = (FormField("transfer_no", _l("Transfer number (转递编号)"), max_length=40),
           FormField("verification_no", _l("Verification number (核验编号)"), max_length=40))
NEW_EMPLOYER = ("new_employer_name", "new_employer_credit_code", "new_employer_region_code", "new_employer_address")
FOREIGN_KEYS = {"job_category_id": JobCategory, "country_id": Country, "employer_id": Employer}


@dataclass(frozen=True)
class Problem:
    key: str
    label: str
    message: str


class FormRefused(ValueError):
    """Nothing was stored; `errors` maps form fields to messages."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def kind_of(row: Destination) -> Optional[str]:
    return destination(row.code.code).form_kind if row.code is not None and destination(row.code.code) else None


def fields_for(kind: Optional[str]) -> list[tuple[FormField, bool]]:
    return [(FIELDS[key], required) for key, required in KIND_FIELDS.get(kind or "", ())]


def evidence_for(row: Destination) -> list[str]:
    """Proof kinds the row's code needs; an online-shop proof only for an online shop."""
    if row.code is None or destination(row.code.code) is None:
        return []
    return [k for k in destination(row.code.code).evidence if k != "shop_proof" or row.online_shop]


def code_choices() -> list[DestinationCode]:
    """Active codes a graduate can pick: a sub-code where the stem has active sub-codes, else the stem."""
    rows = db.session.execute(select(DestinationCode).where(DestinationCode.active.is_(True))
                              .order_by(DestinationCode.sort_order, DestinationCode.code)).scalars().all()
    parents = {row.parent_id for row in rows if row.parent_id}
    return [row for row in rows if row.id not in parents]


def choices(model: Any) -> list[Any]:
    return list(db.session.execute(select(model).where(model.active.is_(True))
                                   .order_by(model.sort_order, model.code)).scalars())


# -- values, parsing, problems ----------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None or value is False:
        return ""
    if value is True:
        return "1"
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def values_of(row: Optional[Destination]) -> dict[str, str]:
    keys = ["code_id", *FIELDS, *(f.key for f in NUMBERS)]
    return {key: _text(getattr(row, key, None)) if row is not None else "" for key in keys}


def _parse_value(field: FormField, raw: str, errors: dict[str, str]) -> Any:
    if field.kind == "checkbox":
        return raw in ("1", "on", "true", "y")
    if not raw:
        return None
    if len(raw) > field.max_length:
        errors[field.key] = _("At most %(n)d characters.", n=field.max_length)
        return None
    if field.kind == "date":
        try:
            return datetime.date.fromisoformat(raw)
        except ValueError:
            errors[field.key] = _("Enter a date as YYYY-MM-DD.")
            return None
    if field.key in FOREIGN_KEYS:
        model = FOREIGN_KEYS[field.key]
        row = db.session.get(model, int(raw)) if raw.isdigit() and len(raw) < 10 else None
        if row is None or getattr(row, "active", True) is False or getattr(row, "status", None) == MERGED:
            errors[field.key] = _("Choose an entry from the list.")
            return None
        return row.id
    if field.key == "venture_credit_code":
        return raw.upper().replace("-", "")
    return raw


def parse(posted: Mapping[str, Any]) -> tuple[dict[str, str], dict[str, Any], dict[str, str]]:
    """(typed, stored, errors): what was typed, what will be stored (only the fields the chosen code needs),
    and the entries that cannot be stored at all."""
    typed = {key: normalise_text(posted.get(key, "")) if key != "work_description" else str(
        posted.get(key, "") or "").strip() for key in ["code_id", *FIELDS, *(f.key for f in NUMBERS), *NEW_EMPLOYER]}
    errors: dict[str, str] = {}
    stored: dict[str, Any] = {}
    code = None
    if typed["code_id"]:
        code = db.session.get(DestinationCode, int(typed["code_id"])) if typed["code_id"].isdigit() and len(
            typed["code_id"]) < 10 else None
        if code is None or code not in code_choices():
            errors["code_id"] = _("Choose a destination from the list.")
            code = None
    stored["code_id"] = code.id if code else None
    kind = destination(code.code).form_kind if code is not None and destination(code.code) else None
    needed = {key for key, _required in KIND_FIELDS.get(kind or "", ())}
    for key, field in FIELDS.items():
        stored[key] = _parse_value(field, typed[key], errors) if key in needed else (
            False if field.kind == "checkbox" else None)
    for field in NUMBERS:
        stored[field.key] = _parse_value(field, typed[field.key], errors)
    return typed, stored, errors


def problems(row: Destination) -> list[Problem]:
    """Everything that stops a submission, each naming its field (the page links to it)."""
    found: list[Problem] = []
    if row.code is None:
        return [Problem("code_id", _("Destination"), _("Choose your destination."))]
    for field, required in fields_for(kind_of(row)):
        value = getattr(row, field.key)
        if field.key == "shop_address":
            required = row.online_shop
        if required and (value is None or value == ""):
            found.append(Problem(field.key, str(field.label), _("Fill in this item.")))
            continue
        if value and field.kind == "region":
            check = check_division(value)
            if not check.ok:
                found.append(Problem(field.key, str(field.label), check.message or _("The value is not valid.")))
        if value and field.key == "venture_credit_code":
            check = check_credit_code(value)
            if not check.ok:
                found.append(Problem(field.key, str(field.label), check.message or _("The value is not valid.")))
        if field.key == "employer_id" and value and row.employer is not None and row.employer.status == MERGED:
            found.append(Problem(field.key, str(field.label), _("This employer was merged; choose it again.")))
    attached = {link.kind for link in row.evidence_links}
    for kind in evidence_for(row):
        if kind not in attached:
            found.append(Problem(f"evidence_{kind}", str(EVIDENCE_KINDS[kind]), _("Upload this proof.")))
    return found


def submission_problems(row: Destination) -> list[str]:
    return [f"{p.label}：{p.message}" for p in problems(row)]


# -- a new employer -----------------------------------------------------------------------------------------------


def new_employer(typed: Mapping[str, str], actor: Any) -> tuple[Optional[Employer], dict[str, str]]:
    """The employer the student adds (pending until the school approves it), or the existing one with the same
    credit code; errors per field when it cannot be added."""
    name = typed.get("new_employer_name", "")
    if not name:
        return None, {}
    errors: dict[str, str] = {}
    if len(name) > 200:
        errors["new_employer_name"] = _("At most %(n)d characters.", n=200)
    code = check_credit_code(typed.get("new_employer_credit_code", ""))
    if not code.ok:
        errors["new_employer_credit_code"] = code.message or _("The value is not valid.")
    region = check_division(typed.get("new_employer_region_code", ""))
    if not region.ok:
        errors["new_employer_region_code"] = region.message or _("The value is not valid.")
    address = typed.get("new_employer_address", "")
    if len(address) > 200:
        errors["new_employer_address"] = _("At most %(n)d characters.", n=200)
    if errors:
        return None, errors
    existing = db.session.execute(select(Employer).where(Employer.credit_code == code.value)).scalar()
    if existing is not None:
        return existing, {}
    employer = Employer(name=name, credit_code=code.value, region_code=region.value, address=address or None,
                        status=PENDING, created_at=utcnow())
    db.session.add(employer)
    db.session.flush()
    audit.record("employer.added_by_student", "employer", employer.id, name=name, credit_code=code.value,
                 by=getattr(actor, "id", None))
    return employer, {}


# -- versions and the change rules (EMP-4) -------------------------------------------------------------------------


def versions(graduate: Graduate) -> list[Destination]:
    """Every version, newest first (all are kept and shown)."""
    return list(db.session.execute(select(Destination).where(Destination.graduate_id == graduate.id)
                                   .order_by(Destination.version_no.desc())).scalars())


def current(graduate: Graduate) -> Optional[Destination]:
    return db.session.execute(select(Destination).where(Destination.graduate_id == graduate.id,
                                                        Destination.is_current)).scalar()


def open_version(graduate: Graduate) -> Optional[Destination]:
    """The version being filled or reviewed: the newest one not yet approved (at most one exists)."""
    latest = next(iter(versions(graduate)), None)
    return latest if latest is not None and latest.status != COMPLETE else None


def closed_reason(graduate: Graduate) -> Optional[str]:
    return cohort_closed(graduate.cohort)


def change_refusal(graduate: Graduate) -> Optional[str]:
    """Why the graduate may not start a change now, or None (EMP-4)."""
    closed = closed_reason(graduate)
    if closed:
        return closed
    now = current(graduate)
    if now is None or now.status != COMPLETE:
        return _("Only an approved destination can be changed; until then, edit the entry itself.")
    if open_version(graduate) is not None:
        return _("A change is already in progress.")
    if now.from_agreement:
        return _("This destination comes from a signed employment agreement; it can change only through a "
                 "termination of the agreement.")
    if now.kind == CHANGE:
        return _("You have already changed your destination once. A second change needs the school to revert "
                 "your entry to the original one first.")
    return None


COPIED = ("code_id", "employer_id", "signed_on", "job_category_id", "host_unit", "venture_name",
          "venture_credit_code", "online_shop", "shop_address", "work_description", "school_name",
          "foreign_school_name", "country_id", "region_code", "address", "transfer_no", "verification_no")


def _next_no(graduate: Graduate) -> int:
    return (db.session.execute(select(func.max(Destination.version_no)).where(
        Destination.graduate_id == graduate.id)).scalar() or 0) + 1


def _copy(source: Destination, graduate: Graduate, kind: str, **values: Any) -> Destination:
    row = Destination(graduate_id=graduate.id, version_no=_next_no(graduate), kind=kind, is_current=False,
                      created_at=utcnow(), **{key: getattr(source, key) for key in COPIED}, **values)
    db.session.add(row)
    db.session.flush()
    for link in source.evidence_links:
        db.session.add(DestinationEvidence(destination_id=row.id, evidence_id=link.evidence_id, kind=link.kind))
    return row


def first_entry(graduate: Graduate) -> Destination:
    """The graduate's first destination: version 1, current from the start (there is nothing else to be)."""
    row = Destination(graduate_id=graduate.id, version_no=1, kind=ORIGINAL, is_current=True,
                      status=DESTINATION.initial, created_at=utcnow())
    db.session.add(row)
    db.session.flush()
    return row


def start_change(graduate: Graduate, actor: Any) -> Destination:
    """A new draft version copied from the approved one; the approved one stays current until this is approved."""
    refusal = change_refusal(graduate)
    if refusal:
        raise FormRefused({"change": refusal})
    now = current(graduate)
    row = _copy(now, graduate, CHANGE, status=DESTINATION.initial)
    audit.record("destination.change_started", "destination", row.id, graduate=graduate.id, from_version=now.version_no,
                 version_no=row.version_no, by=getattr(actor, "id", None))
    return row


def revert_refusal(graduate: Graduate) -> Optional[str]:
    closed = closed_reason(graduate)
    if closed:
        return closed
    now = current(graduate)
    if now is None or now.kind != CHANGE or now.status != COMPLETE:
        return _("Only an approved change can be reverted to the original entry.")
    if open_version(graduate) is not None:
        return _("A change is in progress; it must be decided before the entry is reverted.")
    return None


def revert_to_original(graduate: Graduate, actor: Any, reason: str) -> Destination:
    """The school restores the original entry (its employer included) as a new, approved, current version; the
    graduate may then change once more. Done by the school itself, so it needs no further review."""
    from app.security.roles import ADMIN, SCHOOL, role_names

    if not role_names(actor) & {SCHOOL, ADMIN}:
        raise FormRefused({"revert": _("Only the school can revert a destination to the original entry.")})
    if not (reason or "").strip():
        raise FormRefused({"revert": _("A reason is required to revert to the original entry.")})
    refusal = revert_refusal(graduate)
    if refusal:
        raise FormRefused({"revert": refusal})
    original = db.session.execute(select(Destination).where(
        Destination.graduate_id == graduate.id, Destination.kind == ORIGINAL).order_by(Destination.version_no)
    ).scalars().first()
    who = getattr(actor, "display_name", None) or getattr(actor, "username", None)
    row = _copy(original, graduate, REVERT, status=COMPLETE, submitted_at=utcnow(), school_decision="approved",
                school_remark=reason.strip(), school_decided_at=utcnow(), school_decided_by=who)
    swap_current([(row.id, graduate.id)])
    audit.record("destination.reverted", "destination", row.id, graduate=graduate.id, original=original.version_no,
                 version_no=row.version_no, remark=reason.strip())
    return row


# -- saving --------------------------------------------------------------------------------------------------------


def may_edit(row: Optional[Destination], graduate: Graduate, roles: frozenset[str]) -> bool:
    if closed_reason(graduate):
        return False
    return row is None or DESTINATION.can_edit(row.status, roles)


def apply(row: Destination, stored: Mapping[str, Any]) -> dict[str, list[Any]]:
    changes = {}
    for key, value in stored.items():
        old = getattr(row, key)
        if old != value:
            changes[key] = [_text(old), _text(value)]
            setattr(row, key, value)
    if changes:
        row.updated_at = utcnow()
    return changes


def attach(row: Destination, graduate: Graduate, files: Mapping[str, list[Incoming]], actor: Any) -> list[str]:
    """Store each uploaded proof (checked by content by the uploads service) and link it to the version; returns
    the storage keys written (removed again by the caller if the transaction fails)."""
    wanted = set(evidence_for(row))
    incoming = [(kind, f) for kind, items in files.items() if kind in wanted for f in items if f.filename or f.data]
    if not incoming:
        return []
    if len(row.evidence_links) + len(incoming) > uploads.MAX_FILES * max(1, len(wanted)):
        raise FormRefused({"evidence": _("Attach at most %(n)d files.", n=uploads.MAX_FILES * len(wanted))})
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
        evidence = Evidence(graduate_id=graduate.id, original_name=item.original_name,
                            content_type=item.content_type, size=item.size, sha256=item.sha256,
                            storage_key=keys[-1], uploaded_by_id=getattr(actor, "id", None), created_at=utcnow())
        db.session.add(evidence)
        db.session.flush()
        db.session.add(DestinationEvidence(destination_id=row.id, evidence_id=evidence.id, kind=kind))
        audit.record("destination.evidence_added", "destination", row.id, evidence=evidence.id, kind=kind,
                     sha256=item.sha256)
    return keys


def detach(row: Destination, link_ids: list[int]) -> int:
    """Unlink proofs from this version (the stored file and older versions' links stay)."""
    removed = 0
    for link in list(row.evidence_links):
        if link.id in link_ids:
            row.evidence_links.remove(link)
            db.session.delete(link)
            audit.record("destination.evidence_removed", "destination", row.id, evidence=link.evidence_id)
            removed += 1
    return removed


def save(graduate: Graduate, posted: Mapping[str, Any], files: Mapping[str, list[Incoming]], actor: Any,
         roles: frozenset[str], version: Optional[int] = None) -> Destination:
    """Save the open version (created on the first save): nothing stored if any entry cannot be stored. Commits."""
    closed = closed_reason(graduate)
    if closed:
        raise FormRefused({"form": closed})
    row = open_version(graduate)
    if row is None and current(graduate) is not None:
        raise FormRefused({"form": _("Your destination is approved; start a change to edit it.")})
    if row is not None and not DESTINATION.can_edit(row.status, roles):
        raise FormRefused({"form": _("Your destination cannot be changed now: it is %(state)s.",
                                     state=DESTINATION.label(row.status))})
    if row is not None and version is not None and version != row.version:
        raise FormRefused({"form": _("Someone else changed this record since you opened it; reload and try again.")})
    typed, stored, errors = parse(posted)
    wants_employer = bool(stored["code_id"]) and kind_of_code(stored["code_id"]) == "employer"
    if wants_employer and not stored["employer_id"] and "employer_id" not in errors:
        employer, employer_errors = new_employer(typed, actor)
        errors.update(employer_errors)
        if employer is not None:
            stored["employer_id"] = employer.id
    if errors:
        db.session.rollback()
        raise FormRefused(errors)
    keys: list[str] = []
    try:
        if row is None:
            row = first_entry(graduate)
        changes = apply(row, stored)
        db.session.flush()
        detach(row, [int(i) for i in posted.getlist("remove_evidence") if str(i).isdigit()]
               if hasattr(posted, "getlist") else [])
        keys = attach(row, graduate, files, actor)
        if changes:
            audit.record("destination.saved", "destination", row.id, graduate=graduate.id, changes=changes)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        for key in keys:
            uploads.remove(key)
        raise
    return row


def kind_of_code(code_id: int) -> Optional[str]:
    code = db.session.get(DestinationCode, code_id)
    row = destination(code.code) if code is not None else None
    return row.form_kind if row else None


# -- rejection reasons ------------------------------------------------------------------------------------------


def reasons_problem(codes: Any, text: Any) -> Optional[str]:
    """One or more active reasons from the list; the free text where a picked reason asks for words."""
    codes = [str(c) for c in (codes or [])]
    if not codes:
        return _("Pick at least one reason from the list.")
    rows = db.session.execute(select(RejectionReason).where(RejectionReason.code.in_(codes),
                                                            RejectionReason.active.is_(True))).scalars().all()
    if len(rows) != len(set(codes)):
        return _("Pick the reasons from the list.")
    if any(r.needs_text for r in rows) and not str(text or "").strip():
        return _("Describe the problem in your own words for “%(reason)s”.",
                 reason="、".join(r.name for r in rows if r.needs_text))
    return None


def rejection_remark(codes: list[str], text: str) -> str:
    """The remark a rejection stores and notifies: the reasons' names, then the reviewer's words."""
    names = dict(db.session.execute(select(RejectionReason.code, RejectionReason.name)
                                    .where(RejectionReason.code.in_(codes))).all())
    picked = "；".join(names.get(c, c) for c in codes)
    return f"{picked}。{text.strip()}" if text and text.strip() else picked


def reason_names(codes: list[str]) -> list[str]:
    names = dict(db.session.execute(select(RejectionReason.code, RejectionReason.name)
                                    .where(RejectionReason.code.in_(codes))).all())
    return [names.get(c, c) for c in codes]


def region_name(code: Optional[str]) -> str:
    return division_full_name(code) or (code or "")
