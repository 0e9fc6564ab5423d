"""EMP-2: the school's choice of one review level (school only) or two per workflow, read by every workflow built
as a LevelledWorkflow; cached per process, changed here only (by the admin), audited."""
from __future__ import annotations

import time
from typing import Any

from flask import current_app, has_app_context
from flask_babel import gettext as _
from sqlalchemy import func, select

from app.extensions import db
from app.models.workflow_setting import WorkflowSetting
from app.services import audit
from app.timeutil import utcnow
from app.workflows.review_builder import SECONDARY

DEFAULT = 2
_CACHE: dict[str, tuple[float, int]] = {}
_READY: set[str] = set()  # databases known to hold the table (before `db upgrade` / create_all they do not)


class LevelsRefused(ValueError):
    """The switch cannot be made now; the message says why."""


def levels_of(name: str) -> int:
    """The workflow's number of levels; outside an app (imports, the CLI before the database) the default.

    Another app server sees a change within GEMS_WORKFLOW_SETTINGS_SECONDS (default 30)."""
    if not has_app_context():
        return DEFAULT
    now = time.monotonic()
    hit = _CACHE.get(name)
    if hit is not None and hit[0] > now:
        return hit[1]
    value = DEFAULT
    if _table_ready():
        stored = db.session.execute(select(WorkflowSetting.levels).where(WorkflowSetting.name == name)).scalar()
        value = stored if stored in (1, 2) else DEFAULT
    _remember(name, value)
    return value


def _table_ready() -> bool:
    """Whether the table exists, asked of the catalog (a failed SELECT would abort a PostgreSQL transaction)."""
    key = str(db.engine.url)
    if key not in _READY and db.inspect(db.engine).has_table(WorkflowSetting.__tablename__):
        _READY.add(key)
    return key in _READY


def _remember(name: str, value: int) -> None:
    ttl = float(current_app.config.get("GEMS_WORKFLOW_SETTINGS_SECONDS", 30))
    _CACHE[name] = (time.monotonic() + ttl, value)


def forget() -> None:
    _CACHE.clear()


def set_levels(workflow: Any, levels: int, actor: Any) -> None:
    """Switch `workflow` (a LevelledWorkflow) to `levels`; refused while records wait for a college that would
    no longer exist. Commits."""
    if levels not in (1, 2):
        raise LevelsRefused(_("Choose one or two review levels."))
    old = workflow.levels
    if levels == old:
        return
    if levels == 1:
        model = workflow.model
        waiting = db.session.execute(select(func.count()).select_from(model).where(
            getattr(model, workflow.status_attr) == SECONDARY)).scalar_one()
        if waiting:
            raise LevelsRefused(_("%(n)d record(s) still await the college's review; decide them before switching "
                                  "to one level.", n=waiting))
    row = db.session.get(WorkflowSetting, workflow.name) or WorkflowSetting(name=workflow.name)
    row.levels, row.updated_at = levels, utcnow()
    row.updated_by = getattr(actor, "username", None)
    db.session.add(row)
    audit.record("workflow.levels_changed", "workflow_setting", workflow.name, levels=[old, levels])
    db.session.commit()
    _remember(workflow.name, levels)
    from app.services.review import tree

    tree.invalidate()
