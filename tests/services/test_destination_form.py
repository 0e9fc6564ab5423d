"""EMP-1/EMP-4: what each code asks for, problems before submission, new employers, evidence through the uploads
service, and the change rules (once, revert first, deadline, plan lock, agreement-backed)."""
from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from app.extensions import db
from app.models.destination import Destination
from app.models.employer import APPROVED, PENDING, Employer
from app.models.reference import JobCategory
from app.models.user import User
from app.services import destination_form as form
from app.services.change_requests import Incoming
from app.workflows import fire
from app.workflows.destination import DESTINATION
from tests.services.change_world import png_bytes
from tests.workflows import destination_world as world
from tests.workflows.destination_world import code, cohort, destination, graduate

student_id, dctx = world.student_id, world.dctx
STUDENT_ROLES = frozenset({"毕业生"})
VALID_CODES = ("91350100M000100Y43", "91110000600037341L", "91440300708461136T")  # GB 32100 vectors

# DOMAIN-DESTINATIONS "Which fields a code needs", written out (the oracle, not the code table)
NEEDS = {
    "10": {"employer_id", "signed_on", "job_category_id"},
    "11": {"employer_id", "signed_on", "job_category_id"},
    "12": {"employer_id", "signed_on", "job_category_id"},
    "271": {"host_unit", "region_code", "address"},
    "502": {"host_unit", "region_code", "address"},
    "512": {"host_unit", "region_code", "address"},
    "46": set(),
    "75": {"venture_name", "venture_credit_code", "region_code", "address", "online_shop", "shop_address"},
    "76": {"work_description", "region_code"},
    "801": {"school_name", "region_code"},
    "85": {"school_name", "foreign_school_name", "country_id"},
}


@pytest.fixture()
def evidence_dir(app: Any, tmp_path: Any) -> Iterator[None]:
    previous = app.config.get("GEMS_EVIDENCE_DIR")
    app.config["GEMS_EVIDENCE_DIR"] = str(tmp_path)
    yield
    app.config["GEMS_EVIDENCE_DIR"] = previous


def user(name: str) -> User:
    return db.session.execute(select(User).where(User.username == name)).scalar_one()


def employer(credit_code: str = VALID_CODES[0]) -> Employer:
    row = db.session.execute(select(Employer).where(Employer.credit_code == credit_code)).scalar()
    if row is None:
        row = Employer(name=f"{world.PREFIX}测试科技有限公司", credit_code=credit_code, region_code="430602", status=APPROVED)
        db.session.add(row)
        db.session.commit()
    return row


def post(**values: Any) -> MultiDict:
    return MultiDict({k: str(v) for k, v in values.items()})


@pytest.mark.parametrize("value", sorted(NEEDS))
def test_each_code_asks_for_what_it_needs_and_nothing_else(dctx: Any, value: str) -> None:
    row = code(value)
    kind = form.kind_of_code(row.id)
    assert {f.key for f, _required in form.fields_for(kind)} == NEEDS[value]


def test_saving_stores_only_the_chosen_codes_fields(dctx: Any, student_id: int) -> None:
    """Switching 76 → 46 clears the work description: a record holds nothing its code does not ask for."""
    grad = graduate(student_id)
    student = db.session.get(User, student_id)
    form.save(grad, post(code_id=code("76").id, work_description="自由撰稿", region_code="430602"), {}, student,
              STUDENT_ROLES)
    row = form.open_version(grad)
    assert (row.work_description, row.region_code) == ("自由撰稿", "430602")
    form.save(grad, post(code_id=code("46").id, work_description="残留", version=row.version), {}, student,
              STUDENT_ROLES)
    db.session.expire_all()
    row = form.open_version(grad)
    assert (row.code.code, row.work_description, row.region_code) == ("46", None, None)
    assert form.problems(row) == []


def test_problems_name_each_missing_item_and_proof(dctx: Any, student_id: int) -> None:
    grad = graduate(student_id)
    row = destination(grad, code_value="12")
    keys = [p.key for p in form.problems(row)]
    assert keys == ["employer_id", "signed_on", "job_category_id", "evidence_hiring_proof"]


def test_online_shop_needs_its_address_and_proof(dctx: Any, student_id: int) -> None:
    grad = graduate(student_id)
    row = destination(grad, code_value="75", venture_name="小店", region_code="430602", address="岳阳楼区1号")
    assert form.problems(row) == []  # an offline venture needs no shop proof
    row.online_shop = True
    db.session.commit()
    assert [p.key for p in form.problems(row)] == ["shop_address", "evidence_shop_proof"]


def test_bad_location_and_credit_code_are_problems(dctx: Any, student_id: int) -> None:
    grad = graduate(student_id)
    row = destination(grad, code_value="75", venture_name="小店", region_code="430000", address="某地",
                      venture_credit_code="91350100M000100Y4X")
    assert [p.key for p in form.problems(row)] == ["venture_credit_code", "region_code"]


def test_unknown_choices_are_not_stored(dctx: Any, student_id: int) -> None:
    grad = graduate(student_id)
    with pytest.raises(form.FormRefused) as refused:
        form.save(grad, post(code_id=code("11").id, employer_id=99999999, signed_on="2026-13-01",
                             job_category_id=99999999), {}, db.session.get(User, student_id), STUDENT_ROLES)
    assert set(refused.value.errors) == {"employer_id", "signed_on", "job_category_id"}
    assert form.versions(grad) == []


def test_a_new_employer_is_added_pending_and_checked(dctx: Any, student_id: int) -> None:
    grad = graduate(student_id)
    student = db.session.get(User, student_id)
    with pytest.raises(form.FormRefused) as refused:
        form.save(grad, post(code_id=code("11").id, new_employer_name="新单位", new_employer_credit_code="91350100M000100Y4X",
                             new_employer_region_code="430602"), {}, student, STUDENT_ROLES)
    assert set(refused.value.errors) == {"new_employer_credit_code"}
    form.save(grad, post(code_id=code("11").id, new_employer_name=f"{world.PREFIX}新单位有限公司",
                         new_employer_credit_code=VALID_CODES[2].lower(), new_employer_region_code="430602"), {},
              student, STUDENT_ROLES)
    row = form.open_version(grad)
    assert (row.employer.name, row.employer.credit_code, row.employer.status) == (f"{world.PREFIX}新单位有限公司", VALID_CODES[2],
                                                                                   PENDING)


def test_a_known_credit_code_reuses_the_employer(dctx: Any, student_id: int) -> None:
    known = employer(VALID_CODES[1])
    grad = graduate(student_id)
    before = db.session.execute(select(func.count()).select_from(Employer)).scalar_one()
    form.save(grad, post(code_id=code("10").id, new_employer_name="别名", new_employer_credit_code=VALID_CODES[1],
                         new_employer_region_code="430602"), {}, db.session.get(User, student_id), STUDENT_ROLES)
    assert form.open_version(grad).employer_id == known.id
    assert db.session.execute(select(func.count()).select_from(Employer)).scalar_one() == before


def test_evidence_goes_through_the_uploads_service(dctx: Any, student_id: int, evidence_dir: None) -> None:
    grad = graduate(student_id)
    student = db.session.get(User, student_id)
    values = dict(code_id=code("12").id, employer_id=employer().id, signed_on="2091-06-01",
                  job_category_id=db.session.execute(select(JobCategory.id)).scalars().first())
    with pytest.raises(form.FormRefused) as refused:
        form.save(grad, post(**values), {"hiring_proof": [Incoming("录用证明.png", b"<html>not a picture</html>")]},
                  student, STUDENT_ROLES)
    assert set(refused.value.errors) == {"evidence_hiring_proof"}
    form.save(grad, post(**values), {"hiring_proof": [Incoming("录用证明.pdf", png_bytes())]}, student,
              STUDENT_ROLES)
    row = form.open_version(grad)
    assert [(link.kind, link.evidence.original_name, link.evidence.content_type) for link in row.evidence_links] == [
        ("hiring_proof", "录用证明.png", "image/png")]
    assert form.problems(row) == []


# -- the change rules -------------------------------------------------------------------------------------------


def approved(student_id: int, **values: Any) -> Any:
    grad = graduate(student_id)
    destination(grad, "complete", code_value="46", **values)
    return grad


def test_a_change_is_a_new_draft_while_the_approved_one_stays_current(dctx: Any, student_id: int) -> None:
    grad = approved(student_id)
    change = form.start_change(grad, db.session.get(User, student_id))
    db.session.commit()
    assert (change.version_no, change.status, change.is_current, change.kind) == (2, "draft", False, "change")
    assert form.current(grad).version_no == 1
    assert form.change_refusal(grad).startswith("已有一项变更")


def test_only_an_approved_destination_changes(dctx: Any, student_id: int) -> None:
    grad = graduate(student_id)
    destination(grad, "central")
    assert form.change_refusal(grad) == "只有审核通过的毕业去向才能变更；在此之前请直接修改登记内容。"


def test_second_change_needs_a_revert_to_the_original(dctx: Any, student_id: int) -> None:
    """Change once; the second needs the school to restore the original entry (employer included) first."""
    original_employer = employer()
    grad = approved(student_id)
    first = form.current(grad)
    first.code_id, first.employer_id = code("11").id, original_employer.id
    db.session.commit()
    student, school = db.session.get(User, student_id), user("school")
    change = form.start_change(grad, student)
    change.code_id, change.employer_id = code("46").id, None
    db.session.commit()
    for trigger, who in (("submit", student), ("approve_college", user("college_a")), ("approve_school", school)):
        assert fire(DESTINATION, trigger, change.id, who).ok
    db.session.expire_all()
    assert form.current(grad).id == change.id
    assert form.change_refusal(grad).startswith("你已经变更过一次毕业去向")
    with pytest.raises(form.FormRefused):
        form.revert_to_original(grad, student, "学生不能恢复")
    reverted = form.revert_to_original(grad, school, "用人单位确认原协议有效")
    db.session.commit()
    db.session.expire_all()
    now = form.current(grad)
    assert (now.id, now.kind, now.status, now.code.code, now.employer_id) == (reverted.id, "revert", "complete", "11",
                                                                             original_employer.id)
    assert form.change_refusal(grad) is None
    assert [v.version_no for v in form.versions(grad)] == [3, 2, 1]  # every version kept


def test_agreement_backed_destination_changes_only_by_termination(dctx: Any, student_id: int) -> None:
    grad = approved(student_id, from_agreement=True)
    assert "解约" in form.change_refusal(grad)


def test_deadline_and_lock_stop_changes_and_saving(dctx: Any, student_id: int) -> None:
    grad = approved(student_id)
    cohort().change_deadline = datetime.date(2020, 8, 31)
    db.session.commit()
    assert "2020-08-31" in form.change_refusal(grad)
    cohort().change_deadline, cohort().plan_locked = None, True
    db.session.commit()
    assert "就业方案已锁定" in form.change_refusal(grad)
    other = graduate(student_id)
    with pytest.raises(form.FormRefused) as refused:
        form.save(other, post(code_id=code("46").id), {}, db.session.get(User, student_id), STUDENT_ROLES)
    assert "就业方案已锁定" in refused.value.errors["form"]


def test_one_current_is_enforced_by_the_database(dctx: Any, student_id: int) -> None:
    """The partial unique index, not the code, refuses a second current row for a graduate."""
    from sqlalchemy.exc import IntegrityError

    grad = approved(student_id)
    db.session.add(Destination(graduate_id=grad.id, version_no=2, is_current=True, status="draft"))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    # many non-current rows are fine
    for n in (2, 3):
        db.session.add(Destination(graduate_id=grad.id, version_no=n, is_current=False, status="complete"))
    db.session.commit()
