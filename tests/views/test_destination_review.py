"""EMP-2/EMP-3: the destination review workspace — scope per role, filters (sub-unit, code, placed), batch with
per-record results, rejection reasons required and notified, export, print, detail and the JSON door."""
from __future__ import annotations

import io
import re
from collections.abc import Iterator
from typing import Any

import openpyxl
import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models.audit import AuditLog
from app.models.destination import Destination
from app.models.graduate import Graduate
from app.models.notification import Notification
from app.models.org import Department
from tests.views.review_helpers import destination_statuses, make_destinations, remove_destinations
from tests.views.test_source_api import _client
from tests.workflows.destination_world import new_student

URL = "/review/destination/"


@pytest.fixture(autouse=True)
def _own_rows_removed(app: Any) -> Iterator[None]:
    """This file's graduates (student numbers DV…) share the destination tests' cohort: leave it as found."""
    yield
    with app.app_context():
        remove_destinations("DV")


def _post(b: Any, path: str, data: dict[str, Any]) -> Any:
    return b.client.post(URL + path, data={"csrf_token": b.token(URL), **data})


def _numbers(ids: list[int]) -> dict[int, str]:
    return dict(db.session.execute(select(Destination.id, Graduate.student_no).join(Destination.graduate)
                                   .where(Destination.id.in_(ids))).all())


def test_list_is_scoped_per_role(app: Any, as_role: Any) -> None:
    """college_a lists its own college's destinations only, the school both (roles without it: the access matrix)."""
    with app.app_context():
        mine = make_destinations(1, "secondary", "101", prefix="DVA")
        other = make_destinations(1, "secondary", "102", prefix="DVA")
        numbers = _numbers(mine + other)
    page = as_role("college_a").get(URL + "?q=DVA").get_data(as_text=True)
    row = re.search(rf"<tr>(?:(?!</tr>).)*<td>{numbers[mine[0]]}</td>.*?</tr>", page, re.S)
    assert row and "<td>二级待审</td>" in row.group(0) and "<td>46</td>" in row.group(0)
    assert numbers[other[0]] not in page
    school = as_role("school").get(URL + "?q=DVA").get_data(as_text=True)
    assert numbers[mine[0]] in school and numbers[other[0]] in school


def test_sub_unit_code_and_placed_filters(app: Any, as_role: Any) -> None:
    """department= takes the sub-unit's own rows; code= a stem's rows; placed=0 the codes that do not count (of the
    listed version once a state is picked, else of the approved destination)."""
    with app.app_context():
        unit = db.session.execute(select(Department.id).where(Department.code == "10101")).scalar_one()
        in_unit = make_destinations(1, "secondary", "101", prefix="DVB", department_id=unit)
        in_college = make_destinations(1, "secondary", "101", prefix="DVB")
        unplaced = make_destinations(1, "secondary", "101", prefix="DVB", code="70")
        numbers = _numbers(in_unit + in_college + unplaced)
        other = db.session.execute(select(Department.id).where(Department.code == "102")).scalar_one()
    b = as_role("college_a")
    page = b.get(f"{URL}?q=DVB&department={unit}").get_data(as_text=True)
    assert numbers[in_unit[0]] in page and numbers[in_college[0]] not in page
    # with a review state picked, code= and placed= read the listed version (the reviewer's "pending 46s")
    page = b.get(f"{URL}?q=DVB&placed=0&status=secondary").get_data(as_text=True)
    assert numbers[unplaced[0]] in page and numbers[in_college[0]] not in page
    page = b.get(f"{URL}?q=DVB&placed=1&code=46&status=secondary").get_data(as_text=True)
    assert numbers[in_college[0]] in page and numbers[unplaced[0]] not in page
    # without one they read the approved destination, as the rate does: nothing is approved yet, so none is placed
    page = b.get(f"{URL}?q=DVB&placed=0").get_data(as_text=True)
    assert numbers[unplaced[0]] in page and numbers[in_college[0]] in page and numbers[in_unit[0]] in page
    page = b.get(f"{URL}?q=DVB&code=46").get_data(as_text=True)
    assert numbers[in_college[0]] not in page and numbers[in_unit[0]] not in page
    assert b.get(f"{URL}?department={other}&code=9x&placed=yes").status_code == 200


def test_batch_approve_reports_each_record(app: Any, as_role: Any) -> None:
    """A college batch moves its own pending rows on; another college's and a draft are skipped with reasons."""
    with app.app_context():
        pending = make_destinations(2, "secondary", "101", prefix="DVC")
        draft = make_destinations(1, "draft", "101", prefix="DVC")
        foreign = make_destinations(1, "secondary", "102", prefix="DVC")
    ids = pending + draft + foreign
    html = _post(as_role("college_a"), "batch", {"decision": "approve", "ids": [str(i) for i in ids]}
                 ).get_data(as_text=True)
    assert "2 条已完成" in html and "2 条已跳过" in html and "不在您的管理范围" in html
    with app.app_context():
        after = destination_statuses(ids)
    assert [after[i] for i in pending] == ["central"] * 2
    assert after[draft[0]] == "draft" and after[foreign[0]] == "secondary"


def test_rejection_needs_reasons_and_tells_the_student(app: Any, as_role: Any) -> None:
    """No reason picked: nothing changes. Reasons picked: rejected, reasons stored, the student told them."""
    with app.app_context():
        college = db.session.execute(select(Department.id).where(Department.code == "101")).scalar_one()
        student = new_student(college)
        (rid,) = make_destinations(1, "secondary", "101", prefix="DVD", user_id=student)
        before = db.session.execute(select(func.count()).select_from(Notification)
                                    .where(Notification.user_id == student)).scalar_one()
    b = as_role("college_a")
    _post(b, "batch", {"decision": "reject", "ids": [str(rid)], "remark": "请补充", "back": URL})
    assert "至少" in b.get(URL).get_data(as_text=True)
    with app.app_context():
        assert destination_statuses([rid])[rid] == "secondary"
    html = _post(b, "batch", {"decision": "reject", "ids": [str(rid)], "reasons": ["02", "05"],
                              "remark": "缺少录用证明"}).get_data(as_text=True)
    assert "1 条已完成" in html
    with app.app_context():
        row = db.session.get(Destination, rid)
        assert row.status == "rejected" and row.rejection_codes == ["02", "05"]
        assert row.rejection_text == "缺少录用证明" and "证明材料不充分" in row.college_remark
        notes = db.session.execute(select(Notification).where(Notification.user_id == student)
                                   .order_by(Notification.id)).scalars().all()
        assert len(notes) == before + 1
        assert "证明材料不充分" in notes[-1].params and "材料不齐全" in notes[-1].params


def test_detail_shows_code_evidence_versions_and_log(app: Any, as_role: Any) -> None:
    """The record page names the code, lists every version, and its buttons decide through the engine."""
    with app.app_context():
        (rid,) = make_destinations(1, "secondary", "101", prefix="DVE")
    b = as_role("college_a")
    page = b.get(f"{URL}{rid}").get_data(as_text=True)
    assert "应征义务兵" in page and 'id="version-table"' in page and "证明材料不充分" in page
    b.client.post(f"{URL}{rid}/decide", data={"csrf_token": b.token(URL), "decision": "approve", "version": "1"})
    page = b.get(f"{URL}{rid}").get_data(as_text=True)
    log = page.split('id="review-log"')[1]
    assert "院系审核通过" in log and "中心待审" in log
    assert as_role("college_b").get(f"{URL}{rid}").status_code == 404


def test_detail_names_the_employers_nature_industry_and_location(app: Any, as_role: Any) -> None:
    """A code-10 destination's page shows what a reviewer checks about the employer, not only its name."""
    from app.models.employer import Employer
    from app.models.reference import EmployerNature, Industry

    with app.app_context():
        (rid,) = make_destinations(1, "secondary", "101", prefix="DVN", code="10")
        nature = db.session.execute(select(EmployerNature).limit(1)).scalar_one()
        industry = db.session.execute(select(Industry).limit(1)).scalar_one()
        employer = Employer(name="DVN检验科技有限公司", status="approved", nature_id=nature.id,
                            industry_id=industry.id, region_code="430104")
        db.session.add(employer)
        db.session.flush()
        db.session.get(Destination, rid).employer_id = employer.id
        db.session.commit()
        expected = (nature.name, industry.name)
    try:
        page = as_role("college_a").get(f"{URL}{rid}").get_data(as_text=True)
        assert "DVN检验科技有限公司" in page
        for label, value in (("单位性质", expected[0]), ("单位行业", expected[1]), ("单位所在地", "岳麓区")):
            assert re.search(rf"{label}\s*</(?:th|dt|td)>\s*<(?:td|dd)[^>]*>[^<]*{value}", page), label
    finally:
        with app.app_context():
            remove_destinations("DVN")
            db.session.execute(Employer.__table__.delete().where(Employer.name == "DVN检验科技有限公司"))
            db.session.commit()


def test_export_and_print_are_scoped_and_audited(app: Any, as_role: Any) -> None:
    """college_a's export holds its own rows with Chinese headers; the print page lists the ticked rows."""
    with app.app_context():
        mine = make_destinations(2, "central", "101", prefix="DVF")
        other = make_destinations(1, "central", "102", prefix="DVF")
        numbers = _numbers(mine + other)
        before = db.session.execute(select(func.count()).select_from(AuditLog)
                                    .where(AuditLog.action == "export.destination")).scalar_one()
    b = as_role("college_a")
    response = _post(b, "export", {"target": "all", "q": "DVF"})
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    rows = list(openpyxl.load_workbook(io.BytesIO(response.data), read_only=True).worksheets[0].iter_rows(
        values_only=True))
    assert rows[0][:2] == ("学号", "姓名") and "毕业去向" in rows[0]
    assert {r[0] for r in rows[1:]} == {numbers[i] for i in mine}
    with app.app_context():
        after = db.session.execute(select(func.count()).select_from(AuditLog)
                                   .where(AuditLog.action == "export.destination")).scalar_one()
    assert after == before + 1
    html = _post(b, "print", {"target": "selected", "ids": [str(i) for i in mine + other]}).get_data(as_text=True)
    assert html.count('class="printed-row"') == 2 and numbers[other[0]] not in html


def test_api_lists_with_the_same_filters_and_requires_reasons(app: Any) -> None:
    """The JSON door: code= and placed= filter as on the page; a rejection without reasons is refused (400)."""
    with app.app_context():
        (placed,) = make_destinations(1, "secondary", "101", prefix="DVG")
        (unplaced,) = make_destinations(1, "secondary", "101", prefix="DVG", code="70")
    client, headers = _client(app, "college_a", "10.9.1.1")
    body = client.get("/api/v1/destination_review/?q=DVG&placed=0&status=secondary", headers=headers).get_json()
    assert [r["id"] for r in body["result"]] == [unplaced]
    assert client.post(f"/api/v1/destination_review/{placed}/reject", json={"remark": "x"},
                       headers=headers).status_code == 400
    done = client.post("/api/v1/destination_review/batch/reject", json={"ids": [placed], "reasons": ["03"]},
                       headers=headers).get_json()
    assert done["done"] == 1
    record = client.get(f"/api/v1/destination_review/{placed}", headers=headers).get_json()
    assert record["status"] == "rejected" and record["rejection_reasons"] == ["03"]
