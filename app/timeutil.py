"""One clock for the app: naive UTC datetimes in the database, shown in Asia/Shanghai."""
from __future__ import annotations

import datetime


def utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
