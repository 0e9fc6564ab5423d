"""One scope rule on the signing pages: an employer never sees another employer's invitations or agreements (404 on
their ids, for reading and for every write), nor any graduate it did not invite; a student never sees another
student's; reviewers and students do not reach the employer's pages, employers not the student's."""
from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models.audit import AuditLog
from tests.conftest import Browser
from tests.workflows import test_agreement_world as w

world, pages = w.world, w.pages


@pytest.fixture()
def rows(app: Any, pages: w.World) -> dict[str, int]:
    """An invitation of employer A to the student's graduate; employer B's own with another graduate."""
    mine = w.grad(app, pages.student, name="范围甲")
    theirs = w.grad(app, None, name="范围乙")
    return {"a": w.placed(app, mine.id, pages.unit_a, "invited"),
            "b": w.placed(app, theirs.id, pages.unit_b, "requested", started_by="graduate"),
            "b_stamp": w.placed(app, w.grad(app, None, name="范围丙").id, pages.unit_b, "stamp_employer")}


def audit_count(app: Any) -> int:
    with app.app_context():
        return db.session.execute(select(func.count()).select_from(AuditLog).where(
            AuditLog.target_type == "agreement")).scalar_one()


def test_an_employer_never_reaches_another_employers_rows(app: Any, pages: w.World, rows: dict[str, int]) -> None:
    emp_a = w.signed_in(app, pages.emp_a)
    listing = emp_a.get("/employer/agreements/").get_data(as_text=True)
    assert f'id="agreement-{rows["a"]}"' in listing
    assert f'id="agreement-{rows["b"]}"' not in listing and "范围乙" not in listing and "范围丙" not in listing
    before = audit_count(app)
    for other in (rows["b"], rows["b_stamp"]):
        assert emp_a.get(f"/employer/agreements/{other}").status_code == 404
        token = emp_a.token("/employer/invite/")
        for path, data in ((f"/employer/agreements/{other}/act", {"decision": "confirm", "version": "1"}),
                           (f"/employer/agreements/{other}/act", {"decision": "stamp", "version": "1"}),
                           (f"/employer/agreements/{other}/edit", {**w.terms(), "version": "1"})):
            assert emp_a.client.post(path, data={"csrf_token": token, **data}).status_code == 404, path
    assert w.state(app, rows["b"])["status"] == "requested" and w.state(app, rows["b_stamp"])["status"] == \
        "stamp_employer"
    assert audit_count(app) == before


def test_employer_b_sees_only_its_own(app: Any, pages: w.World, rows: dict[str, int]) -> None:
    emp_b = w.signed_in(app, pages.emp_b)
    listing = emp_b.get("/employer/agreements/").get_data(as_text=True)
    assert f'id="agreement-{rows["b"]}"' in listing and f'id="agreement-{rows["a"]}"' not in listing
    assert "范围甲" not in listing
    assert emp_a_page_is_hidden(emp_b, rows["a"])
    assert emp_b.get("/employer/agreements/999999999").status_code == 404


def emp_a_page_is_hidden(b: Browser, agreement_id: int) -> bool:
    return b.get(f"/employer/agreements/{agreement_id}").status_code == 404


def test_a_student_never_reaches_another_students_rows(app: Any, pages: w.World, rows: dict[str, int]) -> None:
    """The other student gets a graduate row of their own; the first student's invitation stays out of reach."""
    w.grad(app, pages.other_student, name="范围丁")
    other = w.signed_in(app, pages.other_student)
    listing = other.get("/student/agreements/").get_data(as_text=True)
    assert f'id="agreement-{rows["a"]}"' not in listing and "范围甲" not in listing
    for agreement_id in (rows["a"], rows["b"]):
        assert other.get(f"/student/agreements/{agreement_id}").status_code == 404
        token = other.token("/profile/form")
        for path, data in ((f"/student/agreements/{agreement_id}/act", {"decision": "accept", "version": "1"}),
                           (f"/student/agreements/{agreement_id}/edit", {**w.terms(), "version": "1"})):
            assert other.client.post(path, data={"csrf_token": token, **data}).status_code == 404, path
    assert w.state(app, rows["a"])["status"] == "invited"
    mine = w.signed_in(app, pages.student)
    assert mine.get(f"/student/agreements/{rows['a']}").status_code == 200
    assert mine.get(f"/student/agreements/{rows['b']}").status_code == 404  # another graduate's request


@pytest.mark.parametrize("who,url", [
    ("student", "/employer/agreements/"), ("student", "/employer/invite/"),
    ("emp_a", "/student/agreements/"), ("emp_a", "/student/agreements/new"),
])
def test_each_side_is_kept_off_the_others_pages(app: Any, pages: w.World, who: str, url: str) -> None:
    b = w.signed_in(app, getattr(pages, who))
    response = b.get(url)
    html = response.get_data(as_text=True)
    assert response.status_code in (302, 403, 404)
    assert not any(f'id="{mark}"' in html for mark in MARKS), url


MARKS = ("gems-agreements", "gems-invite-form", "gems-invitations", "gems-request-form", "gems-start-problem")


@pytest.mark.parametrize("username", ["college_a", "school"])
def test_reviewers_have_no_employer_or_student_signing_pages(app: Any, pages: w.World, username: str,
                                                            rows: dict[str, int]) -> None:
    b = Browser(app.test_client())
    b.login_proven(username)
    for url in ("/employer/agreements/", "/employer/invite/", f"/employer/agreements/{rows['a']}",
                "/student/agreements/", f"/student/agreements/{rows['a']}"):
        response = b.get(url)
        html = response.get_data(as_text=True)
        assert response.status_code != 200 and not any(f'id="{mark}"' in html for mark in MARKS), url


def test_the_employers_menu_and_not_the_students(app: Any, pages: w.World) -> None:
    emp = w.signed_in(app, pages.emp_a)
    home = emp.get("/").get_data(as_text=True)
    assert "协议与邀约" in home and "邀约毕业生" in home and "网签协议书" not in home
    school = Browser(app.test_client())
    school.login_proven("school")
    assert "邀约毕业生" not in school.get("/").get_data(as_text=True)
