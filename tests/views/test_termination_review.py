"""TRM-1/TRM-4/TRM-5 on the reviewer's side: the work list shows only pending requests and the history only decided
ones, each scoped to the reviewer's college; batch approve and reject (a reason required); Excel export; the
evidence of many as one zip; the record page with every node and its buttons; the REST door; forced termination."""
from __future__ import annotations

import io
import zipfile
from typing import Any

import openpyxl
import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models.agreement import Agreement
from app.models.org import Major
from app.models.termination import Termination
from app.models.user import User
from app.workflows import fire
from app.workflows.termination import TERMINATION
from tests.conftest import DEMO_PASSWORD, Browser
from tests.views.test_termination_party import _Client
from tests.workflows import test_termination_world as world
from tests.workflows.test_termination_world import actor, agreement, archived, graduate, termination

people, tctx = world.people, world.tctx
LIST, HISTORY, FORCE = "/review/termination/", "/review/termination-history/", "/review/termination/force/"
PENDING = ("draft", "awaiting_other", "secondary", "central")
DECIDED = ("approved", "refused", "rejected", "withdrawn")


def reviewer(username: str) -> Browser:
    from flask import current_app

    b = Browser(_Client(current_app.test_client()))
    b.login_proven(username, DEMO_PASSWORD)
    return b


@pytest.fixture()
def school(tctx: Any) -> Browser:
    return reviewer("school")


def _post(b: Browser, url: str, data: dict[str, Any], page: str) -> Any:
    return b.client.post(url, data={"csrf_token": b.token(page), **data})


def _in_college_b() -> dict[str, int]:
    department = db.session.execute(select(User.department_id).where(User.username == "college_b")).scalar_one()
    major = db.session.execute(select(Major.id).where(Major.department_id == department)).scalars().first()
    return {"department_id": department, "major_id": major}


def _one_of_each(people: Any, states: tuple[str, ...]) -> dict[str, Termination]:
    return {state: termination(agreement(graduate(people, owned=False), people.employer), state) for state in states}


def _student_no(row: Termination) -> str:
    return db.session.get(Agreement, row.agreement_id).graduate.student_no


def test_the_work_list_has_only_pending_requests_and_the_history_only_decided(tctx: Any, people: Any,
                                                                              school: Browser) -> None:
    rows = _one_of_each(people, PENDING + DECIDED)
    work = school.get(LIST + "?q=TM").get_data(as_text=True)
    history = school.get(HISTORY + "?q=TM").get_data(as_text=True)
    for state, row in rows.items():
        number = _student_no(row)
        assert (number in work) == (state in PENDING), state
        assert (number in history) == (state in DECIDED), state
    assert "解约审核" in work and "解约记录" in history and "强制解约（录入协议书）" in work


def test_each_college_sees_its_own_graduates_only(tctx: Any, people: Any) -> None:
    mine = termination(agreement(graduate(people, owned=False), people.employer), "secondary")
    theirs = termination(agreement(graduate(people, owned=False, **_in_college_b()), people.employer), "secondary")
    page_a = reviewer("college_a").get(LIST + "?q=TM").get_data(as_text=True)
    assert _student_no(mine) in page_a and _student_no(theirs) not in page_a
    b = reviewer("college_b")
    assert _student_no(theirs) in b.get(LIST + "?q=TM").get_data(as_text=True)
    assert b.get(f"{LIST}{mine.id}").status_code == 404  # another college's record answers like a missing one


def test_batch_approve_and_reject_with_a_mandatory_reason(tctx: Any, people: Any, school: Browser) -> None:
    first, second = (termination(agreement(graduate(people, owned=False), people.employer), "central")
                     for _ in range(2))
    refused = _post(school, LIST + "batch", {"decision": "reject", "ids": [first.id], "remark": ""}, LIST)
    assert refused.status_code == 302
    db.session.expire_all()
    assert db.session.get(Termination, first.id).status == "central"
    done = _post(school, LIST + "batch", {"decision": "approve", "ids": [first.id]}, LIST)
    assert done.status_code == 200 and "批量操作结果" in done.get_data(as_text=True)
    _post(school, LIST + "batch", {"decision": "reject", "ids": [second.id], "remark": "材料不齐全"}, LIST)
    db.session.expire_all()
    approved, rejected = db.session.get(Termination, first.id), db.session.get(Termination, second.id)
    assert approved.status == "approved" and db.session.get(Agreement, approved.agreement_id).status == "terminated"
    assert rejected.status == "rejected" and rejected.school_remark == "材料不齐全"


def test_export_to_excel_by_the_declaration(tctx: Any, people: Any, school: Browser) -> None:
    rows = _one_of_each(people, ("central", "approved"))
    got = _post(school, LIST + "export", {"target": "all", "q": "TM"}, LIST)
    assert got.status_code == 200 and got.mimetype.endswith("spreadsheetml.sheet")
    sheet = openpyxl.load_workbook(io.BytesIO(got.data)).active
    values = [[c.value for c in r] for r in sheet.iter_rows()]
    headers = values[0]
    for header in ("学号", "姓名", "用人单位", "协议书编号", "申请方", "解约原因", "违约责任方", "违约金约定",
                   "线下解约（凭解约函）", "学校强制解约", "申请时间"):
        assert header in headers, header
    numbers = {r[headers.index("学号")] for r in values[1:]}
    assert _student_no(rows["central"]) in numbers and _student_no(rows["approved"]) not in numbers
    row = next(r for r in values[1:] if r[headers.index("学号")] == _student_no(rows["central"]))
    assert row[headers.index("申请方")] == "毕业生" and row[headers.index("解约原因")] == "继续深造"
    history = _post(school, HISTORY + "export", {"target": "all", "q": "TM"}, HISTORY)
    sheet = openpyxl.load_workbook(io.BytesIO(history.data)).active
    assert _student_no(rows["approved"]) in {c.value for c in next(sheet.iter_cols(min_col=1, max_col=1))}


def test_the_evidence_of_many_as_one_zip(tctx: Any, people: Any, school: Browser) -> None:
    """TRM-5: every file of the selection, in a folder per college and graduate and request."""
    rows = [termination(agreement(graduate(people, owned=False), people.employer), "central") for _ in range(2)]
    world.attach_file(rows[0], "letter")
    world.attach_file(rows[0], "receipt", name="收据.png")
    world.attach_file(rows[1], "letter")
    outside = termination(agreement(graduate(people, owned=False), people.employer), "approved")
    world.attach_file(outside, "letter")
    got = _post(school, LIST + "proofs", {"target": "selected", "ids": [r.id for r in rows]}, LIST)
    assert got.status_code == 200 and got.mimetype == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(got.data)).namelist()
    assert len(names) == 3, names
    folders = {n.rsplit("/", 1)[0] for n in names}
    assert all(_student_no(r) in " ".join(folders) for r in rows) and _student_no(outside) not in " ".join(names)
    assert any("违约金收据" in n for n in names) and all(n.endswith(".png") for n in names)


def test_the_record_page_shows_every_node_files_and_disabled_buttons(tctx: Any, people: Any,
                                                                     school: Browser) -> None:
    from flask import g

    row = termination(archived(graduate(people), people.employer), "draft")
    world.attach_file(row, "letter")
    for trigger, role in (("request", "graduate"), ("agree", "employer")):
        g.user = actor(role, people)
        assert fire(TERMINATION, trigger, row.id, g.user, remark="同意" if trigger == "agree" else "").ok
    g.__dict__.clear()
    page = school.get(f"{LIST}{row.id}").get_data(as_text=True)
    log = page[page.index('id="review-log"'):]
    assert "发送给对方确认" in log and "同意" in log
    assert log.count("<tr>") == 3  # header + the two nodes so far
    assert "/evidence/" in page and "解约函" in page
    assert 'id="btn-approve"' in page and "disabled" in page[page.index('id="btn-approve"') - 200:
                                                            page.index('id="btn-approve"')]
    # a pending request opened from the history list's address is shown where it is listed now (and back)
    moved = school.get(f"{HISTORY}{row.id}")
    assert f"{HISTORY}{row.id}" not in page and moved.status_code == 302
    assert moved.headers["Location"].endswith(f"{LIST}{row.id}")
    # approve from the page (college level first for a two-level school review)
    college = reviewer("college_a")
    _post(college, f"{LIST}{row.id}/decide", {"decision": "approve", "version": "3"}, f"{LIST}{row.id}")
    _post(school, f"{LIST}{row.id}/decide", {"decision": "approve", "version": "4"}, f"{LIST}{row.id}")
    db.session.expire_all()
    assert db.session.get(Termination, row.id).status == "approved"
    moved = school.get(f"{LIST}{row.id}")  # decided: the work list's address leads to the history's record page
    assert moved.status_code == 302 and moved.headers["Location"].endswith(f"{HISTORY}{row.id}")
    assert school.get(f"{HISTORY}{row.id}").status_code == 200


def test_the_rest_door(app: Any, tctx: Any, people: Any) -> None:
    from tests.views.test_source_api import _client

    row = termination(agreement(graduate(people, owned=False), people.employer), "central")
    client, headers = _client(app, "school", "10.9.7.1")
    from flask import g

    g.__dict__.clear()
    listed = client.get("/api/v1/termination_review/?q=TM", headers=headers).get_json()
    assert row.id in [r["id"] for r in listed["result"]]
    record = client.get(f"/api/v1/termination_review/{row.id}", headers=headers).get_json()
    assert record["status"] == "central" and record["values"]["解约原因"] == "继续深造"
    g.__dict__.clear()
    bad = client.post(f"/api/v1/termination_review/{row.id}/reject", json={"remark": ""}, headers=headers)
    assert bad.status_code == 400
    g.__dict__.clear()
    ok = client.post(f"/api/v1/termination_review/{row.id}/reject", json={"remark": "证明材料不充分"},
                     headers=headers)
    assert ok.status_code == 200 and ok.get_json()["done"] == 1


def test_force_an_entered_agreement_from_the_school_s_page(tctx: Any, people: Any, school: Browser) -> None:
    """TRM-4: listed among entered agreements; forced with a reason; gone from the plan; the history shows it."""
    grad = graduate(people, owned=False)
    deal = archived(grad, people.employer, kind="offline")
    listing = school.get(FORCE + "?q=" + grad.student_no).get_data(as_text=True)
    assert f"{FORCE}{deal.id}" in listing
    page = f"{FORCE}{deal.id}"
    no_reason = _post(school, page, {"remark": ""}, page)
    assert no_reason.status_code == 422 and "理由" in no_reason.get_data(as_text=True)
    assert db.session.execute(select(func.count()).select_from(Termination)
                              .where(Termination.agreement_id == deal.id)).scalar_one() == 0
    done = _post(school, page, {"remark": "录入协议信息有误", "liable_party": "none"}, page)
    assert done.status_code == 302
    db.session.expire_all()
    forced = db.session.execute(select(Termination).where(Termination.agreement_id == deal.id)).scalar_one()
    assert (forced.status, forced.forced, forced.requested_by) == ("approved", True, "school")
    assert db.session.get(Agreement, deal.id).status == "terminated"
    assert done.headers["Location"].endswith(f"{HISTORY}{forced.id}")


def test_force_is_refused_for_online_agreements_and_after_the_plan_lock(tctx: Any, people: Any,
                                                                        school: Browser) -> None:
    online = archived(graduate(people, owned=False), people.employer)
    page = f"{FORCE}{online.id}"
    html = school.get(page).get_data(as_text=True)
    assert 'id="btn-force"' in html and "只有录入的协议可以强制解约" in html
    refused = _post(school, page, {"remark": "测试"}, page)
    assert refused.status_code == 422 and "只有录入的协议可以强制解约" in refused.get_data(as_text=True)
    assert db.session.execute(select(func.count()).select_from(Termination)
                              .where(Termination.agreement_id == online.id)).scalar_one() == 0
    entered = archived(graduate(people, owned=False), people.employer, kind="outside")
    cohort = world.cohort()
    cohort.plan_locked = True
    db.session.commit()
    page = f"{FORCE}{entered.id}"
    assert "锁定" in school.get(page).get_data(as_text=True)
    locked = _post(school, page, {"remark": "测试"}, page)
    assert locked.status_code == 422 and "锁定" in locked.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Agreement, entered.id).status == "archived"


def test_only_the_school_forces(tctx: Any, people: Any) -> None:
    deal = agreement(graduate(people, owned=False), people.employer, kind="offline")
    college = reviewer("college_a")
    assert college.get(f"{FORCE}{deal.id}").status_code in (302, 403)
    assert "强制解约（录入协议书）" not in college.get(LIST).get_data(as_text=True)
