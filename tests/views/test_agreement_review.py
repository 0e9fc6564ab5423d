"""AGR-2/AGR-3, seed 004 §5.1: the agreement review workspace — scope per role, filters (awaiting me, kind, employer),
batch archive with per-record results, the history list, the record page and the JSON door."""
from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models.agreement import Agreement
from app.models.graduate import Graduate
from tests.views.test_agreement_review_world import (
    current_destination,
    employer,
    make_agreements,
    remove,
    statuses,
)

URL = "/review/agreement/"
HISTORY = "/review/agreement-history/"


@pytest.fixture(autouse=True)
def _clean(app: Any) -> Iterator[None]:
    yield
    with app.app_context():
        remove("ARV")


def _post(b: Any, path: str, data: dict[str, Any]) -> Any:
    return b.client.post(URL + path, data={"csrf_token": b.token(URL), **data})


def _numbers(ids: list[int]) -> dict[int, str]:
    return dict(db.session.execute(select(Agreement.id, Graduate.student_no).join(Agreement.graduate)
                                   .where(Agreement.id.in_(ids))).all())


def test_menu_and_list_are_scoped_per_role(app: Any, as_role: Any) -> None:
    """审核 → 三方协议审核: college_a lists its own college's agreements only (and 404s on another's), the school all."""
    with app.app_context():
        mine = make_agreements(1, "secondary", "101", prefix="ARVA")
        other = make_agreements(1, "secondary", "102", prefix="ARVA")
        numbers = _numbers(mine + other)
    college = as_role("college_a")
    home = college.get("/").get_data(as_text=True)
    assert "三方协议审核" in home and 'href="/review/agreement/"' in home
    page = college.get(URL + "?q=ARVA").get_data(as_text=True)
    row = re.search(rf"<tr>(?:(?!</tr>).)*<td>{numbers[mine[0]]}</td>.*?</tr>", page, re.S)
    assert row, page[:2000]
    assert "二级待审" in row.group(0) and "网上签约" in row.group(0) and "不在核验名录" in row.group(0)
    assert numbers[other[0]] not in page
    assert college.get(f"{URL}{other[0]}").status_code == 404
    assert college.get(f"{HISTORY}{other[0]}").status_code == 404
    school = as_role("school").get(URL + "?q=ARVA").get_data(as_text=True)
    assert numbers[mine[0]] in school and numbers[other[0]] in school
    assert as_role("college_b").get(f"{URL}{mine[0]}").status_code == 404


def test_filters_awaiting_me_kind_and_employer(app: Any, as_role: Any) -> None:
    """mine=1 is what waits for this reviewer (college: its review; school: its review, the entry approval and the
    confirmation that archives); kind= and employer= (part of the name, start of the code) narrow the list."""
    with app.app_context():
        unit = employer("ARVB", credit_code="91430100MA4L0ARV01")
        review = make_agreements(1, "secondary", prefix="ARVB", employer_row=unit)
        central = make_agreements(1, "central", prefix="ARVB", kind="offline")
        confirm = make_agreements(1, "stamp_school", prefix="ARVB")
        stamping = make_agreements(1, "stamp_employer", prefix="ARVB")
        numbers = _numbers(review + central + confirm + stamping)
        name = unit.name
    college, school = as_role("college_a"), as_role("school")

    def listed(b: Any, query: str) -> set[str]:
        page = b.get(f"{URL}?q=ARVB&{query}").get_data(as_text=True)
        assert "服务器" not in page
        return {n for n in numbers.values() if n in page}

    assert listed(college, "mine=1") == {numbers[review[0]]}
    assert listed(school, "mine=1") == {numbers[central[0]], numbers[confirm[0]]}
    assert listed(school, "status=pending_mine") == {numbers[central[0]]}
    assert listed(school, "kind=offline") == {numbers[central[0]]}
    assert listed(school, f"employer=单位{name.split('单位')[1][:5]}有限") == {numbers[review[0]]}
    assert listed(school, "employer=91430100ma4l") == {numbers[review[0]]}
    assert listed(school, "status=stamp_employer") == {numbers[stamping[0]]}
    assert listed(school, "kind=nonsense&mine=2&employer=") == set(numbers.values())
    page = school.get(URL).get_data(as_text=True)
    assert 'name="employer"' in page and "待我处理（审核或存档）" in page and "协议类型" in page


def test_batch_archive_from_the_list_reports_each_record(app: Any, as_role: Any) -> None:
    """The school ticks all awaiting its confirmation and archives them (存档通过); one not yet stamped is skipped
    with the reason; each archived graduate's current destination is the code-10 version of the agreement."""
    with app.app_context():
        ready = make_agreements(3, "stamp_school", prefix="ARVC")
        early = make_agreements(1, "stamp_graduate", prefix="ARVC")
    school = as_role("school")
    html = _post(school, "batch", {"decision": "archive", "target": "all", "q": "ARVC"}).get_data(as_text=True)
    assert "3 条已完成" in html and "1 条已跳过" in html
    with app.app_context():
        assert statuses(ready + early) == {**dict.fromkeys(ready, "archived"), early[0]: "stamp_graduate"}
        for agreement_id in ready:
            row = db.session.get(Agreement, agreement_id)
            assert current_destination(row.graduate_id).id == row.destination_id
    page = school.get(URL + "?q=ARVC").get_data(as_text=True)
    assert 'id="batch-archive"' in page and 'id="batch-revoke"' in page and 'id="batch-restore"' in page
    refused = _post(school, "batch", {"decision": "revoke", "ids": [str(i) for i in ready[:2]]})
    assert refused.status_code == 302 and "执行“撤消存档”操作须填写理由" in school.get(URL).get_data(as_text=True)
    with app.app_context():
        assert set(statuses(ready).values()) == {"archived"}
    html = _post(school, "batch", {"decision": "revoke", "ids": [str(i) for i in ready[:2]], "remark": "暂缓"}
                 ).get_data(as_text=True)
    assert "2 条已完成" in html
    college = as_role("college_a")
    assert 'id="batch-archive"' not in college.get(URL + "?q=ARVC").get_data(as_text=True)
    html = _post(college, "batch", {"decision": "restore", "ids": [str(i) for i in ready]}).get_data(as_text=True)
    assert "3 条已跳过" in html
    _post(school, "batch", {"decision": "drop_table", "ids": [str(ready[0])]})
    assert "未知操作。" in school.get(URL).get_data(as_text=True)


def test_history_lists_the_ended_ones_only(app: Any, as_role: Any) -> None:
    """Declined, withdrawn, cancelled and terminated agreements leave the work list for the history list."""
    with app.app_context():
        ended = make_agreements(1, "terminated", prefix="ARVD") + make_agreements(1, "declined", prefix="ARVD")
        live = make_agreements(1, "archived", prefix="ARVD") + make_agreements(1, "revoked", prefix="ARVD")
        numbers = _numbers(ended + live)
    school = as_role("school")
    work = school.get(URL + "?q=ARVD").get_data(as_text=True)
    history = school.get(HISTORY + "?q=ARVD").get_data(as_text=True)
    assert {n for n in numbers.values() if n in work} == {numbers[i] for i in live}
    assert {n for n in numbers.values() if n in history} == {numbers[i] for i in ended}
    assert "三方协议（已结束）" in school.get("/").get_data(as_text=True)
    link = school.get(f"{HISTORY}{ended[0]}")
    assert link.status_code == 302 and link.headers["Location"].endswith(f"{URL}{ended[0]}")
    page = school.get(f"{URL}{ended[0]}").get_data(as_text=True)
    assert 'id="no-actions"' in page and 'id="btn-' not in page


def test_export_and_print_hold_the_agreement_columns(app: Any, as_role: Any) -> None:
    """The Excel export of the list (scoped, Chinese headers, the employer, number and status) and its print page;
    the agreement workspaces' decisions clear the tree's pending counts like every workspace's."""
    import io

    import openpyxl

    from app.services.review.tree import invalidate
    from app.workflows.agreement import AGREEMENT

    assert invalidate in AGREEMENT.after_fire
    with app.app_context():
        mine = make_agreements(2, "stamp_school", prefix="ARVE")
        other = make_agreements(1, "stamp_school", "102", prefix="ARVE")
        numbers = _numbers(mine + other)
    college = as_role("college_a")
    response = _post(college, "export", {"target": "all", "q": "ARVE"})
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    rows = list(openpyxl.load_workbook(io.BytesIO(response.data), read_only=True).worksheets[0].iter_rows(
        values_only=True))
    header = rows[0]
    assert header[:2] == ("学号", "姓名") and "用人单位" in header and "协议书编号" in header and "身份核验" in header
    assert {r[0] for r in rows[1:]} == {numbers[i] for i in mine}
    status = header.index("审核状态")
    assert {r[status] for r in rows[1:]} == {"等待学校确认"}
    html = _post(college, "print", {"target": "selected", "ids": [str(i) for i in mine + other]}).get_data(as_text=True)
    assert html.count('class="printed-row"') == 2 and numbers[other[0]] not in html
