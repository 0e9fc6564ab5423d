"""AGR-6: codes, hashes, sealing, the print rule and the masking helper, below the screens."""
from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import update

from app.extensions import db
from app.models.agreement import Agreement
from app.models.termination import Termination
from app.services import documents
from app.services.masking import is_organisation, mask_name
from tests.views.test_documents_world import World, world_fixture  # noqa: F401  (the world fixture)


@pytest.mark.parametrize(("name", "organisation", "masked"), [
    ("张三", None, "张*"), ("张小三", None, "张*三"), ("欧阳小明", None, "欧**明"), ("王", None, "*"),
    ("湖南星辰科技有限公司", None, "湖南星辰**有限公司"), ("星辰科技有限公司", True, "星辰**有限公司"),
    ("中国建设银行股份有限公司", None, "中国建设**股份有限公司"), ("中南大学", None, "中*大学"),
    ("华为", True, "华*"), ("长沙市教育局", True, "长沙市**局"), ("李院", None, "李*"), ("", None, ""),
    (None, True, ""), ("  张  小三 ", False, "张**三"),
])
def test_mask_name(name: Any, organisation: Any, masked: str) -> None:
    assert mask_name(name, organisation) == masked


def test_organisation_is_guessed_from_a_long_ending_only() -> None:
    assert is_organisation("湖南星辰科技有限公司") and is_organisation("中南大学")
    assert not is_organisation("李院") and not is_organisation("公司") and not is_organisation("张小三")


def test_codes_read_from_paper() -> None:
    code = documents.new_code()
    assert len(code) == 12 and set(code) <= set(documents.CODE_ALPHABET) and not set(code) & set("01OI")
    assert documents.normalise_code(" " + documents.grouped(code).lower() + " ") == code
    for bad in ("", None, "ABC", "ABCDEFGHJKL0", "A" * 21, "ABCD EFGH JKL!", "ＡＢＣＤＥＦＧＨＪＫＬＭ"):
        assert documents.normalise_code(bad) is None, bad


def test_content_hash_is_canonical() -> None:
    assert documents.content_hash({"a": 1, "b": "二"}) == documents.content_hash({"b": "二", "a": 1})
    assert documents.content_hash({"a": 1}) != documents.content_hash({"a": 2})
    assert documents.HASH_SHAPE.match(documents.content_hash({}))


@pytest.fixture()
def agreement(world: World) -> int:
    employer, _user = world.employer("湖南星辰科技有限公司")
    graduate, _student, _name = world.graduate("101")
    return world.agreement(graduate, employer, "archived")


@pytest.fixture()
def ctx(app: Any, agreement: int) -> Iterator[Any]:
    """A request context opened after the rows exist and rolled back before they are removed (no lock left)."""
    with app.test_request_context():
        yield app
        db.session.rollback()
        db.session.remove()


@pytest.mark.parametrize("column", ["salary", "position", "other_terms", "work_address", "signed_on"])
def test_each_term_changes_the_hash_but_the_state_does_not(ctx: Any, world: World, agreement: int,
                                                          column: str) -> None:
    row = db.session.get(Agreement, agreement)
    before = documents.content_hash(documents.agreement_content(row))
    original = getattr(row, column)
    setattr(row, column, None if original is not None else "x")
    assert documents.content_hash(documents.agreement_content(row)) != before, column
    setattr(row, column, original)
    row.status, row.archived_at = "revoked", None
    assert documents.content_hash(documents.agreement_content(row)) == before  # the state is read live, not sealed


def test_content_holds_the_id_number_masked_only(ctx: Any, world: World, agreement: int) -> None:
    row = db.session.get(Agreement, agreement)
    content = documents.agreement_content(row)
    assert row.graduate.id_number not in str(content) and content["graduate"]["id_number"].count("*") == 8


def test_seal_keeps_a_code_once_given(ctx: Any, world: World, agreement: int) -> None:
    row = db.session.get(Agreement, agreement)
    # another request sealed it first: the row in this session still says no code
    db.session.execute(update(Agreement).where(Agreement.id == agreement).values(verification_code="WINNERCQDE23")
                       .execution_options(synchronize_session=False))
    assert row.verification_code is None
    documents.seal_agreement(row)
    assert row.verification_code == "WINNERCQDE23"
    assert row.content_hash == documents.content_hash(documents.agreement_content(row))
    documents.seal_agreement(row)
    assert row.verification_code == "WINNERCQDE23"


@pytest.mark.parametrize(("status", "printable"), [
    ("invited", False), ("requested", False), ("draft", False), ("secondary", False), ("central", False),
    ("returned", False), ("declined", False), ("withdrawn", False), ("expired", False), ("cancelled", False),
    ("stamp_employer", True), ("stamp_graduate", True), ("stamp_school", True), ("archived", True),
    ("revoked", True), ("terminated", True),
])
def test_print_rule(ctx: Any, world: World, agreement: int, status: str, printable: bool) -> None:
    row = db.session.get(Agreement, agreement)
    row.status = status
    assert (documents.print_problem(row) is None) == printable
    if status == "terminated":
        row.school_decision, row.archived_at = None, None
        assert documents.print_problem(row) is not None  # ended before the school approved


def test_issue_letters_reads_what_the_engine_just_wrote(ctx: Any, world: World, agreement: int) -> None:
    pk = world.termination(agreement, "awaiting_other")
    termination = db.session.get(Termination, pk)
    assert termination.other_answered_at is None
    db.session.execute(update(Termination).where(Termination.id == pk).values(
        status="central", other_answered_at=datetime.datetime(2026, 4, 2, 6, 30))
        .execution_options(synchronize_session=False))  # as the engine's UPDATE does
    documents.issue_letters([pk])
    assert termination.letter_code and documents.normalise_code(termination.letter_code)
    assert termination.letter_hash == documents.content_hash(documents.termination_content(termination))
    assert documents.termination_content(termination)["agreed_at"] is not None
    code = termination.letter_code
    documents.issue_letters([pk])
    assert termination.letter_code == code
    db.session.rollback()


def test_check_finds_both_kinds_and_nothing_else(ctx: Any, world: World, agreement: int) -> None:
    row = db.session.get(Agreement, agreement)
    documents.seal_agreement(row)
    found = documents.check(documents.grouped(row.verification_code).lower())
    assert found.kind == "agreement" and found.current and not found.from_link and found.in_force
    forged = documents.check(row.verification_code, "0" * 64)
    assert forged.current is False and forged.from_link and forged.printed_at is None
    assert documents.check("ZZZZZZZZZZZZ") is None and documents.check("bad!") is None
    db.session.rollback()
