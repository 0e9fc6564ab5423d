"""APV-1 for the school: 审核 → 省外就业申请 on the shared workspace — scoped per role (college_a never sees
college_b's applications), the province and evidence filters, batch approval with per-record results that locks
in-province signing, rejection only with a reason, the record page's buttons and log, export and the REST door."""
from __future__ import annotations

import io
import re
from typing import Any

import openpyxl
from sqlalchemy import select

from app.extensions import db
from app.models.agreement import OutOfProvinceApplication, OutOfProvinceEvidence
from app.models.change import Evidence
from app.models.graduate import Graduate
from app.services.signing import status_of
from tests.conftest import Browser
from tests.services.test_signing_world import agreement, application, graduates, signed_in, world
from tests.views.test_source_api import _client

world = world  # the fixture
URL = "/review/out-of-province/"


def _as(app: Any, name: str) -> Browser:
    return signed_in(app, name)


def _post(b: Browser, path: str, data: dict[str, Any]) -> Any:
    return b.client.post(URL + path, data={"csrf_token": b.token(URL), **data})


def _no(gid: int) -> str:
    return db.session.get(Graduate, gid).student_no


def _button(page: str, name: str) -> str:
    """The <button> tag of a record page's action."""
    return re.search(rf'<button[^>]*id="btn-{name}"[^>]*>', page).group(0)


def _statuses(ids: list[int]) -> dict[int, str]:
    db.session.expire_all()
    return dict(db.session.execute(select(OutOfProvinceApplication.id, OutOfProvinceApplication.status)
                                   .where(OutOfProvinceApplication.id.in_(ids))).all())


def test_list_is_scoped_per_role(world: Any) -> None:
    (a,) = graduates(1, college="101")
    (b,) = graduates(1, college="102")
    mine, other = application(a, employer_name="OFL甲单位"), application(b, employer_name="OFL乙单位")
    page = _as(world, "college_a").get(URL + "?q=OFL").get_data(as_text=True)
    assert _no(a) in page and "OFL甲单位" in page and _no(b) not in page and "OFL乙单位" not in page
    assert _as(world, "college_b").get(f"{URL}{mine.id}").status_code == 404
    school = _as(world, "school").get(URL + "?q=OFL").get_data(as_text=True)
    assert _no(a) in school and _no(b) in school and "待审核" in school and "广东省广州市天河区" in school
    assert _as(world, "school").get(f"{URL}{other.id}").status_code == 200


def test_province_and_evidence_filters(world: Any) -> None:
    (gd, bj) = graduates(2)
    to_gd, to_bj = application(gd, region_code="440106"), application(bj, region_code="110108")
    evidence = Evidence(graduate_id=bj, original_name="offer.png", content_type="image/png", size=1, sha256="0" * 64,
                        storage_key="0" * 40)
    db.session.add(evidence)
    db.session.flush()
    db.session.add(OutOfProvinceEvidence(application_id=to_bj.id, evidence_id=evidence.id))
    db.session.commit()
    b = _as(world, "school")
    page = b.get(URL + "?q=OFL&province=44").get_data(as_text=True)
    assert _no(gd) in page and _no(bj) not in page
    page = b.get(URL + "?q=OFL&evidence=1").get_data(as_text=True)
    assert _no(bj) in page and _no(gd) not in page
    assert b.get(URL + "?province=4x&evidence=maybe").status_code == 200
    assert to_gd.id and "offer.png" in b.get(f"{URL}{to_bj.id}").get_data(as_text=True)


def test_batch_approve_reports_each_record_and_locks(world: Any) -> None:
    (one, two, bound) = graduates(3)
    (foreign,) = graduates(1, college="102")
    agreement(bound, "archived", kind="offline", external_number="OFL-B-1")
    rows = [application(g) for g in (one, two, bound)]
    decided = application(foreign, "approved")
    ids = [r.id for r in rows] + [decided.id]
    html = _post(_as(world, "school"), "batch", {"decision": "approve", "ids": [str(i) for i in ids]}
                 ).get_data(as_text=True)
    assert "2 条已完成" in html and "2 条已跳过" in html and "省内协议书" in html and "该申请已审核通过" in html
    after = _statuses(ids)
    assert [after[r.id] for r in rows] == ["approved", "approved", "central"]
    assert status_of(one).in_province_locked and status_of(two).in_province_locked
    assert not status_of(bound).in_province_locked


def test_rejection_needs_a_reason_and_colleges_only_read(world: Any) -> None:
    (gid,) = graduates(1)
    row = application(gid)
    school = _as(world, "school")
    _post(school, "batch", {"decision": "reject", "ids": [str(row.id)], "remark": "", "back": URL})
    assert _statuses([row.id])[row.id] == "central"
    html = _post(school, "batch", {"decision": "reject", "ids": [str(row.id)], "remark": "工作地点不明确"}
                 ).get_data(as_text=True)
    assert "1 条已完成" in html and _statuses([row.id])[row.id] == "rejected"
    assert db.session.get(OutOfProvinceApplication, row.id).school_remark == "工作地点不明确"
    other = application(gid)
    college = _as(world, "college_a")
    response = _post(college, "batch", {"decision": "approve", "ids": [str(other.id)]})
    assert response.status_code in (302, 403)
    assert _statuses([other.id])[other.id] == "central"


def test_record_page_buttons_decide_and_log(world: Any) -> None:
    (gid,) = graduates(1)
    row = application(gid, employer_name="OFL深圳某公司")
    school = _as(world, "school")
    page = school.get(f"{URL}{row.id}").get_data(as_text=True)
    assert "OFL深圳某公司" in page and 'id="btn-approve"' in page and 'id="btn-reject"' in page
    assert "disabled" not in _button(page, "approve")
    approvals = page.split('id="review-log"')[1].count("通过申请")  # ids of deleted test rows come back on SQLite
    school.client.post(f"{URL}{row.id}/decide", data={"csrf_token": school.token(URL), "decision": "approve",
                                                      "version": "1"})
    page = school.get(f"{URL}{row.id}").get_data(as_text=True)
    log = page.split('id="review-log"')[1]
    assert log.count("通过申请") == approvals + 1 and "待审核" in log and "已通过" in log
    assert "disabled" in _button(page, "approve") and "省内状态已锁定" in page
    stale = school.client.post(f"{URL}{row.id}/decide", data={"csrf_token": school.token(URL),
                                                              "decision": "erase"})
    assert stale.status_code == 400


def test_export_is_scoped(world: Any) -> None:
    (a,) = graduates(1, college="101")
    (b,) = graduates(1, college="102")
    application(a)
    application(b)
    college = _as(world, "college_a")
    response = _post(college, "export", {"target": "all", "q": "OFL"})
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    rows = list(openpyxl.load_workbook(io.BytesIO(response.data), read_only=True).worksheets[0].iter_rows(
        values_only=True))
    assert rows[0][:2] == ("学号", "姓名") and "工作地点" in rows[0]
    assert {r[0] for r in rows[1:]} == {_no(a)}


def test_rest_door_lists_decides_and_refuses(world: Any) -> None:
    (gid,) = graduates(1)
    (foreign,) = graduates(1, college="102")
    row, other = application(gid), application(foreign)
    client, headers = _client(world, "school", "10.9.7.1")
    body = client.get("/api/v1/out_of_province_review/?q=OFL&province=44", headers=headers).get_json()
    assert {r["id"] for r in body["result"]} >= {row.id, other.id}
    assert client.post(f"/api/v1/out_of_province_review/{row.id}/reject", json={}, headers=headers).status_code == 400
    done = client.post("/api/v1/out_of_province_review/batch/approve", json={"ids": [row.id]}, headers=headers)
    assert done.get_json()["done"] == 1
    record = client.get(f"/api/v1/out_of_province_review/{row.id}", headers=headers).get_json()
    assert record["status"] == "approved" and record["signing"]["in_province_locked"] is True
    college, college_headers = _client(world, "college_a", "10.9.7.2")
    assert college.get(f"/api/v1/out_of_province_review/{other.id}", headers=college_headers).status_code == 404
    listed = college.get("/api/v1/out_of_province_review/?q=OFL", headers=college_headers).get_json()
    assert other.id not in {r["id"] for r in listed["result"]}
    assert college.post("/api/v1/out_of_province_review/batch/approve", json={"ids": [other.id]},
                        headers=college_headers).status_code in (401, 403)
