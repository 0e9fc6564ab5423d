"""EMP-5: compare the national system's destination export of a cohort with GEMS, graduate by graduate — missing on
either side, a different code, employer name or credit code — and keep the differences to filter and export."""
from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Optional

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, insert, select

from app.excel import ColumnSpec, WorkbookRejected, read_rows, write_workbook
from app.extensions import db
from app.models.graduate import Graduate
from app.models.org import Cohort
from app.models.reconcile import ReconcileDifference, ReconcileRun
from app.models.reference import DestinationCode
from app.scope import scope_clause
from app.services import audit
from app.services.national_export import NationalFilter, base_select
from app.services.national_format import FIELDS
from app.workflows.destination import DESTINATION
from app.workflows.review_builder import COMPLETE

ONLY_NATIONAL, ONLY_GEMS, CODE, EMPLOYER, CREDIT_CODE = "only_national", "only_gems", "code", "employer", "credit_code"
KINDS = {
    ONLY_NATIONAL: _l("In the national system, not in GEMS"),
    ONLY_GEMS: _l("In GEMS, not in the national system"),
    CODE: _l("Different destination code"),
    EMPLOYER: _l("Different employer name"),
    CREDIT_CODE: _l("Different credit code"),
}
MAX_ROWS = 100_000
LISTED_ERRORS = 20
PAGE_SIZE = 100
_SPACE = re.compile(r"\s+")

# the national export's headers, with spellings seen in other exports; the reader tolerates spaces, full-width
# characters, * marks and a title row above the header
COLUMNS = (
    ColumnSpec("student_no", "学号", aliases=("学生学号", "学籍号"), required=True, kind="id_text",
               allow_small_int=True, max_length=32),
    ColumnSpec("name", "姓名", aliases=("学生姓名",), max_length=64),
    ColumnSpec("code", "毕业去向类别代码", aliases=("毕业去向代码", "去向代码", "就业去向代码", "毕业去向类别编码"),
               kind="id_text", allow_small_int=True, max_length=10),
    ColumnSpec("code_name", "毕业去向", aliases=("毕业去向类别", "毕业去向名称", "就业去向")),
    ColumnSpec("unit_name", "单位名称", aliases=("就业单位名称", "工作单位", "工作单位名称", "用人单位名称", "单位")),
    ColumnSpec("credit_code", "统一社会信用代码", aliases=("单位统一社会信用代码", "社会信用代码", "信用代码"),
               kind="id_text", max_length=30),
)


class ReconcileRefused(ValueError):
    """The file cannot be reconciled; `messages` say why, in the user's language."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("; ".join(messages))
        self.messages = messages


@dataclass(frozen=True)
class Side:
    """One graduate's destination as one side records it."""

    student_no: str
    name: str = ""
    code: str = ""
    unit_name: str = ""
    credit_code: str = ""
    row_number: Optional[int] = None
    graduate_id: Optional[int] = None
    department: str = ""
    status: str = ""


def norm_name(value: Any) -> str:
    """Employer names compare without width, case, space and bracket differences (（） and () alike)."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", str(value or ""))).casefold()


def norm_code(value: Any) -> str:
    return _SPACE.sub("", unicodedata.normalize("NFKC", str(value or ""))).upper()


def read_national(source: Any, filename: str) -> dict[str, Side]:
    """The national file's rows by student number; every problem with the file is a ReconcileRefused."""
    names = {norm_name(name): code for code, name in db.session.execute(
        select(DestinationCode.code, DestinationCode.name)).tuples()}
    rows: dict[str, Side] = {}
    errors: list[str] = []
    has_code_column: Optional[bool] = None
    try:
        for result in read_rows(source, columns=COLUMNS, max_rows=MAX_ROWS, file_format=_format(filename)):
            values = result.values
            if has_code_column is None:
                has_code_column = "code" in values or "code_name" in values
                if not has_code_column:
                    raise ReconcileRefused([_("The file has no destination column: it needs 毕业去向类别代码 "
                                              "(or 毕业去向).")])
            errors.extend(_("Row %(row)d, %(column)s: %(message)s", row=e.row, column=e.column_header,
                            message=e.message) for e in result.errors)
            student_no = values.get("student_no")
            if not student_no:
                continue
            if student_no in rows:
                errors.append(_("Row %(row)d: student number %(no)s appears again (first in row %(first)d).",
                                row=result.row_number, no=student_no, first=rows[student_no].row_number or 0))
                continue
            code = norm_code(values.get("code"))
            if not code and values.get("code_name"):
                code = names.get(norm_name(values["code_name"]), "")
                if not code:
                    errors.append(_("Row %(row)d: the destination %(name)s is not a known destination code.",
                                    row=result.row_number, name=values["code_name"]))
            rows[student_no] = Side(student_no, values.get("name") or "", code, values.get("unit_name") or "",
                                    norm_code(values.get("credit_code")), result.row_number)
    except WorkbookRejected as exc:
        raise ReconcileRefused([exc.message]) from exc
    if errors:
        shown = errors[:LISTED_ERRORS]
        if len(errors) > LISTED_ERRORS:
            shown.append(_("… and %(n)d more problems.", n=len(errors) - LISTED_ERRORS))
        raise ReconcileRefused(shown)
    if not rows:
        raise ReconcileRefused([_("The file has a header but no graduate rows.")])
    return rows


def _format(filename: str) -> Optional[str]:
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if suffix not in ("xlsx", "xlsm", "xls", "csv", "txt"):
        raise ReconcileRefused([_("Upload the national system's export as .xlsx, .xls or .csv.")])
    return {"xlsm": "xlsx", "txt": "csv"}.get(suffix, suffix)


def gems_side(cohort_id: int, user: Any) -> dict[str, Side]:
    """Every reported graduate of the cohort in the user's scope, with their current destination (any state)."""
    names = ("student_no", "name", "department", "destination_code", "unit_name", "unit_credit_code",
             "destination_status")
    columns = [Graduate.id.label("graduate_id"), *(FIELDS[n].label(n) for n in names)]
    f = NationalFilter(plan=True, cohort_id=cohort_id, approved_only=False)
    out: dict[str, Side] = {}
    for row in db.session.execute(base_select(f, user, columns).execution_options(yield_per=2000)):
        out[row.student_no] = Side(row.student_no, row.name or "", row.destination_code or "", row.unit_name or "",
                                   norm_code(row.unit_credit_code), None, row.graduate_id, row.department or "",
                                   row.destination_status or "")
    return out


def compare(national: dict[str, Side], gems: dict[str, Side]) -> Iterator[tuple[str, Side, Optional[Side]]]:
    """(kind, the record, the other side) for every difference, in student-number order."""
    for student_no in sorted(national.keys() | gems.keys()):
        ours, theirs = gems.get(student_no), national.get(student_no)
        if ours is None:
            yield ONLY_NATIONAL, theirs, None  # type: ignore[misc]
            continue
        if theirs is None:
            yield ONLY_GEMS, ours, None
            continue
        if norm_code(theirs.code) != norm_code(ours.code):
            yield CODE, theirs, ours
        if (theirs.unit_name or ours.unit_name) and norm_name(theirs.unit_name) != norm_name(ours.unit_name):
            yield EMPLOYER, theirs, ours
        if (theirs.credit_code or ours.credit_code) and theirs.credit_code != ours.credit_code:
            yield CREDIT_CODE, theirs, ours


def _values(kind: str, national: Optional[Side], gems: Optional[Side]) -> tuple[str, str]:
    """What each side says for this kind of difference."""
    def show(side: Optional[Side]) -> str:
        if side is None:
            return ""
        if kind == EMPLOYER:
            return side.unit_name
        if kind == CREDIT_CODE:
            return side.credit_code
        return side.code
    return show(national), show(gems)


def run(source: Any, filename: str, cohort: Cohort, user: Any) -> ReconcileRun:
    """Read, compare, store and audit one reconciliation; a bad file raises ReconcileRefused and stores nothing."""
    national = read_national(source, filename)
    gems = gems_side(cohort.id, user)
    record = ReconcileRun(cohort_id=cohort.id, filename=filename[:255], national_rows=len(national),
                          gems_rows=len(gems), created_by_id=getattr(user, "id", None), counts_json="{}")
    db.session.add(record)
    db.session.flush()
    counts = dict.fromkeys(KINDS, 0)
    batch: list[dict[str, Any]] = []
    for kind, first, other in compare(national, gems):
        if kind == ONLY_NATIONAL:
            nat, ours = first, None
        elif kind == ONLY_GEMS:
            nat, ours = None, first
        else:
            nat, ours = first, other
        national_value, gems_value = _values(kind, nat, ours)
        person = ours or nat
        counts[kind] += 1
        batch.append(dict(run_id=record.id, kind=kind, graduate_id=ours.graduate_id if ours else None,
                          student_no=person.student_no, name=(person.name or (nat.name if nat else ""))[:64] or None,
                          department=(ours.department if ours else "")[:100] or None,
                          national_value=national_value[:300] or None, gems_value=gems_value[:300] or None,
                          gems_status=ours.status if ours else None, row_number=nat.row_number if nat else None))
        if len(batch) >= 1000:
            db.session.execute(insert(ReconcileDifference), batch)
            batch = []
    if batch:
        db.session.execute(insert(ReconcileDifference), batch)
    record.counts_json = json.dumps(counts)
    audit.record("reconcile.national", "reconcile_run", record.id, cohort=cohort.year, file=filename,
                 national_rows=len(national), gems_rows=len(gems), differences=sum(counts.values()), counts=counts)
    db.session.commit()
    return record


def visible_run(run_id: int, user: Any) -> Optional[ReconcileRun]:
    return db.session.execute(select(ReconcileRun).where(ReconcileRun.id == run_id,
                                                         scope_clause(ReconcileRun, user))).scalar_one_or_none()


def recent_runs(user: Any, limit: int = 10) -> list[ReconcileRun]:
    return list(db.session.execute(select(ReconcileRun).where(scope_clause(ReconcileRun, user))
                                   .order_by(ReconcileRun.id.desc()).limit(limit)).scalars())


def _where(run_id: int, kind: Optional[str]) -> list[Any]:
    where = [ReconcileDifference.run_id == run_id]
    if kind in KINDS:
        where.append(ReconcileDifference.kind == kind)
    return where


def differences(run_id: int, kind: Optional[str] = None, page: int = 1) -> tuple[list[ReconcileDifference], int]:
    """One page of a run's differences (optionally of one kind) and how many there are in all."""
    where = _where(run_id, kind)
    total = db.session.execute(select(func.count()).select_from(ReconcileDifference).where(*where)).scalar_one()
    rows = db.session.execute(select(ReconcileDifference).where(*where).order_by(ReconcileDifference.id)
                              .limit(PAGE_SIZE).offset((max(page, 1) - 1) * PAGE_SIZE)).scalars().all()
    return list(rows), total


def status_label(status: Optional[str]) -> str:
    if not status:
        return ""
    return DESTINATION.label(status) if status != COMPLETE else _("Approved")


def headers() -> list[str]:
    return [_("Difference"), _("Student number"), _("Full name"), _("College"), _("National system"), _("GEMS"),
            _("GEMS review status"), _("Row in the national file")]


def export_rows(run_id: int, kind: Optional[str]) -> Iterator[list[Any]]:
    stmt = select(ReconcileDifference).where(*_where(run_id, kind)).order_by(ReconcileDifference.id)
    for d in db.session.execute(stmt.execution_options(yield_per=2000)).scalars():
        yield [str(KINDS.get(d.kind, d.kind)), d.student_no, d.name, d.department, d.national_value, d.gems_value,
               status_label(d.gems_status), d.row_number]


def write_differences(target: Any, record: ReconcileRun, kind: Optional[str]) -> int:
    """The differences as Excel with Chinese headers; audited like every export of employment data."""
    count = write_workbook(target, headers=headers(), rows=export_rows(record.id, kind),
                           title=_("Differences"), text_columns=(1,))
    audit.record("export.reconcile", "reconcile_run", record.id, kind=kind or "", rows=count)
    db.session.commit()
    return count
