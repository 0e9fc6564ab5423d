"""The national export's columns are data (app/data/national_export.json): this reads them, names the fields they may
use (one SQL expression each) and the code→name lookups, and turns a result row into the file's cells."""
from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Optional

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from app.excel.writer import FORMULA_PREFIXES, clean_text
from app.extensions import db
from app.models.destination import Destination
from app.models.employer import Employer
from app.models.graduate import Graduate
from app.models.org import Department, Major
from app.models.reference import Country, DestinationCode, EmployerNature, Industry, JobCategory
from app.validation.codes import EDUCATION_LEVELS, ETHNICITIES, GENDERS, POLITICAL_STATUSES, TRAINING_MODES
from app.validation.idcard import mask_id
from app.validation.phone import mask_phone
from app.validation.regions import divisions

DATA_FILE = Path(__file__).resolve().parent.parent / "data" / "national_export.json"
NATIONAL, SCHOOL = "national", "school"

# Aliased reference tables, so the export's joins never clash with a caller's own joins of the same tables.
CODE = aliased(DestinationCode, name="nx_code")
NATURE = aliased(EmployerNature, name="nx_nature")
INDUSTRY = aliased(Industry, name="nx_industry")
JOB = aliased(JobCategory, name="nx_job")
COUNTRY = aliased(Country, name="nx_country")
G, D, E = Graduate, Destination, Employer

# field name -> SQL expression; the destination part is NULL for a graduate without a destination (plan mode)
FIELDS: dict[str, Any] = {
    "student_no": G.student_no,
    "name": G.name,
    "gender": G.gender,
    "id_number": G.id_number,
    "mobile": G.mobile,
    "email": G.email,
    "origin": G.origin,
    "origin_code": G.origin_code,
    "ethnicity": G.ethnicity,
    "political_status": G.political_status,
    "education_level": G.education_level,
    "enrolment_date": G.enrolment_date,
    "graduation_date": G.graduation_date,
    "training_mode": G.training_mode,
    "training_unit": G.training_unit,
    "department": Department.name,
    "major_name": Major.name,
    "major_code": Major.code,
    "destination_code": CODE.code,
    "destination_status": D.status,
    "signed_on": D.signed_on,
    # 单位名称: the employer for 10/11/12, the host unit for 27/50/51, the venture for 75, the school for 80/85
    "unit_name": func.coalesce(E.name, D.host_unit, D.venture_name, D.school_name),
    "unit_credit_code": func.coalesce(E.credit_code, D.venture_credit_code),
    "foreign_school_name": D.foreign_school_name,
    "nature_code": NATURE.code,
    "industry_code": INDUSTRY.code,
    # 单位所在地: the destination's own division, else the employer's; a country (alpha-2) for study abroad
    "unit_location": func.coalesce(D.region_code, E.region_code, COUNTRY.code),
    "unit_address": func.coalesce(D.address, E.address),
    "job_category_code": JOB.code,
    "work_description": D.work_description,
    "employer_contact": E.contact_name,
    "employer_mobile": E.contact_mobile,
    "transfer_no": D.transfer_no,
    "verification_no": D.verification_no,
}
# the joins FIELDS need, from a select that already has Graduate and Destination
JOINS: tuple[tuple[Any, Any], ...] = (
    (Department, Department.id == G.department_id),
    (Major, Major.id == G.major_id),
    (CODE, CODE.id == D.code_id),
    (E, E.id == D.employer_id),
    (NATURE, NATURE.id == E.nature_id),
    (INDUSTRY, INDUSTRY.id == E.industry_id),
    (JOB, JOB.id == D.job_category_id),
    (COUNTRY, COUNTRY.id == D.country_id),
)


def _table_names(model: Any) -> Callable[[], dict[str, str]]:
    return lambda: dict(db.session.execute(select(model.code, model.name)).tuples().all())


def _choices(choices: list[tuple[str, str]]) -> Callable[[], dict[str, str]]:
    return lambda: dict(choices)  # national names in Chinese, whatever the user's language


def _status_names() -> dict[str, str]:
    from app.workflows.destination import DESTINATION

    return {state: str(DESTINATION.label(state)) for state in DESTINATION.states}


def _locations() -> dict[str, str]:
    """Country codes and names; divisions are looked up by code on demand (region_name)."""
    return dict(db.session.execute(select(Country.code, Country.name)).tuples().all())


# lookup name -> loader of {code: name}, loaded once per export
LOOKUPS: dict[str, Callable[[], dict[str, str]]] = {
    "gender": _choices(GENDERS),
    "ethnicity": _choices(ETHNICITIES),
    "political_status": _choices(POLITICAL_STATUSES),
    "education_level": _choices(EDUCATION_LEVELS),
    "training_mode": _choices(TRAINING_MODES),
    "destination_code": _table_names(DestinationCode),
    "employer_nature": _table_names(EmployerNature),
    "industry": _table_names(Industry),
    "job_category": _table_names(JobCategory),
    "location": _locations,
    "destination_status": _status_names,
}
MASKS: dict[str, Callable[[Any], str]] = {"id": mask_id, "phone": mask_phone}
FORMATS: dict[str, str] = {"yyyymm": "%Y%m", "yyyymmdd": "%Y%m%d", "date": "%Y-%m-%d"}
_SKIPPED_DIVISIONS = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}


@dataclass(frozen=True)
class ExportColumn:
    """One column of a field set, in the file's order."""

    header: str
    field: Optional[str] = None
    lookup: Optional[str] = None
    format: Optional[str] = None
    mask: Optional[str] = None


@dataclass(frozen=True)
class FieldSet:
    """A one-click field set of the export's field chooser (全国就业系统导出, 学校字段)."""

    key: str
    label: str
    sheet: str
    filename: str
    columns: tuple[ExportColumn, ...]

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]

    @property
    def fields(self) -> list[str]:
        """The distinct fields the set reads, in first-use order (the SELECT's columns)."""
        return list(dict.fromkeys(c.field for c in self.columns if c.field))


def _column(raw: dict[str, Any], where: str) -> ExportColumn:
    column = ExportColumn(header=str(raw.get("header") or "").strip(), field=raw.get("field"),
                          lookup=raw.get("lookup"), format=raw.get("format"), mask=raw.get("mask"))
    problems = []
    if not column.header:
        problems.append("no header")
    if column.field is not None and column.field not in FIELDS:
        problems.append(f"unknown field {column.field!r}")
    if column.lookup is not None and column.lookup not in LOOKUPS:
        problems.append(f"unknown lookup {column.lookup!r}")
    if column.format is not None and column.format not in FORMATS:
        problems.append(f"unknown format {column.format!r}")
    if column.mask is not None and column.mask not in MASKS:
        problems.append(f"unknown mask {column.mask!r}")
    if problems:
        raise ValueError(f"{where}: " + "; ".join(problems))
    return column


def load(path: Path = DATA_FILE) -> dict[str, FieldSet]:
    """Parse and check the definition file; an unknown field or lookup is an error naming the column."""
    with path.open(encoding="utf-8") as fh:
        doc = json.load(fh)
    sets: dict[str, FieldSet] = {}
    for raw in doc["sets"]:
        columns = tuple(_column(c, f"{path.name} {raw['key']} column {n + 1}")
                        for n, c in enumerate(raw["columns"]))
        sets[raw["key"]] = FieldSet(raw["key"], raw["label"], raw.get("sheet") or raw["label"],
                                    raw.get("filename") or raw["label"], columns)
    if NATIONAL not in sets:
        raise ValueError(f"{path.name}: no '{NATIONAL}' set")
    return sets


@lru_cache(maxsize=1)
def field_sets() -> dict[str, FieldSet]:
    """The definition as shipped (read once per process)."""
    return load()


def field_set(key: str = NATIONAL) -> FieldSet:
    sets = field_sets()
    if key not in sets:
        raise KeyError(key)
    return sets[key]


@lru_cache(maxsize=8192)
def region_name(code: str) -> Optional[str]:
    """A GB/T 2260 code as its full name (湖南省长沙市岳麓区), None when unknown."""
    regions = divisions()
    region = regions.get(code)
    if region is None:
        return None
    names = []
    while region is not None:
        if region.name not in _SKIPPED_DIVISIONS:
            names.append(region.name)
        region = regions.parent_of(region)
    return "".join(reversed(names))


def safe_text(value: str) -> str:
    """Cell text that no spreadsheet runs as a formula and XML can hold; printable text skips the regex."""
    if value.isprintable() and not value.startswith(FORMULA_PREFIXES):
        return value
    return clean_text(value)


def _plain(value: Any) -> Any:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return safe_text(value)
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()[:10]
    return str(value) if not isinstance(value, (int, float)) else value


def _cell_function(column: ExportColumn, tables: dict[str, dict[str, str]], full: bool) -> Callable[[Any], Any]:
    if column.mask and not full:
        mask = MASKS[column.mask]
        return lambda value: mask(value) if value else None
    if column.format:
        pattern = FORMATS[column.format]
        return lambda value: value.strftime(pattern) if value else None
    if column.lookup:
        names = {code: safe_text(name) for code, name in tables[column.lookup].items()}
        if column.lookup == "location":
            def location(value: Any) -> Any:
                if not value:
                    return None
                name = names.get(value)
                if name is None:
                    name = names[value] = safe_text(region_name(value) or value)
                return name
            return location
        return lambda value: names.get(value, value) if value else None
    return _plain


def row_formatter(fs: FieldSet, full: bool) -> Callable[[Any], list[Any]]:
    """row (a tuple in fs.fields order) -> the file's cells; lookups are loaded once here, not per row."""
    tables = {name: LOOKUPS[name]() for name in {c.lookup for c in fs.columns if c.lookup}}
    position = {name: i for i, name in enumerate(fs.fields)}
    cells = [(position[c.field], _cell_function(c, tables, full)) if c.field else (None, None) for c in fs.columns]

    def format_row(row: Any) -> list[Any]:
        return [None if i is None else fn(row[i]) for i, fn in cells]

    return format_row
