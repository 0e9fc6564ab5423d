"""A realistic demo school (7 colleges, 30 majors, a 2026 cohort with valid ID numbers) and demo accounts."""
from __future__ import annotations

import datetime
import random

from flask import current_app
from sqlalchemy import insert, select

from app.extensions import db
from app.models.graduate import Graduate
from app.models.org import Cohort, Department, DepartmentKind, Major
from app.models.user import User
from app.security.roles import ADMIN, COLLEGE, SCHOOL, STUDENT
from app.services.accounts import hash_password

SCHOOL_CODE = "10000"
COLLEGES = [  # code, name, majors (national code, name)
    ("101", "计算机科学与技术学院", [("080901", "计算机科学与技术"), ("080902", "软件工程"), ("080903", "网络工程"),
                              ("080910T", "数据科学与大数据技术"), ("080701", "电子信息工程")]),
    ("102", "经济管理学院", [("020101", "经济学"), ("120201K", "工商管理"), ("120203K", "会计学"),
                         ("120204", "财务管理"), ("020301K", "金融学")]),
    ("103", "外国语学院", [("050201", "英语"), ("050207", "日语"), ("050261", "翻译"), ("050262", "商务英语")]),
    ("104", "机械工程学院", [("080202", "机械设计制造及其自动化"), ("080203", "材料成型及控制工程"),
                         ("080204", "机械电子工程"), ("080207", "车辆工程")]),
    ("105", "化学化工学院", [("081301", "化学工程与工艺"), ("070301", "化学"), ("070302", "应用化学"),
                         ("082502", "环境工程")]),
    ("106", "文学与新闻传播学院", [("050101", "汉语言文学"), ("050103", "汉语国际教育"), ("050301", "新闻学"),
                            ("050302", "广播电视学")]),
    ("107", "数学与统计学院", [("070101", "数学与应用数学"), ("070102", "信息与计算科学"), ("071201", "统计学"),
                          ("071202", "应用统计学")]),
]
SUB_UNITS = [("10101", "软件工程系", "101"), ("10102", "计算机系", "101")]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥建华文辉力明永健世广志义兴良海山仁波宁贵福生龙元全国胜学祥才发武新利清飞彬富顺信子杰涛昌成康星光天达安岩中茂进林有坚和彪博诚先敬震振壮会思群豪心邦承乐绍功松善厚庆磊民友裕河哲江超浩亮政谦亨奇固之轮翰朗伯宏言若鸣朋斌梁栋维启克伦翔旭鹏泽晨辰士以建家致树炎德行时泰盛雄琛钧冠策腾楠榕风航弘"
REGIONS = ["430621", "430602", "110108", "110118", "440106", "320102", "510104", "370102", "420106", "610113",
           "450103", "150102", "650102", "330106", "350102", "130102", "410105", "360102", "520102", "530102"]
WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
CHECK = "10X98765432"


class DemoRefused(RuntimeError):
    """Demo accounts with a documented password must never exist in production."""


def id_number(rng: random.Random, birth: datetime.date, male: bool) -> str:
    """A GB 11643 ID with a real region, birth date, gender digit and checksum."""
    seq = rng.randrange(0, 100) * 10 + rng.randrange(0, 5) * 2 + (1 if male else 0)
    body = f"{rng.choice(REGIONS)}{birth:%Y%m%d}{seq:03d}"
    return body + CHECK[sum(int(d) * w for d, w in zip(body, WEIGHTS)) % 11]


def _structure() -> tuple[Department, list[Department], list[Major], Cohort]:
    school = Department(code=SCHOOL_CODE, name="示例大学", kind=DepartmentKind.SCHOOL, sort_order=0)
    db.session.add(school)
    colleges, majors = [], []
    for order, (code, name, major_list) in enumerate(COLLEGES, start=1):
        college = Department(code=code, name=name, kind=DepartmentKind.COLLEGE, parent=school, sort_order=order)
        colleges.append(college)
        for major_code, major_name in major_list:
            majors.append(Major(code=major_code, name=major_name, department=college, education_level="本科"))
    by_code = {c.code: c for c in colleges}
    for code, name, parent in SUB_UNITS:
        db.session.add(Department(code=code, name=name, kind=DepartmentKind.UNIT, parent=by_code[parent]))
    cohort = Cohort(year=2026, name="2026届", is_current=True)
    db.session.add_all([*colleges, *majors, cohort])
    db.session.flush()
    return school, colleges, majors, cohort


POLICE = {"430621": "湖南省岳阳县荣家湾派出所", "430602": "湖南省岳阳市岳阳楼区三眼桥派出所",
          "110108": "北京市海淀区中关村派出所", "110118": "北京市密云区鼓楼派出所"}
TOWNS = ["城关镇", "新墙镇", "东风街道", "中关村街道", "城南街道", "湖滨街道"]


def _registry_row(rng: random.Random, n: int, major: Major, cohort: Cohort) -> dict:
    """One provincial registry row with realistic values (canonical 生源地, 14-digit 考生号, coded fields)."""
    from app.validation.origin import canonical_origin

    male = rng.random() < 0.52
    birth = datetime.date(cohort.year - 23, 1, 1) + datetime.timedelta(days=rng.randrange(0, 3 * 365))
    number = id_number(rng, birth, male)
    region = number[:6]
    name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
    directed = rng.random() < 0.03
    return dict(
        cohort_id=cohort.id, department_id=major.department_id, student_no=f"{cohort.year - 4}{major.department.code}{n:05d}",
        id_number=number, name=name, gender="1" if male else "2", birth_date=birth,
        ethnicity="01" if rng.random() < 0.9 else rng.choice(["03", "08", "15", "11"]),
        political_status=rng.choice(["03", "03", "03", "01", "13"]), student_category="mainland",
        origin=canonical_origin(region), origin_code=region,
        exam_no=f"{(cohort.year - 4) % 100:02d}{region[:2]}{rng.randrange(10**9, 10**10)}",
        major_code=major.code, major_name=major.name, education_level="31", schooling_length="4",
        training_mode="2" if directed else "1", training_unit="岳阳市教育局" if directed else None,
        enrolment_date=datetime.date(cohort.year - 4, 9, 1), graduation_date=datetime.date(cohort.year, 6, 30),
        included=True,
    )


def _graduates(count: int, majors: list[Major], cohort: Cohort) -> None:
    """Registry rows for the cohort and a roster row pre-filled from each, as a registry import leaves them."""
    from app.models.registry import RegistryRecord
    from app.services.source_form import REGISTRY_PREFILL

    rng = random.Random(2026)
    rows, seen = [], set()
    for n in range(count):
        major = majors[n % len(majors)]
        row = _registry_row(rng, n, major, cohort)
        while row["id_number"] in seen:
            row = _registry_row(rng, n, major, cohort)
        seen.add(row["id_number"])
        rows.append(row)
    db.session.execute(insert(RegistryRecord), rows)
    ids = dict(db.session.execute(select(RegistryRecord.student_no, RegistryRecord.id)
                                  .where(RegistryRecord.cohort_id == cohort.id)).all())
    by_code = {m.code: m for m in majors}
    graduates = []
    for row in rows:
        region = row["origin_code"]
        graduate = {key: row[key] for key in REGISTRY_PREFILL}
        graduate.update(
            student_no=row["student_no"], id_number=row["id_number"], cohort_id=cohort.id,
            department_id=row["department_id"], major_id=by_code[row["major_code"]].id,
            registry_record_id=ids[row["student_no"]], included=True, status="draft", version=1,
            police_station=POLICE.get(region), archive_unit="岳阳市第一中学" if region.startswith("43") else None,
        )
        graduates.append(graduate)
    db.session.execute(insert(Graduate), graduates)


def _account(username: str, name: str, role_name: str, department: Department | None, password: str,
             must_change: bool = False) -> User:
    sm = current_app.appbuilder.sm
    user = sm.find_user(username=username)
    if user is not None:
        return user
    user = User(username=username, first_name=name, last_name="", email=f"{username}@demo.gems.invalid",
                active=True, department=department, password=hash_password(password),
                must_change_password=must_change, roles=[sm.find_role(role_name)])
    db.session.add(user)
    return user


def load_demo(graduate_count: int, reviews: bool = False) -> str:
    """Idempotent: the structure and graduates are created once, missing accounts are added; `reviews` also moves
    part of a new demo school through the review workflow (the CLI does, the tests' fixture does not)."""
    if current_app.config.get("GEMS_ENV") == "production":
        raise DemoRefused("GEMS_ENV=production: refusing to create demo accounts with a documented password.")
    school = db.session.execute(select(Department).where(Department.code == SCHOOL_CODE)).scalar_one_or_none()
    created = school is None
    if created:
        school, colleges, majors, cohort = _structure()
        _graduates(graduate_count, majors, cohort)
    else:
        colleges = [d for d in school.children if d.kind == DepartmentKind.COLLEGE]
        colleges.sort(key=lambda d: d.code)
    password = current_app.config["GEMS_DEMO_PASSWORD"]
    _account("admin", "系统管理员", ADMIN, school, password)
    _account("school", "就业指导中心 王老师", SCHOOL, school, password)
    _account("college_a", "计算机学院 李老师", COLLEGE, colleges[0], password)
    _account("college_b", "经管学院 张老师", COLLEGE, colleges[1], password)
    from app.services.demo_employers import seed_employer_accounts

    seed_employer_accounts(password)  # employer_a, employer_b (issue 12)
    db.session.flush()
    for college in colleges[:2]:
        graduates = db.session.execute(
            select(Graduate).where(Graduate.department_id == college.id).order_by(Graduate.student_no).limit(5)
        ).scalars().all()
        for graduate in graduates:
            if graduate.user_id is None:
                user = _account(graduate.student_no, graduate.name, STUDENT, college, graduate.id_number[-6:],
                                must_change=True)
                db.session.flush()
                graduate.user_id = user.id
    db.session.commit()
    total = db.session.execute(select(db.func.count()).select_from(Graduate)).scalar_one()
    report = f"demo data {'created' if created else 'already present'}: {total} graduates"
    if created and reviews:
        from app.services.demo_reviews import seed_reviews

        report += f" ({seed_reviews()})"
        from app.services.demo_destinations import seed_destinations

        report += f" ({seed_destinations()})"
        from app.services.demo_agreements import seed_agreements

        report += f" ({seed_agreements()})"
    return report
