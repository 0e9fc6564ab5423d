"""One clock for the app: naive UTC datetimes in the database, shown in Asia/Shanghai."""
from __future__ import annotations

import datetime


def utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)


def local_display(value: datetime.datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A stored naive-UTC datetime as people here read it (Asia/Shanghai); empty for None."""
    if value is None:
        return ""
    from zoneinfo import ZoneInfo

    return value.replace(tzinfo=datetime.UTC).astimezone(ZoneInfo("Asia/Shanghai")).strftime(fmt)
