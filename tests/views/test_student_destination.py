"""就业服务 → 毕业去向登记 in the browser: gated on complete source information, only the chosen code's part,
save / submit / read-only while reviewed / editable after rejection, one change after approval, lock and history."""
from __future__ import annotations

import re

from sqlalchemy import select

from app.extensions import db
from app.models.destination import Destination
from tests.conftest import Browser
from tests.workflows import destination_world as world
from tests.workflows.destination_world import code, cohort, destination, graduate

student_id, dctx, student = world.student_id, world.dctx, world.student
URL = "/student/destination/"




def page(b: Browser) -> str:
    response = b.get(URL)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def rows_of(graduate_id: int) -> list[Destination]:
    db.session.expire_all()
    return list(db.session.execute(select(Destination).where(Destination.graduate_id == graduate_id)
                                   .order_by(Destination.version_no)).scalars())


def test_waits_for_complete_source_information(student: Browser, student_id: int) -> None:
    graduate(student_id, source_status="central")
    html = page(student)
    assert 'id="gems-destination-wait"' in html and 'href="/student/source/"' in html
    assert 'id="gems-destination-form"' not in html


def test_save_then_submit_then_read_only(student: Browser, student_id: int) -> None:
    grad = graduate(student_id)
    html = page(student)
    assert 'id="f-code_id"' in html and "46 应征义务兵" in html
    response = student.post_form(URL, {"code_id": code("46").id, "action": "save"}, token_from=URL)
    assert response.status_code == 302
    [row] = rows_of(grad.id)
    assert (row.code.code, row.status, row.is_current, row.version_no) == ("46", "draft", True, 1)
    response = student.post_form(URL, {"code_id": code("46").id, "action": "submit", "version": row.version},
                                 token_from=URL)
    assert response.status_code == 302
    assert rows_of(grad.id)[0].status == "secondary"
    html = page(student)
    assert 'id="gems-save"' not in html and '<select class="form-control" id="f-code_id"' not in html
    assert "二级待审" in html
    refused = student.post_form(URL, {"code_id": code("76").id, "action": "save"}, token_from=URL)
    assert refused.status_code == 302 and rows_of(grad.id)[0].code.code == "46"


def test_only_the_chosen_codes_part_is_shown_and_enabled(student: Browser, student_id: int) -> None:
    grad = graduate(student_id)
    destination(grad, code_value="12")
    html = page(student)
    employer_part = re.search(r'<div class="panel panel-default gems-section gems-kind" id="kind-employer"[^>]*>', html)
    assert employer_part and "hidden" not in employer_part.group(0)
    venture_part = re.search(r'id="kind-venture"[^>]*>', html).group(0)
    assert "hidden" in venture_part
    assert re.search(r'name="venture_name" disabled', html)  # another code's field is neither shown nor posted
    assert re.search(r'id="f-employer_id" value=""\s*>', html)
    assert 'data-evidence-kind="hiring_proof"' in html and 'data-lookup-url="/employers/lookup"' in html


def test_submit_lists_every_problem_with_a_link(student: Browser, student_id: int) -> None:
    grad = graduate(student_id)
    row = destination(grad, code_value="12")
    response = student.post_form(URL, {"code_id": code("12").id, "action": "submit", "version": row.version},
                                 token_from=URL)
    assert response.status_code == 302 and "checked=1" in response.headers["Location"]
    html = student.get(response.headers["Location"]).get_data(as_text=True)
    for key in ("employer_id", "signed_on", "job_category_id", "evidence_hiring_proof"):
        assert f'href="#f-{key}"' in html, key
    assert rows_of(grad.id)[0].status == "draft"


def test_rejected_is_editable_with_its_reasons(student: Browser, student_id: int) -> None:
    grad = graduate(student_id)
    destination(grad, "rejected", rejection_reasons="02,05", rejection_text="请补充录用证明")
    html = page(student)
    assert 'id="gems-rejection-reasons"' in html and "证明材料不充分、材料不齐全" in html and "请补充录用证明" in html
    assert 'id="gems-save"' in html


def test_change_once_after_approval_keeps_every_version(student: Browser, student_id: int) -> None:
    grad = graduate(student_id)
    destination(grad, "complete")
    html = page(student)
    assert 'id="gems-start-change"' in html
    assert student.post_form(URL + "change", {}, token_from=URL).status_code == 302
    versions = rows_of(grad.id)
    assert [(v.version_no, v.status, v.is_current, v.kind) for v in versions] == [
        (1, "complete", True, "original"), (2, "draft", False, "change")]
    html = page(student)
    assert len(re.findall(r'<tr class="[^"]*" data-version="\d+">', html)) == 2
    assert 'id="gems-save"' in html  # the change is editable


def test_locked_plan_stops_everything_and_says_so(student: Browser, student_id: int) -> None:
    grad = graduate(student_id)
    destination(grad, "complete")
    cohort().plan_locked = True
    db.session.commit()
    html = page(student)
    assert 'id="gems-closed"' in html and "就业方案已锁定" in html
    assert 'id="gems-start-change"' not in html and 'id="gems-save"' not in html
    student.post_form(URL + "change", {}, token_from=URL)
    assert len(rows_of(grad.id)) == 1
    assert page(student).count("就业方案已锁定") == 1  # the refusal is the page's own notice: said once, not twice


def test_no_inline_script(student: Browser, student_id: int) -> None:
    graduate(student_id)
    html = page(student)
    assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*\bnonce=)[^>]*>", html)
    assert "/static/js/destination_form.js" in html


def test_another_student_sees_only_their_own(student: Browser, student_id: int) -> None:
    """The page never takes an id: a graduate of another account does not appear."""
    other = graduate(student_id, owned=False)
    destination(other, code_value="85", foreign_school_name="DS-Other University")
    graduate(student_id)
    assert "DS-Other University" not in page(student)
