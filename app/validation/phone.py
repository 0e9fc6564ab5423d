"""Chinese mobile and landline numbers, and the rule that 联系电话 (contact) differs from 家庭电话 (home)."""

from __future__ import annotations

import re

from .i18n import _
from .result import Check, fail, normalise_text

_MOBILE = re.compile(r"1[3-9]\d{9}")
_COUNTRY = re.compile(r"^(?:\+86|0086|86)")
_EXTENSION = re.compile(r"(?:转|ext\.?|x|#|分机)(\d{1,6})$", re.IGNORECASE)
_SEPARATORS = re.compile(r"[-‐‑–—()（）.]")
_THREE_DIGIT_AREAS = re.compile(r"0(?:10|2\d)")


def _clean(value: object) -> str:
    """Half-width, no spaces."""
    return normalise_text(value)


def _strip_country(text: str) -> tuple[str, bool]:
    """Remove a +86 / 0086 / 86 prefix; report whether one was present."""
    match = _COUNTRY.match(text)
    return (text[match.end():], True) if match else (text, False)


def check_mobile(value: object) -> Check:
    """Check a mainland mobile number; value is the bare 11 digits."""
    text = _clean(value)
    if not text:
        return fail(_("请填写手机号码。"))
    digits = _SEPARATORS.sub("", text)
    national, had_country = _strip_country(digits)
    if had_country and _MOBILE.fullmatch(national):
        digits = national
    if not _MOBILE.fullmatch(digits):
        return fail(_("手机号码应为11位数字，以1开头、第二位为3至9，如13800138000；当前为“%(value)s”。",
                      value=text), text)
    return Check(ok=True, value=digits)


def check_landline(value: object) -> Check:
    """Check a landline with area code; value is 'area-number' or 'area-number-ext'."""
    text = _clean(value)
    if not text:
        return fail(_("请填写座机号码。"))
    extension = ""
    match = _EXTENSION.search(text)
    if match:
        extension, text = match.group(1), text[: match.start()]
    parts = [p for p in re.split(r"[-‐‑–—]", text) if p]
    if len(parts) == 3 and not extension and 7 <= len(parts[1]) <= 8 and len(parts[2]) <= 6:
        extension, parts = parts[2], parts[:2]
    digits = _SEPARATORS.sub("", "".join(parts))
    national, had_country = _strip_country(digits)
    if had_country:
        digits = national if national.startswith("0") else "0" + national
    if not digits.isdigit():
        return fail(_("座机号码只能包含数字，格式为“区号-号码”，如0730-8221234。"), text)
    if not digits.startswith("0"):
        return fail(_("座机号码缺少区号，请写成“区号-号码”，如0730-8221234。"), text)
    area_length = 3 if _THREE_DIGIT_AREAS.match(digits) else 4
    area, local = digits[:area_length], digits[area_length:]
    if not (7 <= len(local) <= 8) or local[0] in "01":
        return fail(_("座机号码格式不正确：区号以0开头（3至4位），号码为7至8位，如0730-8221234。"), text)
    normalised = f"{area}-{local}" + (f"-{extension}" if extension else "")
    return Check(ok=True, value=normalised)


def check_home_phone(value: object) -> Check:
    """家庭电话: a parent's mobile or a landline with area code."""
    text = _clean(value)
    if not text:
        return fail(_("请填写家庭电话（父母的手机号或家庭座机）。"))
    mobile = check_mobile(text)
    if mobile.ok:
        return mobile
    landline = check_landline(text)
    if landline.ok:
        return landline
    return fail(_("家庭电话应为父母的手机号（11位）或带区号的家庭座机（如0730-8221234）。"), text)


def check_contact_and_home(contact: object, home: object) -> Check:
    """联系电话 must be a mobile, 家庭电话 a mobile or landline, and the two must differ once normalised."""
    first = check_mobile(contact)
    if not first.ok:
        return Check(ok=False, value=first.value, message=first.message, field="contact_phone")
    second = check_home_phone(home)
    if not second.ok:
        return Check(ok=False, value=second.value, message=second.message, field="home_phone")
    if _digits(first.value) == _digits(second.value):
        return fail(_("联系电话与家庭电话不能相同：联系电话填写本人手机号，家庭电话填写父母的手机号或家庭座机。"),
                    (first.value, second.value), field="home_phone")
    return Check(ok=True, value=(first.value, second.value))


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def mask_phone(value: object) -> str:
    """138****8000 for mobiles, 0730-*****34 for landlines; anything else keeps only its first 3 and last 2."""
    text = _clean(value)
    mobile = check_mobile(text)
    if mobile.ok:
        digits = str(mobile.value)
        return digits[:3] + "****" + digits[-4:]
    landline = check_landline(text)
    if landline.ok:
        area, local = str(landline.value).split("-")[:2]
        return f"{area}-" + "*" * (len(local) - 2) + local[-2:]
    if len(text) <= 5:
        return "*" * len(text)
    return text[:3] + "*" * (len(text) - 5) + text[-2:]
