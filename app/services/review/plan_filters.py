"""PLAN-1/PLAN-3: the destination list's filters that read the plan entry (the graduate's current approved
destination — what the rate and the plan lock count), so each number on the statistics and plan-lock pages lists
exactly the graduates it counts. A filter on the code or "placed" reads the listed version instead once a review
state is picked (a reviewer's "pending 76s")."""
from __future__ import annotations

import re
from typing import Any, Optional

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, exists, false, or_, select, true
from sqlalchemy.orm import aliased

from app.models.destination import Destination
from app.models.graduate import Graduate
from app.models.plan import CONFIRMATION_STATES, CONFIRMED, ERROR, NONE, PlanConfirmation
from app.models.reference import RATE_GROUPS, RATE_GROUPS_2021, DestinationCode
from app.services.reference import destinations
from app.services.review.workspace import Filter
from app.validation.codes import EDUCATION_LEVELS, GENDERS, label_of
from app.workflows.destination import COMPLETE

D = Destination
Entry = aliased(Destination, name="plan_entry")
EntryCode = aliased(DestinationCode, name="plan_entry_code")
OpenChange = aliased(Destination, name="open_change")
NO_ENTRY = "none"  # code=none: no approved destination at all
CALIBERS = {"current": RATE_GROUPS, "2021": RATE_GROUPS_2021}
_CODE = re.compile(r"^\d{2,3}$")
_PROVINCE = re.compile(r"^\d{2}$")


def working() -> Any:
    """The one version listed per graduate: an open change if there is one, else the current version."""
    open_change = exists().where(OpenChange.graduate_id == D.graduate_id, OpenChange.is_current == false(),
                                 OpenChange.status != COMPLETE)
    return or_(and_(D.is_current == false(), D.status != COMPLETE), and_(D.is_current == true(), ~open_change))


def has_entry(*where: Any) -> Any:
    """The graduate has a plan entry (whose code, EntryCode, meets `where`)."""
    coded = (EntryCode.id == Entry.code_id,) if where else ()
    return exists().where(Entry.graduate_id == Graduate.id, Entry.is_current == true(), Entry.status == COMPLETE,
                          *coded, *where)


def _by_version(status: str) -> bool:
    return bool((status or "").strip())


def parse_code(raw: str, status: str = "") -> Optional[tuple[str, bool]]:
    if raw == NO_ENTRY or _CODE.match(raw or ""):
        return raw, _by_version(status)
    return None


def code_clause(value: tuple[str, bool]) -> Any:
    """A stem takes its sub-codes with it (50 → 502, 503 …); codes come from the maintained table."""
    code, by_version = value
    if code == NO_ENTRY:
        return ~has_entry()
    codes = [c for c, row in destinations().items() if c == code or row.stem == code]
    if not codes:
        return false()
    return DestinationCode.code.in_(codes) if by_version else has_entry(EntryCode.code.in_(codes))


def code_choices() -> list[tuple[str, str]]:
    rows = sorted(destinations().values(), key=lambda r: (r.stem, r.code))
    return [(NO_ENTRY, _("No approved destination"))] + [
        (r.code, f"{r.code} {r.name}" if r.code == r.stem else f"　{r.code} {r.name}") for r in rows]


def parse_placed(raw: str, status: str = "") -> Optional[tuple[bool, bool]]:
    value = {"1": True, "0": False}.get(raw)
    return None if value is None else (value, _by_version(status))


def placed_clause(value: tuple[bool, bool]) -> Any:
    """Placed: the plan entry's code counts; not placed: it does not, or there is no plan entry at all."""
    placed, by_version = value
    if by_version:
        return DestinationCode.placed == placed
    counted = has_entry(EntryCode.placed == true())
    return counted if placed else ~counted


def parse_group(raw: str, caliber: str = "") -> Optional[tuple[str, str]]:
    caliber = caliber if caliber in CALIBERS else "current"
    return (raw, caliber) if raw in CALIBERS[caliber] else None


def group_clause(value: tuple[str, str]) -> Any:
    """The rate group of the plan entry's code in the caliber; "unplaced" is every graduate not counted placed."""
    group, caliber = value
    counted = has_entry(EntryCode.placed == true())
    if group == "unplaced":
        return ~counted
    column = EntryCode.rate_group_2021 if caliber == "2021" else EntryCode.rate_group
    return has_entry(EntryCode.placed == true(), column == group)


def confirmation_clause(state: str) -> Any:
    """PLAN-4: a word counts only for the version it was given on — the current plan entry. An uncorrelated IN:
    a correlated EXISTS over two tables is misestimated by PostgreSQL into a nested loop over every graduate."""
    said = (PlanConfirmation.status.in_([CONFIRMED, ERROR]) if state == NONE else PlanConfirmation.status == state)
    words = (select(PlanConfirmation.graduate_id).join(Entry, Entry.id == PlanConfirmation.destination_id)
             .where(Entry.is_current == true(), Entry.status == COMPLETE, said))
    return Graduate.id.notin_(words) if state == NONE else Graduate.id.in_(words)


def _province_choices() -> list[tuple[str, str]]:
    from app.validation.regions import PROVINCE, divisions

    return [(r.code[:2], r.name) for r in sorted(divisions().by_code.values(), key=lambda r: r.code)
            if r.level == PROVINCE]


PLAN_FILTERS: tuple[Filter, ...] = (
    Filter("code", _l("Destination code"), parse_code, code_clause, code_choices, reads=("status",),
           doc="A destination code of the approved destination (of the listed version when a status is given); "
               "a two-digit stem includes its sub-codes; none: no approved destination"),
    Filter("placed", _l("Placed"), parse_placed, placed_clause,
           lambda: [("1", _("Placed")), ("0", _("Not placed"))], reads=("status",),
           doc="1: the approved destination's code counts as placed, 0: it does not or there is none (the listed "
               "version's code when a status is given)", enum=("1", "0")),
    Filter("group", _l("Rate group"), parse_group, group_clause,
           lambda: [(k, str(v)) for k, v in RATE_GROUPS.items()] + [
               (k, str(v)) for k, v in RATE_GROUPS_2021.items() if k not in RATE_GROUPS], reads=("caliber",),
           doc="The approved destination's rate group in the caliber"),
    Filter("caliber", _l("Caliber"), lambda raw: raw if raw in CALIBERS else None, lambda value: true(),
           lambda: [("current", _("Current caliber")), ("2021", _("2021 caliber"))],
           doc="The caliber the rate group is read in", enum=tuple(CALIBERS)),
    Filter("confirmation", _l("Plan confirmation"), lambda raw: raw if raw in CONFIRMATION_STATES else None,
           confirmation_clause, lambda: [(k, str(v)) for k, v in CONFIRMATION_STATES.items()],
           doc="The graduate's word on their current plan entry", enum=tuple(CONFIRMATION_STATES)),
    Filter("gender", _l("Gender"), lambda raw: raw if raw in dict(GENDERS) else None,
           lambda value: Graduate.gender == value, lambda: [(k, label_of(GENDERS, k)) for k, _v in GENDERS],
           doc="Gender code", enum=tuple(k for k, _v in GENDERS)),
    Filter("education_level", _l("Education level"), lambda raw: raw if raw in dict(EDUCATION_LEVELS) else None,
           lambda value: Graduate.education_level == value,
           lambda: [(k, label_of(EDUCATION_LEVELS, k)) for k, _v in EDUCATION_LEVELS],
           doc="Education level code", enum=tuple(k for k, _v in EDUCATION_LEVELS)),
    Filter("province", _l("Province of origin"), lambda raw: raw if _PROVINCE.match(raw or "") else None,
           lambda value: Graduate.origin_code.startswith(value), _province_choices,
           doc="The first two digits of the graduate's place-of-origin code (生源地)"),
)
