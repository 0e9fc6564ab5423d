"""Employers: the school's form checks the credit code (GB 32100), mobile and location; the lookup finds approved
employers by name or credit-code prefix for signed-in users only; merging repoints every reference and is audited."""
from __future__ import annotations

import html
import json
from typing import Any, Iterator

import pytest
from sqlalchemy import delete, func, or_, select, update

from app.extensions import db
from app.models.audit import AuditLog
from app.models.employer import APPROVED, MERGED, PENDING, Employer
from app.models.reference import EmployerNature, Industry
from app.models.user import User
from tests.conftest import Browser
from tests.rows import detached_rows
from tests.views.student_support import demo_student_browser

PREFIX = "单位测试"
VALID = "91350100M000100Y43"  # a published, valid unified social credit code
CORRUPTED = "91350100M000100Y44"  # the same with its check character changed
MERGE_USER = "employer_merge_test"


def _cleanup() -> None:
    ours = select(Employer.id).where(or_(Employer.name.like(f"{PREFIX}%"), Employer.credit_code == VALID))
    db.session.execute(update(User).where(User.employer_id.in_(ours)).values(employer_id=None))
    db.session.execute(delete(User).where(User.username == MERGE_USER))
    db.session.execute(update(Employer).where(Employer.id.in_(ours)).values(merged_into_id=None))
    db.session.execute(delete(Employer).where(Employer.id.in_(ours.scalar_subquery())))
    db.session.commit()


@pytest.fixture()
def clean(app: Any) -> Iterator[None]:
    with app.app_context():
        _cleanup()
    yield
    with app.app_context():
        _cleanup()


@pytest.fixture()
def school(as_role: Any, clean: None) -> Browser:
    return as_role("school")


def _ids(model: Any, code: str) -> int:
    return db.session.execute(select(model.id).where(model.code == code)).scalar_one()


def _form(app: Any, **overrides: Any) -> dict[str, Any]:
    with app.app_context():
        data = {"name": f"{PREFIX}福州软件有限公司", "credit_code": VALID.lower(), "nature": _ids(EmployerNature, "39"),
                "industry": _ids(Industry, "34"), "region_code": "350102", "address": "福州市鼓楼区测试路1号",
                "contact_name": "王老师", "contact_mobile": "138-0013-8000", "status": APPROVED}
    data.update(overrides)
    return data


def _employers(app: Any, name: str) -> list[Employer]:
    return detached_rows(app, Employer, name=name)


def _last_audit(action: str, target: int) -> AuditLog:
    """The newest entry (ids are reused after the tests' clean-ups, audit rows are never deleted)."""
    return db.session.execute(select(AuditLog).where(AuditLog.action == action, AuditLog.target_id == str(target))
                              .order_by(AuditLog.seq.desc()).limit(1)).scalar_one()


def _add(app: Any, *rows: dict[str, Any]) -> list[int]:
    with app.app_context():
        employers = [Employer(**row) for row in rows]
        db.session.add_all(employers)
        db.session.commit()
        return [e.id for e in employers]


def test_add_checks_and_normalises_the_credit_code_and_mobile(app: Any, school: Browser) -> None:
    data = _form(app)
    school.post_form("/employers/add", data, follow_redirects=True)
    (row,) = _employers(app, data["name"])
    assert (row.credit_code, row.contact_mobile, row.region_code, row.status) == (VALID, "13800138000", "350102",
                                                                                  APPROVED)
    with app.app_context():
        entry = _last_audit("employer.added", row.id)
        assert json.loads(entry.detail)["credit_code"] == VALID and json.loads(entry.detail)["name"] == row.name
    show = html.unescape(school.get(f"/employers/show/{row.id}").get_data(as_text=True))
    assert "350102 福建省福州市鼓楼区" in show


def test_a_corrupted_credit_code_is_refused(app: Any, school: Browser) -> None:
    data = _form(app, credit_code=CORRUPTED)
    page = html.unescape(school.post_form("/employers/add", data, follow_redirects=True).get_data(as_text=True))
    assert "校验位错误" in page and "最后一位应为3" in page
    assert _employers(app, data["name"]) == []


def test_a_credit_code_is_entered_once(app: Any, school: Browser) -> None:
    _add(app, {"name": f"{PREFIX}已有单位", "credit_code": VALID, "status": APPROVED})
    data = _form(app, name=f"{PREFIX}重复录入")
    page = html.unescape(school.post_form("/employers/add", data, follow_redirects=True).get_data(as_text=True))
    assert "已使用该统一社会信用代码" in page and f"{PREFIX}已有单位" in page
    assert _employers(app, data["name"]) == []


@pytest.mark.parametrize(("field", "value", "message"), [
    ("region_code", "350000", "省级区划"),
    ("region_code", "110103", "已撤销"),
    ("contact_mobile", "12345", "手机号码应为11位"),
])
def test_location_and_mobile_are_checked(app: Any, school: Browser, field: str, value: str, message: str) -> None:
    data = _form(app, **{field: value})
    page = html.unescape(school.post_form("/employers/add", data, follow_redirects=True).get_data(as_text=True))
    assert message in page
    assert _employers(app, data["name"]) == []


def test_an_employer_without_a_credit_code_may_be_entered_twice(app: Any, school: Browser) -> None:
    for suffix in ("甲", "乙"):
        school.post_form("/employers/add", _form(app, name=f"{PREFIX}无代码{suffix}", credit_code=""),
                         follow_redirects=True)
    assert [e.credit_code for e in _employers(app, f"{PREFIX}无代码甲") + _employers(app, f"{PREFIX}无代码乙")] == [
        None, None]


# -- lookup --------------------------------------------------------------------------------------------------


@pytest.fixture()
def lookup_world(app: Any, clean: None) -> dict[str, Any]:
    """25 approved employers sharing a name part, one pending, one merged, one with a distinctive code."""
    rows = [{"name": f"{PREFIX}同名{i:02d}科技有限公司", "credit_code": f"91430600TST{i:05d}XY", "status": APPROVED,
             "region_code": "430602"} for i in range(25)]
    rows += [{"name": f"{PREFIX}待审核公司", "status": PENDING}, {"name": f"{PREFIX}已合并公司", "status": MERGED},
             {"name": f"{PREFIX}岳阳纸业", "credit_code": VALID, "status": APPROVED, "region_code": "430602"}]
    ids = _add(app, *rows)
    return {"ids": ids, "valid_id": ids[-1]}


@pytest.fixture()
def student(app: Any) -> Browser:
    return demo_student_browser(app)


def _lookup(b: Browser, q: str) -> Any:
    return b.get("/employers/lookup", query_string={"q": q})


def test_lookup_by_credit_code_prefix(lookup_world: dict[str, Any], student: Browser) -> None:
    response = _lookup(student, VALID[:8].lower())
    assert response.status_code == 200
    first = response.get_json()["result"][0]
    assert first == {"id": lookup_world["valid_id"], "name": f"{PREFIX}岳阳纸业", "credit_code": VALID,
                     "city": "岳阳市", "region_code": "430602", "region": "湖南省岳阳市岳阳楼区"}


def test_lookup_by_name_is_capped_at_twenty(lookup_world: dict[str, Any], student: Browser) -> None:
    result = _lookup(student, f"{PREFIX}同名").get_json()["result"]
    assert len(result) == 20 and all(f"{PREFIX}同名" in r["name"] for r in result)
    assert {r["id"] for r in _lookup(student, "同名07科技").get_json()["result"]} == {lookup_world["ids"][7]}


def test_lookup_offers_approved_employers_only(lookup_world: dict[str, Any], as_role: Any) -> None:
    school = as_role("school")  # a central role, who may see every row: the lookup still offers approved ones only
    assert _lookup(school, "待审核公司").get_json()["result"] == []
    assert _lookup(school, "已合并公司").get_json()["result"] == []
    assert len(_lookup(school, "岳阳纸业").get_json()["result"]) == 1


@pytest.mark.parametrize("q", ["", "a", " 岳 ", "x" * 61])
def test_lookup_refuses_short_or_long_queries(lookup_world: dict[str, Any], student: Browser, q: str) -> None:
    response = _lookup(student, q)
    assert response.status_code == 400 and response.get_json()["result"] == []


@pytest.mark.parametrize("q", ["%%", "__", "\\\\", "%' OR 1=1 --", "\x00\x00"])
def test_lookup_takes_wildcards_literally(lookup_world: dict[str, Any], student: Browser, q: str) -> None:
    response = _lookup(student, q)
    assert response.status_code in (200, 400)
    if response.status_code == 200:
        assert response.get_json()["result"] == []


def test_lookup_needs_a_signed_in_user(app: Any, lookup_world: dict[str, Any]) -> None:
    response = Browser(app.test_client()).get("/employers/lookup?q=岳阳纸业")
    assert response.status_code == 401 and "岳阳" not in response.get_data(as_text=True)


def test_lookup_is_rate_limited_per_account(app: Any, lookup_world: dict[str, Any], as_role: Any) -> None:
    b = as_role("college_b")
    app.appbuilder.sm.limiter.reset()  # this test's quota: other tests (the generated crawls) may have used some
    answers = [_lookup(b, "岳阳纸业").status_code for _ in range(61)]
    assert answers[:60] == [200] * 60 and answers[60] == 429


# -- merge ---------------------------------------------------------------------------------------------------


def _merge_world(app: Any, survivor_code: str | None, duplicate_code: str | None) -> dict[str, int]:
    """A survivor, its duplicate, an employer merged into the duplicate earlier, and an account of the duplicate."""
    keep, dup = _add(app, {"name": f"{PREFIX}合并保留", "credit_code": survivor_code, "status": APPROVED},
                     {"name": f"{PREFIX}合并重复", "credit_code": duplicate_code, "status": PENDING})
    (older,) = _add(app, {"name": f"{PREFIX}更早合并", "status": MERGED, "merged_into_id": dup})
    with app.app_context():
        account = User(first_name="单位", last_name="联系人", username=MERGE_USER, email="merge@example.invalid",
                       active=True, employer_id=dup)
        db.session.add(account)
        db.session.commit()
        return {"keep": keep, "dup": dup, "older": older, "account": account.id}


def test_merge_repoints_every_reference_and_is_audited(app: Any, school: Browser) -> None:
    world = _merge_world(app, None, VALID)
    picker = school.post_form("/employers/action_post", {"action": "merge", "rowid": [world["keep"], world["dup"]]},
                              token_from="/employers/list/")
    page = picker.get_data(as_text=True)
    assert picker.status_code == 200 and f'name="survivor" value="{world["keep"]}"' in page
    school.post_form("/employers/merge", {"ids": [world["keep"], world["dup"]], "survivor": world["keep"]},
                     token_from="/employers/list/", follow_redirects=True)
    with app.app_context():
        keep, dup, older = (db.session.get(Employer, world[k]) for k in ("keep", "dup", "older"))
        assert (dup.status, dup.merged_into_id) == (MERGED, keep.id)
        assert older.merged_into_id == keep.id  # a chain stays one step long
        assert db.session.get(User, world["account"]).employer_id == keep.id
        assert keep.credit_code == VALID and dup.credit_code is None  # the code moves to the survivor
        merged = json.loads(_last_audit("employer.merged", dup.id).detail)
        assert (merged["into"], merged["name"], merged["credit_code"]) == (keep.id, dup.name, VALID)
        survivor = _last_audit("employer.merge_survivor", keep.id)
        assert json.loads(survivor.detail)["merged"] == [dup.id]
        assert json.loads(survivor.detail)["repointed"] == {"ab_user.employer_id": 1, "employer.merged_into_id": 1}


def test_employers_with_different_credit_codes_are_not_merged(app: Any, school: Browser) -> None:
    world = _merge_world(app, VALID, "91430600TST99999XY")
    page = school.post_form("/employers/merge", {"ids": [world["keep"], world["dup"]], "survivor": world["keep"]},
                            token_from="/employers/list/", follow_redirects=True)
    assert "统一社会信用代码不同" in html.unescape(page.get_data(as_text=True))
    with app.app_context():
        assert db.session.get(Employer, world["dup"]).status == PENDING
        assert db.session.get(User, world["account"]).employer_id == world["dup"]


def test_a_college_cannot_merge(app: Any, clean: None, as_role: Any) -> None:
    world = _merge_world(app, None, None)
    with app.app_context():
        db.session.execute(update(Employer).where(Employer.id == world["dup"]).values(status=APPROVED))
        db.session.commit()
    college = as_role("college_a")
    college.post_form("/employers/merge", {"ids": [world["keep"], world["dup"]], "survivor": world["keep"]},
                      token_from="/employers/list/")
    with app.app_context():
        assert db.session.get(Employer, world["dup"]).status == APPROVED
        assert db.session.execute(select(func.count()).select_from(Employer)
                                  .where(Employer.merged_into_id == world["keep"])).scalar_one() == 0


def test_a_merged_employer_is_not_edited(app: Any, school: Browser) -> None:
    world = _merge_world(app, None, None)
    data = _form(app, name=f"{PREFIX}改名", credit_code="", status=APPROVED)
    page = school.post_form(f"/employers/edit/{world['older']}", data, token_from="/employers/list/",
                            follow_redirects=True)
    assert "已合并的单位仅作历史保留" in html.unescape(page.get_data(as_text=True))
    with app.app_context():
        older = db.session.get(Employer, world["older"])
        assert (older.name, older.status) == (f"{PREFIX}更早合并", MERGED)
