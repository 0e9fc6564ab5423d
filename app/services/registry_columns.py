"""The registry import's columns (REG-1): one list drives header matching, the template and the error report."""
from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import gettext as _

from app.excel import ColumnSpec, template_workbook
from app.services.registry_rules import EXCLUSION_REASONS, STUDENT_CATEGORIES
from app.validation.codes import (
    EDUCATION_LEVELS,
    GENDERS,
    POLITICAL_STATUSES,
    SCHOOLING_LENGTHS,
    TRAINING_MODES,
)

YES, NO = "是", "否"

# Header names are the provincial registry's Chinese column names; aliases are spellings seen in real exports.
COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec("student_no", "学号", aliases=("学生学号",), required=True, kind="id_text", max_length=32),
    ColumnSpec("id_number", "身份证号", aliases=("身份证号码", "证件号码", "公民身份号码"), required=True,
               kind="id_text"),
    ColumnSpec("name", "姓名", aliases=("学生姓名",), required=True, max_length=64),
    ColumnSpec("gender", "性别"),
    ColumnSpec("birth_date", "出生日期", kind="date"),
    ColumnSpec("ethnicity", "民族"),
    ColumnSpec("political_status", "政治面貌"),
    ColumnSpec("student_category", "学生类别", aliases=("生源类别",), kind="choice",
               choices=tuple(label for _code, label in STUDENT_CATEGORIES)),
    ColumnSpec("origin", "生源地", aliases=("生源所在地",), max_length=60),
    ColumnSpec("exam_no", "考生号", aliases=("高考考生号",), kind="id_text", max_length=20),
    ColumnSpec("department_code", "院系代码", aliases=("学院代码",), kind="id_text", allow_small_int=True,
               max_length=20),
    ColumnSpec("department_name", "院系名称", aliases=("院系", "学院", "学院名称"), max_length=100),
    ColumnSpec("major_code", "专业代码", kind="id_text", max_length=20),
    ColumnSpec("major_name", "专业名称", aliases=("专业",), max_length=100),
    ColumnSpec("education_level", "学历", aliases=("学历层次",), required=True),
    ColumnSpec("schooling_length", "学制"),
    ColumnSpec("training_mode", "培养方式"),
    ColumnSpec("training_unit", "定向或委培单位", aliases=("定向委培单位",), max_length=100),
    ColumnSpec("enrolment_date", "入学日期", aliases=("入学时间",), kind="date"),
    ColumnSpec("graduation_date", "毕业日期", aliases=("毕业时间", "预计毕业日期"), kind="date"),
    ColumnSpec("included", "是否上报", kind="choice", choices=(YES, NO)),
    ColumnSpec("exclusion_reason", "不上报原因", aliases=("不上报原因代码",), max_length=40),
)
COLUMN_BY_KEY: dict[str, ColumnSpec] = {spec.key: spec for spec in COLUMNS}
DEPARTMENT_KEYS = ("department_code", "department_name")


def header(key: str) -> str:
    """The template's header for a column key (how errors name the column)."""
    return COLUMN_BY_KEY[key].header


def _labels(choices: list[tuple[str, str]] | tuple[tuple[str, str], ...]) -> str:
    """Choice labels joined the Chinese way, for the guide."""
    return "、".join(label for _code, label in choices)


def _help() -> dict[str, str]:
    """Per-column guidance shown on the template's 填写说明 sheet."""
    return {
        "student_no": _("The school's student number, as text; leading zeros are kept."),
        "id_number": _("18-digit ID number (a 15-digit old number is upgraded to 18 digits); a final x may be "
                       "lower or upper case."),
        "gender": _("May be left blank: it is derived from the ID number; if filled it must agree with the ID "
                    "number. One of: %(labels)s.", labels=_labels(GENDERS)),
        "birth_date": _("May be left blank: it is derived from the ID number; if filled it must agree with the ID "
                        "number."),
        "ethnicity": _("The full name of the ethnic group, e.g. 汉族, 壮族."),
        "political_status": _("One of: %(labels)s.", labels=_labels(POLITICAL_STATUSES)),
        "student_category": _("Blank means a mainland student."),
        "origin": _("Household registration before enrolment, e.g. 湖南省岳阳市岳阳楼区, 湖南省岳阳县, 北京市海淀区, "
                    "广西南宁市青秀区."),
        "exam_no": _("The college entrance examination number, as text."),
        "department_code": _("The department code as set up under Organisation; fill in the department code or "
                             "the department name (or both)."),
        "department_name": _("Exactly the department name as set up under Organisation."),
        "major_code": _("The national major code; it must be set up under Majors for this department or one of "
                        "its sub-units."),
        "education_level": _("One of: %(labels)s.", labels=_labels(EDUCATION_LEVELS)),
        "schooling_length": _("One of: %(labels)s.", labels=_labels(SCHOOLING_LENGTHS)),
        "training_mode": _("One of: %(labels)s.", labels=_labels(TRAINING_MODES)),
        "training_unit": _("Only for directed or entrusted training."),
        "included": _("Blank means 是. With 否 a reason for not reporting is required."),
        "exclusion_reason": _("Only when 是否上报 is 否. One of: %(labels)s.", labels=_labels(EXCLUSION_REASONS)),
    }


EXAMPLE: dict[str, Any] = {
    "student_no": "2022101000123", "id_number": "430621200401011234", "name": "张三", "gender": "男",
    "birth_date": dt.date(2004, 1, 1), "ethnicity": "汉族", "political_status": "共青团员", "student_category": "内地",
    "origin": "湖南省岳阳县", "exam_no": "22430621150123", "department_code": "101",
    "department_name": "计算机科学与技术学院", "major_code": "080901", "major_name": "计算机科学与技术",
    "education_level": "本科", "schooling_length": "4年", "training_mode": "非定向",
    "enrolment_date": dt.date(2022, 9, 1), "graduation_date": dt.date(2026, 6, 30), "included": YES,
}


def registry_template() -> bytes:
    """The downloadable import template (.xlsx) with Chinese headers, text-formatted number columns and a guide."""
    guide = _help()
    columns = [
        ColumnSpec(spec.key, spec.header, spec.aliases, spec.required, spec.kind, spec.allow_small_int,
                   spec.choices, spec.max_length, guide.get(spec.key, ""))
        for spec in COLUMNS
    ]
    notes = [
        _("5. Fill in the department code or the department name; departments and majors must first be set up "
          "under Organisation."),
        _("6. Rows are matched with records already imported for the cohort by ID number and student number: "
          "importing again updates those records instead of duplicating them."),
    ]
    return template_workbook(columns, EXAMPLE, notes=notes)
