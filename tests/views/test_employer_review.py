"""AGR-7 / AGR-5 from the school's screens: the registration list (pending first, by status, identity per row), batch
and single decisions through the engine with disabled buttons saying why, the employer's page with its accounts, the
identity check on the Employers screens, and the verified-unit register's import (good, bad rows, hostile files)."""
from __future__ import annotations

import io
import re
from typing import Any, Iterator

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from app.extensions import db
from app.models.employer import APPROVED, PENDING, REFUSED, Employer, EmployerRegisterEntry
from app.models.user import User
from tests.conftest import Browser
from tests.services.test_employer_registration import PASSWORD, PREFIX, USER_PREFIX, cleanup, code, registered
from tests.views.test_zh_render import english_words

LIST = "/review/employer-registration/"
REGISTER = "/review/employer-register/"


@pytest.fixture()
def world(app: Any) -> Iterator[None]:
    table = EmployerRegisterEntry.__table__
    with app.test_request_context():
        cleanup()
        saved = [dict(row._mapping) for row in db.session.execute(table.select())]
    yield
    with app.test_request_context():
        cleanup()
        db.session.execute(table.delete())
        if saved:
            db.session.execute(table.insert(), saved)
        db.session.commit()


@pytest.fixture()
def school(as_role: Any, world: None) -> Browser:
    return as_role("school")


def make(app: Any, n: int, status: str = PENDING) -> int:
    with app.test_request_context():
        return registered(n, status)[0].id


def status_of(app: Any, employer_id: int) -> tuple[str, str | None]:
    with app.app_context():
        row = db.session.get(Employer, employer_id)
        return row.status, row.decision_remark


def button(html: str, element_id: str) -> str:
    """The opening tag of the button with this id (its attributes in any order)."""
    match = re.search(rf'<button[^>]*\bid="{re.escape(element_id)}"[^>]*>', html)
    assert match, element_id
    return match.group(0)


def decide(b: Browser, data: dict[str, Any], query: str = "") -> Any:
    return b.post_form(LIST + "decide" + query, data, token_from=LIST)


def test_the_list_puts_pending_first_filters_and_checks_identity(app: Any, school: Browser) -> None:
    approved, pending, refused = make(app, 1, APPROVED), make(app, 2), make(app, 3, REFUSED)
    with app.app_context():
        db.session.add(EmployerRegisterEntry(name=f"{PREFIX}2号有限公司", credit_code=code(2), status="存续"))
        db.session.add(EmployerRegisterEntry(name=f"{PREFIX}3号旧名有限公司", credit_code=code(3), status="存续"))
        db.session.commit()
    page = school.get(LIST + f"?q={PREFIX}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    order = [int(i) for i in re.findall(r'<tr id="employer-(\d+)"', html)]
    assert order == [pending, refused, approved]
    rows = {int(m.group(1)): m.group(0) for m in re.finditer(r'<tr id="employer-(\d+)".*?</tr>', html, re.S)}
    identity = {pk: re.search(r'data-identity="(\w+)"', rows[pk]).group(1) for pk in order}
    assert identity == {pending: "match", refused: "differs", approved: "absent"}
    assert f"{PREFIX}3号旧名有限公司" in rows[refused]  # says what differs: the register's name
    assert "disabled" in button(rows[approved], f"approve-{approved}")  # already approved: why shown
    assert "disabled" not in button(rows[pending], f"approve-{pending}")
    only = school.get(LIST + f"?status=refused&q={PREFIX}").get_data(as_text=True)
    assert re.findall(r'<tr id="employer-(\d+)"', only) == [str(refused)]
    assert not english_words(html), english_words(html)


def test_a_batch_approves_or_refuses_with_a_reason(app: Any, school: Browser) -> None:
    first, second, done = make(app, 10), make(app, 11), make(app, 12, APPROVED)
    refused = decide(school, {"decision": "refuse", "ids": [first, second], "remark": " "})
    assert refused.status_code == 302
    assert status_of(app, first) == (PENDING, None) and status_of(app, second)[0] == PENDING
    decide(school, {"decision": "refuse", "ids": [first], "remark": "信用代码与名称不符"})
    assert status_of(app, first) == (REFUSED, "信用代码与名称不符")
    answer = decide(school, {"decision": "approve", "ids": [first, second, done], f"version-{second}": "1"})
    assert answer.status_code == 302
    assert status_of(app, first)[0] == APPROVED and status_of(app, second)[0] == APPROVED
    flashed = school.get(LIST).get_data(as_text=True)
    assert "2 家单位" in flashed and f"{PREFIX}12号有限公司" in flashed  # the approved one is reported, not changed


def test_a_stale_version_and_an_unknown_action_change_nothing(app: Any, school: Browser) -> None:
    pending = make(app, 13)
    decide(school, {"decision": "approve", "ids": [pending], f"version-{pending}": "7"})
    assert status_of(app, pending)[0] == PENDING
    decide(school, {"decision": "delete", "ids": [pending]})
    decide(school, {"decision": "approve", "ids": ["x", "10" * 30]})
    assert status_of(app, pending)[0] == PENDING


def test_one_by_one_from_the_row_and_from_the_employer_page(app: Any, school: Browser) -> None:
    by_row, by_page = make(app, 14), make(app, 15)
    decide(school, {"single": by_row, "ids": [by_page]}, query="?decision=approve")
    assert status_of(app, by_row)[0] == APPROVED and status_of(app, by_page)[0] == PENDING
    page = school.get(f"{LIST}{by_page}").get_data(as_text=True)
    assert 'id="gems-identity"' in page and 'id="btn-refuse"' in page and 'id="gems-employer-accounts"' in page
    assert not english_words(page), english_words(page)
    answer = school.post_form(LIST + "decide", {"decision": "refuse", "single": by_page, "from": "detail",
                                                "remark": "请补充营业执照"}, token_from=f"{LIST}{by_page}")
    assert answer.headers["Location"].endswith(f"{LIST}{by_page}")
    assert status_of(app, by_page) == (REFUSED, "请补充营业执照")
    decided = school.get(f"{LIST}{by_page}").get_data(as_text=True)
    assert "disabled" in button(decided, "btn-refuse") and 'id="why-refuse"' in decided
    assert "disabled" not in button(decided, "btn-approve")  # the workflow approves from refused
    assert school.get(f"{LIST}{10**9}").status_code == 404


def test_the_school_adds_an_account_for_any_employer(app: Any, school: Browser) -> None:
    pending = make(app, 16)
    url = f"{LIST}{pending}"
    bad = school.post_form(f"{url}/accounts/add", {"username": "school", "full_name": "重复"}, token_from=url)
    assert bad.status_code == 422 and "已被使用" in bad.get_data(as_text=True)
    added = school.post_form(f"{url}/accounts/add", {"username": f"{USER_PREFIX}16b", "full_name": "新同事",
                                                     "phone": "13900139016"}, token_from=url)
    html = added.get_data(as_text=True)
    assert added.status_code == 200 and added.headers["Cache-Control"] == "no-store"
    password = re.search(r'id="one-time-password">([^<]+)<', html).group(1)
    with app.app_context():
        account = db.session.execute(select(User).where(User.username == f"{USER_PREFIX}16b")).scalar_one()
        assert account.employer_id == pending and account.must_change_password
    fresh = Browser(app.test_client())
    assert fresh.login(f"{USER_PREFIX}16b", password).headers["Location"].endswith("/resetmypassword/form")
    page = school.get(url).get_data(as_text=True)
    assert f'data-username="{USER_PREFIX}16b"' in page and f'data-username="{USER_PREFIX}16"' in page
    school.post_form(f"{url}/accounts/{account.id}/active", {"active": "0"}, token_from=url)
    with app.app_context():
        assert db.session.get(User, account.id).active is False
    other = make(app, 17)
    answer = school.post_form(f"{LIST}{other}/accounts/{account.id}/active", {"active": "1"}, token_from=url)
    assert answer.status_code == 404  # the account belongs to another employer


@pytest.mark.parametrize("role", ["college_a", "employer_a"])
def test_others_cannot_review(app: Any, as_role: Any, world: None, role: str) -> None:
    pending = make(app, 18)
    b = as_role(role)
    for url in (LIST, f"{LIST}{pending}", REGISTER):
        assert b.get(url).status_code in (302, 403, 404), (role, url)
    b.post_form(LIST + "decide", {"decision": "approve", "ids": [pending]}, token_from="/resetmypassword/form")
    assert status_of(app, pending)[0] == PENDING
    home = b.get("/").get_data(as_text=True)
    assert "用人单位注册审核" not in home


def test_the_review_is_in_the_schools_review_menu(app: Any, school: Browser) -> None:
    make(app, 19)
    home = school.get("/").get_data(as_text=True)
    assert 'href="/review/employer-registration/"' in home and 'href="/review/employer-register/"' in home


def test_the_employers_screens_show_the_identity_check(app: Any, school: Browser) -> None:
    pending = make(app, 20)
    with app.app_context():
        db.session.add(EmployerRegisterEntry(name=f"{PREFIX}20号有限公司", credit_code=code(20), status="存续"))
        db.session.commit()
    listing = school.get(f"/employers/list/?_flt_0_name={PREFIX}20").get_data(as_text=True)
    assert "身份核验" in listing and 'data-identity="match"' in listing
    show = school.get(f"/employers/show/{pending}").get_data(as_text=True)
    assert 'data-identity="match"' in show and f'href="{LIST}{pending}"' in show
    college = Browser(app.test_client())
    college.login("college_a")
    approved = school.get("/employers/list/").get_data(as_text=True)
    assert approved.count("gems-identity") >= 1
    college_list = college.get("/employers/list/").get_data(as_text=True)
    assert "gems-identity" in college_list and f'href="{LIST}' not in college.get(
        f"/employers/show/{db_first_approved(app)}").get_data(as_text=True)


def db_first_approved(app: Any) -> int:
    with app.app_context():
        return db.session.execute(select(Employer.id).where(Employer.status == APPROVED).order_by(Employer.id)
                                  .limit(1)).scalar_one()


# -- the verified-unit register ---------------------------------------------------------------------------------


def workbook(rows: list[list[Any]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(["单位名称", "统一社会信用代码", "状态"])
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def upload(b: Browser, content: bytes, name: str, batch: str = "") -> Any:
    return b.post_form(REGISTER + "upload", {"file": (io.BytesIO(content), name), "batch": batch},
                       token_from=REGISTER, content_type="multipart/form-data")


def register_rows(app: Any) -> list[tuple[str, str]]:
    with app.app_context():
        return [tuple(r) for r in db.session.execute(select(EmployerRegisterEntry.name, EmployerRegisterEntry.batch)
                                                     .order_by(EmployerRegisterEntry.name))]


def test_the_school_imports_and_searches_the_register(app: Any, school: Browser) -> None:
    page = school.get(REGISTER).get_data(as_text=True)
    assert 'id="gems-register-upload"' in page and not english_words(page), english_words(page)
    answer = upload(school, workbook([[f"{PREFIX}甲公司", code(30), "存续"], [f"{PREFIX}乙公司", code(31), "注销"]]),
                    "名录.xlsx", "2026年5月名录")
    assert answer.status_code == 302
    assert register_rows(app) == [(f"{PREFIX}乙公司", "2026年5月名录"), (f"{PREFIX}甲公司", "2026年5月名录")]
    found = school.get(REGISTER + f"?q={code(31)}").get_data(as_text=True)
    assert f"{PREFIX}乙公司" in found and f"{PREFIX}甲公司" not in found and "2026年5月名录" in found
    none = school.get(REGISTER + "?q=不存在的单位名").get_data(as_text=True)
    assert 'id="gems-register-empty"' in none
    template = school.get(REGISTER + "template")
    assert template.status_code == 200 and template.data[:2] == b"PK"


def test_a_file_with_bad_rows_lists_them_and_keeps_the_register(app: Any, school: Browser) -> None:
    before = register_rows(app)
    wrong = code(32)[:-1] + ("1" if code(32)[-1] != "1" else "2")
    answer = upload(school, workbook([[f"{PREFIX}甲公司", code(30), "存续"], [f"{PREFIX}丙公司", wrong, "存续"],
                                      [f"{PREFIX}丁公司", code(30), "存续"]]), "名录.xlsx")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422 and 'id="gems-register-row-errors"' in html
    rows = re.findall(r"<tr><td>(\d+)</td><td>([^<]*)</td><td>([^<]*)</td></tr>", html)
    assert [r[0] for r in rows] == ["3", "4"] and "校验位" in rows[0][2]
    assert register_rows(app) == before


@pytest.mark.parametrize(("content", "name", "words"), [
    (b"\xd0\xcf\x11\xe0 not excel", "名录.docx", ".xlsx"),
    ("单位名称,统一社会信用代码\n".encode(), "名录.csv", ".xlsx"),
    (b"<html><script>alert(1)</script></html>", "名录.xlsx", "xlsx"),
    (b"", "名录.xlsx", "空"),
])
def test_hostile_or_foreign_files_are_refused(app: Any, school: Browser, content: bytes, name: str,
                                              words: str) -> None:
    before = register_rows(app)
    answer = upload(school, content, name)
    html = answer.get_data(as_text=True)
    assert answer.status_code in (400, 422) and 'id="gems-register-errors"' in html
    assert words in html[html.index('id="gems-register-errors"'):][:2000]
    assert register_rows(app) == before
    assert upload(school, b"", "").status_code == 400


def test_the_register_upload_is_school_only(app: Any, as_role: Any, world: None) -> None:
    before = register_rows(app)
    for role in ("college_a", "employer_b"):
        b = as_role(role)
        b.post_form(REGISTER + "upload", {"file": (io.BytesIO(workbook([["x公司", code(40), ""]])), "a.xlsx")},
                    token_from="/resetmypassword/form", content_type="multipart/form-data")
    assert register_rows(app) == before
    assert Browser(app.test_client()).get(REGISTER).status_code == 302


def test_the_employer_page_password_is_shown_once_and_not_as_english(app: Any, school: Browser) -> None:
    pending = make(app, 41)
    added = school.post_form(f"{LIST}{pending}/accounts/add", {"username": f"{USER_PREFIX}41b", "full_name": "同事"},
                             token_from=f"{LIST}{pending}")
    assert not english_words(added.get_data(as_text=True)), english_words(added.get_data(as_text=True))
    assert PASSWORD not in added.get_data(as_text=True)
