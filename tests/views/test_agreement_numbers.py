"""AGR-1 school screen /agreement-numbers/: list with filters, counts per state and paging; generation previewed then
created (a stale preview refused); import (good file, bad rows, hostile file, template); assigning a cohort and one
graduate; voiding with its refusals; the menu and who may open it."""
from __future__ import annotations

import io
import re
from typing import Any

import openpyxl
from sqlalchemy import func, select

from app.extensions import db
from app.models.agreement import AgreementNumber
from app.models.graduate import Graduate
from app.services import agreement_numbers as numbers
from tests.services.test_agreement_numbers_import import tag, xlsx
from tests.workflows.test_number_world import (
    YEAR,
    agreement,
    cohort,
    graduates,
    nctx,
    numbers_of_cohort,
    pool,
    state_of,
)

__all__ = ["nctx"]
URL = "/agreement-numbers/"


def _post(b: Any, path: str, data: dict[str, Any], token_from: str = URL, **kw: Any) -> Any:
    return b.client.post(URL + path, data={"csrf_token": b.token(token_from), **data}, **kw)


def _text(response: Any) -> str:
    return response.get_data(as_text=True)


def test_the_list_filters_counts_per_state_and_pages(nctx: Any, as_role: Any) -> None:
    free = pool(25)
    grad = db.session.get(Graduate, graduates(1)[0])
    numbers.assign_one(grad)
    db.session.commit()
    b = as_role("school")
    page = _text(b.get(f"{URL}?cohort={cohort().id}&size=20"))
    assert 'data-state="unused">24<' in page and 'data-state="assigned">1<' in page and 'data-state="all">25<' in page
    assert free[0] in page and free[19] in page and free[20] not in page
    second = _text(b.get(f"{URL}?cohort={cohort().id}&size=20&page=2"))
    assert free[20] in second and free[24] in second and free[19] not in second
    assigned = _text(b.get(f"{URL}?cohort={cohort().id}&state=assigned"))
    assert free[0] in assigned and free[1] not in assigned and grad.student_no in assigned and "已分配" in assigned
    found = _text(b.get(f"{URL}?q={grad.student_no}"))
    assert free[0] in found and free[1] not in found
    assert b.get(f"{URL}?cohort=abc&state=nonsense&page=-3&level=zz&size=7").status_code == 200  # ignored, not 500


def test_generate_previews_first_and_last_then_creates_once(nctx: Any, as_role: Any) -> None:
    b = as_role("school")
    form = {"cohort": str(cohort().id), "level": "31", "count": "3", "pattern": numbers.PATTERN}
    preview = _text(_post(b, "generate", {**form, "action": "preview"}, URL + "generate"))
    first = re.search(r'id="gems-plan-first">([^<]+)<', preview).group(1)
    last = re.search(r'id="gems-plan-last">([^<]+)<', preview).group(1)
    assert (first, last) == (f"{YEAR}100003100001", f"{YEAR}100003100003") and numbers_of_cohort() == 0
    done = _post(b, "generate", {**form, "action": "create", "first": first, "last": last}, URL + "generate")
    assert done.status_code == 302 and "batch=G" in done.headers["Location"]
    assert numbers_of_cohort() == 3
    listed = _text(b.get(done.headers["Location"]))
    assert first in listed and "已生成 3 个协议书编号" in listed
    # the same preview posted again is stale now: refused with a fresh preview, nothing more created
    stale = _post(b, "generate", {**form, "action": "create", "first": first, "last": last}, URL + "generate")
    assert stale.status_code == 409 and f"{YEAR}100003100004" in _text(stale) and numbers_of_cohort() == 3


def test_generate_refuses_bad_input_with_the_reason(nctx: Any, as_role: Any) -> None:
    b = as_role("school")
    bad = _post(b, "generate", {"cohort": str(cohort().id), "level": "", "count": "3",
                                "pattern": "{year}{level}{serial}", "action": "preview"}, URL + "generate")
    assert bad.status_code == 400 and "请选择本批编号的学历" in _text(bad)
    for form in ({"cohort": "x", "count": "3", "pattern": "{serial}"}, {"cohort": str(cohort().id), "count": "lots",
                                                                        "pattern": "{serial}"},
                 {"cohort": str(cohort().id), "count": "2", "pattern": "{serial}", "level": "77"}):
        assert _post(b, "generate", form, URL + "generate").status_code == 400
    assert numbers_of_cohort() == 0


def test_import_good_file_then_bad_rows_then_hostile_file(nctx: Any, as_role: Any) -> None:
    cohort()
    b = as_role("school")
    t = tag()
    good = _post(b, "import", {"file": (xlsx([[f"{t}1", f"{YEAR}届", "本科"], [f"{t}2", f"{YEAR}届", None]]),
                                        "编号.xlsx")}, URL + "import", content_type="multipart/form-data")
    assert good.status_code == 302 and numbers_of_cohort() == 2
    assert "已从 编号.xlsx 导入 2 个协议书编号" in _text(b.get(good.headers["Location"]))
    bad = _post(b, "import", {"file": (xlsx([[f"{t}3", f"{YEAR}届", None], [f"{t}1", f"{YEAR}届", None]]),
                                       "编号.xlsx")}, URL + "import", content_type="multipart/form-data")
    assert bad.status_code == 422 and f"编号 {t}1 在系统中已存在" in _text(bad) and "未导入任何编号" in _text(bad)
    assert numbers_of_cohort() == 2  # the good row 2 of the bad file was not written either
    hostile = _post(b, "import", {"file": (io.BytesIO(b"PK\x03\x04 broken"), "编号.xlsx")}, URL + "import",
                    content_type="multipart/form-data")
    assert hostile.status_code == 422 and "alert-danger" in _text(hostile)
    missing = _post(b, "import", {}, URL + "import", content_type="multipart/form-data")
    assert missing.status_code == 400 and "请选择要导入的 .xlsx 编号文件" in _text(missing)


def test_the_import_template_downloads_with_chinese_headers(as_role: Any) -> None:
    response = as_role("school").get(URL + "import/template")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).worksheets[0]
    assert [c.value for c in sheet[1]] == ["协议书编号", "届别", "学历"]


def test_assign_the_cohort_reports_how_many_got_one_and_how_many_wait(nctx: Any, as_role: Any) -> None:
    ids = graduates(3)
    pool(2)
    b = as_role("school")
    done = _post(b, "assign", {"cohort": str(cohort().id)})
    assert done.status_code == 302
    page = _text(b.get(done.headers["Location"]))
    assert "已有 2 名毕业生获分配编号；1 名因编号池已用完而等待" in page
    assert len(numbers.current_numbers(ids)) == 2
    assert _post(b, "assign", {"cohort": "999999999"}).status_code == 400


def test_assign_one_by_student_number_and_from_the_graduate_page(nctx: Any, as_role: Any) -> None:
    first, second = (db.session.get(Graduate, g) for g in graduates(2))
    free = pool(2)
    b = as_role("school")
    done = _post(b, "assign-one", {"student_no": first.student_no})
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/graduate/{first.id}")
    assert free[0] in _text(b.get(done.headers["Location"]))
    again = _post(b, "assign-one", {"student_no": first.student_no})
    assert "已有协议书编号" in _text(b.get(again.headers["Location"]))
    page = f"{URL}graduate/{second.id}"
    assert 'id="gems-assign-graduate"' in _text(b.get(page))
    assert _post(b, "assign-one", {"graduate": str(second.id)}, page).status_code == 302
    assert state_of(free[1])[:2] == ("assigned", second.id)
    assert _post(b, "assign-one", {"student_no": "NB-nobody"}).status_code == 400
    assert b.get(f"{URL}graduate/999999999").status_code == 404


def test_a_college_may_not_open_the_pool(nctx: Any, as_role: Any) -> None:
    """The pool is the school's: a college reviewer may not open it at all."""
    b = as_role("college_a")
    assert b.get(URL).status_code in (302, 403)
    assert b.get(URL + "generate").status_code in (302, 403)


def test_void_from_the_screen_with_reason_and_refusals(nctx: Any, as_role: Any) -> None:
    grad = db.session.get(Graduate, graduates(1)[0])
    free = pool(3)
    held = numbers.assign_one(grad)
    db.session.commit()
    b = as_role("school")
    unused_id = db.session.execute(select(AgreementNumber.id).where(AgreementNumber.number == free[2])).scalar_one()
    form_url = f"{URL}{unused_id}/void"
    assert 'id="gems-void-form"' in _text(b.get(form_url))
    empty = _post(b, f"{unused_id}/void", {"reason": ""}, form_url)
    assert empty.status_code == 422 and "请填写作废原因" in _text(empty)
    assert _post(b, f"{unused_id}/void", {"reason": "印刷错误"}, form_url).status_code == 302
    assert state_of(free[2]) == ("voided", None, "印刷错误")
    agreement(grad.id, held.id, "central")
    held_url = f"{URL}{held.id}/void"
    shown = _text(b.get(held_url))
    assert "进行中的三方协议" in shown and 'id="gems-void-form"' not in shown
    refused = _post(b, f"{held.id}/void", {"reason": "污损", "reissue": "1"})  # posted anyway
    assert refused.status_code == 422 and state_of(held.number)[0] == "assigned"
    assert b.get(f"{URL}999999999/void").status_code == 404


def test_void_an_assigned_number_and_issue_the_next(nctx: Any, as_role: Any) -> None:
    grad = db.session.get(Graduate, graduates(1)[0])
    free = pool(2)
    held = numbers.assign_one(grad)
    db.session.commit()
    b = as_role("school")
    done = _post(b, f"{held.id}/void", {"reason": "协议污损", "reissue": "1"}, f"{URL}{held.id}/void")
    assert done.status_code == 302
    page = _text(b.get(done.headers["Location"]))
    assert "该毕业生的新编号为 " + free[1] in page and "协议污损" in page
    assert db.session.execute(select(func.count()).select_from(AgreementNumber).where(
        AgreementNumber.graduate_id == grad.id)).scalar_one() == 2


def test_the_menu_shows_the_pool_to_the_school_only(as_role: Any) -> None:
    school = _text(as_role("school").get("/"))
    assert "三方协议" in school and "协议书编号" in school and 'href="/agreement-numbers/"' in school
    assert 'href="/review/number-request/"' in school
    college = _text(as_role("college_b").get("/"))
    assert 'href="/agreement-numbers/"' not in college and 'href="/review/number-request/"' not in college
