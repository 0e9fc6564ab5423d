"""AGR-4: entered agreements — the school entering on a graduate's behalf is refused until the out-of-province
application is approved (creating and submitting, with that reason); an entry saved as a draft, its scan attached,
submitted, approved into the archive makes the graduate's destination code 10 current; offline entries by the
graduate carry their current number; a new employer is registered as pending; bad input is refused in words."""
from __future__ import annotations

import datetime
import io
import re
from typing import Any

from sqlalchemy import select

from app.extensions import db
from app.models.agreement import OFFLINE, OUTSIDE, Agreement, AgreementEvidence
from app.models.destination import Destination
from app.models.employer import Employer
from app.models.graduate import Graduate
from app.models.reference import JobCategory
from app.services import entered_agreements as entries
from app.services.demo_employers import credit_code
from app.workflows.agreement import AGREEMENT
from app.workflows.engine import fire
from app.workflows.out_of_province import OUT_OF_PROVINCE
from tests.conftest import Browser
from tests.services.test_signing_world import (
    PASSWORD,
    PNG,
    account,
    agreement,
    application,
    demo_employer,
    graduates,
    number,
    signed_in,
    signing,
    user,
    world,
)

world = world  # the fixture
SCHOOL = "/entered-agreements/"
STUDENT = "/student/entered-agreements/"
NOT_APPROVED = "省外就业申请尚未通过"


def _job() -> int:
    return db.session.execute(select(JobCategory.id).order_by(JobCategory.id)).scalars().first()


def _terms(**values: Any) -> dict[str, Any]:
    signed = (datetime.date.today() - datetime.timedelta(days=5)).isoformat()
    return {"signed_on": signed, "position": "工程师", "job_category_id": str(_job()), "salary": "8000元/月",
            "work_region_code": "440106", "work_address": "广州市天河区", "start_on": "2093-07-01",
            "contract_years": "3", **values}


def _post(b: Browser, url: str, data: dict[str, Any], token_from: str, scan: bool = True) -> Any:
    form = {"csrf_token": b.token(token_from), **data}
    if scan:
        form["evidence"] = (io.BytesIO(PNG), "协议扫描.png")
    return b.client.post(url, data=form, content_type="multipart/form-data")


def _school(app: Any) -> Browser:
    return signed_in(app, "school")


def _approved(gid: int) -> None:
    assert fire(OUT_OF_PROVINCE, "approve_school", application(gid).id, user("school")).ok


def _entries(gid: int) -> list[Agreement]:
    db.session.expire_all()
    return list(db.session.execute(select(Agreement).where(Agreement.graduate_id == gid)
                                   .order_by(Agreement.id)).scalars())


def test_entry_on_behalf_is_refused_until_the_application_is_approved(world: Any) -> None:
    (gid,) = graduates(1)
    school = _school(world)
    page = school.get(f"{SCHOOL}new?graduate={gid}&kind=outside")
    assert page.status_code == 422 and NOT_APPROVED in page.get_data(as_text=True)
    application(gid)  # pending is not approved
    response = _post(school, f"{SCHOOL}new", {"graduate": gid, "kind": "outside", "number": "GD2093-1",
                                              "new_employer_name": "OFL广州某公司", **_terms()}, "/signing-settings/")
    assert response.status_code == 422 and NOT_APPROVED in response.get_data(as_text=True)
    assert _entries(gid) == []
    student_no = db.session.get(Graduate, gid).student_no
    by_number = school.get(f"{SCHOOL}new?student_no={student_no}&kind=outside")
    assert by_number.status_code == 422 and NOT_APPROVED in by_number.get_data(as_text=True)
    assert school.get(f"{SCHOOL}new?student_no=NOBODY&kind=outside").status_code == 404


def test_submitting_on_behalf_is_refused_until_the_application_is_approved(world: Any) -> None:
    """A complete outside draft whose graduate has no approved application is not submitted, and says why."""
    (gid,) = graduates(1)
    signing(gid, in_province_locked=True)  # the school locked it directly: entry still needs the approval
    row = agreement(gid, "draft", kind=OUTSIDE, external_number="GD2093-7", signed_on=datetime.date(2093, 1, 5), job_category_id=_job(), work_region_code="440106")
    assert any(NOT_APPROVED in p for p in entries.submission_problems(row))
    school = _school(world)
    response = _post(school, f"{SCHOOL}{row.id}", {"action": "submit", "version": "1", "number": "GD2093-7"},
                     f"{SCHOOL}{row.id}")
    assert response.status_code == 303
    page = school.get(f"{SCHOOL}{row.id}").get_data(as_text=True)
    assert NOT_APPROVED in page
    assert _entries(gid)[0].status == "draft"
    # the engine's own guard says the same, whoever asks
    result = fire(AGREEMENT, "submit", row.id, user("school"))
    assert not result.ok and NOT_APPROVED in result.reason


def test_outside_entry_on_behalf_goes_into_the_plan(world: Any) -> None:
    (gid,) = graduates(1)
    _approved(gid)
    school = _school(world)
    page = school.get(f"{SCHOOL}new?graduate={gid}&kind=outside").get_data(as_text=True)
    assert "OFL广州某公司" in page and "440106" in page  # prefilled from the approved application
    code = credit_code("91440106MA5F3K2Q9")
    response = _post(school, f"{SCHOOL}new", {"graduate": gid, "kind": "outside", "number": "gd2093-0001",
                                              "new_employer_name": "OFL广州某公司", "new_employer_credit_code": code,
                                              "action": "submit", **_terms()}, f"{SCHOOL}new?graduate={gid}&kind=outside")
    assert response.status_code == 303, re.findall(r'gems-msg"[^>]*>([^<]+)<', response.get_data(as_text=True))
    (row,) = _entries(gid)
    assert (row.kind, row.status, row.started_by, row.external_number) == (OUTSIDE, "central", "school", "GD2093-0001")
    employer = db.session.get(Employer, row.employer_id)
    assert employer.status == "pending" and employer.credit_code == code and employer.region_code == "440106"
    assert db.session.execute(select(AgreementEvidence).where(AgreementEvidence.agreement_id == row.id)).scalar()
    assert fire(AGREEMENT, "approve_entry", row.id, user("school")).ok
    db.session.expire_all()
    row = db.session.get(Agreement, row.id)
    assert row.status == "archived"
    current = db.session.execute(select(Destination).where(Destination.graduate_id == gid,
                                                           Destination.is_current)).scalar_one()
    assert current.id == row.destination_id and current.code.code == "10" and current.employer_id == employer.id
    page = school.get(f"{SCHOOL}{row.id}").get_data(as_text=True)
    assert "存档" in page and 'id="entry-submit"' not in page  # archived: read only


def test_graduate_enters_an_offline_agreement_with_their_number(world: Any) -> None:
    (gid,) = graduates(1)
    name = account(gid)
    current = number(gid)
    b = signed_in(world, name, PASSWORD)
    page = b.get(STUDENT).get_data(as_text=True)
    assert 'id="start-offline"' in page and NOT_APPROVED in page  # outside: closed, with the reason
    form = b.get(f"{STUDENT}new?kind=offline").get_data(as_text=True)
    assert current.number in form
    employer = demo_employer()
    response = _post(b, f"{STUDENT}new", {"kind": "offline", "number": current.number.lower(),
                                          "employer_id": employer.id, **_terms(work_region_code="430104")},
                     f"{STUDENT}new?kind=offline", scan=False)
    assert response.status_code == 303
    (row,) = _entries(gid)
    assert (row.kind, row.status, row.number_id, row.external_number) == (OFFLINE, "draft", current.id, None)
    assert row.started_by == "graduate" and row.employer_id == employer.id
    response = _post(b, f"{STUDENT}{row.id}", {"action": "submit", "version": row.version}, f"{STUDENT}{row.id}",
                     scan=False)
    assert response.status_code == 303
    assert _entries(gid)[0].status == "draft"
    assert "请上传已签协议书的扫描件" in b.get(f"{STUDENT}{row.id}").get_data(as_text=True)
    response = _post(b, f"{STUDENT}{row.id}", {"action": "submit", "version": row.version, "number": current.number,
                                               **_terms(work_region_code="430104")}, f"{STUDENT}{row.id}")
    assert _entries(gid)[0].status == "central", response.get_data(as_text=True)[:300]
    assert fire(AGREEMENT, "approve_entry", row.id, user("school")).ok
    db.session.expire_all()
    assert db.session.get(Agreement, row.id).status == "archived"
    # a second entry is refused: one live agreement per graduate
    page = b.get(f"{STUDENT}new?kind=offline")
    assert page.status_code == 422 and "已有有效的协议书" in page.get_data(as_text=True)


def test_bad_entries_are_refused_field_by_field(world: Any) -> None:
    (gid,) = graduates(1)
    name = account(gid)
    b = signed_in(world, name, PASSWORD)
    response = _post(b, f"{STUDENT}new", {"kind": "offline", "number": "P-1", "new_employer_name": "OFL某单位",
                                          "new_employer_credit_code": "91430104MA4PXC7K2X",
                                          **_terms(signed_on="2999-01-01", work_region_code="12345",
                                                   contract_years="99")}, f"{STUDENT}new?kind=offline")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "签约日期不能晚于今天" in html and "1 到 20" in html and "12345" in html
    assert _entries(gid) == []
    response = _post(b, f"{STUDENT}new", {"kind": "offline", "number": "P-1", "new_employer_name": "OFL某单位",
                                          **_terms(work_region_code="430104")}, f"{STUDENT}new?kind=offline")
    assert response.status_code == 422 and "请填写单位的统一社会信用代码" in response.get_data(as_text=True)
    assert b.get(f"{STUDENT}new?kind=moon").status_code == 400
    assert _entries(gid) == []


def test_offline_entry_is_refused_while_in_province_signing_is_locked(world: Any) -> None:
    (gid,) = graduates(1)
    signing(gid, in_province_locked=True)
    assert "省内签约状态已锁定" in entries.start_problem(db.session.get(Graduate, gid), OFFLINE)
    school = _school(world)
    page = school.get(f"{SCHOOL}new?graduate={gid}&kind=offline")
    assert page.status_code == 422 and "省内签约状态已锁定" in page.get_data(as_text=True)


def test_cancel_a_draft_and_scope(world: Any) -> None:
    (gid, other) = graduates(2)
    name = account(gid)
    row = agreement(gid, "draft", kind=OFFLINE, external_number="P-9")
    foreign = agreement(other, "draft", kind=OFFLINE, external_number="P-10")
    b = signed_in(world, name, PASSWORD)
    assert b.get(f"{STUDENT}{foreign.id}").status_code == 404
    html = b.get(f"{STUDENT}{row.id}").get_data(as_text=True)
    assert re.search(r'id="entry-cancel"(?![^>]*disabled)', html)
    response = _post(b, f"{STUDENT}{row.id}", {"action": "cancel"}, f"{STUDENT}{row.id}", scan=False)
    assert response.status_code == 303 and _entries(gid)[0].status == "cancelled"
    assert b.get(f"{STUDENT}new?kind=offline").status_code == 200  # no live agreement any more
