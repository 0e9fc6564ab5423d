"""Background jobs on RQ over Redis: an import queued by the web request runs in a worker (in this process, and on
PostgreSQL in another process), once however often it is queued or picked up; a dead worker's job is reported as
interrupted; cancelling stops a job and keeps nothing; the clock starts each schedule once per period."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from app.extensions import db
from app.jobs import scheduled
from app.jobs import state as job_state
from app.jobs.queue import dispatch, queue, redis_connection, rq_id
from app.jobs.worker import run_worker
from app.models.graduate import Graduate
from app.models.registry import ImportJob
from app.services import import_jobs
from tests.conftest import PG
from tests.jobs.conftest import REDIS_URL
from tests.services.test_registry_import import create_cohort, drop_cohort, make_book, row

ROOT = Path(__file__).resolve().parents[2]


def _queued_import(tmp_path: Path, rows: int = 3) -> tuple[int, int]:
    """A cohort of its own and an import job of `rows` valid rows for it, queued (not run)."""
    cohort = create_cohort()
    book = make_book(tmp_path / "学籍.xlsx", [row() for _ in range(rows)])
    job = import_jobs.create_job(book, cohort, "学籍.xlsx", None)
    return cohort.id, job.id


def _graduates(cohort_id: int) -> int:
    return db.session.execute(select(func.count()).select_from(Graduate).where(Graduate.cohort_id == cohort_id)
                              ).scalar_one()


def _job(job_id: int) -> ImportJob:
    db.session.expire_all()
    return db.session.get(ImportJob, job_id)


def test_an_import_queued_on_redis_runs_in_the_worker_once(app: Any, on_queue: str, tmp_path: Path) -> None:
    with app.test_request_context():
        cohort_id, job_id = _queued_import(tmp_path)
        try:
            import_jobs.start_job(job_id, (None, "system", ""))
            import_jobs.start_job(job_id, (None, "system", ""))  # a double click, a retry: one task on the queue
            assert _job(job_id).state == "queued" and queue().count == 1
            assert _graduates(cohort_id) == 0
            run_worker(app, burst=True, fork=False)
            done = _job(job_id)
            assert done.state == "done" and done.added == 3 and _graduates(cohort_id) == 3
            with pytest.raises(ValueError, match="not queued"):  # picked up again by a second worker: refused
                import_jobs.run_job(job_id)
            assert _graduates(cohort_id) == 3
        finally:
            drop_cohort(cohort_id)


@pytest.mark.skipif(not PG, reason="a worker in another process needs a database both processes can reach")
def test_a_worker_in_another_process_runs_the_job_and_every_server_sees_its_progress(
        app: Any, on_queue: str, tmp_path: Path) -> None:
    with app.test_request_context():
        cohort_id, job_id = _queued_import(tmp_path, rows=5)
        schema = db.session.execute(select(func.current_schema())).scalar_one()
        db.session.rollback()
        try:
            dispatch("registry", job_id, (None, "system", ""))
            url = make_url(os.environ["TEST_DATABASE_URL"]).render_as_string(hide_password=False)
            env = {**os.environ, "DATABASE_URL": f"{url}?options=-csearch_path%3D{schema}", "REDIS_URL": REDIS_URL,
                   "GEMS_JOB_QUEUE": on_queue, "GEMS_INSTANCE_DIR": app.instance_path,
                   "GEMS_AUDIT_KEYS": "test:gems-test-audit-key-0123456789abcdef"}
            env.pop("TEST_DATABASE_URL", None)
            worker = subprocess.run([sys.executable, "-m", "flask", "--app", "run", "gems", "worker", "--burst"],
                                    cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
            assert worker.returncode == 0, worker.stdout[-3000:] + worker.stderr[-3000:]
            done = _job(job_id)
            assert (done.state, done.added) == ("done", 5), done.message
            assert _graduates(cohort_id) == 5
            assert import_jobs.job_status(done)["percent"] == 100
        finally:
            drop_cohort(cohort_id)


def test_a_job_whose_worker_died_is_reported_interrupted(app: Any, on_queue: str, tmp_path: Path) -> None:
    from rq.job import Job, JobStatus

    with app.test_request_context():
        cohort_id, job_id = _queued_import(tmp_path)
        try:
            dispatch("registry", job_id, (None, "system", ""))
            assert not import_jobs.interrupted(_job(job_id))  # waiting for a worker is not interrupted
            task = Job.fetch(rq_id("registry", job_id), connection=redis_connection())
            task.set_status(JobStatus.STARTED)
            task.worker_name = "gone-worker"  # its worker never beats again (killed with the machine)
            task.save()
            db.session.execute(ImportJob.__table__.update().where(ImportJob.id == job_id).values(state="running"))
            db.session.commit()
            status = import_jobs.job_status(_job(job_id))
            assert status["state"] == "failed" and status["finished"] and "中断" in status["message"]
            task.set_status(JobStatus.FAILED)
            assert import_jobs.interrupted(_job(job_id))
        finally:
            drop_cohort(cohort_id)


def test_a_queued_job_cancelled_never_runs(app: Any, on_queue: str, tmp_path: Path) -> None:
    with app.test_request_context():
        cohort_id, job_id = _queued_import(tmp_path)
        try:
            dispatch("registry", job_id, (None, "system", ""))
            assert job_state.request_cancel(_job(job_id)) == "cancelled"
            run_worker(app, burst=True, fork=False)
            assert _job(job_id).state == "cancelled" and _graduates(cohort_id) == 0
        finally:
            drop_cohort(cohort_id)


def test_a_running_import_cancelled_keeps_nothing(app: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The owner cancels while the import runs: its next progress step stops it, the transaction is rolled back."""
    monkeypatch.setattr(app, "instance_path", str(tmp_path / "instance"))
    real = import_jobs.import_registry

    def cancelled_midway(*args: Any, **kwargs: Any) -> Any:
        progress = kwargs["progress"]

        def step(phase: str, processed: int, total: int) -> None:
            if phase == "writing" and processed:
                job_state.request_cancel(db.session.get(ImportJob, kwargs["job_id"]))
                progress.set(phase="writing", processed=processed, total=total)  # the step the job checks at
            progress(phase, processed, total)

        kwargs["progress"] = step
        return real(*args, **kwargs)

    monkeypatch.setattr(import_jobs, "import_registry", cancelled_midway)
    with app.test_request_context():
        cohort_id, job_id = _queued_import(tmp_path, rows=4)
        try:
            import_jobs.start_job(job_id, (None, "system", ""))
            job = _job(job_id)
            assert job.state == "cancelled" and "取消" in job.message, job.message
            assert _graduates(cohort_id) == 0
        finally:
            drop_cohort(cohort_id)


def test_the_clock_starts_each_schedule_once_per_period_across_workers(app: Any, on_queue: str) -> None:
    far = 4_000_000_000.0  # a period no real clock has reached: keys of its own
    try:
        first, second = scheduled.due(app, far), scheduled.due(app, far + 1)
        assert set(first) == {s.name for s in scheduled.SCHEDULES} and second == []
        hourly = {s.name for s in scheduled.SCHEDULES if s.period_s == 3600}
        assert set(scheduled.due(app, far + 3600)) == hourly
    finally:
        connection = redis_connection(app)
        for s in scheduled.SCHEDULES:
            for moment in (far, far + 3600):
                connection.delete(f"gems:schedule:{s.name}:{int(moment // s.period_s)}")


def test_expired_result_files_are_deleted_and_say_so(app: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     as_role: Any) -> None:
    import datetime

    monkeypatch.setattr(app, "instance_path", str(tmp_path / "instance"))
    b = as_role("school")
    with app.app_context():
        user_id = app.appbuilder.sm.find_user(username="school").id
        files = Path(app.instance_path) / "exports"
        files.mkdir(parents=True)
        (files / "old.xlsx").write_bytes(b"PK old")
        (files / "new.xlsx").write_bytes(b"PK new")
        now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
        old = ImportJob(kind="export", filename="旧导出.xlsx", state="done", phase="finished",
                        report_path="exports/old.xlsx", created_by_id=user_id,
                        created_at=now - datetime.timedelta(days=9), finished_at=now - datetime.timedelta(days=8))
        new = ImportJob(kind="export", filename="新导出.xlsx", state="done", phase="finished",
                        report_path="exports/new.xlsx", created_by_id=user_id, created_at=now, finished_at=now)
        db.session.add_all([old, new])
        db.session.commit()
        ids = old.id, new.id
    try:
        page = b.get("/jobs/").get_data(as_text=True)
        assert "旧导出.xlsx" in page and "新导出.xlsx" in page
        assert b.get(f"/jobs/{ids[0]}/download").get_data() == b"PK old"
        with app.app_context():
            assert job_state.expire_files(7) == 1
        assert not (files / "old.xlsx").exists() and (files / "new.xlsx").exists()
        gone = b.get(f"/jobs/{ids[0]}/download", follow_redirects=True).get_data(as_text=True)
        assert "不再保留" in gone
        assert b.get(f"/jobs/{ids[1]}/download").get_data() == b"PK new"
        assert as_role("college_a").get(f"/jobs/{ids[1]}/download").status_code == 404  # not the owner
    finally:
        with app.app_context():
            db.session.execute(ImportJob.__table__.delete().where(ImportJob.id.in_(ids)))
            db.session.commit()


def test_healthz_reports_the_queue_and_a_missing_worker(app: Any, on_queue: str, tmp_path: Path) -> None:
    from tests.views.test_healthz import _get

    with app.test_request_context():
        cohort_id, job_id = _queued_import(tmp_path)
    try:
        idle = _get(app).get_json()["checks"]["queue"]
        assert idle["ok"] and idle["waiting"] == 0
        with app.test_request_context():
            dispatch("registry", job_id, (None, "system", ""))
        waiting = _get(app)
        assert waiting.status_code == 503 and waiting.get_json()["checks"]["queue"]["error"] == "NoWorker"
    finally:
        with app.test_request_context():
            drop_cohort(cohort_id)
