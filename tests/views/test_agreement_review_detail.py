"""AGR-2/AGR-3, seed 004 §5.1 (4)–(6): the agreement's record page — the three parties with the employer's identity
check, number and terms, every step with its time and actor, the evidence files, the buttons (each disabled with
the engine's reason) and what archive, revoke and restore do to the graduate's destination; the JSON door."""
from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from app.extensions import db
from app.models.agreement import Agreement, AgreementEvidence
from app.models.change import Evidence
from app.models.employer import EmployerRegisterEntry
from tests.views.test_agreement_review_world import (
    current_destination,
    employer,
    graduate_of,
    make_agreements,
    our_cohort,
    remove,
    statuses,
)
from tests.views.test_source_api import _client

URL = "/review/agreement/"
PREFIX = "ARD"


@pytest.fixture(autouse=True)
def _clean(app: Any) -> Iterator[None]:
    yield
    with app.app_context():
        remove(PREFIX)


def _decide(b: Any, pk: int, decision: str, remark: str = "", version: Any = None) -> Any:
    data = {"csrf_token": b.token(URL), "decision": decision, "remark": remark}
    if version is not None:
        data["version"] = str(version)
    return b.client.post(f"{URL}{pk}/decide", data=data)


def _section(page: str, marker: str) -> str:
    return page.split(f'id="{marker}"', 1)[1].split("</table>", 1)[0]


def test_the_page_shows_the_parties_identity_terms_and_evidence(app: Any, as_role: Any) -> None:
    with app.app_context():
        unit = employer(PREFIX, credit_code="91430100MA4L0ARD01")
        db.session.add(EmployerRegisterEntry(name=unit.name, credit_code=unit.credit_code, status="存续"))
        other = employer(PREFIX, credit_code="91430100MA4L0ARD02")
        db.session.add(EmployerRegisterEntry(name=other.name + "（变更前）", credit_code=other.credit_code))
        db.session.commit()
        exact, = make_agreements(1, "stamp_school", prefix=PREFIX, employer_row=unit, contract_years=3,
                                 start_on=datetime.date(2081, 7, 1))
        differs, = make_agreements(1, "central", prefix=PREFIX, employer_row=other)
        absent, = make_agreements(1, "secondary", prefix=PREFIX)
        evidence = Evidence(graduate_id=graduate_of(exact), original_name="协议扫描件.pdf", content_type="application/pdf",
                            size=10, sha256="0" * 64, storage_key=f"ard-{uuid.uuid4().hex}",
                            created_at=datetime.datetime(2081, 4, 1))
        db.session.add(evidence)
        db.session.flush()
        db.session.add(AgreementEvidence(agreement_id=exact, evidence_id=evidence.id))
        db.session.commit()
        evidence_id, name, code, other_name = evidence.id, unit.name, unit.credit_code, other.name
        number = db.session.get(Agreement, exact).number_text
    school = as_role("school")
    page = school.get(f"{URL}{exact}").get_data(as_text=True)
    employer_panel = _section(page, "party-employer")
    assert name in employer_panel and code in employer_panel and "与核验名录一致" in employer_panel
    assert "示例大学" in _section(page, "party-school") and "学号" in _section(page, "party-graduate")
    terms = _section(page, "agreement-terms")
    assert number in terms and "软件工程师" in terms and "8000元/月" in terms and "岳阳楼区" in terms
    assert "网上签约" in terms and "2081-07-01" in terms and ">3<" in terms
    assert f'href="/evidence/{evidence_id}"' in page and "协议扫描件.pdf" in page and "已签协议扫描件" in page
    assert f"单位名称与核验名录不一致（名录：{other_name}（变更前）" in school.get(f"{URL}{differs}").get_data(as_text=True)
    assert "不在核验名录" in school.get(f"{URL}{absent}").get_data(as_text=True)
    listed = school.get(f"/review/agreement/?q={PREFIX}").get_data(as_text=True)
    assert "与核验名录一致" in listed and "与核验名录不一致" in listed


def test_buttons_say_why_and_the_plan_panel_follows_each_step(app: Any, as_role: Any) -> None:
    """Awaiting the school's confirmation: archive enabled, approve and return disabled with their reasons; the
    panel says archiving makes code 10 current. Archived: the plan entry; revoke (reason required) goes back to
    the destination before; restore comes back. Each step is in the log with the school's name."""
    with app.app_context():
        pk, = make_agreements(1, "stamp_school", prefix=PREFIX, current_code="46")
    school = as_role("school")
    page = school.get(f"{URL}{pk}").get_data(as_text=True)
    assert 'id="btn-archive"' in page and 'id="btn-archive" disabled' not in page
    assert 'id="btn-revoke"' not in page and 'id="btn-restore"' not in page
    for name in ("approve", "reject"):
        button = page.split(f'id="btn-{name}"')[0].rsplit("<button", 1)[1]
        assert "disabled" in button and "该记录当前状态为“等待学校确认”" in button, button
    panel = page.split('id="plan-effect"')[1].split('id="party-graduate"')[0]
    assert "10 签就业协议形式就业" in panel and "不在就业方案中" in panel and "46" in panel
    assert _decide(school, pk, "archive", version=1).status_code == 302
    page = school.get(f"{URL}{pk}").get_data(as_text=True)
    assert "已存档" in page.split('id="status-label"')[1][:80]
    panel = page.split('id="plan-effect"')[1].split('id="party-graduate"')[0]
    assert 'id="in-plan"' in panel and "撤消存档将把本协议移出就业方案" in panel and "46" in panel
    assert 'id="btn-revoke"' in page and 'id="btn-archive"' not in page
    log = _section(page, "review-log")
    assert "确认并存档" in log and "<td>school</td>" in log and "等待学校确认" in log
    assert "存档时间" in _section(page, "step-times")
    _decide(school, pk, "revoke")
    assert "执行“撤消存档”操作须填写理由" in school.get(f"{URL}{pk}").get_data(as_text=True)
    _decide(school, pk, "revoke", "暂不进入方案")
    page = school.get(f"{URL}{pk}").get_data(as_text=True)
    with app.app_context():
        graduate = graduate_of(pk)
        assert statuses([pk])[pk] == "revoked"
        assert db.session.get(Agreement, pk).destination_id != current_destination(graduate).id
    panel = page.split('id="plan-effect"')[1].split('id="party-graduate"')[0]
    assert 'id="not-in-plan"' in panel and "恢复存档后" in panel and "46" in panel.split('id="current-destination"')[1]
    assert "暂不进入方案" in _section(page, "review-log")
    _decide(school, pk, "restore")
    with app.app_context():
        assert db.session.get(Agreement, pk).destination_id == current_destination(graduate_of(pk)).id


def test_a_locked_plan_disables_the_buttons_with_the_lock_message(app: Any, as_role: Any) -> None:
    with app.app_context():
        pk, = make_agreements(1, "archived", prefix=PREFIX)
        cohort = our_cohort()
        cohort.plan_locked = True
        db.session.commit()
    school = as_role("school")
    page = school.get(f"{URL}{pk}").get_data(as_text=True)
    button = page.split('id="btn-revoke"')[0].rsplit("<button", 1)[1]
    assert "disabled" in button and "已锁定" in button
    _decide(school, pk, "revoke", "理由")
    assert "已锁定" in school.get(f"{URL}{pk}").get_data(as_text=True)
    with app.app_context():
        assert statuses([pk])[pk] == "archived"


def test_college_sees_its_own_and_returns_with_a_reason(app: Any, as_role: Any) -> None:
    """A college reviews (approve / return with a mandatory reason) but has no archive buttons; another college's
    agreement is a 404 on every door."""
    with app.app_context():
        mine, = make_agreements(1, "secondary", prefix=PREFIX)
        theirs, = make_agreements(1, "secondary", "102", prefix=PREFIX)
    college = as_role("college_a")
    page = college.get(f"{URL}{mine}").get_data(as_text=True)
    assert 'id="btn-approve"' in page and 'id="btn-reject"' in page and 'id="btn-archive"' not in page
    _decide(college, mine, "reject")
    with app.app_context():
        assert statuses([mine])[mine] == "secondary"
    _decide(college, mine, "reject", "岗位信息不完整")
    with app.app_context():
        row = db.session.get(Agreement, mine)
        assert row.status == "returned" and row.college_remark == "岗位信息不完整"
    assert college.get(f"{URL}{theirs}").status_code == 404
    assert _decide(college, theirs, "approve").status_code == 404
    assert college.get(f"/review/agreement-history/{theirs}").status_code == 404


def test_the_json_door(app: Any) -> None:
    """/api/v1/agreement_review/: the list with the page's filters, one record, a batch archive and the refusals."""
    with app.app_context():
        ready = make_agreements(2, "stamp_school", prefix=PREFIX)
        theirs, = make_agreements(1, "secondary", "102", prefix=PREFIX)
    client, headers = _client(app, "school", "10.9.12.1")
    body = client.get(f"/api/v1/agreement_review/?q={PREFIX}&mine=1", headers=headers).get_json()
    assert sorted(r["id"] for r in body["result"]) == sorted(ready)
    assert body["result"][0]["identity"] == "不在核验名录" and body["result"][0]["kind"] == "网上签约"
    done = client.post("/api/v1/agreement_review/batch/archive", json={"ids": ready}, headers=headers).get_json()
    assert done["done"] == 2
    record = client.get(f"/api/v1/agreement_review/{ready[0]}", headers=headers).get_json()
    assert record["status"] == "archived" and record["in_plan"] is True and "archived_at" in record["steps"]
    assert record["values"]["position"] == "软件工程师"
    assert client.post(f"/api/v1/agreement_review/{ready[0]}/revoke", json={}, headers=headers).status_code == 400
    assert client.post(f"/api/v1/agreement_review/{ready[0]}/restore", json={}, headers=headers).status_code == 409
    assert client.post(f"/api/v1/agreement_review/{ready[0]}/drop", json={}, headers=headers).status_code == 400
    college, college_headers = _client(app, "college_a", "10.9.12.2")
    assert college.get(f"/api/v1/agreement_review/{theirs}", headers=college_headers).status_code == 404
    refused = college.post("/api/v1/agreement_review/batch/archive", json={"ids": [ready[1]]},
                           headers=college_headers).get_json()
    assert refused["done"] == 0
    admin, admin_headers = _client(app, "admin", "10.9.12.3")
    spec = admin.get("/api/v1/_openapi", headers=admin_headers).get_json()
    act = spec["paths"]["/api/v1/agreement_review/batch/{action}"]["post"]
    enum = next(p for p in act["parameters"] if p["name"] == "action")["schema"]["enum"]
    assert {"archive", "revoke", "restore", "approve_entry", "approve", "reject"} <= set(enum)
