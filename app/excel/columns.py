"""Describe import columns and turn one raw Excel cell into a typed value or a user-facing error."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, Literal

from .i18n import _
from .text import normalize_id_text, normalize_text

Kind = Literal["text", "id_text", "date", "int", "choice"]
KINDS: tuple[str, ...] = ("text", "id_text", "date", "int", "choice")

# Raw cell types handed over by the reader (openpyxl's data_type plus one of ours).
CELL_ERROR = "e"
FORMULA_WITHOUT_VALUE = "f?"

_DATE_PATTERNS = (
    re.compile(r"^(\d{4})([-/.])(\d{1,2})\2(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"),
    re.compile(r"^(\d{4})()(\d{2})(\d{2})$"),
    re.compile(r"^(\d{4})年()(\d{1,2})月(\d{1,2})日?$"),
)
_INT_TEXT = re.compile(r"^[+-]?\d+$")
_SCIENTIFIC = re.compile(r"^\d+(?:\.\d+)?[eE]\+?\d+$")


@dataclass(frozen=True)
class ColumnSpec:
    """One importable column, matched by its Chinese header name or an alias."""

    key: str
    header: str
    aliases: tuple[str, ...] = ()
    required: bool = False
    kind: Kind = "text"
    allow_small_int: bool = False
    choices: tuple[str, ...] = ()
    max_length: int | None = None
    help: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown column kind {self.kind!r} for {self.key}")
        if self.kind == "choice" and not self.choices:
            raise ValueError(f"choice column {self.key} needs choices")
        object.__setattr__(self, "aliases", tuple(self.aliases))
        object.__setattr__(self, "choices", tuple(self.choices))


def convert_cell(spec: ColumnSpec, value: Any, data_type: str) -> tuple[Any, str | None]:
    """Return ``(typed value or None, error message or None)`` for one cell of ``spec``'s column.

    A blank cell gives ``(None, None)``; whether it may be blank is decided per row by the reader.
    """
    if data_type == FORMULA_WITHOUT_VALUE:
        return None, _(
            "单元格是公式但没有计算结果（文件可能由程序生成）。"
            "请在 Excel 中打开并保存后重新导入，或将公式“粘贴为数值”。"
        )
    if data_type == CELL_ERROR:
        return None, _("单元格包含错误值 %(value)s，请修正后重新导入。", value=value)
    if isinstance(value, str):
        value = normalize_id_text(value) if spec.kind == "id_text" else normalize_text(value)
        if value == "":
            value = None
    if value is None:
        return None, None
    converter = _CONVERTERS[spec.kind]
    result, error = converter(spec, value)
    if error is None and isinstance(result, str) and spec.max_length and len(result) > spec.max_length:
        return None, _("内容过长：最多 %(limit)s 个字符。", limit=spec.max_length)
    return result, error


def _number_text(value: float) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return format(value, ".15g") if isinstance(value, float) else str(value)


def _to_text(spec: ColumnSpec, value: Any) -> tuple[Any, str | None]:
    if isinstance(value, str):
        return value, None
    if isinstance(value, bool):
        return ("TRUE" if value else "FALSE"), None
    if isinstance(value, (int, float)):
        return _number_text(value), None
    if isinstance(value, dt.datetime):
        return (value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")), None
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat(), None
    return normalize_text(str(value)), None


def _numeric_id_message() -> str:
    return _(
        "该列必须在 Excel 中设置为“文本”格式后再填写：当前单元格是数字，"
        "18 位身份证号存为数字会丢失末几位，学号等开头的 0 也会丢失。"
        "请将该列设为文本格式并重新输入（或粘贴）原始号码。"
    )


def _to_id_text(spec: ColumnSpec, value: Any) -> tuple[Any, str | None]:
    if isinstance(value, str) and _SCIENTIFIC.match(value):
        # 4.30621E+17: Excel showed the number in a General column and wrote that into the CSV (or it was pasted)
        return None, _numeric_id_message()
    if isinstance(value, str):
        return value, None
    if (
        spec.allow_small_int
        and isinstance(value, (int, float))
        and not isinstance(value, bool)
        and float(value).is_integer()
        and 0 <= value < 10**15
    ):
        return str(int(value)), None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return None, _numeric_id_message()
    return None, _("该列必须是文本格式的号码，当前单元格是日期或其他类型，请设为“文本”格式后重新输入。")


def parse_date_text(text: str) -> dt.date | None:
    """Parse 2004-09-01, 2004/9/1, 2004.09.01, 20040901 or 2004年9月1日; None if not a date."""
    for pattern in _DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            try:
                return dt.date(int(match.group(1)), int(match.group(3)), int(match.group(4)))
            except ValueError:
                return None
    return None


def _bad_date() -> str:
    return _("日期无效，请填写如 2004-09-01、2004/9/1、20040901 或 2004年9月1日 的日期。")


def _to_date(spec: ColumnSpec, value: Any) -> tuple[Any, str | None]:
    if isinstance(value, dt.datetime):
        return value.date(), None
    if isinstance(value, dt.date):
        return value, None
    if (isinstance(value, int) and not isinstance(value, bool)) or (
        isinstance(value, float) and value.is_integer()
    ):
        value = str(int(value))  # 20040901 typed as a number
    if isinstance(value, str):
        parsed = parse_date_text(value)
        if parsed is not None:
            return parsed, None
    return None, _bad_date()


def _to_int(spec: ColumnSpec, value: Any) -> tuple[Any, str | None]:
    if isinstance(value, bool):
        return None, _("请填写整数。")
    if isinstance(value, int):
        return value, None
    if isinstance(value, float) and value.is_integer():
        return int(value), None
    if isinstance(value, str) and _INT_TEXT.match(value):
        return int(value), None
    return None, _("请填写整数。")


def _to_choice(spec: ColumnSpec, value: Any) -> tuple[Any, str | None]:
    text, _error = _to_text(spec, value)
    if text in spec.choices:
        return text, None
    return None, _(
        "“%(value)s”不是允许的取值，可选：%(choices)s。", value=text, choices="、".join(spec.choices)
    )


_CONVERTERS = {
    "text": _to_text,
    "id_text": _to_id_text,
    "date": _to_date,
    "int": _to_int,
    "choice": _to_choice,
}
