"""Import jobs: keep the upload under instance/, run the import as a job (app.jobs), publish progress separately."""
from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path
from typing import IO, Any

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from app.excel.formats import ACCEPTED_SUFFIXES
from app.extensions import db
from app.jobs import state as job_state
from app.jobs.queue import dispatch
from app.jobs.state import CANCELLING, FINISHED, JobCancelled
from app.models.org import Cohort
from app.models.registry import ImportJob
from app.services.registry_import import ImportOutcome, import_registry
from app.timeutil import utcnow

log = logging.getLogger(__name__)
REGISTRY_KIND = "registry"
UPLOAD_NAME = "upload.xlsx"
REPORT_NAME = "errors.xlsx"
CORRECTED_NAME = "corrected.xlsx"
STATE_LABELS = {
    "queued": _l("Queued"),
    "running": _l("Importing"),
    "done": _l("Imported"),
    "rejected": _l("Rejected, nothing imported"),
    "failed": _l("Failed"),
    "cancelled": _l("Cancelled, nothing imported"),
}
PHASE_LABELS = {
    "": _l("Waiting to start"),
    "reading": _l("Reading and checking rows"),
    "checking": _l("Matching with existing records"),
    "report": _l("Writing the error report"),
    "writing": _l("Saving"),
    "finished": _l("Finished"),
    CANCELLING: _l("Stopping at the next step"),
    job_state.EXPIRED: _l("Finished; the result file has expired"),
}


def upload_name(filename: str | None) -> str:
    """The stored upload's name: upload + the original extension when it is one the reader takes."""
    suffix = Path(filename or "").suffix.lower()
    return f"upload{suffix}" if suffix in ACCEPTED_SUFFIXES else UPLOAD_NAME


def corrected_file(job: ImportJob) -> Path | None:
    """The corrected workbook a rejected job offers (every error had one clear fix), if there is one."""
    if job.state != "rejected":
        return None
    path = job_dir(job.id) / CORRECTED_NAME
    return path if path.is_file() else None


def job_dir(job_id: int) -> Path:
    """Where a job's upload and error report live: under the instance folder, never under static/."""
    return Path(current_app.instance_path) / "imports" / str(int(job_id))


def report_file(job: ImportJob) -> Path | None:
    """The job's error report on disk, if it has one."""
    if not job.report_path:
        return None
    path = Path(current_app.instance_path) / job.report_path
    return path if path.is_file() else None


def create_job(stream: IO[bytes] | Path, cohort: Cohort, filename: str, user_id: int | None) -> ImportJob:
    """Record a queued job and store its file (copied from ``stream``, a path or an uploaded file)."""
    job = ImportJob(kind=REGISTRY_KIND, cohort_id=cohort.id, filename=(filename or UPLOAD_NAME)[:255],
                    state="queued", phase="", created_by_id=user_id, created_at=utcnow())
    db.session.add(job)
    db.session.commit()
    folder = job_dir(job.id)
    shutil.rmtree(folder, ignore_errors=True)  # left over from a database that was reset
    folder.mkdir(parents=True)
    target = folder / upload_name(filename)
    if isinstance(stream, Path):
        shutil.copyfile(stream, target)
    else:
        with target.open("wb") as out:
            shutil.copyfileobj(stream, out)
    return job


class JobProgress:
    """Publishes phase and counts on its own connection, so the page sees them while the import's transaction runs.

    SQLite allows one writer at a time and the import holds it while saving, so there the saving phase is
    published only when it ends.
    """

    def __init__(self, engine: Engine, job_id: int, echo: Any = None) -> None:
        """Remember the job, the optional echo (CLI) and whether parallel writes are possible."""
        self.engine = engine
        self.job_id = job_id
        self.echo = echo
        self.parallel_writes = engine.dialect.name != "sqlite"
        self._last: tuple[str, int] = ("", -1)

    def set(self, **values: Any) -> None:
        """Write job columns in a short transaction of their own; a step of a job asked to stop raises JobCancelled
        instead (the final states are always written)."""
        table = ImportJob.__table__
        where = [table.c.id == self.job_id]
        if values.get("state") not in FINISHED:
            where.append(table.c.phase != CANCELLING)
        with self.engine.begin() as conn:
            written = conn.execute(update(table).where(*where).values(**values)).rowcount
        if not written:
            raise JobCancelled(self.job_id)

    def __call__(self, phase: str, processed: int, total: int) -> None:
        """Publish at most every 1000 rows (and at phase changes)."""
        if self.echo is not None:
            self.echo(phase, processed, total)
        if phase == "writing" and not self.parallel_writes:
            return
        last_phase, last_count = self._last
        if phase == last_phase and processed - last_count < 1000 and processed < total:
            return
        self._last = (phase, processed)
        self.set(phase=phase, processed=processed, total=max(total, processed))


def _finish(progress: JobProgress, outcome: ImportOutcome, report: Path) -> None:
    """Store the outcome on the job: state, counts, the first errors and the report's place."""
    errors = outcome.listed_errors()
    relative = report.relative_to(Path(current_app.instance_path)).as_posix() if outcome.report_written else None
    progress.set(state="done" if outcome.ok else "rejected", phase="finished", processed=outcome.rows,
                 total=outcome.rows, added=outcome.added, updated=outcome.updated, unchanged=outcome.unchanged,
                 error_count=outcome.error_count, message=outcome.summary(),
                 errors_json=json.dumps(errors, ensure_ascii=False), report_path=relative, finished_at=utcnow())


def run_job(job_id: int, actor: tuple[int | None, str, str] | None = None, echo: Any = None) -> ImportOutcome:
    """Run one queued job in the current app context; the outcome is also stored on the job."""
    session = db.session
    job = session.get(ImportJob, job_id)
    if job is None or job.kind != REGISTRY_KIND or not job_state.claim(job_id):
        raise ValueError(f"import job {job_id} is not queued")  # taken by another worker, cancelled, or no such job
    cohort, filename = job.cohort, job.filename
    busy = _running_in_cohort(job)
    session.commit()  # end the read transaction: the import runs its own
    progress = JobProgress(db.engine, job_id, echo)
    folder = job_dir(job_id)
    upload = folder / upload_name(filename)
    if busy:
        upload.unlink(missing_ok=True)
        return _refuse(progress, _("Another import into this cohort (job %(job)d) is still running. Nothing was "
                                   "imported: wait until it has finished, then import this file again.", job=busy))
    report = folder / REPORT_NAME
    try:
        progress.set(state="running", phase="reading")
        outcome = import_registry(upload, cohort, session=session, progress=progress, report_path=report,
                                  job_id=job_id, filename=filename, actor=actor,
                                  corrected_path=folder / CORRECTED_NAME)
    except JobCancelled:
        session.rollback()
        progress.set(state="cancelled", phase="finished", finished_at=utcnow(),
                     message=_("The import was cancelled on request; nothing was imported."))
        return ImportOutcome(file_errors=[_("The import was cancelled on request; nothing was imported.")])
    except IntegrityError:
        session.rollback()  # a second import wrote the same students at the same moment: the unique keys refused
        return _refuse(progress, _("Another import wrote the same students into this cohort at the same time. "
                                   "Nothing was imported from this file: check the other import's result, then "
                                   "import this file again if it is still needed."))
    except Exception:
        session.rollback()
        log.exception("registry import job %s failed", job_id)
        progress.set(state="failed", phase="finished", finished_at=utcnow(),
                     message=_("The import failed because of an internal error; nothing was imported. "
                               "Please try again or contact the system administrator."))
        raise
    finally:
        upload.unlink(missing_ok=True)  # the upload holds ID numbers: keep it no longer than needed
    if not outcome.ok:
        session.rollback()
    _finish(progress, outcome, report)
    return outcome


def _running_in_cohort(job: ImportJob) -> int | None:
    """Another registry import of the same cohort still running (not one cut off by a server stop), if any."""
    others = db.session.execute(select(ImportJob).where(
        ImportJob.cohort_id == job.cohort_id, ImportJob.kind == REGISTRY_KIND, ImportJob.state == "running",
        ImportJob.id != job.id)).scalars().all()
    return next((other.id for other in others if not interrupted(other)), None)


def _refuse(progress: JobProgress, message: str) -> ImportOutcome:
    """End a job as rejected with one file-level message (nothing was written)."""
    outcome = ImportOutcome(file_errors=[message])
    progress.set(state="rejected", phase="finished", processed=0, total=0, error_count=1,
                 message=outcome.summary(), errors_json=json.dumps(outcome.listed_errors(), ensure_ascii=False),
                 report_path=None, finished_at=utcnow())
    return outcome


def start_job(job_id: int, actor: tuple[int | None, str, str]) -> None:
    """On the job queue when Redis is configured, inline under GEMS_IMPORT_SYNC (tests), else in a thread."""
    dispatch(REGISTRY_KIND, job_id, actor)


def run_registry_job(job_id: int, actor: tuple[int | None, str, str] | None = None) -> None:
    """The queue's entry point (app.jobs.queue.KINDS)."""
    run_job(job_id, actor)


def interrupted(job: ImportJob) -> bool:
    """A job that will never finish (its worker died, the server stopped): shown as interrupted, never running."""
    return job_state.interrupted(job)


def job_status(job: ImportJob) -> dict[str, Any]:
    """The JSON the result page polls."""
    state, message = job.state, job.message
    if interrupted(job):
        state, message = "failed", _("The job was interrupted (the server stopped); nothing was saved. "
                                     "Please start it again.")
    total = max(job.total or 0, job.processed or 0)
    percent = 100 if state in FINISHED else (int(job.processed * 100 / total) if total else 0)
    return {
        "id": job.id, "state": state, "state_label": str(STATE_LABELS.get(state, state)),
        "phase": job.phase, "phase_label": str(PHASE_LABELS.get(job.phase, job.phase)),
        "processed": job.processed, "total": total, "percent": min(percent, 100), "added": job.added,
        "updated": job.updated, "unchanged": job.unchanged, "error_count": job.error_count,
        "message": message, "finished": state in FINISHED,
    }


def import_file(path: Path, year: int, report_path: Path | None, echo: Any = None) -> tuple[ImportOutcome, Path | None]:
    """The CLI's import: the same job and service as the UI, run inline; returns the outcome and the report copy."""
    cohort = db.session.execute(select(Cohort).where(Cohort.year == year)).scalar_one_or_none()
    if cohort is None:
        raise LookupError(_("There is no cohort %(year)d; create it under Organisation → Cohorts first.", year=year))
    job = create_job(path, cohort, path.name, None)
    outcome = run_job(job.id, echo=echo)
    report = report_file(db.session.get(ImportJob, job.id))
    if report is None:
        return outcome, None
    target = report_path or path.with_name(f"{path.stem}.errors.xlsx")
    shutil.copyfile(report, target)
    return outcome, target
