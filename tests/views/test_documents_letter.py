"""TRM-3, AGR-6: the termination letter (解约函) — available once both parties agreed online (its code issued) or the
school approved; carries the graduate, the agreement, the employer, the reason, both parties' agreement, liability and
违约金, the handler, the date, code and QR; scoped like the termination; also as PDF."""
from __future__ import annotations

import datetime
import re
from typing import Any

import pytest

from app.extensions import db
from app.models.termination import Termination
from app.services import documents
from tests.security.test_same_origin import page_problems
from tests.views.test_documents_world import World, pdf_text, world_fixture  # noqa: F401  (the world fixture)
from tests.views.test_zh_render import english_words

AGREED = datetime.datetime(2026, 4, 2, 6, 30)  # 14:30 in Asia/Shanghai


@pytest.fixture()
def case(world: World) -> dict[str, Any]:
    employer, user = world.employer("湖南星辰科技有限公司")
    other_employer, other_user = world.employer("湖南远方贸易有限公司")
    graduate, student, _name = world.graduate("101")
    _g2, other_student, _n2 = world.graduate("102")
    agreement = world.agreement(graduate, employer, "archived")
    return dict(agreement=agreement, employer=employer, user=user, other_user=other_user, student=student,
                other_student=other_student)


def test_letter_is_refused_before_both_parties_agreed(world: World, case: dict[str, Any], as_role: Any) -> None:
    pk = world.termination(case["agreement"], "draft")
    b = as_role("school")
    for status in ("draft", "awaiting_other", "central"):  # central without a code: an offline request under review
        world.set(Termination, pk, status=status)
        for url in (f"/terminations/{pk}/letter", f"/terminations/{pk}/letter.pdf"):
            response = b.get(url)
            assert response.status_code == 409, (status, url)
            assert "双方" in response.get_data(as_text=True)
    for status in ("rejected", "withdrawn", "refused"):
        world.set(Termination, pk, status=status, letter_code="DKCREFVSED23")
        response = b.get(f"/terminations/{pk}/letter")
        assert response.status_code == 409 and "没有有效的解约函" in response.get_data(as_text=True), status
    row = world.row(Termination, pk)
    assert row.letter_hash is None  # nothing was sealed by a refusal


def test_agreed_letter_carries_everything_a_letter_must(world: World, case: dict[str, Any], as_role: Any) -> None:
    pk = world.termination(case["agreement"], "central", other_answered_at=AGREED)
    with world.app.app_context():
        documents.issue_letters([pk])  # what the terminations effects call on "agree"
        db.session.commit()
    issued = world.row(Termination, pk)
    assert issued.letter_code and issued.letter_hash
    response = as_role("school").get(f"/terminations/{pk}/letter")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    with world.app.app_context():
        row = db.session.get(Termination, pk)
        agreement = row.agreement
        expected = [agreement.number_text, "2026-03-01", agreement.graduate.student_no, "张小三", "示例大学",
                    "计算机科学与技术学院", "本科", "湖南星辰科技有限公司", agreement.employer.credit_code,
                    row.reason.name, "考取研究生，继续深造。", "毕业生支付违约金3000元", "2026-04-02 14:30",
                    "刘经理", "解约函", documents.grouped(issued.letter_code), issued.letter_hash]
    missing = [text for text in expected if text not in html]
    assert not missing, missing
    facts = dict(re.findall(r"<th>([^<]+)</th><td>([^<]*)</td>", html))
    assert facts["申请方"] == "毕业生" and facts["同意方"] == "用人单位" and facts["违约责任方"] == "毕业生"
    assert 'id="doc-warning"' in html  # not yet approved: the letter says the agreement still binds
    assert world.row(Termination, pk).letter_code == issued.letter_code  # printing kept the issued code
    assert english_words(html) == set() and page_problems(html)[0] == []


def test_approved_termination_gets_its_letter_even_without_agreement_online(world: World, case: dict[str, Any],
                                                                           as_role: Any) -> None:
    pk = world.termination(case["agreement"], "approved", forced=True, school_remark="线下协议，学校强制解约",
                           school_decided_at=datetime.datetime(2026, 5, 1, 1, 0), school_decided_by="王老师")
    response = as_role("school").get(f"/terminations/{pk}/letter.pdf")
    assert response.status_code == 200 and response.get_data().startswith(b"%PDF-")
    row = world.row(Termination, pk)
    assert row.letter_code and row.letter_hash  # issued by the first printing
    text = pdf_text(response.get_data())
    with world.app.app_context():
        number = db.session.get(Termination, pk).agreement.number_text
    for expected in (number, documents.grouped(row.letter_code), "线下协议，学校强制解约", "王老师", "解约函"):
        assert expected in text, expected


def test_letter_is_scoped_like_the_termination(world: World, case: dict[str, Any], as_role: Any) -> None:
    pk = world.termination(case["agreement"], "central", other_answered_at=AGREED, letter_code="DKCSCQPE2345")
    for who in (case["student"], case["user"]):
        assert world.signed_in(who).get(f"/terminations/{pk}/letter").status_code == 200, who
    assert as_role("college_a").get(f"/terminations/{pk}/letter.pdf").status_code == 200
    for b in (world.signed_in(case["other_student"]), world.signed_in(case["other_user"]), as_role("college_b")):
        for url in (f"/terminations/{pk}/letter", f"/terminations/{pk}/letter.pdf", f"/terminations/{pk + 10**6}/letter"):
            assert b.get(url).status_code == 404, url


def test_changed_penalty_outdates_the_printed_letter(world: World, case: dict[str, Any], as_role: Any) -> None:
    pk = world.termination(case["agreement"], "central", other_answered_at=AGREED, letter_code="DKCHANGE2345")
    b = as_role("school")
    b.get(f"/terminations/{pk}/letter")
    first = world.row(Termination, pk)
    world.set(Termination, pk, penalty="无违约金")
    b.get(f"/terminations/{pk}/letter")
    second = world.row(Termination, pk)
    assert second.letter_code == first.letter_code and second.letter_hash != first.letter_hash
    public = world.app.test_client()
    old = public.get(f"/verify/{first.letter_code}?h={first.letter_hash}").get_data(as_text=True)
    assert 'data-current="0"' in old and "不是最新版本" in old
