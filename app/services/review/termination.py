"""TRM-1/TRM-5: the termination review as two declarations on the shared workspace — the work list (pending
requests only) and the history list (decided ones) — with the evidence of a selection as one zip (app.services
.proof_zip's writer) and each record's review log read from the engine's audit rows."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Optional

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select
from sqlalchemy.orm import aliased

from app.extensions import db
from app.formatters import yes_no
from app.models.agreement import AGREEMENT_KINDS, ONLINE, Agreement, AgreementNumber
from app.models.audit import AuditLog
from app.models.change import Evidence
from app.models.employer import Employer
from app.models.graduate import Graduate
from app.models.org import Department
from app.models.reference import TerminationReason
from app.models.termination import LIABLE_PARTIES, REQUESTERS, Termination, TerminationEvidence
from app.scope import scope_clause
from app.services.review.columns import COLUMNS, Column, mapped, review_columns
from app.services.review.workspace import FieldSets, Filter, Workspace, register
from app.timeutil import local_display
from app.workflows.termination import PENDING, TERMINATION

T = Termination
NewNumber = aliased(AgreementNumber, name="new_number")
_graduate = {c.key: c for c in COLUMNS}
_review = review_columns(T, TERMINATION)
_YES_NO = {"yes": True, "no": False}

COLUMNS_TERMINATION: tuple[Column, ...] = (
    *(_graduate[key] for key in ("student_no", "name", "department", "major")),
    Column("employer", _l("Employer"), Employer.name, sortable=True, default=True),
    Column("employer_credit_code", _l("Unified social credit code"), Employer.credit_code),
    Column("agreement_number", _l("Agreement number"), func.coalesce(Agreement.external_number, AgreementNumber.number),
           sortable=True, default=True),
    Column("agreement_kind", _l("Kind of agreement"), Agreement.kind, show=mapped(AGREEMENT_KINDS), finite=True),
    Column("requested_by", _l("Requested by"), T.requested_by, default=True, show=mapped(REQUESTERS), finite=True),
    Column("reason", _l("Reason for the termination"), TerminationReason.name, default=True, finite=True),
    Column("explanation", _l("Explanation of the termination"), T.explanation),
    Column("liable_party", _l("Liable party"), T.liable_party, default=True, show=mapped(LIABLE_PARTIES),
           finite=True),
    Column("penalty", _l("Penalty (违约金) arrangement"), T.penalty, default=True),
    Column("offline", _l("Offline (signed letter)"), T.offline, default=True, show=yes_no, finite=True),
    Column("forced", _l("Forced by the school"), T.forced, default=True, show=yes_no, finite=True),
    _review[0],
    Column("created_at", _l("Requested at"), T.created_at, sortable=True, default=True, show=local_display),
    _review[1],
    Column("other_answered_at", _l("Other party answered at"), T.other_answered_at, show=local_display),
    Column("other_remark", _l("Other party's remark"), T.other_remark),
    *_review[2:],
    Column("ended_at", _l("Ended at"), T.ended_at, sortable=True, default=True, show=local_display),
    Column("letter_code", _l("Verification code of the letter"), T.letter_code),
    Column("new_number", _l("New agreement number"), NewNumber.number),
    _graduate["cohort"], _graduate["mobile"],
)


def _joins(stmt: Select[Any]) -> Select[Any]:
    """The agreement, its employer and number, the reason and the new number (primary-key joins)."""
    return (stmt.join(Agreement, Agreement.id == T.agreement_id)
            .join(Employer, Employer.id == Agreement.employer_id)
            .outerjoin(AgreementNumber, AgreementNumber.id == Agreement.number_id)
            .outerjoin(TerminationReason, TerminationReason.id == T.reason_id)
            .outerjoin(NewNumber, NewNumber.id == T.new_number_id))


def pending() -> Any:
    """The work list: requests still open (TRM-1: only pending ones)."""
    return T.status.in_(PENDING)


def decided() -> Any:
    """The history list: every request that has come to an end (approved, refused, rejected, withdrawn)."""
    return T.status.notin_(PENDING)


def _choice(values: dict[str, Any]) -> Any:
    return lambda raw: raw if raw in values else None


def _reason_choices() -> list[tuple[str, str]]:
    rows = db.session.execute(select(TerminationReason.code, TerminationReason.name)
                              .order_by(TerminationReason.sort_order, TerminationReason.code)).all()
    return [(code, f"{code} {name}") for code, name in rows]


def _reason_code(raw: str) -> Optional[str]:
    return raw if raw.isdigit() and len(raw) <= 10 else None


def _reason_clause(code: str) -> Any:
    return T.reason_id.in_(select(TerminationReason.id).where(TerminationReason.code == code))


FILTERS: tuple[Filter, ...] = (
    Filter("requested_by", _l("Requested by"), _choice(REQUESTERS), lambda v: T.requested_by == v,
           lambda: [(k, str(v)) for k, v in REQUESTERS.items()], doc="Who asked: graduate, employer or school",
           enum=tuple(REQUESTERS)),
    Filter("reason", _l("Reason for the termination"), _reason_code, _reason_clause, _reason_choices,
           doc="A termination reason code"),
    Filter("liable", _l("Liable party"), _choice(LIABLE_PARTIES), lambda v: T.liable_party == v,
           lambda: [(k, str(v)) for k, v in LIABLE_PARTIES.items()], doc="The liable party",
           enum=tuple(LIABLE_PARTIES)),
    Filter("offline", _l("Offline (signed letter)"), lambda raw: _YES_NO.get(raw), lambda v: T.offline.is_(v),
           lambda: [("yes", _("Yes")), ("no", _("No"))], doc="Submitted offline with the signed letter",
           enum=("yes", "no")),
    Filter("forced", _l("Forced by the school"), lambda raw: _YES_NO.get(raw), lambda v: T.forced.is_(v),
           lambda: [("yes", _("Yes")), ("no", _("No"))], doc="A forced termination (TRM-4)", enum=("yes", "no")),
    Filter("kind", _l("Kind of agreement"), _choice({"online": 1, "entered": 1}),
           lambda v: (Agreement.kind == ONLINE) if v == "online" else (Agreement.kind != ONLINE),
           lambda: [("online", _("Signed online")), ("entered", _("Entered (offline or out of province)"))],
           doc="online: signed online; entered: offline or out-of-province", enum=("online", "entered")),
)

# -- TRM-5: the evidence of many as one zip -------------------------------------------------------------------------


def evidence_files(records: Any, user: Any) -> Iterator[Any]:
    """Each file of the selected terminations with its place in the zip: 学院/学号_姓名/解约N/类型-原文件名."""
    from app.services.proof_zip import ProofFile, _unique, part
    from app.services.termination_forms import EVIDENCE_KINDS

    stmt = (select(Department.name.label("college"), Graduate.student_no, Graduate.name, T.id.label("termination"),
                   TerminationEvidence.kind, Evidence.id, Evidence.original_name, Evidence.storage_key, Evidence.size,
                   Evidence.created_at)
            .select_from(TerminationEvidence).join(T, T.id == TerminationEvidence.termination_id)
            .join(Evidence, Evidence.id == TerminationEvidence.evidence_id)
            .join(Graduate, Graduate.id == T.graduate_id).join(Department, Department.id == Graduate.department_id)
            .where(T.id.in_(records), scope_clause(T, user))
            .order_by(Department.name, Graduate.student_no, T.id, Evidence.id))
    taken: set[str] = set()
    for row in db.session.execute(stmt.execution_options(yield_per=1000)):
        folder = f"{part(row.college)}/{part(row.student_no)}_{part(row.name)}/" + part(
            _("Termination %(n)d", n=row.termination))
        name = part(f"{EVIDENCE_KINDS.get(row.kind, row.kind)}-{row.original_name}", fallback=str(row.id))
        yield ProofFile(row.id, _unique(f"{folder}/{name}", taken), row.storage_key, row.size, row.created_at)


def evidence_zip(records: Any, user: Any) -> Iterator[bytes]:
    """Audit the download (how many files and bytes) now, then stream the zip (proof_zip.stream)."""
    from app.services import audit, proof_zip

    files, size = db.session.execute(
        select(func.count(Evidence.id), func.sum(Evidence.size)).select_from(TerminationEvidence)
        .join(T, T.id == TerminationEvidence.termination_id).join(Evidence, Evidence.id == TerminationEvidence.evidence_id)
        .where(T.id.in_(records), scope_clause(T, user))).one()
    audit.record("export.termination_evidence", "termination", "", files=int(files or 0), bytes=int(size or 0))
    db.session.commit()
    return proof_zip.stream(evidence_files(records, user))


def _no_sets() -> list[dict[str, Any]]:
    return []


def _no_write(*args: Any, **kwargs: Any) -> int:
    raise LookupError("the termination review has no field sets")


EVIDENCE_SETS = FieldSets(choices=_no_sets, write=_no_write, proofs=evidence_zip)


FIELD_LABELS = {"reason_id": _l("Reason for the termination"), "explanation": _l("Explanation of the termination"),
                "liable_party": _l("Liable party"), "penalty": _l("Penalty (违约金) arrangement")}


def _shown(key: str, value: Any) -> Any:
    if value in (None, ""):
        return value
    if key == "reason_id" and str(value).isdigit():
        reason = db.session.get(TerminationReason, int(value))
        return reason.name if reason is not None else value
    if key == "liable_party":
        return str(LIABLE_PARTIES.get(value, value))
    return value


def review_log(row: Termination) -> tuple[list[Any], list[Any]]:
    """(field changes, workflow nodes — who, when, from, to, remark) of one termination, oldest first (none from
    before it was made: a reused id never inherits another record's log)."""
    from app.services.review.history import read

    where = [AuditLog.target_type == "termination", AuditLog.target_id == str(row.id)]
    if row.created_at is not None:
        where.append(AuditLog.at >= row.created_at)
    entries = db.session.execute(select(AuditLog).where(*where).order_by(AuditLog.seq))
    changes, reviews = read(list(entries.scalars()), "termination")
    for change in changes:  # the stored keys and ids as the reader knows them
        key = change.field
        if key in FIELD_LABELS:
            change.field = str(FIELD_LABELS[key])
            change.old, change.new = _shown(key, change.old), _shown(key, change.new)
    return changes, reviews


_COMMON = dict(model=T, workflow=TERMINATION, columns=COLUMNS_TERMINATION, owner_key=T.graduate_id, joins=_joins,
               filters=FILTERS, field_sets=EVIDENCE_SETS, audit_type="termination",
               export_filename=_l("Terminations.xlsx"), print_label=_l("Print the list"), default_sort="created_at")

TERMINATION_REVIEW = register(Workspace(name="termination", prefix="Termination", title=_l("Termination review"),
                                        live=pending, export_title=_l("Termination requests"), **_COMMON))
TERMINATION_HISTORY = register(Workspace(name="termination_history", prefix="TerminationHistory",
                                         title=_l("Termination records"), live=decided,
                                         export_title=_l("Termination records"), **_COMMON))


def _invalidate_tree() -> None:
    """The shared tree counts pending records per major: a termination decision clears it like any other."""
    from app.services.review.tree import invalidate

    if invalidate not in TERMINATION.after_fire:
        TERMINATION.after_fire.append(invalidate)


_invalidate_tree()

__all__ = ["COLUMNS_TERMINATION", "FILTERS", "TERMINATION_HISTORY", "TERMINATION_REVIEW", "decided", "evidence_files",
           "evidence_zip", "pending", "review_log"]
