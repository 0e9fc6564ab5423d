"""PLAN-3's charts and daily snapshots: the rate per college against the school's, the destination mix, and the
rate's rise through the season from one snapshot row per cohort, department and day."""
from __future__ import annotations

import datetime
from typing import Any, Optional

from sqlalchemy import delete, func, insert, select, true

from app.extensions import db
from app.models.graduate import Graduate
from app.models.org import Cohort
from app.models.plan import StatSnapshot
from app.scope import scope_clause
from app.services.reference import destinations
from app.services.statistics import Table, groups
from app.services.statistics_data import WHOLE_SCHOOL, cells, grouped, large_cohorts, refresh
from app.workflows.destination import local_today


def _placed_codes() -> set[int]:
    from app.models.reference import DestinationCode

    info = destinations()
    return {cid for cid, code in db.session.execute(select(DestinationCode.id, DestinationCode.code))
            if info.get(code) is not None and info[code].placed}


def school_rate(cohort_id: int) -> Optional[float]:
    """The whole school's rate for the cohort (the reference line every college is compared with)."""
    placed_ids = _placed_codes()
    found, _fresh = cells("department", [cohort_id], WHOLE_SCHOOL)
    total = sum(cell.graduates for cell in found)
    placed = sum(cell.graduates for cell in found if cell.code_id in placed_ids)
    return placed / total if total else None


def snapshot(day: Optional[datetime.date] = None) -> int:
    """Today's (or `day`'s) counts per cohort and department, replacing that day's rows; large cohorts' rollups are
    rebuilt on the way. Commits; returns the rows written."""
    day = day or local_today()
    placed_ids = _placed_codes()
    cohort_ids = list(db.session.execute(select(Graduate.cohort_id).distinct()).scalars())
    written = 0
    for cohort_id in cohort_ids:
        per_department: dict[int, list[int]] = {}
        for row in db.session.execute(grouped("department", [cohort_id], true())):
            counts = per_department.setdefault(row.department_id, [0, 0])
            counts[0] += row.graduates
            counts[1] += row.graduates if row.code_id in placed_ids else 0
        db.session.execute(delete(StatSnapshot).where(StatSnapshot.cohort_id == cohort_id, StatSnapshot.day == day))
        rows = [dict(cohort_id=cohort_id, department_id=dept, day=day, graduates=n, placed=p)
                for dept, (n, p) in per_department.items()]
        if rows:
            db.session.execute(insert(StatSnapshot), rows)
        written += len(rows)
    db.session.commit()
    for cohort_id in large_cohorts(cohort_ids):
        refresh(cohort_id)
    return written


def season(cohort_id: int, actor: Any) -> list[tuple[str, float]]:
    """(day, rate %) for every snapshot day of the cohort, over the departments the actor may see."""
    stmt = (select(StatSnapshot.day, func.sum(StatSnapshot.graduates), func.sum(StatSnapshot.placed))
            .where(StatSnapshot.cohort_id == cohort_id, scope_clause(StatSnapshot, actor))
            .group_by(StatSnapshot.day).order_by(StatSnapshot.day))
    return [(day.isoformat(), round(100.0 * placed / total, 2)) for day, total, placed in db.session.execute(stmt)
            if total]


def chart_data(by_college: Table, cohort: Cohort, actor: Any, whole: Optional[Table] = None) -> dict[str, Any]:
    """What statistics.js draws; labels are already translated, rates in percent. `whole` is the school-wide
    by-college table when the caller has it (its total is the school's rate)."""
    by_college = by_college.in_caliber("current")
    school = whole.total.rate if whole is not None else school_rate(cohort.id)
    names = groups("current")
    mix = [{"name": str(names[key]), "value": by_college.total.by_group.get(key, 0)} for key in names
           if by_college.total.by_group.get(key)]
    return {
        "colleges": [line.label for line in by_college.lines],
        "rates": [round(100.0 * line.rate, 2) if line.rate is not None else None for line in by_college.lines],
        "school": round(100.0 * school, 2) if school is not None else None,
        "mix": mix,
        "season": season(cohort.id, actor),
    }
