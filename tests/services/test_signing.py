"""AGR-4, APV-1, APV-4: online signing refuses offline mode, the in-province lock and unrestored directed/entrusted
graduates — through the AGREEMENT accept and confirm guards; the school's set-based actions and their refusals (APV-4
after signing, in-province restore after the outside entry), each audited and told to the graduate."""
from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models.agreement import OUTSIDE, Agreement, SigningStatus
from app.models.audit import AuditLog
from app.models.graduate import Graduate
from app.services import signing
from app.services.notify import render
from app.workflows.agreement import AGREEMENT
from app.workflows.engine import fire
from tests.services.test_signing_world import (
    account,
    agreement,
    graduates,
    notices,
    number,
    user,
    world,
)
from tests.services.test_signing_world import signing as set_signing

world = world  # the fixture

NO_NUMBER = "尚无协议书编号"
SOURCE = "生源信息尚未审核完成"


def _signer(training: str = "1", **settings: Any) -> tuple[int, str]:
    """A graduate (with an account and a current number) whose signing settings are `settings`."""
    (gid,) = graduates(1, training_mode=training, training_unit="某定向单位" if training != "1" else None)
    name = account(gid)
    number(gid)
    if settings:
        set_signing(gid, **settings)
    return gid, name


CASES = [  # (training mode, settings, expected refusal fragment or None)
    ("1", {}, None),
    ("1", {"mode": "directed"}, "线下：定向签约"),
    ("1", {"mode": "blank"}, "线下：空白协议书打印"),
    ("1", {"in_province_locked": True}, "省内签约已锁定"),
    ("2", {}, "须经学校恢复签约资格"),
    ("3", {}, "须经学校恢复签约资格"),
    ("2", {"signing_restored": True}, None),
]


def _zh(text: str | None) -> str:
    return text or ""


@pytest.mark.parametrize(("training", "settings", "refusal"), CASES)
def test_accept_follows_the_signing_settings(world: Any, training: str, settings: dict[str, Any],
                                             refusal: str | None) -> None:
    """The graduate accepts an invitation only when the school's settings allow online signing."""
    gid, name = _signer(training, **settings)
    row = agreement(gid, "invited")
    result = fire(AGREEMENT, "accept", row.id, user(name))
    if refusal is None:
        assert result.ok, result.reason
        assert db.session.get(Agreement, row.id).status in ("secondary", "central")
    else:
        assert not result.ok and refusal in _zh(result.reason), result.reason
        assert db.session.get(Agreement, row.id).status == "invited"


@pytest.mark.parametrize(("training", "settings", "refusal"), CASES)
def test_confirm_follows_the_signing_settings(world: Any, training: str, settings: dict[str, Any],
                                              refusal: str | None) -> None:
    """The employer confirms a graduate's request only when the graduate may sign online."""
    gid, _name = _signer(training, **settings)
    row = agreement(gid, "requested")
    result = fire(AGREEMENT, "confirm", row.id, user("employer_a"))
    if refusal is None:
        assert result.ok, result.reason
    else:
        assert not result.ok and refusal in _zh(result.reason), result.reason
        assert db.session.get(Agreement, row.id).status == "requested"


def test_no_number_and_incomplete_source_refuse_online_signing(world: Any) -> None:
    (gid,) = graduates(1)
    name = account(gid)
    row = agreement(gid, "invited")
    result = fire(AGREEMENT, "accept", row.id, user(name))
    assert not result.ok and NO_NUMBER in result.reason
    (draft,) = graduates(1, status="draft")
    number(draft)
    row = agreement(draft, "requested")
    result = fire(AGREEMENT, "confirm", row.id, user("employer_a"))
    assert not result.ok and SOURCE in result.reason


def test_offline_and_outside_entries_are_not_asked_the_online_questions(world: Any) -> None:
    """signing_problem is the guard of online signing: an entered agreement passes it whatever the mode."""
    (gid,) = graduates(1)
    set_signing(gid, mode="directed", in_province_locked=True)
    graduate = db.session.get(Graduate, gid)
    assert signing.signing_problem(graduate, Agreement(kind=OUTSIDE)) is None
    assert "线下签约" in signing.signing_problem(graduate)


# -- the school's actions -----------------------------------------------------------------------------------------

def _audits(action: str, gid: int) -> list[dict[str, Any]]:
    rows = db.session.execute(select(AuditLog.detail).where(AuditLog.action == action, AuditLog.target_id == str(gid))
                              .order_by(AuditLog.seq)).scalars()
    return [json.loads(r) for r in rows]


def test_modes_and_lock_are_set_based_audited_and_told(world: Any) -> None:
    ids = graduates(3)
    names = [account(g) for g in ids]
    school = user("school")
    outcomes = signing.apply("directed", ids, school)
    db.session.commit()
    assert [o.ok for o in outcomes] == [True] * 3
    assert {db.session.get(SigningStatus, g).mode for g in ids} == {"directed"}
    assert _audits("signing.directed", ids[0])[-1]["changes"] == {"mode": ["online", "directed"]}
    note = notices(user(names[0]).id)[-1]
    assert note.kind == "signing.directed" and "定向签约" in render(note)
    again = signing.apply("directed", ids[:1], school)
    assert not again[0].ok and "已经是" in again[0].reason
    assert signing.apply("lock", ids, school)[1].ok
    db.session.commit()
    assert signing.status_of(ids[1]).in_province_locked
    assert signing.apply("online", ids[2:], school)[0].ok and signing.apply("unlock", ids[2:], school)[0].ok
    db.session.commit()
    assert signing.status_of(ids[2]).mode == "online" and not signing.status_of(ids[2]).in_province_locked


def test_a_college_acts_on_its_own_graduates_only(world: Any) -> None:
    (mine,) = graduates(1, college="101")
    (other,) = graduates(1, college="102")
    outcomes = signing.apply("lock", [mine, other], user("college_a"))
    db.session.commit()
    assert outcomes[0].ok and not outcomes[1].ok and "不在您的管理范围" in outcomes[1].reason
    assert not signing.status_of(other).in_province_locked


def test_restore_directed_signing_is_refused_once_signed(world: Any) -> None:
    """APV-4: a directed graduate's signing is restored by the school unless they have already signed."""
    school = user("school")
    (plain,) = graduates(1)
    (signed, unsigned) = graduates(2, training_mode="2", training_unit="某定向单位")
    agreement(signed, "archived", kind="offline", external_number="OFL-P-1")
    outcomes = signing.apply("restore", [plain, signed, unsigned], school)
    db.session.commit()
    assert not outcomes[0].ok and "只有定向、委培毕业生" in outcomes[0].reason
    assert not outcomes[1].ok and "已签约" in outcomes[1].reason
    assert outcomes[2].ok and signing.status_of(unsigned).signing_restored
    assert not signing.status_of(signed).signing_restored
    assert not signing.apply("restore", [unsigned], school)[0].ok


def test_in_province_restore_is_refused_after_the_outside_entry(world: Any) -> None:
    school = user("school")
    (entered, waiting) = graduates(2)
    for gid in (entered, waiting):
        set_signing(gid, in_province_locked=True)
    agreement(entered, "draft", kind=OUTSIDE, external_number="OFL-GD-1")
    outcomes = signing.apply("unlock", [entered, waiting], school)
    db.session.commit()
    assert not outcomes[0].ok and "已录入省外协议书" in outcomes[0].reason
    assert outcomes[1].ok and not signing.status_of(waiting).in_province_locked


def test_set_status_creates_and_updates_rows_set_based(world: Any) -> None:
    ids = graduates(3)
    set_signing(ids[0], mode="blank")
    signing.set_status(ids, user("school"), in_province_locked=True)
    db.session.commit()
    rows = db.session.execute(select(SigningStatus).where(SigningStatus.graduate_id.in_(ids))).scalars().all()
    assert len(rows) == 3 and all(r.in_province_locked for r in rows)
    assert {r.graduate_id: r.mode for r in rows}[ids[0]] == "blank"
    assert db.session.execute(select(func.count()).select_from(SigningStatus)
                              .where(SigningStatus.graduate_id.in_(ids))).scalar_one() == 3


def test_unknown_action_is_refused_as_a_whole(world: Any) -> None:
    with pytest.raises(ValueError):
        signing.apply("erase", [1], user("school"))
