"""Flask-free field checks for GEMS forms and imports: IDs, credit codes, phones, 生源地, addresses, 派出所, codes."""

from __future__ import annotations

from .address import check_home_address
from .codes import (
    EDUCATION_LEVELS,
    ETHNICITIES,
    GENDERS,
    POLITICAL_STATUSES,
    SCHOOLING_LENGTHS,
    TRAINING_MODES,
    check_choice,
    check_education_level,
    check_ethnicity,
    check_gender,
    check_political_status,
    check_schooling_length,
    check_training_mode,
    label_of,
    needs_training_unit,
    translated,
)
from .creditcode import check_credit_code
from .idcard import check_id_number, mask_id, upgrade_15
from .origin import canonical_origin, check_origin, origin_options
from .phone import (
    check_contact_and_home,
    check_home_phone,
    check_landline,
    check_mobile,
    mask_phone,
)
from .police import check_police_station
from .regions import Region, divisions
from .result import Check

__all__ = [
    "EDUCATION_LEVELS",
    "ETHNICITIES",
    "GENDERS",
    "POLITICAL_STATUSES",
    "SCHOOLING_LENGTHS",
    "TRAINING_MODES",
    "Check",
    "Region",
    "canonical_origin",
    "check_choice",
    "check_contact_and_home",
    "check_credit_code",
    "check_education_level",
    "check_ethnicity",
    "check_gender",
    "check_home_address",
    "check_home_phone",
    "check_id_number",
    "check_landline",
    "check_mobile",
    "check_origin",
    "check_police_station",
    "check_political_status",
    "check_schooling_length",
    "check_training_mode",
    "divisions",
    "label_of",
    "mask_id",
    "mask_phone",
    "needs_training_unit",
    "origin_options",
    "translated",
    "upgrade_15",
]
