"""AGR-4, APV-1, APV-4 for the school: 三方协议 → 签约设置 — graduates with their signing state and filters, the
actions on ticked graduates or all that match (offline directed / blank, online, lock, restore in-province, APV-4
restore refused after signing), each audited and told in-app; colleges and students have no access."""
from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select

from app.extensions import db
from app.models.audit import AuditLog
from app.models.graduate import Graduate
from app.services.signing import status_of
from tests.services.test_signing_world import (
    account,
    agreement,
    application,
    graduates,
    notices,
    signed_in,
    signing,
    user,
    world,
)

world = world  # the fixture
URL = "/signing-settings/"


def _no(gid: int) -> str:
    return db.session.get(Graduate, gid).student_no


def _row(page: str, gid: int) -> str:
    match = re.search(rf'<tr id="g-{gid}">.*?</tr>', page, re.S)
    assert match, f"graduate {gid} not listed"
    return match.group(0)


def _audited(action: str, ids: list[int], since: int) -> int:
    """Audit rows of `action` on these graduates written after `since` (ids are reused once rows are deleted)."""
    return db.session.execute(select(func.count()).select_from(AuditLog).where(
        AuditLog.action == action, AuditLog.target_id.in_([str(g) for g in ids]), AuditLog.seq > since)).scalar_one()


def _seq() -> int:
    return db.session.execute(select(func.max(AuditLog.seq))).scalar_one() or 0


def _apply(b: Any, action: str, ids: list[int] | None = None, **form: Any) -> Any:
    data = {"csrf_token": b.token(URL), "action": action, **form}
    if ids is not None:
        data["ids"] = [str(i) for i in ids]
    return b.client.post(URL + "apply", data=data)


def test_list_shows_the_signing_state_with_filters(world: Any) -> None:
    (plain, directed, locked) = graduates(3)
    db.session.get(Graduate, directed).training_mode = "2"
    db.session.commit()
    signing(plain, mode="blank")
    signing(locked, in_province_locked=True)
    application(locked, "approved")
    b = signed_in(world, "school")
    page = b.get(URL + "?q=OFL").get_data(as_text=True)
    assert "空白协议书打印" in _row(page, plain)
    assert "锁定" in _row(page, directed) and "定向" in _row(page, directed)
    assert "锁定" in _row(page, locked) and "已通过" in _row(page, locked)
    page = b.get(URL + "?q=OFL&mode=blank").get_data(as_text=True)
    assert f'id="g-{plain}"' in page and f'id="g-{directed}"' not in page
    page = b.get(URL + "?q=OFL&locked=1").get_data(as_text=True)
    assert f'id="g-{locked}"' in page and f'id="g-{plain}"' not in page
    page = b.get(URL + "?q=OFL&unit=locked").get_data(as_text=True)
    assert f'id="g-{directed}"' in page and f'id="g-{plain}"' not in page
    assert b.get(URL + "?cohort=x&department=1e9&mode=moon&locked=2&unit=9&page=-4").status_code == 200


def test_actions_on_ticked_graduates_are_audited_and_told(world: Any) -> None:
    ids = graduates(2)
    names = [account(g) for g in ids]
    b = signed_in(world, "school")
    since = _seq()
    html = _apply(b, "directed", ids).get_data(as_text=True)
    assert "2 条已完成" in html and _no(ids[0]) in html
    assert {status_of(g).mode for g in ids} == {"directed"}
    assert _audited("signing.directed", ids, since) == 2
    assert notices(user(names[1]).id)[-1].kind == "signing.directed"
    html = _apply(b, "directed", ids[:1]).get_data(as_text=True)
    assert "1 条已跳过" in html and "已经是" in html
    _apply(b, "lock", ids[1:])
    assert status_of(ids[1]).in_province_locked and not status_of(ids[0]).in_province_locked
    _apply(b, "unlock", ids[1:])
    assert not status_of(ids[1]).in_province_locked


def test_all_matching_the_filter(world: Any) -> None:
    ids = graduates(3)
    signing(ids[0], mode="blank")
    signing(ids[1], mode="blank")
    b = signed_in(world, "school")
    since = _seq()
    html = _apply(b, "online", target="all", q="OFL", mode="blank").get_data(as_text=True)
    assert "2 条已完成" in html
    assert [status_of(g).mode for g in ids] == ["online", "online", "online"]
    assert _audited("signing.online", ids[:2], since) == 2 and _audited("signing.online", ids[2:], since) == 0


def test_restore_is_refused_after_signing_with_the_reason(world: Any) -> None:
    (signed, fresh) = graduates(2, training_mode="3", training_unit="某委培单位")
    agreement(signed, "central", kind="offline", external_number="OFL-S-1")
    b = signed_in(world, "school")
    html = _apply(b, "restore", [signed, fresh]).get_data(as_text=True)
    assert "1 条已完成" in html and "该毕业生已签约" in html
    assert status_of(fresh).signing_restored and not status_of(signed).signing_restored
    page = b.get(URL + "?q=OFL").get_data(as_text=True)
    assert "已恢复" in _row(page, fresh)


def test_bad_requests_and_who_may_open_it(world: Any) -> None:
    b = signed_in(world, "school")
    response = _apply(b, "erase", [1])
    assert response.status_code == 303
    assert "未知操作" in b.get(URL).get_data(as_text=True)
    assert _apply(b, "lock", []).status_code == 303
    (gid,) = graduates(1)
    name = account(gid)
    for who in ("college_a", name):
        other = signed_in(world, who) if who == "college_a" else signed_in(world, who, "Ofl@12345678")
        assert other.get(URL).status_code != 200
    assert signed_in(world, "admin").get(URL).status_code == 200
