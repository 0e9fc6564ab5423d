"""基础数据 screens through the test client: a code in use cannot be deleted (the message says where it is used),
retiring hides it from new entries but not from old ones, sub-codes keep the national shape, and who may edit."""
from __future__ import annotations

import html
import re
from typing import Any, Iterator

import pytest
from sqlalchemy import delete, func, select, update

from app.extensions import db
from app.models.employer import APPROVED, Employer
from app.models.reference import DestinationCode, EmployerNature, Industry
from tests.conftest import Browser

NATURES = "/reference/employer-natures"
CODES = "/reference/destination-codes"
PREFIX = "参考视图测试"


@pytest.fixture()
def school(app: Any, as_role: Any) -> Iterator[Browser]:
    """The school's reviewer; test employers, test codes and retirements are undone afterwards."""
    yield as_role("school")
    with app.app_context():
        db.session.execute(delete(Employer).where(Employer.name.like(f"{PREFIX}%")))
        db.session.execute(delete(DestinationCode).where(DestinationCode.code.in_(["504", "613", "59"])))
        db.session.execute(delete(EmployerNature).where(EmployerNature.code.in_(["98", "97"])))
        db.session.execute(update(EmployerNature).values(active=True))
        db.session.commit()


def _nature(app: Any, code: str) -> int:
    with app.app_context():
        return db.session.execute(select(EmployerNature.id).where(EmployerNature.code == code)).scalar_one()


def _employer_with_nature(app: Any, nature_id: int) -> int:
    with app.app_context():
        industry = db.session.execute(select(Industry).where(Industry.code == "34")).scalar_one()
        employer = Employer(name=f"{PREFIX}单位", nature_id=nature_id, industry=industry, status=APPROVED)
        db.session.add(employer)
        db.session.commit()
        return employer.id


def _flashes(page: Any) -> str:
    return html.unescape(page.get_data(as_text=True))


def _selected_and_offered(page_html: str, field: str) -> tuple[set[str], set[str]]:
    match = re.search(rf'<select[^>]*name="{field}"[^>]*>(.*?)</select>', page_html, re.S)
    assert match, f"no select {field}"
    offered = set(re.findall(r'<option[^>]*value="([^"]*)"', match.group(1))) - {"", "__None"}
    selected = set(re.findall(r'<option[^>]*selected[^>]*value="([^"]*)"|<option[^>]*value="([^"]*)"[^>]*selected',
                              match.group(1)))
    return {a or b for a, b in selected}, offered


def test_a_code_in_use_is_not_deleted_and_the_message_says_where(app: Any, school: Browser) -> None:
    nature_id = _nature(app, "31")
    _employer_with_nature(app, nature_id)
    page = school.post_form(f"{NATURES}/delete/{nature_id}", {}, token_from=f"{NATURES}/list/", follow_redirects=True)
    text = _flashes(page)
    with app.app_context():  # the demo's employers may use the code too: the message counts them all
        using = db.session.execute(select(func.count()).select_from(Employer)
                                   .where(Employer.nature_id == nature_id)).scalar_one()
    assert "仍在使用中" in text and f"用人单位（单位性质）：{using} 条" in text and "停用" in text
    with app.app_context():
        assert db.session.get(EmployerNature, nature_id) is not None


def test_an_unused_code_can_be_deleted(app: Any, school: Browser) -> None:
    page = school.post_form(f"{NATURES}/add", {"code": "98", "name": "测试性质", "sort_order": "980", "active": "y"},
                            follow_redirects=True)
    assert page.status_code == 200
    nature_id = _nature(app, "98")
    school.post_form(f"{NATURES}/delete/{nature_id}", {}, token_from=f"{NATURES}/list/", follow_redirects=True)
    with app.app_context():
        assert db.session.get(EmployerNature, nature_id) is None


def test_retired_code_leaves_new_forms_but_stays_on_old_records(app: Any, school: Browser) -> None:
    nature_id = _nature(app, "23")
    employer_id = _employer_with_nature(app, nature_id)
    school.post_form(f"{NATURES}/action_post", {"action": "retire", "rowid": str(nature_id)},
                     token_from=f"{NATURES}/list/", follow_redirects=True)
    with app.app_context():
        assert db.session.get(EmployerNature, nature_id).active is False
    _, offered_new = _selected_and_offered(school.get("/employers/add").get_data(as_text=True), "nature")
    assert str(nature_id) not in offered_new and str(_nature(app, "31")) in offered_new
    edit = school.get(f"/employers/edit/{employer_id}").get_data(as_text=True)
    selected, offered_old = _selected_and_offered(edit, "nature")
    assert selected == {str(nature_id)} and str(nature_id) in offered_old
    show = school.get(f"/employers/show/{employer_id}").get_data(as_text=True)
    assert "23 医疗卫生单位" in show


def test_sub_codes_keep_the_national_shape(app: Any, school: Browser) -> None:
    with app.app_context():
        stem = db.session.execute(select(DestinationCode).where(DestinationCode.code == "50")).scalar_one()
        stem_id = stem.id
    base = {"name": "测试小类", "placed": "y", "rate_group": "employed", "rate_group_2021": "contract",
            "form_kind": "host_unit", "sort_order": "599", "active": "y", "parent": str(stem_id)}
    refused = school.post_form(f"{CODES}/add", {**base, "code": "613"}, follow_redirects=True)
    assert "以所属大类 50 开头" in _flashes(refused)
    school.post_form(f"{CODES}/add", {**base, "code": "504", "evidence": ["hiring_proof", "signed_statement"]},
                     follow_redirects=True)
    with app.app_context():
        added = db.session.execute(select(DestinationCode).where(DestinationCode.code == "504")).scalar_one()
        assert added.parent_id == stem_id and added.evidence_list == ["hiring_proof", "signed_statement"]
        assert db.session.execute(select(DestinationCode).where(DestinationCode.code == "613")).first() is None
    from app.services import reference

    with app.app_context():
        assert reference.stem_of("504") == "50" and reference.form_kind("504") == "host_unit"


def test_the_destination_code_list_shows_groups_in_words(app: Any, school: Browser) -> None:
    page = school.get(f"{CODES}/list/?psize_DestinationCodeModelView=100").get_data(as_text=True)
    assert "签就业协议形式就业" in page and "协议和合同就业" in page and "灵活就业" in page


def test_college_reads_but_does_not_edit_and_students_see_no_screen(app: Any, as_role: Any) -> None:
    college = as_role("college_a")
    assert college.get(f"{NATURES}/list/").status_code == 200
    assert college.get(f"{NATURES}/add").status_code != 200
    nature_id = _nature(app, "39")
    college.post_form(f"{NATURES}/action_post", {"action": "retire", "rowid": str(nature_id)},
                      token_from=f"{NATURES}/list/")
    with app.app_context():
        assert db.session.get(EmployerNature, nature_id).active is True
