"""XLS-1: export the reviewer's list (filter or selection, chosen columns) to Excel — streamed, masked, audited."""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _

from app.excel import write_workbook
from app.extensions import db
from app.models.registry import ImportJob
from app.models.user import User
from app.security.pii import can_see_full
from app.services import audit
from app.services.import_jobs import JobProgress
from app.services.review import query
from app.services.review.columns import Column, row_formatter
from app.services.review.query import ReviewFilter
from app.timeutil import utcnow

log = logging.getLogger(__name__)
SYNC_LIMIT = 5000  # above this many rows the export runs in the background with a progress bar
KIND = "export"


def rows(columns: list[Column], f: ReviewFilter, user: Any, ids: list[int] | None) -> Iterator[list[Any]]:
    """Display rows exactly as the user may see them (masked without the full-view permission)."""
    format_row = row_formatter(columns, can_see_full(user))
    for row in query.stream(columns, f, user, ids=ids):
        yield format_row(row)


def write(target: Any, columns: list[Column], f: ReviewFilter, user: Any, ids: list[int] | None,
          progress: Callable[[int], None] | None = None, actor: Any = None) -> int:
    """Write the workbook to `target` and audit who exported what (X-2); returns the number of rows.

    `actor` names the requesting user when this runs in a background thread (default: the request's user).
    """
    headers = [str(c.label) for c in columns]
    # every value is already text where it must be (IDs, phones): plain cells, no per-cell text style to write
    count = write_workbook(target, headers=headers, rows=rows(columns, f, user, ids), title=_("Source information"),
                           text_columns=(), progress=progress)
    audit.record("export.source_info", "graduate", "", actor=actor, rows=count, columns=[c.key for c in columns],
                 filter={k: v for k, v in asdict(f).items() if v not in (None, "", [], False)},
                 selected=len(ids) if ids is not None else None, masked=not can_see_full(user))
    db.session.commit()
    return count


def export_dir() -> Path:
    folder = Path(current_app.instance_path) / "exports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def start_job(columns: list[Column], f: ReviewFilter, user: Any, ids: list[int] | None, total: int) -> ImportJob:
    """A background export with progress; the file lands under instance/exports/, served only to its owner."""
    job = ImportJob(kind=KIND, filename=_("Source information.xlsx"), state="queued", phase="", total=total,
                    created_by_id=user.id, created_at=utcnow())
    db.session.add(job)
    db.session.commit()
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    args = (app, job.id, [c.key for c in columns], f, user.id, ids, total, str(get_locale() or "zh"),
            audit.current_actor())
    if app.config.get("GEMS_IMPORT_SYNC", app.testing):
        _run(*args)
    else:
        threading.Thread(target=_run, args=args, name=f"export-{job.id}", daemon=True).start()
    return job


def _run(app: Flask, job_id: int, keys: list[str], f: ReviewFilter, user_id: int, ids: list[int] | None,
         total: int, locale: str, actor: Any) -> None:
    from app.services.review.columns import chosen

    with app.app_context(), force_locale(locale):
        progress = JobProgress(db.engine, job_id)
        path = export_dir() / f"{job_id}.xlsx"
        try:
            user = db.session.get(User, user_id)
            progress.set(state="running", phase="writing")
            count = write(path, chosen(keys), f, user, ids, lambda n: progress("writing", n, total), actor)
            relative = path.relative_to(Path(app.instance_path)).as_posix()
            progress.set(state="done", phase="finished", processed=count, total=count, report_path=relative,
                         finished_at=utcnow(), message=_("%(n)d rows exported.", n=count))
        except Exception:  # noqa: BLE001 - recorded on the job, which the page shows
            log.exception("export job %s failed", job_id)
            db.session.rollback()
            progress.set(state="failed", phase="finished", finished_at=utcnow(),
                         message=_("The export failed because of an internal error. Please try again."))
        finally:
            db.session.remove()
