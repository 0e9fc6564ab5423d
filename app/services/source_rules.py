"""How each source-form rule is checked (SRC-5), over the typed form as strings so cross-field rules can read the
fields they depend on; every rule delegates to app.validation where a national rule exists."""
from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Mapping
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.validation import (
    Check,
    check_contact_and_home,
    check_home_address,
    check_home_phone,
    check_id_number,
    check_mobile,
    check_origin,
    check_police_station,
    check_training_mode,
    needs_training_unit,
)
from app.validation.result import normalise_text
from app.validation.text import clean_text

Values = Mapping[str, str]
Rule = Callable[[Values], Check]

HMT = ("hk", "macau", "taiwan")
ADDRESS_PARTS = ("home_province", "home_city", "home_town", "home_street")
_EXAM_NO = re.compile(r"\d{14}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def ok(value: Any = None) -> Check:
    """A pass; `value` is the normalised text to store (None: keep what was typed)."""
    return Check(ok=True, value=value)


def failed(check: Check) -> Check:
    """A validation failure reduced to what the form shows: the message and the suggested fix."""
    return Check(ok=False, message=check.message, suggestion=check.suggestion)


def required_text(key: str, label: Any) -> Rule:
    """A required free-text field."""
    def rule(values: Values) -> Check:
        text = clean_text(values.get(key))
        return ok(text) if text else Check(ok=False, message=_("Please fill in %(field)s.", field=str(label)))
    return rule


def coded(check: Callable[[object], Check], key: str) -> Rule:
    """A national code list field, checked by its app.validation check."""
    return lambda values: check(values.get(key))


def parse_date(text: str | None) -> datetime.date | None:
    """YYYY-MM-DD (also / or .) as a date; None when empty; ValueError when it is not a real date."""
    text = normalise_text(text)
    if not text:
        return None
    match = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", text)
    if not match:
        raise ValueError(text)
    return datetime.date(*(int(part) for part in match.groups()))


def date_rule(key: str, label: Any) -> Rule:
    """A required, real date."""
    def rule(values: Values) -> Check:
        try:
            day = parse_date(values.get(key))
        except ValueError:
            return Check(ok=False, message=_("Enter a real date as YYYY-MM-DD."))
        if day is None:
            return Check(ok=False, message=_("Please fill in %(field)s.", field=str(label)))
        return ok(day)
    return rule


def birth_date(values: Values) -> Check:
    """Required, and the same day as in the ID number."""
    result = date_rule("birth_date", _l("Date of birth"))(values)
    if not result.ok:
        return result
    from_id = check_id_number(values.get("id_number"))
    if from_id.ok and from_id.birth_date and from_id.birth_date != result.value:
        return Check(ok=False, message=_("The date of birth differs from the one in your ID number (%(date)s).",
                                         date=from_id.birth_date.isoformat()),
                     suggestion=from_id.birth_date.isoformat())
    return result


def graduation_date(values: Values) -> Check:
    result = date_rule("graduation_date", _l("Graduation date"))(values)
    if not result.ok:
        return result
    try:
        enrolled = parse_date(values.get("enrolment_date"))
    except ValueError:
        enrolled = None
    if enrolled and result.value <= enrolled:
        return Check(ok=False, message=_("The graduation date must be later than the enrolment date."))
    return result


def origin(values: Values) -> Check:
    return check_origin(values.get("origin"))


def current_household(values: Values) -> Check:
    """Mainland students report it; HK/Macau/Taiwan students do not see it (SRC-2)."""
    if values.get("student_category") in HMT:
        return ok("")
    return required_text("current_household", _l("Current household registration"))(values)


def exam_no(values: Values) -> Check:
    text = normalise_text(values.get("exam_no"))
    if not text:
        return Check(ok=False, message=_("Please fill in %(field)s.", field=_("Examination number")))
    if values.get("student_category") in HMT:
        return ok(text)
    if not _EXAM_NO.fullmatch(text):
        return Check(ok=False, message=_("The examination number has 14 digits, as printed on your college "
                                         "entrance examination admission ticket."))
    return ok(text)


def training_unit(values: Values) -> Check:
    """定向/委培 students name the unit; everyone else leaves it empty (the input is disabled for them)."""
    text = (values.get("training_unit") or "").strip()
    if needs_training_unit(check_training_mode(values.get("training_mode")).code):
        if not text:
            return Check(ok=False, message=_("Directed and entrusted students must name the directed or "
                                             "entrusted unit."))
        return ok(text)
    if text:
        return Check(ok=False, message=_("Only directed or entrusted students fill in this unit; leave it empty."))
    return ok("")


def address_part(key: str) -> Rule:
    """The four parts are checked together; each part shows only the problem that concerns it."""
    part = {"home_province": "province", "home_city": "city_or_county", "home_town": "town",
            "home_street": "street"}[key]

    def rule(values: Values) -> Check:
        result = check_home_address(*(values.get(k) for k in ADDRESS_PARTS))
        if result.ok:
            return ok(result.value[ADDRESS_PARTS.index(key)])
        if result.field == part:
            return failed(result)
        return ok(None)  # another part is at fault; this one stays as typed
    return rule


def police_station(values: Values) -> Check:
    return check_police_station(values.get("police_station"))


def mobile(values: Values) -> Check:
    return check_mobile(values.get("mobile"))


def home_phone(values: Values) -> Check:
    """A parent's mobile or a landline, never the student's own contact number (seed rule 1)."""
    both = check_contact_and_home(values.get("mobile"), values.get("home_phone"))
    if both.ok:
        return ok(both.value[1])
    if both.field == "home_phone":
        return failed(both)
    return check_home_phone(values.get("home_phone"))


def email(values: Values) -> Check:
    text = normalise_text(values.get("email"))
    if text and not _EMAIL.fullmatch(text):
        return Check(ok=False, message=_("Enter a valid email address, e.g. name@example.com."))
    return ok(text)


def name(values: Values) -> Check:
    """A person's name rule (length, characters, the middle dot), not only "required"."""
    from app.validation.person_name import check_person_name

    check = check_person_name(values.get("name"))
    return ok(check.value) if check.ok else failed(check)
