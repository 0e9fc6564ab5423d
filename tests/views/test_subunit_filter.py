"""A college reviewer filters on its own sub-unit (and on departments outside its root) on every door: no 500s."""
from __future__ import annotations

import io
from typing import Any

import openpyxl
from sqlalchemy import select

from app.extensions import db
from app.models.graduate import Graduate
from app.models.org import Department, Major
from tests.conftest import DEMO_PASSWORD
from tests.views.review_helpers import make_graduates, statuses


def _dept(code: str) -> int:
    return db.session.execute(select(Department.id).where(Department.code == code)).scalar_one()


def _world(app: Any, prefix: str) -> dict[str, Any]:
    """Two pending graduates in college 101's sub-unit 10101, one in 101 itself, one in college 102."""
    with app.app_context():
        unit = _dept("10101")
        major = db.session.execute(select(Major.id).where(Major.department_id == _dept("101"))
                                   .order_by(Major.code)).scalars().first()
        in_unit = make_graduates(2, "secondary", "101", prefix=prefix, department_id=unit, major_id=major)
        in_college = make_graduates(1, "secondary", "101", prefix=prefix)
        other = make_graduates(1, "secondary", "102", prefix=prefix)
        numbers = dict(db.session.execute(select(Graduate.id, Graduate.student_no)
                                          .where(Graduate.id.in_(in_unit + in_college + other))).all())
        return {"unit": unit, "other_college": _dept("102"), "in_unit": in_unit, "in_college": in_college,
                "other": other, "numbers": numbers}


def _listed(html: str, numbers: dict[int, str], ids: list[int]) -> set[int]:
    return {i for i in ids if numbers[i] in html}


def test_page_filters_on_own_sub_unit(app: Any, as_role: Any) -> None:
    w = _world(app, "SUA")
    b = as_role("college_a")
    response = b.get(f"/review/source/?department={w['unit']}&q=SUA")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    everyone = w["in_unit"] + w["in_college"] + w["other"]
    assert _listed(html, w["numbers"], everyone) == set(w["in_unit"])


def test_outside_root_filter_is_empty_not_an_error(app: Any, as_role: Any) -> None:
    w = _world(app, "SUB")
    b = as_role("college_a")
    for dept in (w["other_college"], 10**6):
        response = b.get(f"/review/source/?department={dept}&q=SUB")
        assert response.status_code == 200
        assert not _listed(response.get_data(as_text=True), w["numbers"], w["in_unit"] + w["other"])
    b = as_role("college_b")
    response = b.get(f"/review/source/?department={w['unit']}&q=SUB")
    assert response.status_code == 200
    assert not _listed(response.get_data(as_text=True), w["numbers"], w["in_unit"])


def test_export_and_print_filter_on_own_sub_unit(app: Any, as_role: Any) -> None:
    w = _world(app, "SUC")
    b = as_role("college_a")
    token = b.token("/review/source/")
    response = b.client.post("/review/source/export", data={"csrf_token": token, "target": "all",
                                                            "department": str(w["unit"]), "q": "SUC"})
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.data), read_only=True).worksheets[0]
    exported = {row[0] for row in list(sheet.iter_rows(values_only=True))[1:]}
    assert exported == {w["numbers"][i] for i in w["in_unit"]}
    response = b.client.post("/review/source/print", data={"csrf_token": token, "target": "all",
                                                           "department": str(w["unit"]), "q": "SUC"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert _listed(html, w["numbers"], w["in_unit"] + w["in_college"] + w["other"]) == set(w["in_unit"])


def test_batch_on_all_matching_own_sub_unit(app: Any, as_role: Any) -> None:
    w = _world(app, "SUD")
    b = as_role("college_a")
    response = b.post_form("/review/source/batch", {"target": "all", "decision": "approve",
                                                    "department": str(w["unit"]), "q": "SUD"},
                           token_from="/review/source/")
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    with app.app_context():
        after = statuses(w["in_unit"] + w["in_college"] + w["other"])
    assert {after[i] for i in w["in_unit"]} == {"central"}
    assert {after[i] for i in w["in_college"] + w["other"]} == {"secondary"}


def test_api_filters_on_own_sub_unit(app: Any) -> None:
    w = _world(app, "SUE")
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "10.3.7.9"
    login = client.post("/api/v1/security/login", json={"username": "college_a", "password": DEMO_PASSWORD,
                                                        "provider": "db"})
    assert login.status_code == 200
    headers = {"Authorization": f"Bearer {login.get_json()['access_token']}"}
    response = client.get(f"/api/v1/source_review/?department={w['unit']}&q=SUE&page_size=50", headers=headers)
    assert response.status_code == 200
    assert {row["id"] for row in response.get_json()["result"]} == set(w["in_unit"])
    response = client.get(f"/api/v1/source_review/?department={w['other_college']}&q=SUE", headers=headers)
    assert response.status_code == 200 and response.get_json()["result"] == []
