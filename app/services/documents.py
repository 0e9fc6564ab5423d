"""AGR-6 / TRM-3: the printed agreement and termination letter carry a public verification code and the hash of the
content they were issued with, so anyone holding the paper can check it is genuine, current and unaltered."""
from __future__ import annotations

import hashlib
import json
import secrets
from typing import Any

from sqlalchemy import select

from app.extensions import db
from app.models.agreement import Agreement
from app.models.termination import Termination

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud or typed from paper


def new_code(length: int = 12) -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def content_hash(values: dict[str, Any]) -> str:
    """SHA-256 of the document's content as canonical JSON (sorted keys, no spacing): the same content, the same hash."""
    text = json.dumps(values, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def agreement_content(agreement: Agreement) -> dict[str, Any]:
    """What the printed agreement states; a change to any of it changes the hash."""
    graduate, employer = agreement.graduate, agreement.employer
    return {"number": agreement.number_text, "graduate": graduate.name, "student_no": graduate.student_no,
            "id_number": graduate.id_number, "employer": employer.name, "credit_code": employer.credit_code,
            "position": agreement.position, "salary": agreement.salary, "region": agreement.work_region_code,
            "address": agreement.work_address, "start_on": agreement.start_on, "years": agreement.contract_years,
            "terms": agreement.other_terms, "signed_on": agreement.signed_on, "kind": agreement.kind}


def termination_content(termination: Termination) -> dict[str, Any]:
    """What the termination letter states."""
    return {"agreement": agreement_content(termination.agreement), "requested_by": termination.requested_by,
            "reason": termination.reason.name if termination.reason else None,
            "explanation": termination.explanation, "liable": termination.liable_party,
            "penalty": termination.penalty}


def seal_agreement(agreement: Agreement) -> None:
    """Give the agreement its verification code (once) and the hash of what it states now."""
    if not agreement.verification_code:
        agreement.verification_code = new_code()
    agreement.content_hash = content_hash(agreement_content(agreement))


def issue_letters(ids: list[int]) -> None:
    """TRM-3: each termination both parties agreed to gets its letter's code and content hash."""
    for termination in db.session.execute(select(Termination).where(Termination.id.in_(ids))).scalars():
        if not termination.letter_code:
            termination.letter_code = new_code()
        termination.letter_hash = content_hash(termination_content(termination))
    db.session.flush()


__all__ = ["agreement_content", "content_hash", "issue_letters", "new_code", "seal_agreement", "termination_content"]
