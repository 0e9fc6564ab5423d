"""REG-1/REG-2 row rules: every registry row checked with app.validation, departments and majors resolved, once."""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.excel import CellError, RowResult
from app.excel.text import normalize_text
from app.models.org import Department, Major
from app.scope import department_subtree
from app.validation import (
    Check,
    check_education_level,
    check_ethnicity,
    check_gender,
    check_id_number,
    check_origin,
    check_political_status,
    check_schooling_length,
    check_training_mode,
    label_of,
    needs_training_unit,
)
from app.validation.codes import GENDERS, check_choice
from app.validation.i18n import N_

# REG-2 (seed 002 §一): who is not reported, defined once; codes are stored on RegistryRecord and Graduate.
EXCLUSION_REASONS: list[tuple[str, str]] = [
    ("no_status", N_("没有正式学籍的学生、旁听生")),
    ("adult_education", N_("成人教育、函授、网络教育、自考等学历教育学生")),
    ("foreign", N_("外籍生源学生")),
    ("not_graduating", N_("已确定不能正常毕业的学生")),
]
EXCLUSION_ALIASES: dict[str, str] = {
    "没有正式学籍": "no_status", "无正式学籍": "no_status", "无学籍": "no_status", "旁听生": "no_status",
    "成人教育": "adult_education", "函授": "adult_education", "函授教育": "adult_education",
    "网络教育": "adult_education", "自考": "adult_education", "自学考试": "adult_education",
    "外籍": "foreign", "外籍生源": "foreign", "外籍学生": "foreign", "留学生": "foreign",
    "不能正常毕业": "not_graduating", "已确定不能正常毕业": "not_graduating",
}
# 学生类别 as the file writes it -> Graduate.student_category.
STUDENT_CATEGORIES: list[tuple[str, str]] = [
    ("mainland", N_("内地")), ("hk", N_("香港")), ("macau", N_("澳门")), ("taiwan", N_("台湾")),
]
_CATEGORY_BY_LABEL = {label: code for code, label in STUDENT_CATEGORIES}
_YES = "是"

# The values one valid row yields, in this order (a tuple per row keeps 100 000 rows small in memory).
REGISTRY_FIELDS: tuple[str, ...] = (
    "student_no", "id_number", "name", "gender", "birth_date", "ethnicity", "political_status",
    "student_category", "origin", "origin_code", "exam_no", "department_id", "major_code", "major_name",
    "education_level", "schooling_length", "training_mode", "training_unit", "enrolment_date",
    "graduation_date", "included", "exclusion_reason",
)
RECORD_FIELDS: tuple[str, ...] = (*REGISTRY_FIELDS, "major_id")
IDX = {name: i for i, name in enumerate(RECORD_FIELDS)}
# Record fields a file column feeds; a column absent from the file leaves those fields alone on re-import.
FIELDS_OF_COLUMN: dict[str, tuple[str, ...]] = {
    "ethnicity": ("ethnicity",), "political_status": ("political_status",),
    "student_category": ("student_category",), "origin": ("origin", "origin_code"), "exam_no": ("exam_no",),
    "major_code": ("major_code", "major_name", "major_id"), "major_name": ("major_code", "major_name", "major_id"),
    "schooling_length": ("schooling_length",), "training_mode": ("training_mode",),
    "training_unit": ("training_unit",), "enrolment_date": ("enrolment_date",),
    "graduation_date": ("graduation_date",), "included": ("included", "exclusion_reason"),
    "exclusion_reason": ("included", "exclusion_reason"),
}
ALWAYS_FIELDS = ("student_no", "id_number", "name", "gender", "birth_date", "department_id", "education_level")
_CJK_GAP = re.compile(r"(?<=[\u3400-\u9fff])\s+(?=[\u3400-\u9fff])")


def present_fields(column_keys: set[str]) -> frozenset[str]:
    """The record fields this file sets: the always-derived ones plus those of the columns it has."""
    fields = set(ALWAYS_FIELDS)
    for key in column_keys:
        fields.update(FIELDS_OF_COLUMN.get(key, ()))
    return frozenset(fields)


def check_exclusion_reason(value: object) -> Check:
    """不上报原因 as a code, its label or a common short form; value is the code."""
    return check_choice(EXCLUSION_REASONS, value, EXCLUSION_ALIASES, _("reason for not reporting"))


class DeptRef(NamedTuple):
    """A department as rows refer to it (loaded once, not per row)."""
    id: int
    code: str
    name: str


class MajorRef(NamedTuple):
    """A major as rows refer to it (loaded once, not per row)."""
    id: int
    code: str
    name: str
    department_id: int


@dataclass
class Lookups:
    """Departments and majors loaded once per import, with subtree lookups cached per department."""

    by_code: dict[str, DeptRef]
    by_name: dict[str, list[DeptRef]]
    majors: list[MajorRef]
    _subtrees: dict[int, frozenset[int]] = field(default_factory=dict)
    _major_cache: dict[tuple[int, str, str], list[MajorRef]] = field(default_factory=dict)

    @classmethod
    def load(cls, session: Session) -> Lookups:
        """Read every department and active major in two queries."""
        by_code: dict[str, DeptRef] = {}
        by_name: dict[str, list[DeptRef]] = {}
        for row in session.execute(select(Department.id, Department.code, Department.name)):
            ref = DeptRef(row.id, row.code, row.name)
            by_code[normalize_text(row.code).casefold()] = ref
            by_name.setdefault(normalize_text(row.name), []).append(ref)
        majors = [MajorRef(*row) for row in session.execute(
            select(Major.id, Major.code, Major.name, Major.department_id).where(Major.active.is_(True)))]
        return cls(by_code, by_name, majors)

    def subtree(self, department_id: int) -> frozenset[int]:
        """The department and its sub-units (majors may hang off a sub-unit)."""
        if department_id not in self._subtrees:
            self._subtrees[department_id] = frozenset(department_subtree(department_id))
        return self._subtrees[department_id]

    def majors_in(self, department_id: int, code: str | None, name: str | None) -> list[MajorRef]:
        """Majors of the department's subtree with this code (or, without a code, this exact name)."""
        key = (department_id, (code or "").casefold(), name or "")
        if key not in self._major_cache:
            tree = self.subtree(department_id)
            if code:
                found = [m for m in self.majors if m.department_id in tree and m.code.casefold() == key[1]]
            else:
                found = [m for m in self.majors if m.department_id in tree and normalize_text(m.name) == name]
            self._major_cache[key] = found
        return self._major_cache[key]


class RowValidator:
    """Turns one read row into a record tuple (RECORD_FIELDS) or errors; expensive checks cached per value."""

    def __init__(self, lookups: Lookups, headers: dict[str, str], today: dt.date | None = None) -> None:
        """Bind the lookups, the header names errors are reported under, and today's date for ID checks."""
        self.lookups = lookups
        self.headers = headers
        self.today = today or dt.date.today()
        self._cache: dict[tuple[str, Any], Any] = {}

    def _cached(self, kind: str, fn: Callable[[Any], Any], value: Any) -> Any:
        """Run a check once per distinct value: origins and coded fields repeat across thousands of rows."""
        key = (kind, value)
        result = self._cache.get(key)
        if result is None:
            result = self._cache[key] = fn(value)
        return result

    def validate(self, row: RowResult) -> tuple[tuple[Any, ...] | None, list[CellError]]:
        """The record tuple and no errors, or None and every problem of the row."""
        values = row.values
        errors = list(row.errors)
        number = row.row_number

        def fail(key: str, message: str | None, suggestion: str | None = None) -> None:
            """Record one error against a column of this row (with its one clear fix, if known)."""
            errors.append(CellError(number, self.headers.get(key, key), message or "", key, suggestion))

        out: dict[str, Any] = {"student_no": values.get("student_no"), "exam_no": values.get("exam_no"),
                               "training_unit": values.get("training_unit")}
        name = values.get("name")
        out["name"] = _CJK_GAP.sub("", name) if name else name
        gender, born = self._identity(values, out, fail)
        self._gender_and_birth(values, out, fail, gender, born)
        for key, check in (("ethnicity", check_ethnicity), ("political_status", check_political_status),
                           ("education_level", check_education_level),
                           ("schooling_length", check_schooling_length), ("training_mode", check_training_mode)):
            out[key] = self._coded(key, check, values.get(key), fail)
        category = values.get("student_category")
        out["student_category"] = _CATEGORY_BY_LABEL.get(category, "mainland") if category else "mainland"
        self._origin(values.get("origin"), out, fail)
        if out["training_unit"] and out["training_mode"] and not needs_training_unit(out["training_mode"]):
            fail("training_unit", _("Only directed or entrusted students have a directed or entrusted unit: "
                                    "clear this cell or correct the training mode."))
        out["enrolment_date"], out["graduation_date"] = values.get("enrolment_date"), values.get("graduation_date")
        if out["enrolment_date"] and out["graduation_date"] and out["enrolment_date"] >= out["graduation_date"]:
            fail("graduation_date", _("The graduation date must be later than the enrolment date."))
        self._inclusion(values, out, fail)
        self._placement(values, out, fail)
        if errors:
            return None, errors
        return tuple(out.get(name) for name in RECORD_FIELDS), errors

    def _identity(self, values: dict[str, Any], out: dict[str, Any],
                  fail: Callable[[str, str | None], None]) -> tuple[str | None, dt.date | None]:
        """The ID number checked (15→18 upgrade, checksum, date); returns the gender and birth date it gives."""
        raw = values.get("id_number")
        out["id_number"] = raw
        if not raw:
            return None, None
        check = check_id_number(raw, self.today)
        if not check.ok:
            fail("id_number", check.message)
            return None, None
        out["id_number"] = check.value
        return check.gender, check.birth_date

    def _gender_and_birth(self, values: dict[str, Any], out: dict[str, Any],
                          fail: Callable[[str, str | None], None], gender: str | None, born: dt.date | None) -> None:
        """Gender and birth date from the ID, and any given value must agree with it."""
        out["gender"], out["birth_date"] = gender, born
        given = values.get("gender")
        if given is not None:
            check = self._cached("gender", check_gender, given)
            if not check.ok:
                fail("gender", check.message)
            elif gender and check.value != gender:
                fail("gender", _("Does not agree with the ID number, which gives %(value)s.",
                                 value=_(label_of(GENDERS, gender) or gender)))
            else:
                out["gender"] = check.value
        given_birth = values.get("birth_date")
        if given_birth is not None:
            if born and given_birth != born:
                fail("birth_date", _("Does not agree with the ID number, which gives %(value)s.",
                                     value=born.isoformat()))
            elif not born:
                out["birth_date"] = given_birth

    def _coded(self, key: str, check: Callable[[Any], Check], value: Any,
               fail: Callable[[str, str | None], None]) -> str | None:
        """A coded field as its national code, or a row error."""
        if value is None:
            return None
        result = self._cached(key, check, value)
        if not result.ok:
            fail(key, result.message)
            return None
        return result.value

    def _origin(self, value: Any, out: dict[str, Any], fail: Callable[..., None]) -> None:
        """生源地 in canonical form with its code; a recognisable mistake carries the suggestion."""
        out["origin"] = out["origin_code"] = None
        if value is None:
            return
        check = self._cached("origin", check_origin, value)
        if check.ok:
            out["origin"], out["origin_code"] = check.value, check.code
            return
        message = check.message or ""
        if check.suggestion and check.suggestion not in message:
            message += _(" Suggested: %(suggestion)s.", suggestion=check.suggestion)
        fail("origin", message, check.suggestion)

    def _inclusion(self, values: dict[str, Any], out: dict[str, Any],
                   fail: Callable[[str, str | None], None]) -> None:
        """REG-2: 是否上报 and 不上报原因 must agree."""
        included, reason = values.get("included"), values.get("exclusion_reason")
        out["included"], out["exclusion_reason"] = True, None
        code = None
        if reason is not None:
            check = self._cached("exclusion_reason", check_exclusion_reason, reason)
            if not check.ok:
                fail("exclusion_reason", check.message)
                return
            code = check.value
        if included == _YES and code:
            fail("exclusion_reason", _("A reason for not reporting is only allowed when 是否上报 is 否."))
        elif included is not None and included != _YES and not code:
            fail("exclusion_reason", _("With 是否上报 = 否 a reason for not reporting is required, one of: "
                                       "%(choices)s.", choices="、".join(_(label) for _c, label in
                                                                        EXCLUSION_REASONS)))
        elif code:
            out["included"], out["exclusion_reason"] = False, code

    def _placement(self, values: dict[str, Any], out: dict[str, Any],
                   fail: Callable[[str, str | None], None]) -> None:
        """Department by code or exact name, major by code (or exact name) within that department's subtree."""
        out["major_code"], out["major_name"] = values.get("major_code"), values.get("major_name")
        dept = self._department(values.get("department_code"), values.get("department_name"), fail)
        out["department_id"] = dept.id if dept else None
        if dept is None or not (out["major_code"] or out["major_name"]):
            return
        found = self.lookups.majors_in(dept.id, out["major_code"], out["major_name"])
        if len(found) == 1 or (found and out["major_code"]):
            major = found[0]
            out["major_id"], out["department_id"] = major.id, major.department_id
            out["major_code"], out["major_name"] = major.code, out["major_name"] or major.name
        elif out["major_code"]:
            fail("major_code", _("Major code “%(code)s” is not set up for %(department)s or its sub-units: add it "
                                 "under Organisation → Majors first, or correct the code.",
                                 code=out["major_code"], department=dept.name))
        elif not found:
            fail("major_name", _("No major named “%(name)s” is set up for %(department)s: add it under "
                                 "Organisation → Majors first, or fill in the major code.",
                                 name=out["major_name"], department=dept.name))
        else:
            fail("major_name", _("Several majors of %(department)s are named “%(name)s”: fill in the major "
                                 "code.", name=out["major_name"], department=dept.name))

    def _department(self, code: str | None, name: str | None,
                    fail: Callable[[str, str | None], None]) -> DeptRef | None:
        """The department a row names, or a row error saying what to add or correct."""
        if not code and not name:
            fail("department_code", _("Fill in the department code or the department name."))
            return None
        if code:
            dept = self.lookups.by_code.get(code.casefold())
            if dept is None:
                fail("department_code", _("Department code “%(code)s” does not exist: add the department under "
                                          "Organisation → Departments first, or correct the code.", code=code))
            elif name and normalize_text(dept.name) != name:
                fail("department_name", _("Department code %(code)s is “%(expected)s”, not “%(name)s”.",
                                          code=dept.code, expected=dept.name, name=name))
                return None
            return dept
        candidates = self.lookups.by_name.get(name or "", [])
        if not candidates:
            fail("department_name", _("No department is named “%(name)s”: add it under Organisation → "
                                      "Departments first, or fill in the department code.", name=name))
            return None
        if len(candidates) > 1:
            fail("department_name", _("Several departments are named “%(name)s”: fill in the department code.",
                                      name=name))
            return None
        return candidates[0]
