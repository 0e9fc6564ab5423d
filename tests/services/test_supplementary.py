"""REG-3 rules (seed 004 §7.5) and the submit effect: each rule refuses submission with its own Chinese message."""
from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models.audit import AuditLog
from app.models.graduate import Graduate
from app.models.org import Major
from app.models.supplementary import SupplementaryReport
from app.models.user import User
from app.services.supplementary import LABELS, normalise, report_problems
from app.validation.idcard import check_id_number
from app.workflows import fire, fire_many
from app.workflows.supplementary import SUPPLEMENTARY
from tests.services.supplementary_helpers import (
    cleanup,
    fresh_id,
    make_report,
    valid_values,
)

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture()
def rctx(ctx: Any) -> Any:
    """An app context whose test reports (and graduates they created) are removed afterwards."""
    yield ctx
    cleanup()


def user(name: str) -> User:
    return db.session.execute(select(User).where(User.username == name)).scalar_one()


def problems_of(**overrides: Any) -> list[str]:
    report = SupplementaryReport(**valid_values(**overrides))
    db.session.add(report)
    db.session.flush()
    return report_problems(report)


def test_valid_report_has_no_problems(rctx: Any) -> None:
    """The baseline the other rule tests vary: a complete, consistent report passes."""
    assert problems_of() == []


def test_invalid_id_is_refused(rctx: Any) -> None:
    """A wrong check digit (or length) makes the report unsubmittable with the ID check's message."""
    good = fresh_id()
    wrong = good[:17] + ("0" if good[17] != "0" else "1")
    problems = problems_of(id_number=wrong)
    assert any("校验位" in p for p in problems), problems
    assert any("18位" in p for p in problems_of(id_number=good[:16]))


def test_fifteen_digit_id_is_upgraded_and_fills_birth_date_and_gender(rctx: Any) -> None:
    """A 15-digit ID is stored as its 18-digit form; empty birth date and gender come from the ID."""
    old = "430621" + "850317" + "123"  # born 1985-03-17, odd sequence digit: male
    report = SupplementaryReport(**valid_values(id_number=old, birth_date=None, gender=None))
    notes = normalise(report)
    upgraded = check_id_number(old).value
    assert report.id_number == upgraded and len(upgraded) == 18
    assert report.birth_date == datetime.date(1985, 3, 17) and report.gender == "1"
    assert any(upgraded in note for note in notes)
    db.session.add(report)
    db.session.flush()
    assert report_problems(report) == []


def test_birth_date_defaults_from_id(rctx: Any) -> None:
    """Left empty, the birth date is the one encoded in the ID number."""
    number = fresh_id(datetime.date(2002, 11, 30))
    report = SupplementaryReport(**valid_values(id_number=number, birth_date=None))
    normalise(report)
    assert report.birth_date == datetime.date(2002, 11, 30)


def test_changed_birth_date_must_agree_with_id(rctx: Any) -> None:
    """A birth date edited away from the ID's blocks submission; the message names the ID's date."""
    problems = problems_of(birth_date=datetime.date(2003, 5, 18))
    assert len(problems) == 1 and "2003-05-18" in problems[0] and "2003-05-17" in problems[0], problems


def test_gender_must_agree_with_id(rctx: Any) -> None:
    """The gender digit of the ID wins: a female entry for a male ID is refused."""
    problems = problems_of(gender="2")
    assert len(problems) == 1 and "性别" in problems[0], problems


@pytest.mark.parametrize("filled", [
    ("qualification_name",),
    ("qualification_name", "qualification_level", "qualification_issuer"),
    ("qualification_date",),
])
def test_qualification_block_is_all_or_nothing(rctx: Any, filled: tuple[str, ...]) -> None:
    """Some but not all of the four qualification fields: refused, naming the missing ones."""
    values = {"qualification_name": "电工", "qualification_level": "中级", "qualification_issuer": "人社厅",
              "qualification_date": datetime.date(2025, 6, 1)}
    problems = problems_of(**{k: v for k, v in values.items() if k in filled})
    assert len(problems) == 1, problems
    assert "发证机关" in problems[0] or "qualification_issuer" in filled


def test_qualification_block_complete_or_empty_passes(rctx: Any) -> None:
    """All four qualification fields, or none, are both fine."""
    assert problems_of(qualification_name="电工", qualification_level="中级", qualification_issuer="人社厅",
                       qualification_date=datetime.date(2025, 6, 1)) == []
    assert problems_of(qualification_name=None) == []


@pytest.mark.parametrize("column", ["major_id", "name", "education_level", "origin", "reason", "student_no",
                                    "department_id", "cohort_id", "id_number"])
def test_required_fields(rctx: Any, column: str) -> None:
    """Each required field left empty is reported as 请填写 + its Chinese label."""
    report = SupplementaryReport(**valid_values())
    setattr(report, column, None if column.endswith("_id") else "")
    label = str(LABELS[column.removesuffix("_id")])
    assert CJK.search(label), label
    problems = report_problems(report)
    assert any(p == f"请填写{label}。" for p in problems), problems


def test_origin_must_be_canonical_with_suggestion(rctx: Any) -> None:
    """A county written under its prefecture is refused with the canonical form suggested."""
    problems = problems_of(origin="湖南省岳阳市岳阳县", origin_code=None)
    assert len(problems) == 1 and "湖南省岳阳县" in problems[0], problems


def test_normalise_sets_origin_code_and_canonical_codes(rctx: Any) -> None:
    """Saving stores the 6-digit origin code and turns typed labels (汉族, 本科) into national codes."""
    report = SupplementaryReport(**valid_values(origin="北京市海淀区", origin_code=None, ethnicity="汉族",
                                                education_level="本科"))
    normalise(report)
    assert (report.origin_code, report.ethnicity, report.education_level) == ("110108", "01", "31")


def test_invalid_coded_value_is_refused(rctx: Any) -> None:
    """A code outside the national list (ethnicity 99) is refused."""
    problems = problems_of(ethnicity="99")
    assert len(problems) == 1 and "民族" in problems[0], problems


def test_major_must_belong_to_the_college(rctx: Any) -> None:
    """A major of another college is refused."""
    values = valid_values()
    other = db.session.execute(select(Major).where(Major.department_id != values["department_id"])).scalars().first()
    problems = problems_of(major_id=other.id)
    assert len(problems) == 1 and other.name in problems[0], problems


def test_graduation_after_enrolment(rctx: Any) -> None:
    """Graduating before enrolling is refused."""
    problems = problems_of(graduation_date=datetime.date(2021, 6, 30))
    assert len(problems) == 1 and "毕业日期" in problems[0], problems


def test_student_no_and_id_already_in_roster(rctx: Any) -> None:
    """A student number or ID number that the cohort's roster already has is refused."""
    graduate = db.session.execute(select(Graduate).where(Graduate.student_no.notlike("BB%"))).scalars().first()
    by_no = problems_of(cohort_id=graduate.cohort_id, student_no=graduate.student_no)
    assert len(by_no) == 1 and graduate.student_no in by_no[0] and "名单" in by_no[0], by_no
    by_id = problems_of(cohort_id=graduate.cohort_id, id_number=graduate.id_number,
                        birth_date=graduate.birth_date, gender=graduate.gender)
    assert len(by_id) == 1 and "身份证号" in by_id[0] and "名单" in by_id[0], by_id


def test_duplicates_of_submitted_reports_only(rctx: Any) -> None:
    """Another draft with the same numbers is fine; another submitted report with them is not."""
    first = make_report()
    twin = {"student_no": first.student_no, "id_number": first.id_number}
    assert problems_of(**twin) == []
    db.session.execute(SupplementaryReport.__table__.update().where(SupplementaryReport.id == first.id)
                       .values(status="submitted"))  # another report, submitted earlier
    problems = problems_of(**twin)
    assert len(problems) == 2 and all("已提交" in p for p in problems), problems


def test_submit_creates_graduate_at_secondary_and_is_audited(rctx: Any) -> None:
    """Submitting adds exactly one included roster row at 二级待审, added by a reviewer, linked and audited."""
    report = make_report()
    since = db.session.execute(select(func.max(AuditLog.seq))).scalar_one()
    result = fire(SUPPLEMENTARY, "submit", report.id, user("school"))
    assert result.ok, result.reason
    db.session.refresh(report)
    assert report.status == "submitted" and report.submitted_at is not None and report.graduate_id
    graduates = db.session.execute(select(Graduate).where(Graduate.student_no == report.student_no)).scalars().all()
    assert len(graduates) == 1
    g = graduates[0]
    assert (g.id, g.status, g.version, g.included, g.added_by_reviewer) == (report.graduate_id, "secondary", 1,
                                                                           True, True)
    for column in ("cohort_id", "department_id", "major_id", "name", "id_number", "gender", "birth_date",
                   "ethnicity", "education_level", "origin", "origin_code", "exam_no", "graduation_date"):
        assert getattr(g, column) == getattr(report, column), column
    actions = db.session.execute(select(AuditLog.action, AuditLog.target_id).where(AuditLog.seq > since)).all()
    assert ("workflow.supplementary.submit", str(report.id)) in actions
    assert ("graduate.added_by_supplementary_report", str(g.id)) in actions


def test_second_submit_refused_with_engine_message(rctx: Any) -> None:
    """A submitted report cannot be submitted again; the engine says why, and no second graduate appears."""
    report = make_report()
    assert fire(SUPPLEMENTARY, "submit", report.id, user("school")).ok
    again = fire(SUPPLEMENTARY, "submit", report.id, user("admin"))
    assert not again.ok and again.reason == str(SUPPLEMENTARY.refusals[("submit", "submitted")])
    assert "不能修改或删除" in again.reason
    count = db.session.execute(select(func.count()).select_from(Graduate)
                               .where(Graduate.student_no == report.student_no)).scalar_one()
    assert count == 1


def test_submit_with_problems_refused(rctx: Any) -> None:
    """The guard is report_problems: an invalid report stays a draft and creates nothing."""
    report = make_report(gender="2")
    result = fire(SUPPLEMENTARY, "submit", report.id, user("school"))
    assert not result.ok and result.reason.startswith("不能提交") and "性别" in result.reason
    db.session.refresh(report)
    assert report.status == "draft" and report.graduate_id is None


def test_college_and_student_cannot_submit(rctx: Any) -> None:
    """Only school users submit supplementary reports."""
    report = make_report()
    student = db.session.execute(select(User).where(User.username.like("2022101%"))).scalars().first()
    for actor in (user("college_a"), student):
        result = fire(SUPPLEMENTARY, "submit", report.id, actor)
        assert not result.ok
    db.session.refresh(report)
    assert report.status == "draft"


def test_two_reports_for_one_student_in_one_batch_write_nothing(rctx: Any) -> None:
    """Both pass the guard on their own; the batch is refused as a whole instead of adding a duplicate."""
    first = make_report()
    second = make_report(student_no=first.student_no, id_number=first.id_number)
    with pytest.raises(ValueError):
        fire_many(SUPPLEMENTARY, "submit", [first.id, second.id], user("school"))
    db.session.rollback()
    statuses = db.session.execute(select(SupplementaryReport.status).where(
        SupplementaryReport.id.in_([first.id, second.id]))).scalars().all()
    assert statuses == ["draft", "draft"]
    assert not db.session.execute(select(Graduate.id).where(Graduate.student_no == first.student_no)).first()

