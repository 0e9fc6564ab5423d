"""XLS-1/EMP-3: export a reviewer list (filter or selection, chosen columns) to Excel — streamed, masked, audited."""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import gettext as _

from app.excel import write_workbook
from app.extensions import db
from app.jobs.queue import dispatch
from app.jobs.state import JobCancelled, claim
from app.models.registry import ImportJob
from app.models.user import User
from app.security.pii import can_see_full
from app.services import audit
from app.services.import_jobs import JobProgress
from app.services.review import query
from app.services.review.columns import Column, row_formatter
from app.services.review.query import ReviewFilter
from app.services.review.workspace import Workspace, get, source
from app.timeutil import utcnow

log = logging.getLogger(__name__)
SYNC_LIMIT = 5000  # above this many rows the export runs in the background with a progress bar
KIND = "export"


def rows(columns: list[Column], f: ReviewFilter, user: Any, ids: list[int] | None,
         ws: Workspace | None = None) -> Iterator[list[Any]]:
    """Display rows exactly as the user may see them (masked without the full-view permission)."""
    format_row = row_formatter(columns, can_see_full(user))
    for row in query.stream(columns, f, user, ids=ids, ws=ws):
        yield format_row(row)


def write(target: Any, columns: list[Column], f: ReviewFilter, user: Any, ids: list[int] | None,
          progress: Callable[[int], None] | None = None, actor: Any = None, ws: Workspace | None = None) -> int:
    """Write the workbook to `target` and audit who exported what (X-2); returns the number of rows.

    `actor` names the requesting user when this runs in a background thread (default: the request's user).
    """
    ws = ws or source()
    headers = [str(c.label) for c in columns]
    # every value is already text where it must be (IDs, phones): plain cells, no per-cell text style to write
    count = write_workbook(target, headers=headers, rows=rows(columns, f, user, ids, ws), title=str(ws.export_title),
                           text_columns=(), progress=progress)
    audit.record(f"export.{ws.workflow.name}", ws.audit_type, "", actor=actor, rows=count, columns=[c.key for c in columns],
                 filter={k: v for k, v in asdict(f).items() if v not in (None, "", [], False)},
                 selected=len(ids) if ids is not None else None, masked=not can_see_full(user))
    db.session.commit()
    return count


def selected(f: ReviewFilter, user: Any, ids: list[int] | None, ws: Workspace) -> Any:
    """The selection as a SELECT of record ids (the list's filter, or the ticked ids re-scoped by it)."""
    from sqlalchemy import select

    stmt = query.filtered_from(ws, select(ws.model.id)).where(*query.conditions(f, user, ws), ws.model.id.isnot(None))
    if ids is not None:
        stmt = stmt.where(ws.model.id.in_(ids))
    return stmt.correlate(None)


def selected_count(f: ReviewFilter, user: Any, ids: list[int] | None, ws: Workspace) -> int:
    from sqlalchemy import func, select

    return db.session.execute(select(func.count()).select_from(selected(f, user, ids, ws).subquery())).scalar_one()


def write_set(target: Any, key: str, f: ReviewFilter, user: Any, ids: list[int] | None,
              progress: Callable[[int], None] | None = None, actor: Any = None, ws: Workspace | None = None) -> int:
    """A one-click field set of the workspace (Workspace.field_sets) for the selection; its writer audits."""
    ws = ws or source()
    assert ws.field_sets is not None and key in ws.field_sets.labels()
    return ws.field_sets.write(target, key, selected(f, user, ids, ws), user, progress, actor)


def export_dir() -> Path:
    folder = Path(current_app.instance_path) / "exports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def filename(ws: Workspace, set_key: str | None = None) -> str:
    return f"{ws.field_sets.labels()[set_key]}.xlsx" if set_key and ws.field_sets else str(ws.export_filename)


def start_job(columns: list[Column], f: ReviewFilter, user: Any, ids: list[int] | None, total: int,
              ws: Workspace | None = None, set_key: str | None = None) -> ImportJob:
    """A background export with progress (app.jobs); the file lands under instance/exports/, served to its owner.
    With `set_key` it writes that field set instead of the chosen columns."""
    ws = ws or source()
    job = ImportJob(kind=KIND, filename=filename(ws, set_key), state="queued", phase="", total=total,
                    created_by_id=user.id, created_at=utcnow())
    db.session.add(job)
    db.session.commit()
    dispatch(KIND, job.id, [c.key for c in columns], f, user.id, ids, total, audit.current_actor(), ws.name, set_key)
    return job


def run_export_job(job_id: int, keys: list[str], f: ReviewFilter, user_id: int, ids: list[int] | None,
                   total: int, actor: Any, name: str = "source", set_key: str | None = None) -> None:
    """The queue's entry point (app.jobs.queue.KINDS): write the file, record progress and the outcome on the job."""
    ws = get(name)
    if not claim(job_id):
        return  # cancelled before it started, or another worker has it
    progress = JobProgress(db.engine, job_id)
    path = export_dir() / f"{job_id}.xlsx"
    try:
        user = db.session.get(User, user_id)
        progress.set(state="running", phase="writing")
        step = lambda n: progress("writing", n, total)  # noqa: E731
        if set_key:
            count = write_set(path, set_key, f, user, ids, step, actor, ws)
        else:
            count = write(path, ws.chosen(keys), f, user, ids, step, actor, ws)
        relative = path.relative_to(Path(current_app.instance_path)).as_posix()
        progress.set(state="done", phase="finished", processed=count, total=count, report_path=relative,
                     finished_at=utcnow(), message=_("%(n)d rows exported.", n=count))
    except JobCancelled:
        db.session.rollback()
        path.unlink(missing_ok=True)
        progress.set(state="cancelled", phase="finished", finished_at=utcnow(),
                     message=_("The export was cancelled on request."))
    except Exception:
        log.exception("export job %s failed", job_id)
        db.session.rollback()
        path.unlink(missing_ok=True)
        progress.set(state="failed", phase="finished", finished_at=utcnow(),
                     message=_("The export failed because of an internal error. Please try again."))
        raise
