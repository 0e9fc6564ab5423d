"""Test rows of the documents part (no tests here): graduates of our own with student accounts, two employers with
one portal account each, agreements and terminations placed directly in the state a test needs, all removed after."""
from __future__ import annotations

import datetime
import re
import uuid
import zlib
from base64 import a85decode
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import delete, select, update

from app.extensions import db
from app.models.agreement import Agreement, AgreementNumber
from app.models.employer import Employer
from app.models.graduate import Graduate
from app.models.org import Department, Major
from app.models.reference import JobCategory, TerminationReason
from app.models.termination import Termination
from app.models.user import User
from app.security.roles import EMPLOYER, STUDENT
from app.services.accounts import hash_password
from tests.conftest import DEMO_PASSWORD, Browser, assert_signed_in
from tests.views.student_support import StudentFactory

PREFIX = "DOC"  # employers' names and accounts of this part's tests


@dataclass
class World:
    app: Any
    students: StudentFactory
    employers: list[int] = field(default_factory=list)
    users: list[str] = field(default_factory=list)
    agreements: list[int] = field(default_factory=list)
    terminations: list[int] = field(default_factory=list)
    numbers: list[int] = field(default_factory=list)

    def employer(self, name: str) -> tuple[int, str]:
        """An approved employer with one portal account; returns (employer id, username)."""
        tag = uuid.uuid4().hex[:8]
        with self.app.app_context():
            employer = Employer(name=name, credit_code=f"914301000{tag.upper()}X", status="approved",
                                address="长沙市岳麓区麓山南路1号", contact_name="刘经理", contact_mobile="13912345678",
                                region_code="430104")
            db.session.add(employer)
            db.session.flush()
            username = f"{PREFIX.lower()}_{tag}"
            role = self.app.appbuilder.sm.find_role(EMPLOYER)
            db.session.add(User(username=username, first_name=f"{name}账号", last_name="", active=True,
                                email=f"{username}@t.invalid", password=hash_password(DEMO_PASSWORD),
                                must_change_password=False, roles=[role], employer_id=employer.id))
            db.session.commit()
            self.employers.append(employer.id)
            self.users.append(username)
            return employer.id, username

    def graduate(self, college_code: str = "101") -> tuple[int, str, str]:
        """A graduate of that college with a student account; returns (graduate id, username, name)."""
        with self.app.app_context():
            majors = db.session.execute(select(Major).order_by(Major.id)).scalars().all()
            college = db.session.execute(select(Department.id).where(Department.code == college_code)).scalar_one()
            index = next(i for i, m in enumerate(majors) if m.department_id == college)
        student = self.students(major_index=index, name="张小三")
        with self.app.app_context():
            graduate = db.session.get(Graduate, student.graduate_id)
            role = self.app.appbuilder.sm.find_role(STUDENT)
            user = User(username=student.student_no, first_name=graduate.name, last_name="", active=True,
                        email=f"{student.student_no}@t.invalid", password=hash_password(DEMO_PASSWORD),
                        must_change_password=False, roles=[role], department_id=graduate.department_id)
            db.session.add(user)
            db.session.flush()
            graduate.user_id, graduate.status = user.id, "complete"
            db.session.commit()
        return student.graduate_id, student.student_no, "张小三"

    def agreement(self, graduate_id: int, employer_id: int, status: str, **values: Any) -> int:
        """An agreement placed directly in `status`, with a number of its own and full terms."""
        with self.app.app_context():
            number = AgreementNumber(number=f"2026{uuid.uuid4().int % 10**12:012d}", state="assigned",
                                     graduate_id=graduate_id, education_level="31")
            db.session.add(number)
            db.session.flush()
            category = db.session.execute(select(JobCategory).order_by(JobCategory.id)).scalars().first()
            fields = dict(graduate_id=graduate_id, employer_id=employer_id, kind="online", status=status,
                          number_id=number.id, position="软件开发工程师", job_category_id=category.id if category
                          else None, salary="每月9000元", work_region_code="430104", work_address="长沙市岳麓区",
                          start_on=datetime.date(2026, 7, 15), contract_years=3, other_terms="试用期三个月。",
                          signed_on=datetime.date(2026, 3, 1), version=1)
            if status in ("stamp_employer", "stamp_graduate", "stamp_school", "archived", "revoked", "terminated"):
                fields.update(school_decision="approved", school_decided_at=datetime.datetime(2026, 3, 5, 2, 0),
                              school_decided_by="就业指导中心 王老师")
            row = Agreement(**{**fields, **values})
            db.session.add(row)
            db.session.commit()
            self.agreements.append(row.id)
            self.numbers.append(number.id)
            return row.id

    def termination(self, agreement_id: int, status: str, **values: Any) -> int:
        with self.app.app_context():
            graduate_id = db.session.get(Agreement, agreement_id).graduate_id
            reason = db.session.execute(select(TerminationReason).order_by(TerminationReason.id)).scalars().first()
            if reason is None:
                reason = TerminationReason(code="DOC1", name="继续深造", side="graduate")
                db.session.add(reason)
                db.session.flush()
            fields = dict(agreement_id=agreement_id, graduate_id=graduate_id, requested_by="graduate",
                          reason_id=reason.id, explanation="考取研究生，继续深造。", liable_party="graduate",
                          penalty="毕业生支付违约金3000元", status=status, version=1,
                          submitted_at=datetime.datetime(2026, 4, 1, 1, 0))
            row = Termination(**{**fields, **values})
            db.session.add(row)
            db.session.commit()
            self.terminations.append(row.id)
            return row.id

    def set(self, model: Any, pk: int, **values: Any) -> None:
        """Put a row in the state a test needs (setup only: the workflows' own tests prove the transitions)."""
        with self.app.app_context():
            db.session.execute(update(model).where(model.id == pk).values(**values))
            db.session.commit()

    def row(self, model: Any, pk: int) -> Any:
        with self.app.app_context():
            row = db.session.get(model, pk)
            db.session.expunge(row)
            return row

    def signed_in(self, username: str) -> Browser:
        b = Browser(self.app.test_client())
        b.login(username)
        assert_signed_in(b, username)
        return b

    def cleanup(self) -> None:
        with self.app.app_context():
            db.session.rollback()
            db.session.execute(delete(Termination).where(Termination.id.in_(self.terminations)))
            db.session.execute(delete(Agreement).where(Agreement.id.in_(self.agreements)))
            db.session.execute(delete(AgreementNumber).where(AgreementNumber.id.in_(self.numbers)))
            for user in db.session.execute(select(User).where(User.username.in_(self.users))).scalars():
                user.roles = []
                db.session.delete(user)
            db.session.flush()
            db.session.execute(delete(Employer).where(Employer.id.in_(self.employers)))
            db.session.commit()
        self.students.cleanup()


@pytest.fixture(name="world")
def world_fixture(app: Any) -> Iterator[World]:
    w = World(app, StudentFactory(app))
    yield w
    w.cleanup()


def _unescape(literal: bytes) -> bytes:
    """A PDF literal string's bytes: \\ddd octal, \\n and friends, \\( \\) \\\\ (one pass)."""
    out, i = bytearray(), 0
    while i < len(literal):
        if literal[i] == 0x5C and i + 1 < len(literal):
            j = i + 1
            while j < len(literal) and j < i + 4 and 0x30 <= literal[j] <= 0x37:
                j += 1
            if j > i + 1:
                out.append(int(literal[i + 1:j], 8) & 0xFF)
                i = j
                continue
            nxt = literal[i + 1]
            out.append({0x6E: 10, 0x72: 13, 0x74: 9, 0x62: 8, 0x66: 12}.get(nxt, nxt))
            i += 2
            continue
        out.append(literal[i])
        i += 1
    return bytes(out)


def _inflate(raw: bytes) -> bytes | None:
    for decode in (lambda r: zlib.decompress(a85decode(r[:-2] if r.endswith(b"~>") else r)), zlib.decompress):
        try:
            return decode(raw)
        except Exception:  # noqa: BLE001, S112 - not this encoding
            continue
    return None


def pdf_text(data: bytes) -> str:
    """The text drawn in a reportlab PDF: its content streams inflated, string operands decoded (Latin-1 for the
    standard fonts, UTF-16 for the CID font) — enough to find a number or a code without a PDF library."""
    latin: list[str] = []
    wide: list[str] = []
    for match in re.finditer(rb"stream\r?\n(.*?)endstream", data, re.S):
        raw = _inflate(match.group(1).strip())
        for literal in re.findall(rb"\(((?:\\.|[^\\)])*)\)\s*Tj", raw or b"", re.S):
            text = _unescape(literal)
            latin.append(text.decode("latin-1"))
            if len(text) % 2 == 0:
                wide.append(text.decode("utf-16-be", errors="ignore"))
    return "".join(latin) + "\n" + "\n".join(wide)  # Latin lines joined: a value wrapped over two lines is found
