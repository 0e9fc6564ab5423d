"""GB 11643 resident ID numbers: format, real birth date, ISO 7064 MOD 11-2 check digit, 15→18 upgrade, masking."""

from __future__ import annotations

import re
from datetime import date

from .i18n import _
from .regions import divisions
from .result import Check, fail, normalise_text

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
EARLIEST = date(1900, 1, 1)
_ID18 = re.compile(r"\d{17}[\dX]")
_ID15 = re.compile(r"\d{15}")


def check_digit(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character for the first 17 digits."""
    return CHECK_CHARS[sum(int(c) * w for c, w in zip(first17, WEIGHTS, strict=True)) % 11]


def normalise_id(value: object) -> str:
    """Half-width, no spaces, upper-case X."""
    return normalise_text(value).upper()


def upgrade_15(old: str) -> str:
    """18-digit form of a 15-digit ID (births 1900–1999): insert the century 19 and append the check digit."""
    first17 = old[:6] + "19" + old[6:]
    return first17 + check_digit(first17)


def _birth_date(digits: str, today: date) -> date | Check:
    """The YYYYMMDD in an 18-digit ID as a date, or a failed Check."""
    year, month, day = digits[:4], digits[4:6], digits[6:]
    shown = f"{year}-{month}-{day}"
    try:
        born = date(int(year), int(month), int(day))
    except ValueError:
        return fail(_("身份证号中的出生日期%(date)s不存在，请核对。", date=shown))
    if born > today:
        return fail(_("身份证号中的出生日期%(date)s晚于今天，请核对。", date=shown))
    if born < EARLIEST:
        return fail(_("身份证号中的出生日期%(date)s早于1900年，请核对。", date=shown))
    return born


def check_id_number(value: object, today: date | None = None) -> Check:
    """Check a resident ID; value is the 18-digit number, with birth_date, gender ('1' 男 / '2' 女) and region code."""
    number = normalise_id(value)
    today = today or date.today()
    if not number:
        return fail(_("请填写身份证号。"))
    warnings: list[str] = []
    suggestion = None
    if len(number) == 15:
        if not _ID15.fullmatch(number):
            return fail(_("15位身份证号必须全部是数字。"), number)
        upgraded = upgrade_15(number)
        warnings.append(_("15位旧身份证号已按规则升级为18位：%(number)s。", number=upgraded))
        number = suggestion = upgraded
    elif len(number) != 18:
        return fail(_("身份证号应为18位（或15位旧号码），当前为%(length)s位。", length=len(number)), number)
    elif not _ID18.fullmatch(number):
        return fail(_("身份证号前17位必须是数字，最后一位是数字或X。"), number)
    born = _birth_date(number[6:14], today)
    if isinstance(born, Check):
        return Check(ok=False, value=number, message=born.message)
    expected = check_digit(number[:17])
    if number[17] != expected:
        return fail(_("身份证号校验位错误：按前17位计算，最后一位应为%(expected)s，而不是%(actual)s；"
                      "也可能是前面的数字有误，请核对。", expected=expected, actual=number[17]), number)
    region = number[:6]
    if not divisions().is_known_code(region):
        warnings.append(_("身份证号前6位地区码%(code)s不在现行或历史行政区划代码中，请核对。", code=region))
    gender = "1" if int(number[16]) % 2 else "2"
    return Check(ok=True, value=number, suggestion=suggestion, warnings=tuple(warnings), code=region,
                 birth_date=born, gender=gender)


def mask_id(value: object) -> str:
    """First 6 and last 4 characters visible, the rest as * (430621********123X); short values fully masked."""
    text = normalise_id(value)
    if len(text) <= 10:
        return "*" * len(text)
    return text[:6] + "*" * (len(text) - 10) + text[-4:]
