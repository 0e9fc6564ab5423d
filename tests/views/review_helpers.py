"""Test rows for the reviewer workspace: graduates of our own (prefix R) in a given college, major and state."""
from __future__ import annotations

import datetime
import itertools
import random
from typing import Any

from sqlalchemy import select, update

from app.extensions import db
from app.models.graduate import Graduate
from app.models.org import Cohort, Department, Major
from app.services.demo import id_number

_serial = itertools.count(1)
_rng = random.Random(4242)


def make_graduates(count: int, status: str, college_code: str = "101", prefix: str = "R", **values: Any) -> list[int]:
    """`count` complete, valid graduates in `status`; returns their ids (student numbers R…, unique per run)."""
    dept = db.session.execute(select(Department).where(Department.code == college_code)).scalar_one()
    major = db.session.execute(select(Major).where(Major.department_id == dept.id).order_by(Major.code)).scalars().first()
    cohort = db.session.execute(select(Cohort).where(Cohort.is_current.is_(True))).scalar_one()
    rows = []
    for _ in range(count):
        n = next(_serial)
        birth = datetime.date(2003, 5, 1) + datetime.timedelta(days=n % 300)
        fields = dict(
            student_no=f"{prefix}{college_code}{n:06d}", name=f"测试{n}", id_number=id_number(_rng, birth, True),
            gender="1", birth_date=birth, ethnicity="01", political_status="03", student_category="mainland",
            origin="湖南省岳阳县", origin_code="430621", exam_no=f"22430621{n:06d}", education_level="31",
            schooling_length="4", training_mode="1", enrolment_date=datetime.date(2022, 9, 1),
            graduation_date=datetime.date(2026, 6, 30), archive_unit="岳阳县第一中学",
            police_station="湖南省岳阳县荣家湾派出所", home_province="湖南省", home_city="岳阳县", home_town="荣家湾镇",
            home_street="建设路1号", mobile=f"139{n:08d}", home_phone="0730-8888888", email=f"r{n}@t.invalid",
            cohort_id=cohort.id, department_id=dept.id, major_id=major.id, status=status, version=1)
        rows.append(Graduate(**{**fields, **values}))
    db.session.add_all(rows)
    db.session.commit()
    ids = [g.id for g in rows]
    if "version" in values:  # the ORM's version counter starts every insert at 1: set the wanted one directly
        db.session.execute(update(Graduate).where(Graduate.id.in_(ids)).values(version=values["version"]))
        db.session.commit()
    return ids


def statuses(ids: list[int]) -> dict[int, str]:
    db.session.expire_all()
    return dict(db.session.execute(select(Graduate.id, Graduate.status).where(Graduate.id.in_(ids))).all())


def make_destinations(count: int, status: str, college_code: str = "101", prefix: str = "RD", code: str = "46",
                      **graduate_values: Any) -> list[int]:
    """`count` graduates (source information complete, a cohort whose deadline is far ahead) each with one current
    destination of `code` placed directly in `status` (setup only); returns the destination ids."""
    from app.models.destination import Destination
    from app.models.reference import DestinationCode
    from tests.workflows.destination_world import cohort

    values = {"cohort_id": cohort().id, **graduate_values}
    graduates = make_graduates(count, "complete", college_code, prefix=prefix, **values)
    code_id = db.session.execute(select(DestinationCode.id).where(DestinationCode.code == code)).scalar_one()
    rows = [Destination(graduate_id=gid, version_no=1, is_current=True, status=status, version=1, code_id=code_id,
                        created_at=datetime.datetime(2091, 5, 1)) for gid in graduates]
    db.session.add_all(rows)
    db.session.commit()
    return [r.id for r in rows]


def remove_destinations(prefix: str) -> None:
    """Delete the graduates make_destinations made under `prefix` (student numbers start with it), destinations first."""
    from sqlalchemy import delete

    from app.models.destination import Destination, DestinationEvidence
    from app.models.graduate import Graduate

    db.session.rollback()
    graduates = select(Graduate.id).where(Graduate.student_no.like(f"{prefix}%"))
    destinations = select(Destination.id).where(Destination.graduate_id.in_(graduates))
    db.session.execute(delete(DestinationEvidence).where(DestinationEvidence.destination_id.in_(destinations)))
    db.session.execute(delete(Destination).where(Destination.graduate_id.in_(graduates)))
    db.session.execute(delete(Graduate).where(Graduate.student_no.like(f"{prefix}%")))
    db.session.commit()


def destination_statuses(ids: list[int]) -> dict[int, str]:
    from app.models.destination import Destination

    db.session.expire_all()
    return dict(db.session.execute(select(Destination.id, Destination.status).where(Destination.id.in_(ids))).all())
