"""AGR-1: generation of agreement numbers from a pattern and their import from Excel — the pool's batches; the pool
itself (assignment, voiding, requests) is app.services.agreement_numbers."""
from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from string import Formatter
from typing import Any, Optional

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import insert, select

from app.excel import ColumnSpec
from app.extensions import db
from app.models.agreement import (
    GENERATED,
    IMPORTED,
    UNUSED,
    AgreementNumber,
)
from app.models.org import Cohort
from app.services import audit
from app.services.agreement_numbers import NumbersRefused, _chunks
from app.timeutil import utcnow

# -- generation from a pattern and import from Excel -------------------------------------------------------------
PATTERN = "{year}{school}{level}{serial:05d}"
PLACEHOLDERS = ("year", "school", "level", "serial")
MAX_BATCH = 20_000  # numbers per generation or import (the pool of a large school's cohort)
LISTED_ERRORS = 30
_SAFE = re.compile(r"^[0-9A-Za-z_-]*$")
_SERIAL = re.compile(r"^(?:0(\d{1,2}))?d?$")
_NUMBER = re.compile(r"^[0-9A-Za-z_-]{1,40}$")


@dataclass
class BatchPlan:
    """What a generation will create: `count` numbers prefix + serial + suffix, the serial continuing after the
    highest existing number of the same prefix and shape."""

    cohort_id: int
    level: Optional[str]
    pattern: str
    prefix: str
    suffix: str
    spec: str
    start: int
    count: int
    existing: int  # numbers of this prefix and shape already in GEMS

    def number(self, serial: int) -> str:
        return f"{self.prefix}{format(serial, self.spec)}{self.suffix}"

    @property
    def first(self) -> str:
        return self.number(self.start)

    @property
    def last(self) -> str:
        return self.number(self.start + self.count - 1)

    def numbers(self) -> list[str]:
        return [self.number(n) for n in range(self.start, self.start + self.count)]


def school_code() -> str:
    return str(current_app.config.get("GEMS_SCHOOL_CODE") or "").strip()


def _split(pattern: str, values: dict[str, Optional[str]]) -> tuple[str, str, str]:
    """(prefix, suffix, serial format) of a pattern with its placeholders filled; refused with the reason."""
    try:
        parts = list(Formatter().parse(pattern))
    except ValueError:
        raise NumbersRefused(_("The pattern is not well formed: every { needs its closing }.")) from None
    before: list[str] = []
    after: list[str] = []
    spec: Optional[str] = None
    for literal, name, fmt, conversion in parts:
        target = after if spec is not None else before
        if literal:
            if not _SAFE.match(literal):
                raise NumbersRefused(_("Besides placeholders, a pattern may hold only digits, Latin letters, - and _ "
                                       "(found “%(text)s”).", text=literal))
            target.append(literal)
        if name is None:
            continue
        if conversion or name not in PLACEHOLDERS:
            raise NumbersRefused(_("Unknown placeholder {%(name)s}: use {year}, {school}, {level} and {serial}.",
                                   name=name))
        if name == "serial":
            match = _SERIAL.match(fmt or "")
            if spec is not None or match is None:
                raise NumbersRefused(_("The pattern needs exactly one serial, written {serial} or {serial:05d} (05: "
                                       "five digits with leading zeros, at most 12)."))
            width = int(match.group(1) or 0)
            if width > 12:
                raise NumbersRefused(_("The serial may have at most 12 digits."))
            spec = f"0{width}d" if width else "d"
            continue
        if fmt:
            raise NumbersRefused(_("The placeholder {%(name)s} takes no format.", name=name))
        value = values.get(name) or ""
        if not value:
            raise NumbersRefused({
                "level": _("The pattern uses {level}: choose the education level of the batch."),
                "school": _("The pattern uses {school}, but the school code is not configured (GEMS_SCHOOL_CODE)."),
            }.get(name, _("The pattern uses {%(name)s}, which has no value.", name=name)))
        if not _SAFE.match(value):
            raise NumbersRefused(_("The value of {%(name)s} may hold only digits and Latin letters.", name=name))
        target.append(value)
    if spec is None:
        raise NumbersRefused(_("The pattern needs a serial: add {serial:05d} (or {serial})."))
    return "".join(before), "".join(after), spec


def _existing(numbers: list[str]) -> list[str]:
    """Those of `numbers` that exist already (any cohort, any state)."""
    found: list[str] = []
    for chunk in _chunks(numbers):
        found += db.session.execute(select(AgreementNumber.number).where(AgreementNumber.number.in_(chunk))).scalars()
    return found


def plan_batch(cohort: Optional[Cohort], level: Optional[str], count: Optional[int], pattern: str) -> BatchPlan:
    """The numbers a generation would create (for the preview and, read again, for the creation itself)."""
    from app.validation.codes import EDUCATION_LEVELS

    problems = []
    if cohort is None:
        problems.append(_("Choose the cohort the numbers are for."))
    if level and level not in dict(EDUCATION_LEVELS):
        problems.append(_("Choose an education level from the list, or none for the whole cohort."))
    if count is None or not 1 <= count <= MAX_BATCH:
        problems.append(_("The number of agreement numbers must be between 1 and %(max)d.", max=MAX_BATCH))
    pattern = (pattern or "").strip()
    if not pattern or len(pattern) > 100:
        problems.append(_("Write the pattern (at most 100 characters), e.g. %(example)s.", example=PATTERN))
    if problems:
        raise NumbersRefused(problems)
    assert cohort is not None and count is not None
    prefix, suffix, spec = _split(pattern, {"year": str(cohort.year), "school": school_code(), "level": level})
    shape = re.compile(re.escape(prefix) + r"(\d+)" + re.escape(suffix))
    highest, existing = 0, 0
    for number in db.session.execute(select(AgreementNumber.number).where(
            AgreementNumber.number.startswith(prefix, autoescape=True))).scalars():
        match = shape.fullmatch(number)
        if match:
            existing += 1
            highest = max(highest, int(match.group(1)))
    plan = BatchPlan(cohort.id, level or None, pattern, prefix, suffix, spec, highest + 1, count, existing)
    if len(plan.last) > 40:
        raise NumbersRefused(_("The numbers would be longer than 40 characters (%(number)s): shorten the pattern.",
                               number=plan.last))
    clash = _existing(plan.numbers())
    if clash:
        raise NumbersRefused(_("The batch would repeat numbers that exist already (%(numbers)s): change the pattern.",
                               numbers="、".join(clash[:5])))
    return plan


def _batch_id(kind: str) -> str:
    return f"{kind}{utcnow():%Y%m%d%H%M%S}-{uuid.uuid4().hex[:6]}"


def _insert(rows: list[dict[str, Any]]) -> None:
    for chunk in _chunks(rows):
        db.session.execute(insert(AgreementNumber), chunk)


def generate(plan: BatchPlan) -> str:
    """Create the planned numbers as unused (one INSERT per 2 000); audited; returns the batch's id. The unique
    number column refuses a batch that a concurrent one overlapped (IntegrityError: nothing is created)."""
    batch, now = _batch_id("G"), utcnow()
    _insert([{"number": number, "cohort_id": plan.cohort_id, "education_level": plan.level, "state": UNUSED,
              "source": GENERATED, "batch": batch, "created_at": now} for number in plan.numbers()])
    audit.record("agreement_number.generated", "agreement_number_batch", batch, cohort_id=plan.cohort_id,
                 level=plan.level, count=plan.count, first=plan.first, last=plan.last, pattern=plan.pattern)
    return batch


IMPORT_COLUMNS = (
    ColumnSpec("number", "协议书编号", aliases=("编号", "协议编号", "协议书号", "就业协议书编号"), required=True,
               kind="id_text", allow_small_int=True, max_length=40, help="数字、字母、- 或 _，最多 40 位，不能重复"),
    ColumnSpec("cohort", "届别", aliases=("届次", "毕业届别", "毕业年份", "届"), required=True, kind="id_text",
               allow_small_int=True, max_length=50, help="如 2026届 或 2026"),
    ColumnSpec("level", "学历", aliases=("学历层次", "学历代码"), max_length=20,
               help="选填：博士研究生、硕士研究生、本科、专科（高职）或其代码；不填则全届通用"),
)


def import_template() -> bytes:
    """The import workbook with Chinese headers and a filling guide (app.excel)."""
    from app.excel import template_workbook

    return template_workbook(IMPORT_COLUMNS, {"number": "2026100003100001", "cohort": "2026届", "level": "本科"},
                             notes=("5. 协议书编号在全校范围内不能重复；已在系统中的编号会被拒绝。",))


def _cohort_lookup() -> dict[str, int]:
    out: dict[str, int] = {}
    for cohort_id, year, name in db.session.execute(select(Cohort.id, Cohort.year, Cohort.name)).all():
        out.update({name: cohort_id, str(year): cohort_id, f"{year}届": cohort_id})
    return out


def read_import(source: Any, filename: str) -> list[dict[str, Any]]:
    """The file's numbers, each checked (shape, cohort, level, repeats in the file and in GEMS); any problem refuses
    the whole file with every row's reason (NumbersRefused), so nothing is written from a file with a bad row."""
    from app.excel import read_report
    from app.validation.codes import check_education_level

    if not (filename or "").lower().endswith(".xlsx"):
        raise NumbersRefused(_("Upload the numbers as an .xlsx workbook (download the template below)."))
    report = read_report(source, columns=IMPORT_COLUMNS, max_rows=MAX_BATCH, unique_keys=[("number",)])
    if report.file_errors:
        raise NumbersRefused(report.file_errors)
    cohorts = _cohort_lookup()
    errors = [(e.row, _("Row %(row)d, %(column)s: %(message)s", row=e.row, column=e.column_header, message=e.message))
              for e in report.errors]
    rows: list[dict[str, Any]] = []
    for row in report.rows:
        if row.errors:
            continue
        number, cohort_text, level_text = (row.values.get(k) for k in ("number", "cohort", "level"))
        problems = []
        if not _NUMBER.match(number or ""):
            problems.append(_("the number %(number)s may hold only digits, Latin letters, - and _ (at most 40).",
                              number=number))
        cohort_id = cohorts.get((cohort_text or "").strip())
        if cohort_id is None:
            problems.append(_("the cohort %(cohort)s is not a cohort of GEMS.", cohort=cohort_text))
        level = None
        if level_text:
            checked = check_education_level(level_text)
            level = checked.value if checked.ok else None
            if not checked.ok:
                problems.append(checked.message or "")
        errors += [(row.row_number, _("Row %(row)d: %(message)s", row=row.row_number, message=p)) for p in problems]
        if not problems:
            rows.append({"number": number, "cohort_id": cohort_id, "level": level, "row": row.row_number})
    known = set(_existing([r["number"] for r in rows]))
    errors += [(r["row"], _("Row %(row)d: the number %(number)s exists already in GEMS.", row=r["row"],
                            number=r["number"])) for r in rows if r["number"] in known]
    if errors:
        listed = [text for _row, text in sorted(errors, key=lambda e: e[0])]
        shown = listed[:LISTED_ERRORS]
        if len(listed) > LISTED_ERRORS:
            shown.append(_("… and %(n)d more problems.", n=len(listed) - LISTED_ERRORS))
        raise NumbersRefused(shown)
    return rows


def import_numbers(rows: list[dict[str, Any]], filename: str) -> str:
    """Store checked rows (read_import) as unused imported numbers; audited; returns the batch's id."""
    batch, now = _batch_id("I"), utcnow()
    _insert([{"number": r["number"], "cohort_id": r["cohort_id"], "education_level": r["level"], "state": UNUSED,
              "source": IMPORTED, "batch": batch, "created_at": now} for r in rows])
    audit.record("agreement_number.imported", "agreement_number_batch", batch, filename=filename, count=len(rows),
                 first=rows[0]["number"] if rows else None, last=rows[-1]["number"] if rows else None)
    return batch
