"""AGR-5/AGR-6: the printed agreement — refused with the reason until the school has approved, printable after, only
for its parties and the reviewers in scope, sealed as it prints (code once, hash of its content), as A4 page and PDF,
with a QR code that leads to its public page; in Chinese, nothing loaded from another origin."""
from __future__ import annotations

import json
import re
from typing import Any

import pytest
import segno
from sqlalchemy import select

from app.extensions import db
from app.models.agreement import Agreement
from app.models.audit import AuditLog
from app.services import documents
from tests.security.test_same_origin import page_problems
from tests.views.test_documents_world import World, pdf_text, world_fixture  # noqa: F401  (the world fixture)
from tests.views.test_zh_render import english_words

EARLIER = ["invited", "requested", "draft", "secondary", "central", "returned", "declined", "withdrawn", "expired",
           "cancelled"]
APPROVED = ["stamp_employer", "stamp_graduate", "stamp_school", "archived", "revoked", "terminated"]


@pytest.fixture()
def parties(world: World) -> dict[str, Any]:
    """One graduate of college 101 and its employer A; employer B and a second graduate (college 102) as outsiders."""
    employer_a, user_a = world.employer("湖南星辰科技有限公司")
    employer_b, user_b = world.employer("湖南远方贸易有限公司")
    graduate, student, name = world.graduate("101")
    other_graduate, other_student, _ = world.graduate("102")
    return dict(employer_a=employer_a, user_a=user_a, employer_b=employer_b, user_b=user_b, graduate=graduate,
                student=student, name=name, other_student=other_student, other_graduate=other_graduate)


def _hash_of(app: Any, pk: int) -> str:
    with app.app_context():
        return documents.content_hash(documents.agreement_content(db.session.get(Agreement, pk)))


def test_printing_is_refused_in_every_state_before_the_school_approved(world: World, parties: dict[str, Any],
                                                                       as_role: Any) -> None:
    pk = world.agreement(parties["graduate"], parties["employer_a"], "invited")
    school = as_role("school")
    for state in EARLIER:
        world.set(Agreement, pk, status=state)
        for url in (f"/agreements/{pk}/print", f"/agreements/{pk}/pdf"):
            response = school.get(url)
            html = response.get_data(as_text=True)
            assert response.status_code == 409, (state, url, response.status_code)
            assert 'id="gems-refusal-reason"' in html and "不能打印" in html, state
        assert ("学校审核通过后" in html) if state not in ("declined", "withdrawn", "expired", "cancelled") else (
            "从未生效" in html), (state, html[:2000])
    row = world.row(Agreement, pk)
    assert row.verification_code is None and row.content_hash is None  # a refusal seals nothing
    # terminated before the school approved: still nothing to print
    world.set(Agreement, pk, status="terminated", school_decision=None, archived_at=None)
    assert school.get(f"/agreements/{pk}/print").status_code == 409


@pytest.mark.parametrize("state", APPROVED)
def test_printing_is_allowed_once_approved_and_seals_the_document(world: World, parties: dict[str, Any],
                                                                  as_role: Any, state: str) -> None:
    pk = world.agreement(parties["graduate"], parties["employer_a"], state)
    response = as_role("school").get(f"/agreements/{pk}/print")
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html[:500]
    row = world.row(Agreement, pk)
    assert row.verification_code and row.content_hash == _hash_of(world.app, pk)
    assert documents.grouped(row.verification_code) in html and row.content_hash in html
    for text in ("张小三", "湖南星辰科技有限公司", "软件开发工程师", "每月9000元", "试用期三个月。", "@page { size: A4"):
        assert text in html, text
    assert ('id="doc-warning"' in html) == (state in ("revoked", "terminated"))  # not in force: said on the paper
    # printing again keeps the code and (nothing changed) the hash
    as_role("school").get(f"/agreements/{pk}/print")
    again = world.row(Agreement, pk)
    assert (again.verification_code, again.content_hash) == (row.verification_code, row.content_hash)


def test_the_page_shows_every_party_and_the_number(world: World, parties: dict[str, Any], as_role: Any) -> None:
    pk = world.agreement(parties["graduate"], parties["employer_a"], "archived")
    html = as_role("school").get(f"/agreements/{pk}/print").get_data(as_text=True)
    with world.app.app_context():
        row = db.session.get(Agreement, pk)
        number, graduate, employer = row.number_text, row.graduate, row.employer
        expected = [number, graduate.student_no, graduate.id_number, employer.credit_code, "示例大学",
                    "计算机科学与技术学院", graduate.major.name, "本科", "长沙市岳麓区麓山南路1号", "刘经理",
                    "甲方：毕业生", "乙方：用人单位", "丙方：学校", "已存档（进入就业方案）"]
    assert re.search(r'id="doc-number">([^<]+)<', html).group(1) == number
    missing = [text for text in expected if text not in html]
    assert not missing, missing  # the school sees the full ID number (it may see full personal data)


def test_id_number_is_masked_for_those_who_may_not_see_it(world: World, parties: dict[str, Any]) -> None:
    pk = world.agreement(parties["graduate"], parties["employer_a"], "archived")
    with world.app.app_context():
        id_number = db.session.get(Agreement, pk).graduate.id_number
    for username in (parties["student"], parties["user_a"]):
        html = world.signed_in(username).get(f"/agreements/{pk}/print").get_data(as_text=True)
        assert id_number not in html and f"{id_number[:6]}********{id_number[-4:]}" in html, username
        assert "139****5678" in html and "13912345678" not in html, username  # the contact's mobile too


def test_only_the_parties_and_reviewers_in_scope_may_print(world: World, parties: dict[str, Any],
                                                           as_role: Any) -> None:
    pk = world.agreement(parties["graduate"], parties["employer_a"], "archived")
    allowed = {parties["student"]: world.signed_in(parties["student"]),
               parties["user_a"]: world.signed_in(parties["user_a"]),
               "college_a": as_role("college_a"), "school": as_role("school"), "admin": as_role("admin")}
    refused = {parties["other_student"]: world.signed_in(parties["other_student"]),
               parties["user_b"]: world.signed_in(parties["user_b"]), "college_b": as_role("college_b")}
    for who, b in allowed.items():
        for url in (f"/agreements/{pk}/print", f"/agreements/{pk}/pdf"):
            assert b.get(url).status_code == 200, (who, url)
    for who, b in refused.items():
        for url in (f"/agreements/{pk}/print", f"/agreements/{pk}/pdf", f"/agreements/{pk + 10**6}/print",
                    "/agreements/99999999999999999999/print"):
            assert b.get(url).status_code == 404, (who, url)
    anonymous = world.app.test_client().get(f"/agreements/{pk}/print")
    assert anonymous.status_code in (302, 401, 403) and "张小三" not in anonymous.get_data(as_text=True)


def test_pdf_is_a_pdf_with_the_number_code_and_verify_address(world: World, parties: dict[str, Any],
                                                             as_role: Any) -> None:
    pk = world.agreement(parties["graduate"], parties["employer_a"], "stamp_graduate")
    response = as_role("school").get(f"/agreements/{pk}/pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    data = response.get_data()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    assert "attachment" in response.headers["Content-Disposition"]
    row = world.row(Agreement, pk)
    text = pdf_text(data)
    with world.app.app_context():
        number = db.session.get(Agreement, pk).number_text
    for expected in (number, documents.grouped(row.verification_code), row.content_hash,
                     f"http://localhost/verify/{row.verification_code}", "张小三",
                     "湖南星辰科技有限公司", "普通高等学校毕业生就业协议书"):
        assert expected in text, expected
    assert row.content_hash == _hash_of(world.app, pk)  # the PDF sealed it as the page does


def test_qr_code_is_inline_svg_of_the_verify_address(world: World, parties: dict[str, Any], as_role: Any) -> None:
    pk = world.agreement(parties["graduate"], parties["employer_a"], "archived")
    html = as_role("school").get(f"/agreements/{pk}/print").get_data(as_text=True)
    row = world.row(Agreement, pk)
    url = f"http://localhost/verify/{row.verification_code}?h={row.content_hash}"
    assert f'<code id="doc-url">http://localhost/verify/{row.verification_code}</code>' in html  # typed from paper
    qr = re.search(r'<figure id="doc-qr"[^>]*>(.*?)</figure>', html, re.S).group(1)
    expected = segno.make(url, error="m").svg_inline(scale=3, border=2)
    path = re.search(r' d="([^"]+)"', qr).group(1)
    assert path == re.search(r' d="([^"]+)"', expected).group(1)  # the QR encodes exactly that address
    assert path != re.search(r' d="([^"]+)"', segno.make(url + "x", error="m").svg_inline()).group(1)
    found, _assets = page_problems(html)
    assert found == []  # nothing from another origin: the QR is drawn here


def test_a_changed_term_changes_the_hash_and_outdates_the_old_copy(world: World, parties: dict[str, Any],
                                                                  as_role: Any) -> None:
    pk = world.agreement(parties["graduate"], parties["employer_a"], "archived")
    school = as_role("school")
    school.get(f"/agreements/{pk}/print")
    first = world.row(Agreement, pk)
    world.set(Agreement, pk, salary="每月12000元")
    public = world.app.test_client()
    # before a reprint the public page already says the printed copies are outdated
    page = public.get(f"/verify/{first.verification_code}").get_data(as_text=True)
    assert 'data-current="0"' in page and "打印后被修改" in page
    page = public.get(f"/verify/{first.verification_code}?h={first.content_hash}").get_data(as_text=True)
    assert 'data-current="0"' in page and "不是最新版本" in page
    html = school.get(f"/agreements/{pk}/print").get_data(as_text=True)
    second = world.row(Agreement, pk)
    assert second.verification_code == first.verification_code  # the code on paper never changes
    assert second.content_hash != first.content_hash and second.content_hash in html and "每月12000元" in html
    assert 'data-current="1"' in public.get(f"/verify/{second.verification_code}?h={second.content_hash}"
                                            ).get_data(as_text=True)
    stale = public.get(f"/verify/{first.verification_code}?h={first.content_hash}").get_data(as_text=True)
    assert 'data-current="0"' in stale and first.content_hash in stale and second.content_hash in stale
    assert 'data-printed="1"' in stale  # a copy GEMS did print, before the change
    forged = documents.content_hash({"forged": pk})
    altered = public.get(f"/verify/{first.verification_code}?h={forged}").get_data(as_text=True)
    assert 'data-printed="0"' in altered and "从未打印过" in altered  # a hash no printing ever had
    with world.app.app_context():
        printed = db.session.execute(select(AuditLog).where(AuditLog.action == "agreement.printed",
                                                            AuditLog.target_id == str(pk))
                                     .order_by(AuditLog.id)).scalars().all()
        details = [json.loads(p.detail) for p in printed]
        details = [d for d in details if d.get("code") == first.verification_code]  # ids are reused across tests
        assert [d.get("changed") for d in details] == [False, True]


def test_pages_read_in_chinese_and_load_nothing_foreign(world: World, parties: dict[str, Any],
                                                       as_role: Any) -> None:
    printable = world.agreement(parties["graduate"], parties["employer_a"], "revoked")
    b = as_role("school")
    page = b.get(f"/agreements/{printable}/print").get_data(as_text=True)
    world.set(Agreement, printable, status="central")
    refusal = b.get(f"/agreements/{printable}/print").get_data(as_text=True)
    for html in (page, refusal):
        assert english_words(html) == set()
        assert page_problems(html)[0] == []
    assert "<nav" not in page and "navbar" not in page  # the printed page carries no menu


def test_the_links_macro_shows_the_reason_before_approval(world: World, parties: dict[str, Any], app: Any) -> None:
    from flask import g, render_template_string
    from flask_login import login_user

    from app.models.user import User

    pk = world.agreement(parties["graduate"], parties["employer_a"], "central")
    template = '{% from "documents/_links.html" import document_links %}{{ document_links(row) }}'
    with app.test_request_context():
        user = db.session.execute(select(User).where(User.username == parties["user_a"])).scalar_one()
        login_user(user)
        g.user = user
        row = db.session.get(Agreement, pk)
        before = render_template_string(template, row=row)
        row.status = "archived"
        after = render_template_string(template, row=row)
        db.session.rollback()
    assert "disabled" in before and "学校审核通过后" in before and f"/agreements/{pk}/print" not in before
    assert f'href="/agreements/{pk}/print"' in after and f'href="/agreements/{pk}/pdf"' in after
    assert "disabled" not in after
