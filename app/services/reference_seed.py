"""Seeds the code tables from app/data/reference_codes.json and countries from pycountry; idempotent, never
overwrites a row that exists (by code), so the admin's edits and retirements survive every `gems bootstrap`."""
from __future__ import annotations

import gettext
import json
from pathlib import Path
from typing import Any

import pycountry
from sqlalchemy import select

from app.extensions import db
from app.models.reference import (
    Country,
    DestinationCode,
    EmployerNature,
    Industry,
    JobCategory,
    NumberRequestReason,
    RejectionReason,
    TerminationReason,
)

DATA_FILE = Path(__file__).resolve().parent.parent / "data" / "reference_codes.json"
DESTINATION_FIELDS = ("placed", "rate_group", "rate_group_2021", "form_kind")


def load_seed(path: Path = DATA_FILE) -> dict[str, Any]:
    with path.open(encoding="utf-8") as fh:
        return json.load(fh)


def _existing(model: Any) -> dict[str, Any]:
    return {row.code: row for row in db.session.execute(select(model)).scalars()}


def _add_missing(model: Any, rows: list[dict[str, Any]]) -> int:
    """Insert the rows whose code is not there yet, numbered in file order."""
    have = _existing(model)
    added = 0
    for position, values in enumerate(rows, start=1):
        if values["code"] not in have:
            db.session.add(model(sort_order=position * 10, **values))
            added += 1
    return added


def _destination_codes(entries: list[dict[str, Any]]) -> int:
    """Stems first, then their sub-codes linked by parent and carrying the stem's attributes unless given."""
    have = _existing(DestinationCode)
    added = 0
    for position, entry in enumerate(entries, start=1):
        attrs = {field: entry[field] for field in DESTINATION_FIELDS}
        attrs["evidence"] = ",".join(entry.get("evidence", []))
        stem = have.get(entry["code"])
        if stem is None:
            stem = DestinationCode(code=entry["code"], name=entry["name"], sort_order=position * 100, **attrs)
            db.session.add(stem)
            have[stem.code] = stem
            added += 1
        for offset, (code, name, *own) in enumerate(entry.get("sub_codes", []), start=1):
            if code not in have:
                values = {**attrs, **(own[0] if own else {})}
                have[code] = DestinationCode(code=code, name=name, parent=stem, sort_order=position * 100 + offset,
                                             **values)
                db.session.add(have[code])
                added += 1
    return added


def _countries(spec: dict[str, Any]) -> int:
    """Every ISO 3166-1 entry with its zh_CN name from pycountry's own translations."""
    zh = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["zh_CN"])
    overrides, retired, first = spec.get("name_overrides", {}), set(spec.get("retired", [])), spec.get("first", [])
    order = {code: index for index, code in enumerate(first, start=1)}
    rows = []
    for index, country in enumerate(pycountry.countries, start=1):
        code = country.alpha_2
        rows.append({"code": code, "name": overrides.get(code) or zh.gettext(country.name), "alpha_3": country.alpha_3,
                     "numeric": country.numeric, "active": code not in retired,
                     "_order": order.get(code, len(first) + index)})
    have = _existing(Country)
    added = 0
    for row in rows:
        position = row.pop("_order")
        if row["code"] not in have:
            db.session.add(Country(sort_order=position * 10, **row))
            added += 1
    return added


def seed_reference_data() -> dict[str, int]:
    """Add whatever is missing from every code table; the caller commits. Returns rows added per table."""
    seed = load_seed()
    added = {
        "destination_code": _destination_codes(seed["destination_codes"]),
        "employer_nature": _add_missing(EmployerNature, [{"code": c, "name": n} for c, n in seed["employer_natures"]]),
        "industry": _add_missing(Industry, [{"code": c, "name": n} for c, n in seed["industries"]]),
        "job_category": _add_missing(JobCategory, [{"code": c, "name": n} for c, n in seed["job_categories"]]),
        "rejection_reason": _add_missing(RejectionReason, [{"code": c, "name": n, "needs_text": t}
                                                           for c, n, t in seed["rejection_reasons"]]),
        "country": _countries(seed["countries"]),
        "number_request_reason": _add_missing(NumberRequestReason, [{"code": c, "name": n}
                                                                    for c, n in seed["number_request_reasons"]]),
        "termination_reason": _add_missing(TerminationReason, [{"code": c, "name": n, "side": side}
                                                               for c, n, side in seed["termination_reasons"]]),
    }
    db.session.flush()
    return added
