"""Login failure counters, kept per username whether or not the account exists, so lockout cannot reveal accounts."""
from __future__ import annotations

import datetime
from typing import Optional

from flask_appbuilder import Model
from sqlalchemy import DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column


class LoginThrottle(Model):
    """Consecutive failed logins for one (normalised) username and the lock they caused."""

    __tablename__ = "login_throttle"

    username: Mapped[str] = mapped_column(String(128), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    last_failure_at: Mapped[Optional[datetime.datetime]] = mapped_column(DateTime)
    locked_until: Mapped[Optional[datetime.datetime]] = mapped_column(DateTime)
    last_ip: Mapped[Optional[str]] = mapped_column(String(64))
