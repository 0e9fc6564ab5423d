"""Test agreements for the agreement review (no tests here): graduates AR… of their own cohort, their employers and
agreements placed directly in a state (setup only; the engine moves them afterwards), removed afterwards."""
from __future__ import annotations

import datetime
import itertools
from typing import Any, Optional

from sqlalchemy import delete, func, select, update

from app.extensions import db
from app.models.agreement import ONLINE, Agreement, AgreementEvidence
from app.models.change import Evidence
from app.models.destination import Destination, DestinationEvidence
from app.models.employer import APPROVED, Employer, EmployerRegisterEntry
from app.models.graduate import Graduate
from app.models.org import Cohort
from app.models.reference import DestinationCode
from app.models.user import User
from tests.workflows.destination_world import cohort

PREFIX = "AR"
YEAR = 2081  # a cohort no other test uses; its default change deadline (2081-08-31) is years ahead
_serial = itertools.count(1)


def our_cohort(year: int = YEAR) -> Cohort:
    return cohort(year)


def user(name: str) -> User:
    return db.session.execute(select(User).where(User.username == name)).scalar_one()


def employer(prefix: str = PREFIX, credit_code: Optional[str] = None) -> Employer:
    n = next(_serial)
    row = Employer(name=f"{prefix}测试单位{n:05d}有限公司", credit_code=credit_code, status=APPROVED)
    db.session.add(row)
    db.session.commit()
    return row


def code_id(value: str) -> int:
    return db.session.execute(select(DestinationCode.id).where(DestinationCode.code == value)).scalar_one()


def make_graduates(count: int, college_code: str, prefix: str, cohort_id: int) -> list[int]:
    """`count` complete, valid graduates with ID numbers unique in the run (one birth day each), inserted at once."""
    from app.models.org import Department, Major
    from app.validation.idcard import check_digit

    dept = db.session.execute(select(Department).where(Department.code == college_code)).scalar_one()
    major = db.session.execute(select(Major).where(Major.department_id == dept.id).order_by(Major.code)).scalars().first()
    rows = []
    for _ in range(count):
        n = next(_serial)
        birth = datetime.date(1995, 1, 1) + datetime.timedelta(days=n % 3000)
        body = f"430602{birth:%Y%m%d}{(n // 3000) % 500 * 2 + 1:03d}"
        rows.append(dict(
            student_no=f"{prefix}{college_code}{n:06d}", name=f"协议{n}", id_number=body + check_digit(body),
            gender="1", birth_date=birth, ethnicity="01", political_status="03", student_category="mainland",
            origin="湖南省岳阳县", origin_code="430621", exam_no=f"22430621{n:06d}", education_level="31",
            schooling_length="4", training_mode="1", enrolment_date=datetime.date(2077, 9, 1),
            graduation_date=datetime.date(2081, 6, 30), archive_unit="岳阳县第一中学", mobile=f"138{n:08d}",
            email=f"ar{n}@t.invalid", cohort_id=cohort_id, department_id=dept.id, major_id=major.id,
            status="complete", version=1, included=True))
    db.session.execute(Graduate.__table__.insert(), rows)
    db.session.commit()
    return list(db.session.execute(select(Graduate.id).where(Graduate.student_no.in_(
        [r["student_no"] for r in rows])).order_by(Graduate.student_no)).scalars())


def make_agreements(count: int, status: str, college_code: str = "101", prefix: str = PREFIX, kind: str = ONLINE,
                    year: int = YEAR, employer_row: Optional[Employer] = None, current_code: Optional[str] = None,
                    **values: Any) -> list[int]:
    """`count` graduates of `college_code` in the cohort of `year`, each with one agreement in `status` with one
    employer (a new one unless given); `current_code` gives each graduate a current, approved destination first."""
    graduates = make_graduates(count, college_code, prefix, our_cohort(year).id)
    unit = employer_row or employer(prefix)
    if current_code:
        db.session.execute(Destination.__table__.insert(), [
            {"graduate_id": g, "version_no": 1, "kind": "original", "is_current": True, "status": "complete",
             "version": 1, "code_id": code_id(current_code), "created_at": datetime.datetime(2081, 3, 1)}
            for g in graduates])
    rows = [Agreement(graduate_id=g, employer_id=unit.id, kind=kind, started_by="employer", status=status,
                      version=1, position="软件工程师", salary="8000元/月", work_region_code="430602",
                      work_address="岳阳市岳阳楼区", signed_on=datetime.date(2081, 4, 1),
                      external_number=values.pop("external_number", f"AGR{prefix}{g:08d}"), **values)
            for g in graduates]
    db.session.add_all(rows)
    db.session.commit()
    return [r.id for r in rows]


def statuses(ids: list[int]) -> dict[int, str]:
    db.session.expire_all()
    return dict(db.session.execute(select(Agreement.id, Agreement.status).where(Agreement.id.in_(ids))).all())


def current_destination(graduate_id: int) -> Optional[Destination]:
    return db.session.execute(select(Destination).where(Destination.graduate_id == graduate_id,
                                                        Destination.is_current)).scalar()


def graduate_of(agreement_id: int) -> int:
    return db.session.execute(select(Agreement.graduate_id).where(Agreement.id == agreement_id)).scalar_one()


def current_count(graduate_id: int) -> int:
    return db.session.execute(select(func.count()).select_from(Destination).where(
        Destination.graduate_id == graduate_id, Destination.is_current)).scalar_one()


def remove(prefix: str = PREFIX, year: int = YEAR) -> None:
    """Delete the graduates (student numbers starting with `prefix`), their agreements, destinations and employers."""
    db.session.rollback()
    graduates = select(Graduate.id).where(Graduate.student_no.like(f"{prefix}%"))
    agreements = select(Agreement.id).where(Agreement.graduate_id.in_(graduates))
    db.session.execute(delete(AgreementEvidence).where(AgreementEvidence.agreement_id.in_(agreements)))
    db.session.execute(delete(Agreement).where(Agreement.graduate_id.in_(graduates)))
    destinations = select(Destination.id).where(Destination.graduate_id.in_(graduates))
    db.session.execute(delete(DestinationEvidence).where(DestinationEvidence.destination_id.in_(destinations)))
    db.session.execute(delete(Destination).where(Destination.graduate_id.in_(graduates)))
    db.session.execute(delete(Evidence).where(Evidence.graduate_id.in_(graduates)))
    db.session.execute(delete(Graduate).where(Graduate.student_no.like(f"{prefix}%")))
    db.session.execute(delete(EmployerRegisterEntry).where(EmployerRegisterEntry.name.like(f"{prefix}%测试单位%")))
    db.session.execute(delete(Employer).where(Employer.name.like(f"{prefix}%测试单位%")))
    db.session.execute(update(Cohort).where(Cohort.year == year).values(plan_locked=False, change_deadline=None))
    db.session.commit()
