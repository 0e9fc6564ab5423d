"""The home page dashboard per role: the right widgets, numbers equal to counts taken straight from the rows (a plain
Python walk over the table, never the scope rule or the dashboard's own queries), links that open lists showing exactly
that many rows, college scope, one statement per widget."""
from __future__ import annotations

import datetime
import html as htmllib
import json
import re
from collections import Counter
from typing import Any

import pytest
from sqlalchemy import delete, event, select

from app.extensions import db
from app.models.change import ChangeRequest
from app.models.graduate import Graduate
from app.models.notification import Notification
from app.models.org import Cohort, Department
from app.models.registry import ImportJob
from app.models.security import LoginThrottle
from app.models.user import User
from app.timeutil import utcnow
from tests.views.review_helpers import make_graduates
from tests.views.student_support import StudentFactory, signed_in, students_fixture  # noqa: F401

NUMBER = re.compile(r'<a class="gems-dash-num" href="([^"]*)" id="([^"]+)"[^>]*>(\d+)</a>')
LEVELS = ("secondary", "central")


def numbers(page: str) -> dict[str, tuple[int, str]]:
    """Every dashboard number on the page: id -> (count, link)."""
    return {m.group(2): (int(m.group(3)), htmllib.unescape(m.group(1))) for m in NUMBER.finditer(page)}


def home(b: Any) -> str:
    response = b.get("/")
    assert response.status_code == 200
    return response.get_data(as_text=True)


# --- independent oracles: plain rows walked in Python --------------------------------------------------------------


def subtree(root_id: int) -> set[int]:
    parents = dict(db.session.execute(select(Department.id, Department.parent_id)).all())
    found = {root_id}
    changed = True
    while changed:
        changed = False
        for dept, parent in parents.items():
            if parent in found and dept not in found:
                found.add(dept)
                changed = True
    return found


def college_of() -> dict[int, int]:
    """Department id -> the college its records count for (itself, or its parent for a sub-unit)."""
    rows = db.session.execute(select(Department.id, Department.parent_id, Department.kind)).all()
    return {d: (d if str(getattr(k, "value", k)) == "college" else p) for d, p, k in rows}


def current_cohort_id() -> int:
    return db.session.execute(select(Cohort.id).where(Cohort.is_current.is_(True))).scalars().first()


def graduate_rows() -> list[Any]:
    db.session.expire_all()
    return db.session.execute(select(Graduate.status, Graduate.cohort_id, Graduate.department_id,
                                     Graduate.included)).all()


def expected_counts(departments: set[int] | None) -> Counter:
    """States of the current cohort's included records, optionally only those in `departments`."""
    cohort = current_cohort_id()
    return Counter(r.status for r in graduate_rows()
                   if r.cohort_id == cohort and r.included and (departments is None or r.department_id in departments))


def department_of(username: str) -> int:
    return db.session.execute(select(User.department_id).where(User.username == username)).scalar_one()


def list_rows(b: Any, link: str) -> int:
    """How many rows the list behind a link shows (review list: its record boxes; FAB lists: their row boxes)."""
    extra = "size=200" if link.startswith("/review/") else "psize_ChangeRequestModelView=100"
    page = b.get(link + ("&" if "?" in link else "?") + extra)
    assert page.status_code == 200, link
    text = page.get_data(as_text=True)
    if link.startswith("/review/"):
        return len(re.findall(r'<input type="checkbox" name="ids" value="\d+"', text))
    return len(re.findall(r'name="rowid" value="\d+"', text))


# --- reviewers -----------------------------------------------------------------------------------------------------


def test_college_reviewer_sees_own_work_and_cohort_progress_only(app: Any, as_role: Any) -> None:
    with app.app_context():
        make_graduates(2, "secondary", "101")
        make_graduates(3, "secondary", "102")  # college_b's: must not show for college_a
        make_graduates(1, "rejected", "101")
        mine = expected_counts(subtree(department_of("college_a")))
        everyone = expected_counts(None)
    assert everyone["secondary"] > mine["secondary"] > 0  # the scope makes a difference the test can see
    b = as_role("college_a")
    got = numbers(home(b))
    assert got["work-source_info-secondary"][0] == mine["secondary"]
    assert "work-source_info-central" not in got  # the school's level is not college_a's work
    assert got["progress-secondary"][0] == mine["secondary"]
    assert got["progress-rejected"][0] == mine["rejected"]
    assert got["progress-complete"][0] == mine["complete"]
    assert got["progress-submitted"][0] == sum(n for s, n in mine.items() if s != "draft")
    assert got["progress-draft"][0] == mine["draft"]
    assert not any(key.startswith("college-") for key in got)  # per-college progress is the school's
    for key in ("work-source_info-secondary", "progress-secondary", "progress-rejected", "progress-submitted"):
        count, link = got[key]
        assert list_rows(b, link) == count, (key, link)


def test_school_sees_its_level_and_progress_per_college(app: Any, as_role: Any) -> None:
    with app.app_context():
        make_graduates(2, "central", "101")
        make_graduates(1, "central", "102")
        make_graduates(1, "complete", "102")
        everyone = expected_counts(None)
        colleges = college_of()
        cohort = current_cohort_id()
        per_college: dict[int, Counter] = {}
        for r in graduate_rows():
            if r.cohort_id == cohort and r.included:
                per_college.setdefault(colleges[r.department_id], Counter())[r.status] += 1
    b = as_role("school")
    page = home(b)
    got = numbers(page)
    assert got["work-source_info-central"][0] == everyone["central"] > 0
    assert "work-source_info-secondary" not in got
    for status in ("submitted", "secondary", "central", "complete", "rejected", "draft"):
        expected = sum(n for s, n in everyone.items() if s != "draft") if status == "submitted" else everyone[status]
        assert got[f"progress-{status}"][0] == expected, status
    assert len(per_college) >= 2
    for college_id, counts in per_college.items():
        for status in ("central", "complete", "secondary"):
            count, link = got[f"college-{college_id}-{status}"]
            assert count == counts[status], (college_id, status)
        count, link = got[f"college-{college_id}-central"]
        assert list_rows(b, link) == count
    count, link = got["work-source_info-central"]
    assert list_rows(b, link) == count
    chart = json.loads(htmllib.unescape(re.search(
        r'<script type="application/json" id="dashboard-data"[^>]*>(.*?)</script>', page, re.S).group(1)))
    assert {p["link"]: p["value"] for p in chart["progress"]} == {
        link: n for key, (n, link) in got.items() if key.startswith("progress-") and key != "progress-submitted"}
    assert len(chart["colleges"]) == len(per_college)
    assert "vendor/echarts/echarts.min.js" in page and "js/dashboard.js" in page


def test_change_requests_awaiting_me_are_scoped_and_link_to_their_list(app: Any, as_role: Any) -> None:
    with app.app_context():
        ids_a = make_graduates(2, "secondary", "101")
        ids_b = make_graduates(1, "secondary", "102")
        for gid in ids_a + ids_b:
            db.session.add(ChangeRequest(graduate_id=gid, field="name", claimed_value="张三", explanation="x",
                                         status="submitted", version=1, created_at=utcnow()))
        db.session.add(ChangeRequest(graduate_id=ids_a[0], field="gender", claimed_value="2", explanation="x",
                                     status="rejected", version=1, created_at=utcnow()))
        db.session.commit()
        mine_depts = subtree(department_of("college_a"))
        dept_of = dict(db.session.execute(select(Graduate.id, Graduate.department_id)).all())
        submitted = [r.graduate_id for r in db.session.execute(select(ChangeRequest.graduate_id).where(
            ChangeRequest.status == "submitted")).all()]
        mine = sum(1 for g in submitted if dept_of[g] in mine_depts)
    for username, expected in (("college_a", mine), ("school", len(submitted))):
        b = as_role(username)
        count, link = numbers(home(b))["work-change_request-submitted"]
        assert count == expected, username
        assert list_rows(b, link) == count, (username, link)
    assert len(submitted) > mine > 0


def test_reviewer_home_names_the_current_cohort(app: Any, as_role: Any) -> None:
    with app.app_context():
        name = db.session.execute(select(Cohort.name).where(Cohort.is_current.is_(True))).scalar_one()
    page = home(as_role("college_b"))
    assert re.search(rf'id="dash-cohort">{re.escape(name)}<', page)


# --- students ------------------------------------------------------------------------------------------------------


def test_student_sees_next_step_records_and_unread_messages(app: Any, students: StudentFactory) -> None:
    student = students()
    b = signed_in(app, student)
    with app.app_context():
        user_id = db.session.execute(select(User.id).where(User.username == student.student_no)).scalar_one()
        now = utcnow()
        db.session.add_all([Notification(user_id=user_id, kind="notice", params="{}", created_at=now),
                            Notification(user_id=user_id, kind="notice", params="{}", created_at=now),
                            Notification(user_id=user_id, kind="notice", params="{}", created_at=now, read_at=now)])
        db.session.add_all([ChangeRequest(graduate_id=student.graduate_id, field="name", claimed_value="李四",
                                          explanation="x", status=s, version=1, created_at=now)
                            for s in ("submitted", "rejected", "rejected")])
        db.session.commit()
        unread = db.session.execute(select(Notification.id).where(Notification.user_id == user_id,
                                                                  Notification.read_at.is_(None))).all()
    page = home(b)
    got = numbers(page)
    assert got["my-unread"] == (len(unread), "/inbox/") and len(unread) == 2
    assert got["my-change_request-submitted"][0] == 1
    assert got["my-change_request-rejected"][0] == 2
    assert got["my-change_request-approved"][0] == 0
    assert got["my-change_request-rejected"][1] == "/student/changes/"
    assert re.search(r'id="gems-home-status">未提交<', page)
    assert "gems-next-step" in page and 'id="gems-fill-entry"' in page
    assert "dash-work" not in page and "dash-locks" not in page  # no reviewer or admin widgets for a student
    changes = b.get("/student/changes/").get_data(as_text=True)
    assert changes.count("李四") == 3


# --- the administrator ---------------------------------------------------------------------------------------------


@pytest.fixture()
def admin_rows(app: Any) -> Any:
    """Locks (two now, one expired) and import jobs of this test; removed afterwards."""
    names = [f"dash-lock-{i}" for i in range(3)]
    now = utcnow()
    with app.app_context():
        db.session.add_all([
            LoginThrottle(username=names[0], failures=5, locked_until=now + datetime.timedelta(minutes=10)),
            LoginThrottle(username=names[1], failures=5, locked_until=now + datetime.timedelta(minutes=5)),
            LoginThrottle(username=names[2], failures=5, locked_until=now - datetime.timedelta(minutes=1)),
        ])
        jobs = [ImportJob(kind="registry", filename=f"dash-{state}.xlsx", state=state, created_at=now)
                for state in ("running", "failed", "failed", "done", "rejected")]
        jobs.append(ImportJob(kind="registry", filename="dash-stale.xlsx", state="running",
                              created_at=now - datetime.timedelta(hours=2)))  # interrupted: counts as failed
        db.session.add_all(jobs)
        db.session.commit()
        job_ids = [j.id for j in jobs]
    yield names
    with app.app_context():
        db.session.execute(delete(LoginThrottle).where(LoginThrottle.username.in_(names)))
        db.session.execute(delete(ImportJob).where(ImportJob.id.in_(job_ids)))
        db.session.commit()


def test_admin_sees_locks_imports_and_audit_status(app: Any, as_role: Any, admin_rows: list[str], tmp_path: Any,
                                                   monkeypatch: Any) -> None:
    monkeypatch.setitem(app.config, "GEMS_AUDIT_STATUS_FILE", str(tmp_path / "audit-verify.json"))
    with app.app_context():
        now = utcnow()
        locked = [r.username for r in db.session.execute(select(LoginThrottle)).scalars()
                  if r.locked_until and r.locked_until > now]
        jobs = db.session.execute(select(ImportJob.id, ImportJob.state, ImportJob.created_at).where(
            ImportJob.kind == "registry")).all()
        limit = app.config.get("GEMS_IMPORT_TIMEOUT_S", 900) + 300
        stale = {j.id for j in jobs if j.state in ("queued", "running") and (now - j.created_at).total_seconds() > limit}
        running = [j for j in jobs if j.state in ("queued", "running") and j.id not in stale]
        failed = [j for j in jobs if j.state == "failed" or j.id in stale]
    b = as_role("admin")
    page = home(b)
    got = numbers(page)
    assert got["admin-locked"][0] == len(locked) >= 2
    assert admin_rows[0] in page and admin_rows[1] in page and admin_rows[2] not in page
    assert got["admin-imports-running"][0] == len(running) >= 1
    assert got["admin-imports-failed"][0] == len(failed) >= 3
    assert "dash-stale.xlsx" in re.search(r'id="jobs-failed".*?</ul>', page, re.S).group(0)
    assert re.search(r'id="audit-state">尚未校验', page)

    result = app.test_cli_runner().invoke(args=["gems", "audit-verify", "--no-checkpoint"])
    with app.app_context():
        entries = db.session.execute(select(db.func.count()).select_from(db.metadata.tables["audit_log"])).scalar()
    page = home(b)
    state = "完好" if result.exit_code == 0 else "发现篡改"
    assert re.search(rf'id="audit-state">{state}<', page), result.output
    assert f"已校验 {entries} 条" in page


# --- the speed budget ----------------------------------------------------------------------------------------------


class Statements:
    """Counts the SQL statements run while the block is open."""

    def __init__(self) -> None:
        self.sql: list[str] = []

    def __enter__(self) -> Statements:
        event.listen(db.engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *exc: Any) -> None:
        event.remove(db.engine, "before_cursor_execute", self._seen)

    def _seen(self, conn: Any, cursor: Any, sql: str, *args: Any) -> None:
        if not sql.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            self.sql.append(sql)


@pytest.mark.parametrize("username", ["school", "college_a", "admin"])
def test_one_statement_per_widget_and_within_the_list_budget(app: Any, as_role: Any, username: str) -> None:
    from app.services import dashboard

    with app.test_request_context():
        user = db.session.execute(select(User).where(User.username == username)).scalar_one()
        _ = user.roles  # loaded before counting, as the request's user is
        cohort = dashboard.current_cohort()
        widgets = [lambda: dashboard.progress(user, cohort), lambda: dashboard.progress_by_college(user, cohort),
                   lambda: dashboard.locked_accounts(), lambda: dashboard.import_jobs()]
        widgets += [lambda item=item: item.count(user, cohort) for item in dashboard.WORK_ITEMS.values()]
        for widget in widgets:
            with Statements() as seen:
                widget()
            assert len(seen.sql) <= 1, seen.sql
    b = as_role(username)
    b.get("/")
    b.get("/review/source/")
    with app.app_context(), Statements() as home_page:
        assert b.get("/").status_code == 200
    with app.app_context(), Statements() as list_page:
        assert b.get("/review/source/").status_code == 200
    # the home page's widgets (≤ 6 statements) on top of the sign-in checks every page pays
    assert len(home_page.sql) <= len(list_page.sql) + 4, (home_page.sql, list_page.sql)
