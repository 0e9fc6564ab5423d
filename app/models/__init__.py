"""All GEMS models, imported here so Alembic and FAB see one metadata."""
from __future__ import annotations

from app.models.audit import AuditHead, AuditLog
from app.models.graduate import Graduate
from app.models.org import Cohort, Department, DepartmentKind, Major
from app.models.security import LoginThrottle
from app.models.user import User

__all__ = [
    "AuditHead",
    "AuditLog",
    "Cohort",
    "Department",
    "DepartmentKind",
    "Graduate",
    "LoginThrottle",
    "Major",
    "User",
]
