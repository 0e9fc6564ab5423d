"""AGR-6: the public verification page — no sign-in, finds an agreement or a letter by its code, shows the parties
masked and the state in words, says whether a copy is current; an unknown code reveals nothing; rate-limited."""
from __future__ import annotations

from typing import Any

import pytest

from app.models.agreement import Agreement
from app.models.termination import Termination
from tests.conftest import Browser
from tests.security.test_same_origin import page_problems
from tests.views.test_documents_world import World, world_fixture  # noqa: F401  (the world fixture)
from tests.views.test_zh_render import english_words


@pytest.fixture()
def printed(world: World, as_role: Any) -> dict[str, Any]:
    """An archived agreement printed once by the school."""
    employer, _user = world.employer("湖南星辰科技有限公司")
    graduate, _student, _name = world.graduate("101")
    pk = world.agreement(graduate, employer, "archived")
    assert as_role("school").get(f"/agreements/{pk}/print").status_code == 200
    row = world.row(Agreement, pk)
    return dict(pk=pk, code=row.verification_code, hash=row.content_hash, employer=employer, graduate=graduate)


def _public(app: Any) -> Browser:
    return Browser(app.test_client())  # an address of its own: the rate limit is per client


def test_public_page_confirms_the_document_with_names_masked(world: World, printed: dict[str, Any]) -> None:
    response = _public(world.app).get(f"/verify/{printed['code']}?h={printed['hash']}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    with world.app.app_context():
        from app.extensions import db

        row = db.session.get(Agreement, printed["pk"])
        number, id_number, student_no = row.number_text, row.graduate.id_number, row.graduate.student_no
    assert 'id="verify-graduate">张*三<' in html and 'id="verify-employer">湖南星辰**有限公司<' in html
    assert "张小三" not in html and "湖南星辰科技有限公司" not in html
    assert id_number not in html and id_number[-4:] not in html and student_no not in html
    assert f'id="verify-number">{number}<' in html and "就业协议书" in html and "2026-03-01" in html
    assert "有效" in html and "已存档" in html and 'data-current="1"' in html
    assert english_words(html) == set() and page_problems(html)[0] == []


def test_code_typed_from_paper_is_found(world: World, printed: dict[str, Any]) -> None:
    b = _public(world.app)
    grouped = "-".join(printed["code"][i:i + 4] for i in range(0, 12, 4)).lower()
    response = b.get(f"/verify/?code={grouped}")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/verify/{printed['code']}")
    assert b.get(f"/verify/{grouped}").status_code == 200  # dashes and lower case in the address too
    form = b.get("/verify/")
    assert form.status_code == 200 and 'name="code"' in form.get_data(as_text=True)
    bad = b.get("/verify/?code=not-a-code!")
    assert bad.status_code == 400 and "12 位" in bad.get_data(as_text=True)


def test_state_in_words_follows_the_agreement(world: World, printed: dict[str, Any]) -> None:
    b = _public(world.app)
    for status, words, valid in (("revoked", "撤消", False), ("terminated", "已解约", False),
                                 ("stamp_school", "盖章", True), ("archived", "已存档", True)):
        world.set(Agreement, printed["pk"], status=status)
        html = b.get(f"/verify/{printed['code']}").get_data(as_text=True)
        state = html.split('id="verify-state">', 1)[1].split("</td>", 1)[0]
        assert words in state and (">有效<" in state) == valid and (">无效<" in state) == (not valid), status


def test_unknown_or_malformed_code_says_only_that(world: World, printed: dict[str, Any]) -> None:
    b = _public(world.app)
    unknown = "ABCDEFGHJKLM" if printed["code"] != "ABCDEFGHJKLM" else "MLKJHGFEDCBA"
    for url in (f"/verify/{unknown}", "/verify/0000", "/verify/%27%3Bdrop", f"/verify/{'A' * 300}",
                f"/verify/{unknown}?h={printed['hash']}"):
        response = b.get(url)
        html = response.get_data(as_text=True)
        assert response.status_code == 404, url
        assert "没有这份文件" in html or "查无此文件" in html, url
        assert "verify-graduate" not in html and "张" not in html.split('id="gems-verify-unknown"', 1)[1], url
    bad_hash = b.get(f"/verify/{printed['code']}?h=xyz")
    assert bad_hash.status_code == 400 and "张*三" not in bad_hash.get_data(as_text=True)


def test_signed_in_users_see_the_same_public_page(world: World, printed: dict[str, Any], as_role: Any) -> None:
    html = as_role("college_b").get(f"/verify/{printed['code']}").get_data(as_text=True)
    assert "张*三" in html and "张小三" not in html  # the page shows what the public sees, whoever asks


def test_termination_letter_code_is_verified_too(world: World, printed: dict[str, Any], as_role: Any) -> None:
    termination = world.termination(printed["pk"], "central", other_answered_at=None)
    world.set(Termination, termination, letter_code="DKCLETTER2345")
    b = as_role("school")
    assert b.get(f"/terminations/{termination}/letter").status_code == 200
    letter = world.row(Termination, termination)
    html = _public(world.app).get(f"/verify/{letter.letter_code}?h={letter.letter_hash}").get_data(as_text=True)
    assert "解约函" in html and "等待学校审核" in html and 'data-current="1"' in html
    world.set(Termination, termination, status="approved")
    html = _public(world.app).get(f"/verify/{letter.letter_code}").get_data(as_text=True)
    assert "学校已批准解约" in html and ">有效<" in html


def test_verification_is_rate_limited_per_client(world: World, printed: dict[str, Any],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(world.app.config, "GEMS_VERIFY_RATE_LIMIT", "3 per minute")
    b = _public(world.app)
    answers = [b.get(f"/verify/{printed['code']}").status_code for _ in range(3)]
    assert answers == [200, 200, 200]
    assert b.get(f"/verify/{printed['code']}").status_code == 429
    assert b.get("/verify/?code=ABCD").status_code == 429  # the form counts against the same limit
    assert _public(world.app).get(f"/verify/{printed['code']}").status_code == 200  # another client is not held up
