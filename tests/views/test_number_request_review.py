"""AGR-1 the school's review of number requests on the shared workspace: /review/number-request/ lists them with
the reason, the explanation and both numbers; batch approve (new numbers issued) and reject (a reason required);
the record page's buttons disabled with the engine's reason; the REST door /api/v1/number_request_review/."""
from __future__ import annotations

import re
from typing import Any

from app.extensions import db
from app.models.agreement import NumberRequest
from app.models.graduate import Graduate
from app.services import agreement_numbers as numbers
from tests.views.test_source_api import _client
from tests.workflows.test_number_world import cohort, graduates, nctx, pool, reason, switch_user

__all__ = ["nctx"]
URL = "/review/number-request/"
API = "/api/v1/number_request_review/"


def _requests(count: int, code: str = "01") -> tuple[list[int], list[Graduate]]:
    """`count` graduates holding a number, each with a request waiting; two spare numbers per graduate."""
    ids = graduates(count)
    pool(count * 3)
    numbers.assign_cohort(cohort().id)
    db.session.commit()
    rows = [NumberRequest(graduate_id=g, reason_id=reason(code).id, explanation=f"说明{g}",
                          old_number_id=numbers.current_numbers([g])[g].id) for g in ids]
    db.session.add_all(rows)
    db.session.commit()
    return [r.id for r in rows], [db.session.get(Graduate, g) for g in ids]


def _status(ids: list[int]) -> list[str]:
    db.session.expire_all()
    return [db.session.get(NumberRequest, i).status for i in ids]


def _batch(b: Any, data: dict[str, Any]) -> Any:
    return b.client.post(URL + "batch", data={"csrf_token": b.token(URL), "back": URL, **data})


def test_the_list_shows_requests_with_reason_and_numbers_to_the_school_only(nctx: Any, as_role: Any) -> None:
    ids, grads = _requests(2, "02")
    other_ids, _others = _requests(1, "01")
    b = as_role("school")
    page = b.get(URL + "?q=NB").get_data(as_text=True)
    old = numbers.current_numbers([grads[0].id])[grads[0].id].number
    row = re.search(rf"<tr>(?:(?!</tr>).)*{grads[0].student_no}.*?</tr>", page, re.S).group(0)
    assert "协议丢失" in row and f"说明{grads[0].id}" in row and old in row and "待审核" in row
    filtered = b.get(f"{URL}?q=NB&reason={reason('01').id}").get_data(as_text=True)
    assert grads[0].student_no not in filtered and str(_others[0].student_no) in filtered
    switch_user()
    assert as_role("college_a").get(URL).status_code in (302, 403)


def test_batch_approve_issues_new_numbers_and_reject_needs_a_reason(nctx: Any, as_role: Any) -> None:
    ids, grads = _requests(3)
    old = {g.id: numbers.current_numbers([g.id])[g.id].number for g in grads}
    b = as_role("school")
    result = _batch(b, {"decision": "approve", "ids": [str(i) for i in ids[:2]]})
    assert result.status_code == 200 and "协议书" in result.get_data(as_text=True)
    assert _status(ids) == ["approved", "approved", "central"]
    for g in grads[:2]:
        assert numbers.current_numbers([g.id])[g.id].number != old[g.id]
    no_reason = _batch(b, {"decision": "reject", "ids": [str(ids[2])], "remark": ""})
    assert no_reason.status_code == 302 and _status(ids)[2] == "central"
    _batch(b, {"decision": "reject", "ids": [str(ids[2])], "remark": "协议书完好"})
    assert _status(ids)[2] == "rejected" and numbers.current_numbers([grads[2].id])[grads[2].id].number == old[
        grads[2].id]
    assert _batch(b, {"decision": "reopen", "ids": [str(ids[2])]}).status_code == 302  # not this workflow's
    assert _status(ids)[2] == "rejected"


def test_the_record_page_buttons_and_decision(nctx: Any, as_role: Any) -> None:
    ids, grads = _requests(1)
    b = as_role("school")
    page = b.get(f"{URL}{ids[0]}").get_data(as_text=True)
    assert 'id="btn-approve"' in page and 'id="btn-reject"' in page and "通过并发放新编号" in page
    assert 'id="btn-reopen"' not in page and 'id="btn-submit_for_student"' not in page
    assert f"说明{grads[0].id}" in page
    done = b.client.post(f"{URL}{ids[0]}/decide", data={"csrf_token": b.token(f"{URL}{ids[0]}"),
                                                          "decision": "approve", "version": "1"})
    assert done.status_code == 302 and _status(ids) == ["approved"]
    after = b.get(f"{URL}{ids[0]}").get_data(as_text=True)
    new = numbers.current_numbers([grads[0].id])[grads[0].id].number
    assert f'id="request-new-number">{new}<' in after
    assert re.search(r'id="btn-approve"[^>]*|disabled[^>]*id="btn-approve"', after)
    assert "该申请已审核通过" in after  # the disabled button says why
    assert b.get(f"{URL}999999999").status_code == 404


def test_an_empty_pool_disables_approval_with_the_reason(nctx: Any, as_role: Any) -> None:
    ids = graduates(1)
    pool(1)
    numbers.assign_cohort(cohort().id)
    db.session.commit()
    row = NumberRequest(graduate_id=ids[0], reason_id=reason().id, explanation="x")
    db.session.add(row)
    db.session.commit()
    page = as_role("school").get(f"{URL}{row.id}").get_data(as_text=True)
    assert re.search(r'disabled title="[^"]*编号池中已没有[^"]*" id="btn-approve"', page), page[:200]


def test_the_rest_door_lists_decides_and_refuses(app: Any, nctx: Any) -> None:
    ids, grads = _requests(3)
    client, headers = _client(app, "school", "10.9.3.1")
    listed = client.get(API + "?q=NB&status=central", headers=headers).get_json()
    assert listed["count"] == 3 and {r["student_no"] for r in listed["result"]} == {g.student_no for g in grads}
    one = client.get(f"{API}{ids[0]}", headers=headers).get_json()
    assert one["status"] == "central" and one["values"]["reason"] == "协议污损" and one["history"]
    done = client.post(f"{API}{ids[0]}/approve", json={"version": 1}, headers=headers)
    assert done.status_code == 200 and done.get_json()["done"] == 1
    again = client.post(f"{API}{ids[0]}/approve", json={}, headers=headers)
    assert again.status_code == 409 and "已审核通过" in again.get_json()["results"][0]["reason"]
    batch = client.post(API + "batch/reject", json={"ids": ids[1:], "remark": "不符合补发条件"}, headers=headers)
    assert batch.get_json()["done"] == 2 and _status(ids) == ["approved", "rejected", "rejected"]
    assert client.post(f"{API}{ids[1]}/reopen", json={}, headers=headers).status_code == 400
    assert client.get(f"{API}999999999", headers=headers).status_code == 404
    switch_user()
    college, college_headers = _client(app, "college_a", "10.9.3.2")
    assert college.get(API, headers=college_headers).status_code in (401, 403)


def test_the_openapi_spec_lists_this_workspaces_actions(app: Any) -> None:
    client, headers = _client(app, "admin", "10.9.3.3")
    spec = client.get("/api/v1/_openapi", headers=headers).get_json()
    act = spec["paths"]["/api/v1/number_request_review/{pk}/{action}"]["post"]
    action = next(p for p in act["parameters"] if p["name"] == "action")
    assert action["schema"]["enum"] == ["approve", "reject"]
