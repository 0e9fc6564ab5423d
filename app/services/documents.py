"""AGR-6 / TRM-3: the printed agreement and termination letter carry a public verification code and the hash of the
content they were issued with, so anyone holding the paper can check it is genuine, current and unaltered.

The hash seals what binds: the parties' identities (names, numbers, school data), the agreement number, the terms
and dates, and for a letter the termination's reason, liability and 违约金. The ID number enters it masked, as the
public paper shows it, so a printed hash cannot be used to guess the hidden digits. The state is not sealed: the
public page reads it live (in force, revoked, terminated)."""
from __future__ import annotations

import datetime
import hashlib
import json
import re
import secrets
from dataclasses import dataclass
from typing import Any, Optional, Union

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm.attributes import set_committed_value

from app.extensions import db
from app.models.agreement import Agreement
from app.models.org import Department, DepartmentKind
from app.models.termination import Termination
from app.validation.idcard import mask_id

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud or typed from paper
CODE_SHAPE = re.compile(rf"^[{CODE_ALPHABET}]{{8,20}}$")
HASH_SHAPE = re.compile(r"^[0-9a-f]{64}$")

# an agreement prints once the school has approved it (online: approve_school → stamping; entered: approve_entry →
# archived); a terminated one only if it had been approved before it ended
PRINTABLE = ("stamp_employer", "stamp_graduate", "stamp_school", "archived", "revoked")
IN_FORCE = ("stamp_employer", "stamp_graduate", "stamp_school", "archived")
# a letter exists once both parties agreed (letter_code) or the school approved the termination; not after a refusal
LETTER_STATES = ("secondary", "central", "approved")

AGREEMENT_WORDS = {
    "stamp_employer": _l("In force: approved by the school, being stamped by the parties"),
    "stamp_graduate": _l("In force: approved by the school, being stamped by the parties"),
    "stamp_school": _l("In force: approved by the school, being stamped by the parties"),
    "archived": _l("In force: archived in the employment plan"),
    "revoked": _l("Not in force: the school revoked its archive"),
    "terminated": _l("Not in force: the agreement was terminated"),
}
LETTER_WORDS = {
    "secondary": _l("Both parties agreed to terminate; awaiting the school's review"),
    "central": _l("Both parties agreed to terminate; awaiting the school's review"),
    "approved": _l("Valid: the school approved the termination and the agreement has ended"),
    "rejected": _l("Not valid: the school did not approve this termination"),
    "withdrawn": _l("Not valid: the termination request was withdrawn"),
    "refused": _l("Not valid: the other party refused the termination"),
}


def new_code(length: int = 12) -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def normalise_code(text: Optional[str]) -> Optional[str]:
    """A code as typed from paper (spaces, dashes, lower case) in its stored form, or None if it cannot be one."""
    code = re.sub(r"[\s\-]", "", text or "").upper()
    return code if CODE_SHAPE.match(code) else None


def grouped(code: Optional[str]) -> str:
    """ABCD-EFGH-JKLM: easier to read off paper and type."""
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4)) if code else ""


def content_hash(values: dict[str, Any]) -> str:
    """SHA-256 of the document's content as canonical JSON (sorted keys, no spacing): the same content, the same hash."""
    text = json.dumps(values, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def org_units(department: Optional[Department]) -> tuple[str, str]:
    """(school, college) names of a department: its ancestors of those kinds (a sub-unit belongs to its college)."""
    school = college = ""
    seen: set[int] = set()
    while department is not None and department.id not in seen:
        seen.add(department.id)
        if department.kind == DepartmentKind.COLLEGE and not college:
            college = department.name
        if department.kind == DepartmentKind.SCHOOL:
            school = department.name
        department = department.parent
    return school, college


def agreement_content(agreement: Agreement) -> dict[str, Any]:
    """What the printed agreement states and binds; a change to any of it changes the hash."""
    graduate, employer = agreement.graduate, agreement.employer
    school, college = org_units(graduate.department)
    return {
        "kind": agreement.kind, "number": agreement.number_text, "signed_on": agreement.signed_on,
        "graduate": {"name": graduate.name, "student_no": graduate.student_no, "id_number": mask_id(
            graduate.id_number), "school": school, "college": college,
            "major": graduate.major.name if graduate.major else None, "level": graduate.education_level},
        "employer": {"name": employer.name, "credit_code": employer.credit_code},
        "terms": {"position": agreement.position, "job_category": agreement.job_category.name
                  if agreement.job_category else None, "salary": agreement.salary,
                  "region": agreement.work_region_code, "address": agreement.work_address,
                  "start_on": agreement.start_on, "years": agreement.contract_years, "other": agreement.other_terms},
    }


def termination_content(termination: Termination) -> dict[str, Any]:
    """What the termination letter states."""
    return {"agreement": agreement_content(termination.agreement), "requested_by": termination.requested_by,
            "reason": termination.reason.name if termination.reason else None,
            "explanation": termination.explanation, "liable": termination.liable_party,
            "penalty": termination.penalty, "offline": termination.offline, "forced": termination.forced,
            "agreed_at": termination.other_answered_at}


def _ensure_code(row: Union[Agreement, Termination], column: str) -> None:
    """Give the row a code once: a conditional UPDATE, so two first prints at once keep one code (the loser reads the
    winner's), and a code already on paper never changes."""
    if getattr(row, column):
        return
    model = type(row)
    db.session.execute(update(model).where(model.id == row.id, getattr(model, column).is_(None))
                       .values({column: new_code()}).execution_options(synchronize_session=False))
    set_committed_value(row, column, db.session.execute(select(getattr(model, column))
                                                        .where(model.id == row.id)).scalar_one())


def seal_agreement(agreement: Agreement) -> None:
    """Give the agreement its verification code (once) and the hash of what it states now."""
    _ensure_code(agreement, "verification_code")
    digest = content_hash(agreement_content(agreement))
    if agreement.content_hash != digest:
        agreement.content_hash = digest
    db.session.flush()


def seal_letter(termination: Termination) -> None:
    """The letter's code (once) and the hash of what it states now."""
    _ensure_code(termination, "letter_code")
    digest = content_hash(termination_content(termination))
    if termination.letter_hash != digest:
        termination.letter_hash = digest
    db.session.flush()


def issue_letters(ids: list[int]) -> None:
    """TRM-3: each termination both parties agreed to gets its letter's code and content hash."""
    stmt = select(Termination).where(Termination.id.in_(ids)).execution_options(populate_existing=True)
    for termination in db.session.execute(stmt).scalars():  # fresh: the engine's UPDATE just set other_answered_at
        seal_letter(termination)
    db.session.flush()


def print_problem(agreement: Agreement) -> Optional[str]:
    """Why the agreement cannot be printed (yet), or None: printing is blocked until the school has approved it."""
    from app.workflows.agreement import STATES

    if agreement.status in PRINTABLE:
        return None
    if agreement.status == "terminated":
        if agreement.school_decision == "approved" or agreement.archived_at is not None:
            return None
        return _("This agreement ended before the school approved it, so there is no agreement to print.")
    state = str(STATES.get(agreement.status, agreement.status))
    if agreement.status in ("declined", "withdrawn", "expired", "cancelled"):
        return _("This agreement never came into force (%(state)s); there is nothing to print.", state=state)
    return _("The agreement can be printed once the school has approved it. It is now: %(state)s.", state=state)


def letter_problem(termination: Termination) -> Optional[str]:
    """Why the termination letter cannot be printed, or None (TRM-3: once both agreed, or approved)."""
    from app.workflows.termination import STATES

    state = str(STATES.get(termination.status, termination.status))
    if termination.status in LETTER_STATES and (termination.letter_code or termination.status == "approved"):
        return None
    if termination.status in ("rejected", "withdrawn", "refused"):
        return _("This termination did not go ahead (%(state)s); there is no valid termination letter.", state=state)
    return _("The termination letter is issued once both parties have agreed to the termination online or the "
             "school has approved it. The request is now: %(state)s.", state=state)


def _day(value: Any) -> Optional[datetime.date]:
    if isinstance(value, datetime.datetime):
        from app.timeutil import local_display

        return datetime.date.fromisoformat(local_display(value, "%Y-%m-%d"))
    return value


def agreement_date(agreement: Agreement) -> Optional[datetime.date]:
    """The date a reader takes the agreement by: signed on, else the school's approval."""
    return agreement.signed_on or _day(agreement.school_decided_at or agreement.archived_at)


def letter_date(termination: Termination) -> Optional[datetime.date]:
    """The letter's date: the other party's agreement, else the school's decision (forced, offline)."""
    return _day(termination.other_answered_at or termination.school_decided_at or termination.ended_at
                or termination.created_at)


@dataclass
class Check:
    """What the public page says about one code: the document, its state, and whether a copy is current."""

    kind: str  # "agreement" | "termination"
    row: Union[Agreement, Termination]
    agreement: Agreement
    state: str
    in_force: bool
    date: Optional[datetime.date]
    current_hash: str
    printed_hash: Optional[str]  # the link's ?h=, else the hash stored at the last printing
    from_link: bool
    printed_at: Optional[datetime.datetime] = None  # when a copy with the link's hash was printed (the audit says)

    @property
    def current(self) -> bool:
        return self.printed_hash == self.current_hash


def printed_at(kind: str, row_id: int, code: str, digest: str) -> Optional[datetime.datetime]:
    """When a copy of this document with this hash was first printed, from the audit log; None if never: a paper
    whose hash no printing ever had was not printed by GEMS as it reads now."""
    from app.models.audit import AuditLog

    rows = db.session.execute(select(AuditLog.at, AuditLog.detail).where(
        AuditLog.action == f"{kind}.printed", AuditLog.target_type == kind, AuditLog.target_id == str(row_id),
        AuditLog.detail.contains(digest)).order_by(AuditLog.seq)).all()
    for at, detail in rows:
        values = json.loads(detail or "{}")
        if values.get("code") == code and values.get("hash") == digest:
            return at
    return None


def check(code: Optional[str], printed: Optional[str] = None) -> Optional[Check]:
    """The document behind a verification code (agreement or letter), or None for an unknown code."""
    code = normalise_code(code)
    if code is None:
        return None
    agreement = db.session.execute(select(Agreement).where(Agreement.verification_code == code)).scalar_one_or_none()
    if agreement is not None:
        found = Check("agreement", agreement, agreement, str(AGREEMENT_WORDS.get(agreement.status,
                                                                                  _l("Not in force"))),
                      agreement.status in IN_FORCE, agreement_date(agreement),
                      content_hash(agreement_content(agreement)), printed or agreement.content_hash, bool(printed))
    else:
        letter = db.session.execute(select(Termination).where(Termination.letter_code == code)).scalar_one_or_none()
        if letter is None:
            return None
        found = Check("termination", letter, letter.agreement, str(LETTER_WORDS.get(letter.status, _l("Not valid"))),
                      letter.status in LETTER_STATES, letter_date(letter), content_hash(termination_content(letter)),
                      printed or letter.letter_hash, bool(printed))
    if printed:
        found.printed_at = printed_at(found.kind, found.row.id, code, printed)
    return found


__all__ = ["Check", "agreement_content", "agreement_date", "check", "content_hash", "grouped", "issue_letters",
           "letter_date", "letter_problem", "new_code", "normalise_code", "org_units", "print_problem", "printed_at",
           "seal_agreement", "seal_letter", "termination_content"]
