"""SRC-2/SRC-5: the source form's fields, sections and rules, declared once for the student form, the submit guard
and the reviewer's edit screen."""
from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.services import source_rules as rules
from app.services.source_rules import ADDRESS_PARTS, HMT, Rule, Values, parse_date
from app.validation import (
    EDUCATION_LEVELS,
    ETHNICITIES,
    GENDERS,
    POLITICAL_STATUSES,
    SCHOOLING_LENGTHS,
    TRAINING_MODES,
    check_education_level,
    check_ethnicity,
    check_gender,
    check_origin,
    check_political_status,
    check_schooling_length,
    check_training_mode,
)
from app.validation.result import normalise_text
from app.validation.text import clean_text

__all__ = ["ADDRESS_PARTS", "FIELDS", "HMT", "SECTIONS", "FormField", "Problem", "Values", "check_field",
           "parse", "parse_date", "problems", "submission_problems", "values_of"]

STUDENT_CATEGORIES: list[tuple[str, Any]] = [
    ("mainland", _l("Mainland China")), ("hk", _l("Hong Kong")), ("macau", _l("Macau")), ("taiwan", _l("Taiwan")),
]
SECTIONS: list[tuple[str, Any]] = [
    ("identity", _l("Identity")), ("enrolment", _l("Enrolment")), ("archive", _l("Archive")),
    ("contact", _l("Contact")),
]
# what a bound registry record pre-fills (only into empty form fields)
REGISTRY_PREFILL = ("name", "gender", "birth_date", "ethnicity", "political_status", "student_category", "origin",
                    "origin_code", "exam_no", "education_level", "schooling_length", "training_mode",
                    "training_unit", "enrolment_date", "graduation_date")


@dataclass(frozen=True)
class FormField:
    """One form field: where it shows, how it is entered and stored, and the rule it must pass to be submitted."""

    key: str
    label: Any
    section: str
    kind: str = "text"  # text | select | date | readonly
    choices: list[tuple[str, Any]] | None = None  # (code, label) — labels translated at render time
    max_length: int | None = None
    rule: Rule | None = None
    not_null: bool = False  # the column cannot hold an empty value, so an empty entry cannot even be saved
    hint: Any = None
    depends: tuple[str, ...] = ()  # fields whose change re-checks this one
    compare_key: str | None = None  # the SRC-4 key field shown next to this one
    list_id: str | None = None  # a datalist the input offers

    @property
    def editable(self) -> bool:
        return self.kind != "readonly"


@dataclass(frozen=True)
class Problem:
    """A rule a field does not pass yet, with an optional one-click correction."""

    key: str
    label: str
    message: str
    suggestion: str | None = None

    def __str__(self) -> str:
        return f"{self.label}：{self.message}"


FIELDS: tuple[FormField, ...] = (
    # 身份信息
    FormField("name", _l("Full name"), "identity", max_length=64, rule=rules.name, not_null=True, compare_key="name"),
    FormField("gender", _l("Gender"), "identity", "select", GENDERS, rule=rules.coded(check_gender, "gender"),
              not_null=True, compare_key="gender"),
    FormField("ethnicity", _l("Ethnicity"), "identity", "select", ETHNICITIES,
              rule=rules.coded(check_ethnicity, "ethnicity"), compare_key="ethnicity"),
    FormField("id_number", _l("ID number"), "identity", "readonly"),
    FormField("birth_date", _l("Date of birth"), "identity", "date", rule=rules.birth_date),
    FormField("political_status", _l("Political status"), "identity", "select", POLITICAL_STATUSES,
              rule=rules.coded(check_political_status, "political_status")),
    FormField("student_category", _l("Student category"), "identity", "select", STUDENT_CATEGORIES,
              not_null=True),
    FormField("origin", _l("Place of origin"), "identity", max_length=60, rule=rules.origin, compare_key="origin",
              hint=_l("Where your household was registered before enrolment, e.g. 湖南省岳阳市岳阳楼区, 湖南省岳阳县 "
                      "(not 湖南省岳阳市岳阳县), 北京市海淀区, 广西南宁市青秀区.")),
    FormField("current_household", _l("Current household registration"), "identity", max_length=120,
              rule=rules.current_household, depends=("student_category",),
              hint=_l("Where your household is registered now, e.g. 湖南省岳阳市岳阳楼区.")),
    # 学籍信息
    FormField("student_no", _l("Student number"), "enrolment", "readonly"),
    FormField("exam_no", _l("Examination number"), "enrolment", max_length=20, rule=rules.exam_no,
              depends=("student_category",), compare_key="exam_no"),
    FormField("department", _l("Department"), "enrolment", "readonly"),
    FormField("major", _l("Major"), "enrolment", "readonly", compare_key="major_code"),
    FormField("education_level", _l("Education level"), "enrolment", "select", EDUCATION_LEVELS,
              rule=rules.coded(check_education_level, "education_level"), not_null=True, compare_key="education_level"),
    FormField("schooling_length", _l("Length of schooling"), "enrolment", "select", SCHOOLING_LENGTHS,
              rule=rules.coded(check_schooling_length, "schooling_length"), compare_key="schooling_length"),
    FormField("training_mode", _l("Training mode"), "enrolment", "select", TRAINING_MODES,
              rule=rules.coded(check_training_mode, "training_mode"), compare_key="training_mode"),
    FormField("training_unit", _l("Directed or entrusted unit"), "enrolment", max_length=100, rule=rules.training_unit,
              depends=("training_mode",), compare_key="training_unit",
              hint=_l("Only for directed (定向) or entrusted (委培) training.")),
    FormField("enrolment_date", _l("Enrolment date"), "enrolment", "date",
              rule=rules.date_rule("enrolment_date", _l("Enrolment date"))),
    FormField("graduation_date", _l("Graduation date"), "enrolment", "date", rule=rules.graduation_date,
              depends=("enrolment_date",), compare_key="graduation_date"),
    # 档案信息
    FormField("archive_unit", _l("Pre-enrolment archive unit"), "archive", max_length=100,
              rule=rules.required_text("archive_unit", _l("Pre-enrolment archive unit")),
              hint=_l("The senior high school or education bureau that kept your archive before enrolment.")),
    FormField("police_station", _l("Police station of the pre-enrolment household"), "archive", max_length=100,
              rule=rules.police_station, hint=_l("Place of origin + station name, e.g. 湖南省岳阳市三眼桥派出所; not a 公安局, "
                                    "not a bare city such as 湖南省岳阳市派出所.")),
    FormField("home_province", _l("Home address: province"), "archive", max_length=20,
              rule=rules.address_part("home_province"), depends=ADDRESS_PARTS, list_id="gems-provinces",
              hint=_l("e.g. 湖南省")),
    FormField("home_city", _l("Home address: city or county"), "archive", max_length=30,
              rule=rules.address_part("home_city"), depends=ADDRESS_PARTS, list_id="gems-cities",
              hint=_l("The city for an urban address (岳阳市), the county itself for a county (岳阳县).")),
    FormField("home_town", _l("Home address: district, town or township"), "archive", max_length=40,
              rule=rules.address_part("home_town"), depends=ADDRESS_PARTS, hint=_l("e.g. 城关镇")),
    FormField("home_street", _l("Home address: street, village or number"), "archive", max_length=100,
              rule=rules.address_part("home_street"), depends=ADDRESS_PARTS, hint=_l("e.g. 致富街100号")),
    # 联系方式
    FormField("mobile", _l("Contact phone"), "contact", max_length=20, rule=rules.mobile,
              hint=_l("Your own mobile number, the one you gave when binding.")),
    FormField("home_phone", _l("Home phone"), "contact", max_length=20, rule=rules.home_phone, depends=("mobile",),
              hint=_l("A parent's mobile or the family landline with area code; must differ from the contact "
                      "phone.")),
    FormField("email", _l("Email"), "contact", max_length=120, rule=rules.email),
)
FIELDS_BY_KEY = {f.key: f for f in FIELDS}
EDITABLE = tuple(f for f in FIELDS if f.editable)


def fields_of(section: str) -> list[FormField]:
    return [f for f in FIELDS if f.section == section]


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def values_of(graduate: Any) -> dict[str, str]:
    """The graduate's stored form as the strings a form posts (the rules read this shape)."""
    values = {f.key: _as_text(getattr(graduate, f.key, None)) for f in FIELDS if f.kind != "readonly"}
    values["id_number"] = graduate.id_number or ""
    values["student_no"] = graduate.student_no or ""
    return values


def readonly_display(graduate: Any) -> dict[str, str]:
    """The read-only fields as text (unmasked: callers mask where the viewer may not see full values)."""
    major = graduate.major
    return {"id_number": graduate.id_number or "", "student_no": graduate.student_no or "",
            "department": graduate.department.name if graduate.department else "",
            "major": f"{major.name}（{major.code}）" if major else ""}


def check_field(key: str, values: Values) -> Problem | None:
    """The problem `key` has with these values, or None (the as-you-type check and the save both use it)."""
    field = FIELDS_BY_KEY.get(key)
    if field is None or field.rule is None:
        return None
    if key == "current_household" and values.get("student_category") in HMT:
        return None
    result = field.rule(values)
    if result.ok:
        return None
    return Problem(key, str(field.label), result.message or _("Invalid value."), result.suggestion)


def problems(values: Values) -> list[Problem]:
    """Every rule the values do not pass, in form order."""
    return [p for p in (check_field(f.key, values) for f in FIELDS) if p is not None]


def submission_problems(graduate: Any) -> list[str]:
    """SOURCE_INFO's submit guard: what still keeps this stored form from being submitted (SRC-3)."""
    return [str(p) for p in problems(values_of(graduate))]


def typed_values(posted: Mapping[str, Any], graduate: Any) -> dict[str, str]:
    """The editable fields as posted; read-only ones always come from the stored record, never from the post."""
    typed = {f.key: clean_text(posted.get(f.key, "") or "") for f in EDITABLE}
    typed["id_number"], typed["student_no"] = graduate.id_number or "", graduate.student_no or ""
    if typed.get("student_category") in HMT:
        typed["current_household"] = ""
    return typed


def parse(posted: Mapping[str, Any], graduate: Any) -> tuple[dict[str, str], dict[str, Any], dict[str, str]]:
    """Posted form → (typed text per field, storable values, errors that prevent storing at all).

    Typed text is kept as is for re-display; storable values are normalised where the field's rule passes
    (生源地 canonical, phones as digits, codes for coded choices) and as typed otherwise.
    """
    typed = typed_values(posted, graduate)
    stored: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for field in EDITABLE:
        text = typed[field.key]
        if field.kind == "select":
            codes = {code for code, _label in field.choices or []}
            if text and text not in codes:
                errors[field.key] = _("Choose a value from the list.")
                continue
            if not text and field.not_null:
                errors[field.key] = _("Please fill in %(field)s.", field=str(field.label))
                continue
            stored[field.key] = text or None
        elif field.kind == "date":
            try:
                stored[field.key] = parse_date(text)
            except ValueError:
                errors[field.key] = _("Enter a real date as YYYY-MM-DD.")
        else:
            if not text and field.not_null:
                errors[field.key] = _("Please fill in %(field)s.", field=str(field.label))
                continue
            result = field.rule(typed) if field.rule else rules.ok(None)
            value = result.value if result.ok and isinstance(result.value, str) and result.value else text
            if field.max_length and len(value) > field.max_length:
                errors[field.key] = _("At most %(n)d characters.", n=field.max_length)
                continue
            stored[field.key] = value or None
    origin = check_origin(typed.get("origin")) if typed.get("origin") else None
    stored["origin_code"] = origin.code if origin is not None and origin.ok else None
    return typed, stored, errors


def apply(graduate: Any, stored: Mapping[str, Any]) -> dict[str, list[Any]]:
    """Write the storable values onto the graduate; returns {field: [old, new]} for what changed."""
    changes: dict[str, list[Any]] = {}
    for key, new in stored.items():
        old = getattr(graduate, key)
        if old != new:
            changes[key] = [_as_text(old) or None, _as_text(new) or None]
            setattr(graduate, key, new)
    return changes


def prefill_from_registry(graduate: Any, record: Any) -> dict[str, list[Any]]:
    """Copy registry values into the EMPTY form fields only (binding, SRC-1); returns what changed."""
    stored = {}
    for key in REGISTRY_PREFILL:
        value = getattr(record, key, None)
        if value not in (None, "") and getattr(graduate, key) in (None, ""):
            stored[key] = value
    return apply(graduate, stored)


def province_options() -> list[str]:
    """Official province-level names for the home-address datalist (part A)."""
    from app.validation.regions import PROVINCE, divisions

    return [r.name for r in divisions().by_code.values() if r.level == PROVINCE]


def city_options(province: str) -> list[str]:
    """Names allowed as part B under the province the student typed (the address check's own rule)."""
    from app.validation.address import part_b_ok
    from app.validation.names import province_aliases
    from app.validation.regions import MUNICIPALITIES, divisions

    alias = province_aliases().get(normalise_text(province))
    if alias is None:
        return []
    region, d = alias.region, divisions()
    names = [region.name] if region.code in MUNICIPALITIES else []
    names += [r.name for r in d.descendants(region.code) if part_b_ok(r, region)]
    return list(dict.fromkeys(names))
