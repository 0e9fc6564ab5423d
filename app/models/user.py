"""FAB's account table extended with the department an account belongs to and its password state."""
from __future__ import annotations

import datetime
import secrets
from typing import Optional

from flask_appbuilder.security.sqla.models import User as FabUser
from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.org import Department


def _first_epoch() -> int:
    """A fresh account's epoch: random in 2**30, far below the column's 2**31 bound however often it is bumped."""
    return secrets.randbelow(2**30)


class GemsUser(FabUser):
    """An account; `department` decides what a college account may see (app.scope)."""

    __tablename__ = "ab_user"
    __table_args__ = {"extend_existing": True}
    __scope__ = {"department": "department_id", "student": "id", "employer": "employer_id"}

    department_id: Mapped[Optional[int]] = mapped_column(ForeignKey("department.id"), index=True)
    department: Mapped[Optional[Department]] = relationship(foreign_keys=[department_id])
    phone: Mapped[Optional[str]] = mapped_column(String(20))
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False, server_default="0")
    password_changed_at: Mapped[Optional[datetime.datetime]] = mapped_column(DateTime)
    # bumped by a password change, reset, lock or disable: every session and token of an older epoch is dead. A new
    # account starts at a random epoch, so a token of a deleted account whose id SQLite hands on matches nothing
    auth_epoch: Mapped[int] = mapped_column(Integer, default=_first_epoch, nullable=False, server_default="0")
    # an employer portal account belongs to one employer (app.scope's EMPLOYER rule reads it)
    employer_id: Mapped[Optional[int]] = mapped_column(ForeignKey("employer.id", name="fk_ab_user_employer_id"),
                                                       index=True)

    @property
    def display_name(self) -> str:
        return f"{self.first_name}{self.last_name or ''}"

    def __repr__(self) -> str:
        return self.display_name or self.username


User = GemsUser  # FAB's relationships resolve the string "User" to FAB's base class; code uses this name


@event.listens_for(GemsUser, "before_delete")
def _release_owned_rows(mapper, connection, target) -> None:  # noqa: ANN001
    """A deleted account lets go of its graduate record (and its sessions): SQLite reuses the highest id, so a later
    account would otherwise inherit a student's record and sign in as them."""
    from app.models.graduate import Graduate
    from app.models.security import UserSession

    graduate, sessions = Graduate.__table__, UserSession.__table__
    connection.execute(graduate.update().where(graduate.c.user_id == target.id).values(user_id=None))
    connection.execute(sessions.delete().where(sessions.c.user_id == target.id))
