"""APV-1 for the graduate: 就业服务 → 省外就业申请 — refused before the source information is complete, the credit
code and the place checked (GB 32100, GB/T 2260), evidence through the uploads service, the status in words,
withdrawing while pending, and after approval the way to the out-of-province agreement."""
from __future__ import annotations

import io
import re
from typing import Any

from sqlalchemy import select

from app.extensions import db
from app.models.agreement import OutOfProvinceApplication, OutOfProvinceEvidence
from app.models.change import Evidence
from app.services.demo_employers import credit_code
from app.workflows.engine import fire
from app.workflows.out_of_province import OUT_OF_PROVINCE
from tests.conftest import Browser
from tests.services.test_signing_world import PASSWORD, PNG, account, application, graduates, signed_in, user, world

world = world  # the fixture
URL = "/student/out-of-province/"
CODE = credit_code("91440106MA5D8K2L3")
TOKEN_PAGE = "/resetmypassword/form"


def _signed_in(app: Any, status: str = "complete") -> tuple[Browser, int]:
    (gid,) = graduates(1, status=status)
    name = account(gid)
    return signed_in(app, name, PASSWORD), gid


def _apply(b: Browser, **values: Any) -> Any:
    data = {"employer_name": "OFL广州某科技公司", "employer_credit_code": CODE, "region_code": "440106",
            "explanation": "已获录用，去广州工作", **values}
    return b.post_form(URL, data, token_from=TOKEN_PAGE)  # a page with a form even when this one shows none


def _rows(gid: int) -> list[OutOfProvinceApplication]:
    db.session.expire_all()
    return list(db.session.execute(select(OutOfProvinceApplication).where(
        OutOfProvinceApplication.graduate_id == gid).order_by(OutOfProvinceApplication.id)).scalars())


def test_refused_before_the_source_information_is_complete(world: Any) -> None:
    b, gid = _signed_in(world, status="central")
    page = b.get(URL)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "生源信息尚未审核完成" in html and 'id="gems-out-of-province-form"' not in html
    response = _apply(b)
    assert response.status_code == 422 and "生源信息尚未审核完成" in response.get_data(as_text=True)
    assert _rows(gid) == []


def test_apply_with_evidence_then_withdraw(world: Any) -> None:
    b, gid = _signed_in(world)
    page = b.get(URL).get_data(as_text=True)
    assert "申请省外就业" in page and 'id="gems-out-of-province-form"' in page
    response = b.client.post(URL, data={"csrf_token": b.token(URL), "employer_name": "OFL广州某科技公司",
                                        "employer_credit_code": CODE.lower(), "region_code": "440106",
                                        "explanation": "已获录用", "evidence": (io.BytesIO(PNG), "offer.png")},
                             content_type="multipart/form-data")
    assert response.status_code == 303, response.get_data(as_text=True)[:400]
    (row,) = _rows(gid)
    assert row.status == "central" and row.employer_credit_code == CODE and row.submitted_at is not None
    links = db.session.execute(select(OutOfProvinceEvidence).where(
        OutOfProvinceEvidence.application_id == row.id)).scalars().all()
    assert len(links) == 1 and db.session.get(Evidence, links[0].evidence_id).graduate_id == gid
    html = b.get(URL).get_data(as_text=True)
    assert "待审核" in html and "offer.png" in html and f'id="withdraw-{row.id}"' in html
    assert "已有一份申请等待学校审核" in html  # no second application while one waits
    assert _apply(b).status_code == 422 and len(_rows(gid)) == 1
    response = b.post_form(f"{URL}{row.id}/withdraw", {}, token_from=URL)
    assert response.status_code == 303
    assert _rows(gid)[0].status == "withdrawn"
    assert "您已撤回该申请" in b.get(URL).get_data(as_text=True)


def test_bad_code_place_and_missing_fields_are_refused_with_reasons(world: Any) -> None:
    b, gid = _signed_in(world)
    response = _apply(b, employer_credit_code=CODE[:17] + ("0" if CODE[17] != "0" else "1"), region_code="999999",
                      explanation="")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "校验位错误" in html and "999999" in html and "请说明省外就业的情况" in html
    response = _apply(b, employer_name="", employer_credit_code="")
    assert response.status_code == 422 and "请填写单位名称" in response.get_data(as_text=True)
    assert _rows(gid) == []
    response = b.client.post(URL, data={"csrf_token": b.token(URL), "employer_name": "OFL某公司",
                                        "region_code": "440106", "explanation": "x",
                                        "evidence": (io.BytesIO(b"MZ not a picture"), "virus.png")},
                             content_type="multipart/form-data")
    assert response.status_code == 422 and "virus.png" in response.get_data(as_text=True)
    assert _rows(gid) == []


def test_the_school_province_is_refused_when_configured(world: Any) -> None:
    b, gid = _signed_in(world)
    world.config["GEMS_SCHOOL_PROVINCE"] = "43"
    try:
        response = _apply(b, region_code="430602")
        assert response.status_code == 422 and "在本省内" in response.get_data(as_text=True)
        assert _apply(b, region_code="440106").status_code == 303
    finally:
        world.config.pop("GEMS_SCHOOL_PROVINCE", None)
    assert len(_rows(gid)) == 1


def test_approved_opens_the_outside_entry_and_rejected_reads_the_reason(world: Any) -> None:
    b, gid = _signed_in(world)
    rejected = application(gid)
    assert fire(OUT_OF_PROVINCE, "reject", rejected.id, user("school"), "请补充录用通知").ok
    html = b.get(URL).get_data(as_text=True)
    assert "不同意" in html and "请补充录用通知" in html and 'id="gems-out-of-province-form"' in html
    approved = application(gid)
    assert fire(OUT_OF_PROVINCE, "approve_school", approved.id, user("school")).ok
    html = b.get(URL).get_data(as_text=True)
    assert "省内状态已锁定" in html and 'id="gems-enter-link"' in html
    assert 'id="gems-out-of-province-form"' not in html
    link = re.search(r'id="gems-enter-link" href="([^"]+)"', html).group(1)
    assert b.get(link.replace("&amp;", "&")).status_code == 200


def test_another_graduates_application_cannot_be_withdrawn(world: Any) -> None:
    b, _gid = _signed_in(world)
    (other,) = graduates(1)
    row = application(other)
    response = b.post_form(f"{URL}{row.id}/withdraw", {}, token_from=URL)
    assert response.status_code == 404
    assert _rows(other)[0].status == "central"
