"""AGR-5 (seed 004 §10.4): the register of verified units the school imports, and every employer's identity check
against it — name and credit code match one entry exactly, differ from it (which of the two), or are absent."""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import IO, Any, Iterable, Optional

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, insert, or_, select, true

from app.excel import ColumnSpec, read_report, template_workbook
from app.extensions import db
from app.models.employer import EmployerRegisterEntry
from app.services import audit
from app.timeutil import utcnow
from app.validation import check_credit_code

MATCH, DIFFERS, ABSENT = "match", "differs", "absent"
IDENTITY_LABELS = {
    MATCH: _l("Matches the register"),
    DIFFERS: _l("Differs from the register"),
    ABSENT: _l("Not in the register"),
}
NAME, CODE = "name", "code"  # what differs: same code with another name, or same name with another code
CHUNK = 1000  # names and codes per IN list
COLUMNS = [
    ColumnSpec("name", "单位名称", aliases=("名称", "企业名称", "单位全称"), required=True, max_length=200),
    ColumnSpec("credit_code", "统一社会信用代码", aliases=("信用代码", "社会信用代码"), required=True,
               kind="id_text"),
    ColumnSpec("status", "状态", aliases=("登记状态", "经营状态"), max_length=40),
]
MAX_ROWS = 50_000
LISTED_ERRORS = 200
SUFFIXES = (".xlsx", ".xlsm", ".xls")
BATCH_LENGTH = 40


@dataclass(frozen=True)
class Identity:
    """One employer's check: the outcome, what differs, and the register entry it was compared with."""

    outcome: str
    differs_in: Optional[str] = None
    entry_name: Optional[str] = None
    entry_code: Optional[str] = None
    entry_status: Optional[str] = None

    def __str__(self) -> str:
        return identity_label(self)


def norm_name(name: Any) -> str:
    """Names compare without spaces and with full- and half-width forms alike (（） and () are one bracket)."""
    text = unicodedata.normalize("NFKC", str(name or ""))
    return "".join(text.split()).casefold()


def norm_code(code: Any) -> str:
    return "".join(str(code or "").split()).upper().replace("-", "")


def _name_variants(name: Any) -> set[str]:
    """The spellings an entry of this name may be stored under: as typed, NFKC, and with full-width brackets."""
    raw = " ".join(str(name or "").split())
    nfkc = unicodedata.normalize("NFKC", raw)
    return {v for v in (raw, nfkc, nfkc.replace("(", "（").replace(")", "）")) if v}


def _chunks(items: list[Any]) -> Iterable[list[Any]]:
    for start in range(0, len(items), CHUNK):
        yield items[start:start + CHUNK]


def _entries(names: set[str], codes: set[str]) -> list[Any]:
    """Register entries with any of these codes or names: one query for up to CHUNK of each."""
    names_list, codes_list = sorted(names), sorted(codes)
    rows: list[Any] = []
    table = EmployerRegisterEntry
    for start in range(0, max(len(names_list), len(codes_list)), CHUNK):
        name_part, code_part = names_list[start:start + CHUNK], codes_list[start:start + CHUNK]
        clauses = ([table.name.in_(name_part)] if name_part else []) + (
            [table.credit_code.in_(code_part)] if code_part else [])
        if clauses:
            rows += db.session.execute(select(table.id, table.name, table.credit_code, table.status)
                                       .where(or_(*clauses)).order_by(table.id)).all()
    return rows


def identities(pairs: Iterable[tuple[Any, Any, Any]]) -> dict[Any, Identity]:
    """key -> Identity for (key, name, credit code) triples, all checked with one query (per 1000)."""
    pairs = list(pairs)
    names = set().union(*(_name_variants(name) for _key, name, _code in pairs)) if pairs else set()
    codes = {norm_code(code) for _key, _name, code in pairs if norm_code(code)}
    by_code: dict[str, list[Any]] = {}
    by_name: dict[str, list[Any]] = {}
    for row in _entries(names, codes):
        by_code.setdefault(norm_code(row.credit_code), []).append(row)
        by_name.setdefault(norm_name(row.name), []).append(row)
    out: dict[Any, Identity] = {}
    for key, name, code in pairs:
        wanted_name, wanted_code = norm_name(name), norm_code(code)
        same_code = by_code.get(wanted_code, []) if wanted_code else []
        exact = [row for row in same_code if norm_name(row.name) == wanted_name]
        if exact:
            out[key] = _identity(MATCH, None, exact[0])
        elif same_code:
            out[key] = _identity(DIFFERS, NAME, same_code[0])
        elif by_name.get(wanted_name):
            out[key] = _identity(DIFFERS, CODE, by_name[wanted_name][0])
        else:
            out[key] = Identity(ABSENT)
    return out


def _identity(outcome: str, differs_in: Optional[str], row: Any) -> Identity:
    return Identity(outcome, differs_in, row.name, row.credit_code, row.status)


def identities_of(employers: Iterable[Any]) -> dict[Any, Identity]:
    """employer id -> Identity, for many employers at once (a list page, a review list, an export)."""
    return identities((e.id, e.name, e.credit_code) for e in employers)


def identity_detail(employer: Any) -> Identity:
    """The Identity of one employer (or anything with name and credit_code)."""
    return identities([(0, employer.name, employer.credit_code)])[0]


def identity_of(employer: Any) -> str:
    """MATCH, DIFFERS or ABSENT for one employer (or anything with name and credit_code)."""
    return identity_detail(employer).outcome


def identity_label(value: Any) -> str:
    """The check in words: an outcome's label, or an Identity's with what differs and the register's status."""
    if not isinstance(value, Identity):
        return str(IDENTITY_LABELS.get(value, value or ""))
    if value.outcome == MATCH:
        text = _("Matches the register")
    elif value.outcome == DIFFERS and value.differs_in == NAME:
        text = _("Name differs from the register (register: %(name)s)", name=value.entry_name)
    elif value.outcome == DIFFERS:
        text = _("Credit code differs from the register (register: %(code)s)", code=value.entry_code)
    else:
        return _("Not in the register")
    if value.entry_status:
        text += _(" · register status: %(status)s", status=value.entry_status)
    return text


# -- the register ---------------------------------------------------------------------------------------------


@dataclass
class RegisterRefused(ValueError):
    """The file was not imported (nothing was written): file-level messages, or row-by-row errors."""

    messages: list[str] = field(default_factory=list)
    rows: list[tuple[int, str, str]] = field(default_factory=list)  # (row number, column, message)
    more: int = 0  # errors beyond LISTED_ERRORS


def default_batch(filename: str) -> str:
    stem = filename.rsplit(".", 1)[0] if "." in filename else filename
    return f"{stem} {utcnow():%Y-%m-%d}"[-BATCH_LENGTH:].strip()


def _checked_rows(fh: IO[bytes], filename: str) -> list[dict[str, Any]]:
    """The file's entries with normalised codes; RegisterRefused lists every problem, row by row."""
    if not filename.lower().endswith(SUFFIXES):
        raise RegisterRefused([_("Upload the register as an Excel workbook (.xlsx).")])
    report = read_report(fh, columns=COLUMNS, max_rows=MAX_ROWS)
    if report.file_errors:
        raise RegisterRefused(list(report.file_errors))
    errors = [(e.row, e.column_header, e.message) for e in report.errors]
    entries: list[dict[str, Any]] = []
    first_of: dict[str, int] = {}
    for row in report.rows:
        if row.errors:
            continue
        check = check_credit_code(row.values.get("credit_code"))
        if not check.ok:
            errors.append((row.row_number, "统一社会信用代码", check.message or ""))
            continue
        if check.value in first_of:
            errors.append((row.row_number, "统一社会信用代码",
                           _("The credit code %(code)s appears again (first in row %(first)d).", code=check.value,
                             first=first_of[check.value])))
            continue
        first_of[check.value] = row.row_number
        entries.append({"name": " ".join(str(row.values["name"]).split()), "credit_code": check.value,
                        "status": row.values.get("status") or None})
    if errors:
        errors.sort(key=lambda e: e[0])
        raise RegisterRefused([], errors[:LISTED_ERRORS], max(len(errors) - LISTED_ERRORS, 0))
    return entries


def import_register(fh: IO[bytes], filename: str, batch: str = "") -> int:
    """Replace the whole register with the file's entries under one batch name; returns how many (caller commits).
    A file with any bad row is refused as a whole, so the register is never half old, half new."""
    entries = _checked_rows(fh, filename)
    batch = (batch or "").strip()[:BATCH_LENGTH] or default_batch(filename)
    now = utcnow()
    db.session.execute(delete(EmployerRegisterEntry))
    for chunk in _chunks(entries):
        db.session.execute(insert(EmployerRegisterEntry), [{**e, "batch": batch, "imported_at": now} for e in chunk])
    audit.record("employer_register.imported", "employer", "", batch=batch, rows=len(entries), file=filename)
    return len(entries)


def register_template() -> bytes:
    """The import template: 单位名称, 统一社会信用代码 (text), 状态."""
    return template_workbook(COLUMNS, {"name": "湖南星辰科技有限公司", "credit_code": "91430104MA4PXC7K2R",
                                       "status": "存续"},
                             notes=[_("Each import replaces the whole register; keep every verified unit in one "
                                      "file.")])


@dataclass(frozen=True)
class RegisterPage:
    rows: list[Any]
    total: int
    size: int
    batch: Optional[str]
    imported_at: Any


def register_page(query: str = "", page: int = 1, per_page: int = 50) -> RegisterPage:
    """The register as the school searches it (seed 004 §10.4): by name or credit code, a page at a time."""
    table = EmployerRegisterEntry
    clause: Any = true()
    text = " ".join((query or "").split())[:60]
    if text:
        escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        clause = or_(table.name.like(f"%{escaped}%", escape="\\"), table.credit_code == norm_code(text))
    total = db.session.execute(select(func.count()).select_from(table).where(clause)).scalar_one()
    rows = db.session.execute(select(table).where(clause).order_by(table.name, table.id)
                              .offset((max(page, 1) - 1) * per_page).limit(per_page)).scalars().all()
    size = db.session.execute(select(func.count()).select_from(table)).scalar_one()
    latest = db.session.execute(select(table.batch, table.imported_at).order_by(table.imported_at.desc(), table.id)
                                .limit(1)).first()
    return RegisterPage(list(rows), total, size, latest.batch if latest else None, latest.imported_at if latest
                        else None)


__all__ = ["ABSENT", "DIFFERS", "IDENTITY_LABELS", "MATCH", "Identity", "RegisterRefused", "identities",
           "identities_of", "identity_detail", "identity_label", "identity_of", "import_register", "register_page",
           "register_template"]
