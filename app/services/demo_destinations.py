"""Demo only: the school in June — most source information complete, destinations in every code and review state
moved through the real engine, employers shared by many graduates, one college whose flexible share trips the
warning, and weeks of daily snapshots for the rate chart. The cohort's change deadline is set ahead of today."""
from __future__ import annotations

import datetime
import math
import random
from typing import Any

from flask import current_app, g
from sqlalchemy import insert, select, true

from app.extensions import db
from app.models.change import Evidence
from app.models.destination import Destination, DestinationEvidence
from app.models.employer import APPROVED, Employer
from app.models.graduate import Graduate
from app.models.org import Cohort, Department, DepartmentKind
from app.models.plan import StatSnapshot
from app.models.reference import Country, DestinationCode, JobCategory, RejectionReason
from app.models.user import User
from app.security.roles import COLLEGE
from app.validation.creditcode import CHARSET, check_char
from app.workflows.destination import DESTINATION, local_today
from app.workflows.engine import fire_many
from app.workflows.source_info import SOURCE_INFO

FLAGGED = "106"  # 文学与新闻传播学院: many freelancers and ventures
# code -> weight for an ordinary college, and for the flagged one
MIX = {"10": 22, "11": 15, "12": 5, "271": 2, "46": 2, "502": 1, "503": 1, "512": 1, "519": 1, "75": 2, "76": 3,
       "801": 13, "802": 1, "85": 4, "70": 9, "71": 5, "72": 2}
FLAGGED_MIX = {**MIX, "12": 14, "75": 9, "76": 22, "10": 10, "11": 8}
STATES = ["draft"] * 6 + ["secondary"] * 7 + ["central"] * 6 + ["rejected"] * 3 + ["complete"] * 78
EMPLOYERS = ["岳阳市城市建设投资集团有限公司", "湖南华菱钢铁集团有限责任公司", "长沙银行股份有限公司",
             "深圳市腾讯计算机系统有限公司", "华为技术有限公司", "中国建设银行股份有限公司湖南省分行",
             "比亚迪汽车工业有限公司", "三一重工股份有限公司", "中联重科股份有限公司", "湖南日报社",
             "岳阳市第一中学", "中国石化长岭炼化公司", "岳阳市人民医院", "湖南省交通规划勘察设计院有限公司",
             "京东方科技集团股份有限公司", "中国移动通信集团湖南有限公司", "蓝思科技股份有限公司",
             "长沙市雨花区教育局", "中南大学湘雅医院", "北京字节跳动科技有限公司"]
UNMATCHED = "岳阳市某某文化传媒工作室"  # many graduates, no credit code: the employer warning
PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
       b"trailer<</Root 1 0 R>>\n%%EOF\n")
REGIONS = ["430602", "430103", "440305", "110108", "310115", "420106", "430621"]


def _credit_code(rng: random.Random) -> str:
    body = "9143" + "".join(rng.choice("0123456789") for _ in range(4)) + "".join(
        rng.choice(CHARSET) for _ in range(9))
    return body + check_char(body)


def _fire(workflow: Any, trigger: str, ids: list[int], actor: User, remark: str = "", **extra: Any) -> None:
    if not ids:
        return
    with current_app.test_request_context():
        g.user = actor  # audit rows and notifications name the demo reviewer, as in the browser
        fire_many(workflow, trigger, ids, actor, remark, extra=extra or None)


def _reviewers(colleges: list[Department]) -> dict[int, User]:
    """A college reviewer per college (college_a and college_b exist; the others get demo accounts too)."""
    from app.services.demo import _account

    named = {"101": "college_a", "102": "college_b"}
    password = current_app.config["GEMS_DEMO_PASSWORD"]
    found = {}
    for college in colleges:
        username = named.get(college.code, f"college_{college.code}")
        found[college.id] = _account(username, f"{college.name} 老师", COLLEGE, college, password)
    db.session.commit()
    return found


def _college_of(departments: dict[int, Department], dept_id: int) -> Department:
    node = departments[dept_id]
    while node.kind != DepartmentKind.COLLEGE and node.parent_id:
        node = departments[node.parent_id]
    return node


def _complete_sources(rng: random.Random, reviewers: dict[int, User], college_of: Any) -> None:
    """Three in four graduates still in draft (without an account), and most of the backlog of colleges that had no
    reviewer, pass both source reviews, college by college."""
    school = db.session.execute(select(User).where(User.username == "school")).scalar_one()
    drafts = db.session.execute(select(Graduate.id, Graduate.department_id).where(
        Graduate.status == "draft", Graduate.user_id.is_(None))).all()
    by_college: dict[int, list[int]] = {}
    for gid, dept in drafts:
        if rng.random() < 0.75:
            by_college.setdefault(college_of(dept).id, []).append(gid)
    waiting: dict[int, list[int]] = {}  # colleges that had no reviewer account: their backlog is reviewed now
    for gid, dept in db.session.execute(select(Graduate.id, Graduate.department_id).where(
            Graduate.status == "secondary", Graduate.user_id.is_(None))).all():
        if college_of(dept).code not in ("101", "102") and rng.random() < 0.8:
            waiting.setdefault(college_of(dept).id, []).append(gid)
    for college_id, ids in sorted(by_college.items()):
        _fire(SOURCE_INFO, "submit_for_student", ids, reviewers[college_id])
    for college_id in sorted(set(by_college) | set(waiting)):
        ids = by_college.get(college_id, []) + waiting.get(college_id, [])
        _fire(SOURCE_INFO, "approve_college", ids, reviewers[college_id])
        _fire(SOURCE_INFO, "approve_school", ids, school)


def _employers(rng: random.Random) -> tuple[list[Employer], Employer]:
    rows = [Employer(name=name, credit_code=_credit_code(rng), region_code=rng.choice(REGIONS), status=APPROVED)
            for name in EMPLOYERS]
    unmatched = Employer(name=UNMATCHED, region_code="430602", status=APPROVED)
    db.session.add_all([*rows, unmatched])
    db.session.flush()
    return rows, unmatched


def _values(code: str, rng: random.Random, employers: list[Employer], unmatched: Employer, n: int,
            refs: dict[str, Any]) -> dict[str, Any]:
    """The fields the code's form part needs, filled as a graduate would."""
    region = rng.choice(REGIONS)
    if code in ("10", "11", "12"):
        employer = unmatched if code == "12" and n % 3 == 0 else employers[min(int(rng.paretovariate(1.2)) - 1,
                                                                                 len(employers) - 1)]
        return {"employer_id": employer.id, "signed_on": datetime.date(2026, rng.randrange(1, 6), rng.randrange(1, 28)),
                "job_category_id": rng.choice(refs["jobs"])}
    if code in ("271", "502", "503", "512", "519"):
        return {"host_unit": rng.choice(["岳阳县人民政府", "平江县教育局", "湘阴县卫生健康局", "本校科研处"]),
                "region_code": region}
    if code == "75":
        return {"venture_name": f"岳阳{rng.choice('启航创新未来青禾')}文化工作室", "region_code": region,
                "address": f"岳阳市岳阳楼区金鹗中路{rng.randrange(1, 400)}号"}
    if code == "76":
        return {"work_description": rng.choice(["自媒体内容创作", "自由撰稿", "独立插画设计", "网络直播"]),
                "region_code": region}
    if code in ("801", "802"):
        return {"school_name": rng.choice(["湖南大学", "中南大学", "湖南师范大学", "武汉大学"]), "region_code": region}
    if code == "85":
        return {"foreign_school_name": rng.choice(["University of Sydney", "University of Manchester",
                                                   "National University of Singapore"]),
                "country_id": rng.choice(refs["countries"])}
    return {}


def _evidence(graduate_id: int, checked: Any) -> int:
    """One stored proof file per graduate (storage keys are unique), through the uploads service."""
    from app.services import uploads

    key = uploads.store(checked)
    row = Evidence(graduate_id=graduate_id, original_name="录用证明.pdf", content_type="application/pdf",
                   size=len(PDF), sha256="demo", storage_key=key)
    db.session.add(row)
    db.session.flush()
    return row.id


def seed_destinations() -> str:
    """Destinations for graduates whose source information is complete; reviews through the engine."""
    from app.services import uploads
    from app.services.statistics_charts import snapshot

    rng = random.Random(610)
    cohort = db.session.execute(select(Cohort).where(Cohort.is_current.is_(True))).scalars().first()
    cohort.change_deadline = local_today() + datetime.timedelta(days=90)  # the demo season stays open
    departments = {d.id: d for d in db.session.execute(select(Department)).scalars()}
    colleges = sorted({_college_of(departments, d).id: _college_of(departments, d) for d in departments
                       if departments[d].kind != DepartmentKind.SCHOOL}.values(), key=lambda d: d.code)
    reviewers = _reviewers(colleges)

    def college_of(dept_id: int) -> Department:
        return _college_of(departments, dept_id)

    _complete_sources(rng, reviewers, college_of)
    employers, unmatched = _employers(rng)
    refs = {"jobs": list(db.session.execute(select(JobCategory.id)).scalars()),
            "countries": list(db.session.execute(select(Country.id).where(Country.code.in_(["AU", "GB", "SG"])))
                              .scalars())}
    codes = dict(db.session.execute(select(DestinationCode.code, DestinationCode.id)).all())
    proof = uploads.inspect_upload("录用证明.pdf", PDF)
    graduates = db.session.execute(select(Graduate.id, Graduate.department_id).where(
        Graduate.cohort_id == cohort.id, Graduate.status == "complete", Graduate.user_id.is_(None))
        .order_by(Graduate.id)).all()
    planned: dict[str, list[int]] = {}
    rows, links = [], []
    for n, (gid, dept) in enumerate(graduates):
        if n >= len(MIX) * 2 and rng.random() < 0.06:
            continue  # not registered yet
        mix = FLAGGED_MIX if college_of(dept).code == FLAGGED else MIX
        code = list(MIX)[n % len(MIX)] if n < len(MIX) * 2 else rng.choices(list(mix), list(mix.values()))[0]
        state = STATES[(n * 7) % len(STATES)] if n < len(MIX) * 2 else rng.choice(STATES)
        rows.append(dict(graduate_id=gid, version_no=1, is_current=True, kind="original", status="draft", version=1,
                         code_id=codes[code], **_values(code, rng, employers, unmatched, n, refs)))
        planned.setdefault(state, []).append(gid)
    db.session.execute(insert(Destination), rows)
    ids = dict(db.session.execute(select(Destination.graduate_id, Destination.id).where(
        Destination.graduate_id.in_([r["graduate_id"] for r in rows]))).all())
    need = {"12": "hiring_proof", "76": "signed_statement"}
    by_code = {v: k for k, v in codes.items()}
    for row in rows:
        kind = need.get(by_code[row["code_id"]])
        if kind:
            links.append(dict(destination_id=ids[row["graduate_id"]], evidence_id=_evidence(row["graduate_id"], proof),
                              kind=kind))
    if links:
        db.session.execute(insert(DestinationEvidence), links)
    db.session.commit()
    _review(planned, ids, reviewers, college_of)
    # a few proofs removed after approval: the "approved without evidence" warning has rows
    approved = [ids[g] for g in planned.get("complete", [])]
    stale = db.session.execute(select(DestinationEvidence).where(DestinationEvidence.destination_id.in_(approved))
                               .order_by(DestinationEvidence.id).limit(4)).scalars().all()
    for link in stale:
        db.session.delete(link)
    db.session.commit()
    _history(cohort)
    snapshot()
    return f"{len(rows)} destinations, {len(employers) + 1} employers"


def _review(planned: dict[str, list[int]], ids: dict[int, int], reviewers: dict[int, User], college_of: Any) -> None:
    school = db.session.execute(select(User).where(User.username == "school")).scalar_one()
    reason = db.session.execute(select(RejectionReason.code).where(RejectionReason.active.is_(True),
                                                                   RejectionReason.needs_text.is_(False))
                                .order_by(RejectionReason.sort_order)).scalars().first()
    departments = dict(db.session.execute(select(Graduate.id, Graduate.department_id)).all())
    for state in ("secondary", "central", "rejected", "complete"):
        by_college: dict[int, list[int]] = {}
        for gid in planned.get(state, []):
            by_college.setdefault(college_of(departments[gid]).id, []).append(ids[gid])
        for college_id, dest_ids in sorted(by_college.items()):
            reviewer = reviewers[college_id]
            _fire(DESTINATION, "submit_for_student", dest_ids, reviewer)
            if state == "rejected":
                _fire(DESTINATION, "reject", dest_ids, reviewer, "证明材料不充分，请补充后重新提交。",
                      reasons=[reason] if reason else [], reason_text="请补充盖章的录用证明。")
            if state in ("central", "complete"):
                _fire(DESTINATION, "approve_college", dest_ids, reviewer)
            if state == "complete":
                _fire(DESTINATION, "approve_school", dest_ids, school)


def _history(cohort: Cohort) -> None:
    """Eight weeks of daily snapshots before today: the rate rising towards today's (the chart's season)."""
    from app.services.statistics_charts import _placed_codes
    from app.services.statistics_data import grouped

    placed_ids = _placed_codes()
    now: dict[int, list[int]] = {}
    for row in db.session.execute(grouped("department", [cohort.id], true())):
        counts = now.setdefault(row.department_id, [0, 0])
        counts[0] += row.graduates
        counts[1] += row.graduates if row.code_id in placed_ids else 0
    today = local_today()
    rows = []
    for back in range(56, 0, -1):
        share = 1 / (1 + math.exp((back - 28) / 8))  # slow start, steep in the middle, flattening out
        for dept, (total, placed) in now.items():
            rows.append(dict(cohort_id=cohort.id, department_id=dept, day=today - datetime.timedelta(days=back),
                             graduates=total, placed=round(placed * (0.25 + 0.75 * share))))
    db.session.execute(insert(StatSnapshot), rows)
    db.session.commit()
