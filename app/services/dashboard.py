"""The home page's numbers: what awaits the signed-in user, the current cohort's progress and the admin's health
checks. Each widget is one grouped, scoped statement, and each number carries the link to the list it counts."""
from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select, true
from sqlalchemy.orm import aliased

from app.extensions import db
from app.models.change import ChangeRequest
from app.models.graduate import Graduate
from app.models.org import Cohort, Department, DepartmentKind
from app.models.registry import ImportJob
from app.models.security import LoginThrottle
from app.scope import scope_clause
from app.security.roles import CENTRAL_ROLES, role_names
from app.services.review.query import pending_states
from app.timeutil import utcnow
from app.workflows import change_request as cr
from app.workflows.source_info import CENTRAL, COMPLETE, DRAFT, REJECTED, SECONDARY, STATES
from app.workflows.source_info import REVIEWERS as SOURCE_REVIEWERS

# FAB's search filter for "status equal to" on ChangeRequestModelView (index 3 of FAB's text filters: FilterEqual)
CHANGE_STATUS_FILTER = "_flt_3_status"
LOCK_ROWS = 20
JOB_ROWS = 20
RECENT_JOB_DAYS = 30


@dataclass
class Figure:
    """One number on the dashboard and the list that shows exactly the rows it counts."""

    key: str
    label: str
    count: int
    link: Optional[str]


@dataclass
class WorkItem:
    """A workflow's "awaiting me" counter; `count(user, cohort)` returns its figures (none: not this user's work)."""

    key: str
    label: Any
    count: Callable[[Any, Optional[Cohort]], list[Figure]]


WORK_ITEMS: dict[str, WorkItem] = {}


def register(item: WorkItem) -> None:
    """Declare a workflow's work item (the destination workflow adds itself here later); the key replaces."""
    WORK_ITEMS[item.key] = item


@dataclass
class WorkGroup:
    key: str
    label: str
    figures: list[Figure]

    @property
    def total(self) -> int:
        return sum(f.count for f in self.figures)


def work_for(user: Any, cohort: Optional[Cohort]) -> list[WorkGroup]:
    """Every registered work item that concerns this user, with its figures."""
    groups = []
    for item in WORK_ITEMS.values():
        figures = item.count(user, cohort)
        if figures:
            groups.append(WorkGroup(item.key, str(item.label), figures))
    return groups


def review_link(**args: Any) -> str:
    """The reviewer list filtered as given (None values left out)."""
    return url_for("SourceReviewView.index", **{k: v for k, v in args.items() if v is not None})


def _cohort_id(cohort: Optional[Cohort]) -> Optional[int]:
    return cohort.id if cohort is not None else None


def _source_info_work(user: Any, cohort: Optional[Cohort]) -> list[Figure]:
    """Records at the level(s) this reviewer decides, in the current cohort, as the review list counts them."""
    states = pending_states(user)
    if not states:
        return []
    where = [scope_clause(Graduate, user), Graduate.included == true(), Graduate.status.in_(states)]
    if cohort is not None:
        where.append(Graduate.cohort_id == cohort.id)
    counts = dict(db.session.execute(select(Graduate.status, func.count()).where(*where)
                                     .group_by(Graduate.status)).all())
    return [Figure(f"source_info.{s}", str(STATES[s]), counts.get(s, 0),
                   review_link(status=s, cohort=_cohort_id(cohort))) for s in states]


def _change_request_work(user: Any, cohort: Optional[Cohort]) -> list[Figure]:
    """Change requests awaiting a decision in the reviewer's scope (every cohort: the list has no cohort filter)."""
    if not role_names(user) & cr.REVIEWERS:
        return []
    count = db.session.execute(select(func.count()).select_from(ChangeRequest).where(
        ChangeRequest.status == cr.SUBMITTED, scope_clause(ChangeRequest, user))).scalar_one()
    link = url_for("ChangeRequestModelView.list", **{CHANGE_STATUS_FILTER: cr.SUBMITTED})
    return [Figure("change_request.submitted", str(cr.CHANGE_REQUEST.states[cr.SUBMITTED]), count, link)]


register(WorkItem("source_info", _l("Source information review"), _source_info_work))
register(WorkItem("change_request", _l("Change requests"), _change_request_work))


# --- progress of the current cohort ------------------------------------------------------------------------------

PROGRESS = (  # (key, label, review-list filter)
    ("submitted", _l("Submitted"), {"submitted": "yes"}),
    (SECONDARY, _l("At the college"), {"status": SECONDARY}),
    (CENTRAL, _l("At the school"), {"status": CENTRAL}),
    (COMPLETE, _l("Complete"), {"status": COMPLETE}),
    (REJECTED, _l("Not approved"), {"status": REJECTED}),
    (DRAFT, _l("Not submitted"), {"status": DRAFT}),
)


def _progress_figures(counts: dict[str, int], cohort: Optional[Cohort], **extra: Any) -> list[Figure]:
    submitted = sum(n for s, n in counts.items() if s != DRAFT)
    return [Figure(key, str(label), submitted if key == "submitted" else counts.get(key, 0),
                   review_link(cohort=_cohort_id(cohort), **extra, **args)) for key, label, args in PROGRESS]


def progress(user: Any, cohort: Optional[Cohort]) -> list[Figure]:
    """The cohort's records by state (included ones, in scope), one grouped statement."""
    if not role_names(user) & SOURCE_REVIEWERS:
        return []
    where = [scope_clause(Graduate, user), Graduate.included == true()]
    if cohort is not None:
        where.append(Graduate.cohort_id == cohort.id)
    counts = dict(db.session.execute(select(Graduate.status, func.count()).where(*where)
                                     .group_by(Graduate.status)).all())
    return _progress_figures(counts, cohort)


@dataclass
class CollegeProgress:
    id: int
    name: str
    figures: list[Figure] = field(default_factory=list)


def progress_by_college(user: Any, cohort: Optional[Cohort]) -> list[CollegeProgress]:
    """The same per college (a sub-unit's records count for its parent college), for central roles only."""
    if not role_names(user) & CENTRAL_ROLES:
        return []
    own, college = aliased(Department), aliased(Department)
    college_id = case((own.kind == DepartmentKind.COLLEGE, own.id), else_=own.parent_id)
    where = [scope_clause(Graduate, user), Graduate.included == true()]
    if cohort is not None:
        where.append(Graduate.cohort_id == cohort.id)
    rows = db.session.execute(
        select(college.id, college.name, Graduate.status, func.count())
        .select_from(Graduate).join(own, own.id == Graduate.department_id).join(college, college.id == college_id)
        .where(*where)
        .group_by(college.id, college.name, college.sort_order, college.code, Graduate.status)
        .order_by(college.sort_order, college.code)).all()
    colleges: dict[int, tuple[str, dict[str, int]]] = {}
    for dept_id, name, status, count in rows:
        colleges.setdefault(dept_id, (name, {}))[1][status] = count
    return [CollegeProgress(dept_id, name, _progress_figures(counts, cohort, department=dept_id))
            for dept_id, (name, counts) in colleges.items()]


def current_cohort() -> Optional[Cohort]:
    """The cohort marked current (the newest if several are), else the newest."""
    return db.session.execute(select(Cohort).order_by(Cohort.is_current.desc(), Cohort.year.desc())
                              .limit(1)).scalar()


# --- the student's records ---------------------------------------------------------------------------------------


def change_requests_of(user: Any, graduate_id: int) -> list[Figure]:
    """The student's change requests by state (one grouped statement), each linking to their list."""
    counts = dict(db.session.execute(
        select(ChangeRequest.status, func.count()).where(scope_clause(ChangeRequest, user),
                                                         ChangeRequest.graduate_id == graduate_id)
        .group_by(ChangeRequest.status)).all())
    link = url_for("StudentChangeRequestsView.index")
    return [Figure(f"change_request.{s}", str(label), counts.get(s, 0), link)
            for s, label in cr.CHANGE_REQUEST.states.items()]


def employer_agreements(user: Any) -> list[Figure]:
    """An employer account's agreements by state (its own, by the scope rule), each linking to its agreement list."""
    from app.models.agreement import Agreement
    from app.workflows.agreement import STATES as AGREEMENT_STATES

    counts = dict(db.session.execute(select(Agreement.status, func.count()).where(scope_clause(Agreement, user))
                                     .group_by(Agreement.status)).all())
    return [Figure(f"agreement.{s}", str(label), counts[s], f"/employer/agreements/?status={s}")
            for s, label in AGREEMENT_STATES.items() if counts.get(s)]


# --- the administrator's checks ----------------------------------------------------------------------------------


@dataclass
class Locks:
    count: int
    rows: list[tuple[str, datetime.datetime]]


def locked_accounts() -> Locks:
    """User names locked now (known accounts and unknown names alike) and how many: one statement."""
    total = func.count().over().label("total")
    rows = db.session.execute(select(LoginThrottle.username, LoginThrottle.locked_until, total)
                              .where(LoginThrottle.locked_until > utcnow())
                              .order_by(LoginThrottle.locked_until.desc()).limit(LOCK_ROWS)).all()
    return Locks(rows[0].total if rows else 0, [(r.username, r.locked_until) for r in rows])


@dataclass
class Jobs:
    running: list[ImportJob]
    failed: list[ImportJob]


def import_jobs() -> Jobs:
    """Registry imports queued or running now, and those failed in the last RECENT_JOB_DAYS days; a job "running"
    past any import's time limit was interrupted and counts as failed (as its own page says)."""
    from app.services.import_jobs import interrupted

    since = utcnow() - datetime.timedelta(days=RECENT_JOB_DAYS)
    jobs = db.session.execute(select(ImportJob).where(
        ImportJob.kind == "registry", ImportJob.state.in_(("queued", "running", "failed")),
        ImportJob.created_at >= since).order_by(ImportJob.id.desc()).limit(JOB_ROWS * 2)).scalars().all()
    failed = [j for j in jobs if j.state == "failed" or interrupted(j)]
    return Jobs([j for j in jobs if j not in failed][:JOB_ROWS], failed[:JOB_ROWS])


def status_file(app: Any = None) -> Path:
    """Where `flask gems audit-verify` leaves its last result (GEMS_AUDIT_STATUS_FILE, default in instance/)."""
    app = app or current_app
    configured = app.config.get("GEMS_AUDIT_STATUS_FILE")
    return Path(configured) if configured else Path(app.instance_path) / "audit-verify.json"


def record_verify(ok: bool, checked: int, problems: int, app: Any = None) -> None:
    """Remember a verify run's outcome cheaply, so the home page shows it without walking the chain."""
    path = status_file(app)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"ok": ok, "checked": checked, "problems": problems,
                               "at": utcnow().isoformat(timespec="seconds")}), "utf-8")
    tmp.replace(path)


def last_verify() -> Optional[dict[str, Any]]:
    """The last recorded verify run (ok, checked, problems, at as a naive UTC datetime), or None."""
    try:
        data = json.loads(status_file().read_text("utf-8"))
        data["at"] = datetime.datetime.fromisoformat(data["at"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return data
