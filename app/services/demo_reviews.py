"""Demo only: complete most demo forms and move them through the real review engine, so `make run` shows a school
mid-season (二级待审, 中心待审, 完成, 不同意) with genuine audit, review-log and notification rows."""
from __future__ import annotations

import random
from typing import Any

from flask import current_app, g
from sqlalchemy import select

from app.extensions import db
from app.models.graduate import Graduate
from app.models.org import Department
from app.models.user import User
from app.validation.regions import MUNICIPALITIES, PREFECTURE, divisions
from app.workflows.engine import fire_many
from app.workflows.source_info import SOURCE_INFO

REJECTION = "生源地与户籍证明不一致，请核对后重新提交。"


def _home(code: str, origin: str, rng: random.Random) -> dict[str, Any]:
    """Archive and contact fields that pass every filling rule for a graduate from division `code`."""
    d = divisions()
    region = d.get(code)
    province = d.province_of(region)
    parent = d.parent_of(region)
    urban = region.type == "市辖区" and parent is not None and parent.level == PREFECTURE
    city = parent.name if urban else (province.name if province.code in MUNICIPALITIES else region.name)
    return {
        "current_household": origin, "archive_unit": f"{region.name}第一中学",
        "police_station": f"{origin}城关派出所", "home_province": province.name, "home_city": city,
        "home_town": region.name if urban or province.code in MUNICIPALITIES else "城关镇",
        "home_street": f"建设路{rng.randrange(1, 300)}号", "mobile": f"13{rng.randrange(10**8, 10**9)}",
        "home_phone": f"15{rng.randrange(10**8, 10**9)}",
    }


def _as(username: str) -> User:
    return db.session.execute(select(User).where(User.username == username)).scalar_one()


def _fire(trigger: str, ids: list[int], actor: User, remark: str = "") -> None:
    with current_app.test_request_context():
        g.user = actor  # audit rows and notifications name the demo reviewer, as they would in the browser
        fire_many(SOURCE_INFO, trigger, ids, actor, remark)


def seed_reviews() -> str:
    """Complete the forms of graduates without accounts, then submit, approve and reject a realistic share."""
    rng = random.Random(2026)
    graduates = db.session.execute(select(Graduate).where(Graduate.user_id.is_(None), Graduate.status == "draft")
                                   .order_by(Graduate.id)).scalars().all()
    for graduate in graduates:
        for key, value in _home(graduate.origin_code, graduate.origin, rng).items():
            setattr(graduate, key, value)
    db.session.commit()
    codes = dict(db.session.execute(select(Department.id, Department.code)).all())
    by_college: dict[str, list[int]] = {}
    for graduate in graduates:
        by_college.setdefault(codes[graduate.department_id][:3], []).append(graduate.id)
    school = _as("school")
    for code, ids in sorted(by_college.items()):
        reviewer = {"101": "college_a", "102": "college_b"}.get(code)
        submitted = [i for i in ids if rng.random() < (0.7 if reviewer else 0.4)]
        _fire("submit_for_student", submitted, _as(reviewer) if reviewer else school)
        if not reviewer:
            continue
        college = _as(reviewer)
        passed = [i for i in submitted if rng.random() < 0.6]
        _fire("approve_college", passed, college)
        rejected = [i for i in submitted if i not in set(passed) and rng.random() < 0.1]
        _fire("reject", rejected, college, REJECTION)
        _fire("approve_school", [i for i in passed if rng.random() < 0.5], school)
    counts = dict(db.session.execute(select(Graduate.status, db.func.count()).group_by(Graduate.status)).all())
    return "、".join(f"{SOURCE_INFO.label(s)} {n}" for s, n in sorted(counts.items()))
