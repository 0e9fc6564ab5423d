"""PLAN-3: 毕业去向落实率 by cohort, college, major, education level, gender, 生源地 province and destination group, in
the current and the 2021 caliber; counts and rates side by side, each with the review-list filter it counts."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Optional

from flask import g, has_request_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.models.org import Cohort, Department, DepartmentKind, Major
from app.models.reference import RATE_GROUPS, RATE_GROUPS_2021, DestinationCode
from app.services.reference import destinations
from app.services.statistics_data import Freshness, cells
from app.validation.codes import EDUCATION_LEVELS, GENDERS, label_of

DIMENSIONS = {
    "college": _l("College"),
    "major": _l("Major"),
    "level": _l("Education level"),
    "gender": _l("Gender"),
    "province": _l("Province of origin"),
    "cohort": _l("Cohort"),
    "code": _l("Destination"),
}
CALIBERS = {"current": _l("Current caliber"), "2021": _l("2021 caliber")}
STORED_AS = {"college": "department", "major": "major", "level": "level", "gender": "gender",
             "province": "province", "cohort": "department", "code": "department"}
PARAM = {"college": "department", "major": "major", "level": "education_level", "gender": "gender",
         "province": "province", "cohort": "cohort"}  # the review list's query parameter for each dimension
UNPLACED = "unplaced"


def groups(caliber: str) -> dict[str, Any]:
    return RATE_GROUPS_2021 if caliber == "2021" else RATE_GROUPS


@dataclass
class Line:
    """One row of the table: who it counts (`filters` for the review list), how many, how many placed, per group."""

    key: Any
    label: str
    filters: dict[str, Any]
    graduates: int = 0
    placed: int = 0
    caliber: str = "current"
    groups: dict[str, dict[str, int]] = field(default_factory=lambda: {"current": {}, "2021": {}})

    @property
    def by_group(self) -> dict[str, int]:
        return self.groups[self.caliber]

    @property
    def rate(self) -> Optional[float]:
        return self.placed / self.graduates if self.graduates else None

    def share(self, group: str) -> Optional[float]:
        return self.by_group.get(group, 0) / self.graduates if self.graduates else None


@dataclass
class Table:
    dimension: str
    caliber: str
    lines: list[Line]
    total: Line
    freshness: Freshness

    @property
    def group_keys(self) -> list[str]:
        return list(groups(self.caliber))

    def in_caliber(self, caliber: str) -> Table:
        """The same counts read in the other caliber (both are counted in one pass)."""
        lines = [replace(line, caliber=caliber) for line in self.lines]
        return Table(self.dimension, caliber, lines, replace(self.total, caliber=caliber), self.freshness)


def _per_request(key: str, load: Any) -> Any:
    """Small lookups (code ids, the department tree) loaded once per request, however many tables it builds."""
    if not has_request_context():
        return load()
    cache = g.setdefault("_gems_statistics", {})
    if key not in cache:
        cache[key] = load()
    return cache[key]


def _departments() -> dict[int, Department]:
    return _per_request("departments", lambda: {d.id: d for d in db.session.execute(select(Department)).scalars()})


def code_ids() -> dict[int, str]:
    return _per_request("codes", lambda: dict(db.session.execute(select(DestinationCode.id, DestinationCode.code)).all()))


def college_of() -> dict[int, Department]:
    """Each department's college: the nearest ancestor (or itself) of kind college, else the department itself."""
    rows = _departments()
    result = {}
    for dept_id, dept in rows.items():
        node, seen = dept, set()
        while node is not None and node.kind != DepartmentKind.COLLEGE and node.id not in seen:
            seen.add(node.id)
            node = rows.get(node.parent_id) if node.parent_id else None
        result[dept_id] = node if node is not None and node.kind == DepartmentKind.COLLEGE else dept
    return result


def _province_name(code: Optional[str]) -> str:
    from app.validation.regions import divisions

    region = divisions().get(f"{code}0000") if code else None
    return region.name if region else str(_("Unknown"))


def _labels(dimension: str, keys: set[Any]) -> dict[Any, tuple[str, Any]]:
    """(label, sort key) per row key."""
    if dimension == "college":
        found = {k: d for k, d in _departments().items() if k in keys}
        return {k: (found[k].name, (found[k].sort_order, found[k].code)) for k in keys if k in found}
    if dimension == "major":
        ids = [int(k) for k in keys if k and str(k).isdigit()]
        found = {str(m.id): m for m in db.session.execute(select(Major).where(Major.id.in_(ids))).scalars()}
        return {k: (found[k].name, (found[k].department_id, found[k].code)) if k in found
                else (str(_("No major")), (10**9, "")) for k in keys}
    if dimension == "cohort":
        found = {c.id: c for c in db.session.execute(select(Cohort).where(Cohort.id.in_(keys))).scalars()}
        return {k: (found[k].name, -found[k].year) for k in keys if k in found}
    if dimension == "level":
        return {k: (label_of(EDUCATION_LEVELS, k) or k or "", k or "") for k in keys}
    if dimension == "gender":
        return {k: (label_of(GENDERS, k) or k or "", k or "") for k in keys}
    if dimension == "province":
        return {k: (_province_name(k), k or "99") for k in keys}
    codes = {c.id: c for c in db.session.execute(select(DestinationCode)).scalars()}
    return {k: ((f"{codes[k].code} {codes[k].name}", (codes[k].sort_order, codes[k].code)) if k in codes
                else (str(_("No approved destination")), (10**9, ""))) for k in keys}


def table(cohort_ids: list[int], dimension: str, caliber: str, actor: Any) -> Table:
    """The statistics table for the cohorts (one, or all for the cohort dimension), in the actor's scope."""
    found, freshness = cells(STORED_AS[dimension], cohort_ids, actor)
    codes = code_ids()
    info = destinations()
    colleges = college_of() if dimension == "college" else {}
    one_cohort = cohort_ids[0] if len(cohort_ids) == 1 else None
    lines: dict[Any, Line] = {}
    total = Line(None, str(_("Total")), {"cohort": one_cohort}, caliber=caliber)
    for cell in found:
        if dimension == "college":
            key = colleges[cell.department_id].id if cell.department_id in colleges else cell.department_id
        elif dimension == "cohort":
            key = cell.cohort_id
        elif dimension == "code":
            key = cell.code_id
        else:
            key = cell.value
        line = lines.get(key)
        if line is None:
            filters = {"cohort": one_cohort}
            if dimension == "code":
                filters["code"] = codes.get(key) if key is not None else None
                if key is None:  # no approved destination: not the unplaced codes 70-72, which have one
                    filters["code"] = "none"
            else:
                filters[PARAM[dimension]] = key
            line = lines[key] = Line(key, "", filters, caliber=caliber)
        meaning = info.get(codes.get(cell.code_id, "")) if cell.code_id is not None else None
        placed = bool(meaning and meaning.placed)
        now = meaning.rate_group if placed else UNPLACED
        then = meaning.rate_group_2021 if placed else UNPLACED
        for target in (line, total):
            target.graduates += cell.graduates
            target.placed += cell.graduates if placed else 0
            target.groups["current"][now] = target.groups["current"].get(now, 0) + cell.graduates
            target.groups["2021"][then] = target.groups["2021"].get(then, 0) + cell.graduates
    labels = _labels(dimension, set(lines))
    for key, line in lines.items():
        line.label = labels.get(key, (str(key), ""))[0]
    ordered = sorted(lines.values(), key=lambda ln: (labels.get(ln.key, ("", ""))[1], ln.label))
    return Table(dimension, caliber, ordered, total, freshness)
