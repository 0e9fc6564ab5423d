"""Grants of the documents part's screens (merged into ROLE_GRANTS by app.security.grants): every party of an
agreement prints it (the scope rule picks which ones); staff find the public verification page in the menu."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from app.security.roles import ADMIN, COLLEGE, EMPLOYER, SCHOOL, STUDENT

_PRINT = {"AgreementDocuments": ("can_print",)}
_VERIFY = {"VerifyDocument": ("menu_access",)}

GRANTS: dict[str, dict[str, tuple[str, ...]]] = {
    SCHOOL: {**_PRINT, **_VERIFY},
    COLLEGE: {**_PRINT, **_VERIFY},
    STUDENT: dict(_PRINT),
    EMPLOYER: dict(_PRINT),
}
MENUS: dict[str, frozenset[str]] = {"VerifyDocument": frozenset({ADMIN, SCHOOL, COLLEGE})}
VIEW_LABELS: dict[str, Any] = {
    "AgreementDocuments": _l("Printed agreements and termination letters"),
    "VerifyDocument": _l("Verify a printed document"),
}
