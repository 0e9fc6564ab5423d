"""MSG-3: one notification interface; the in-app inbox is the first channel, email/WeChat/SMS plug in beside it."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Optional, Protocol, Sequence

from flask_babel import gettext
from sqlalchemy import func, insert, select, update

from app.extensions import db
from app.models.notification import Notification
from app.timeutil import utcnow
from app.validation.i18n import N_

# kind -> message template (msgid). Parameters are stored, the text is rendered in the reader's language.
TEMPLATES: dict[str, str] = {
    "source_info.submit_for_student": N_("Your teacher submitted your source information for review on your behalf."),
    "source_info.approve_college": N_("Your source information passed the college review and is now with the school."),
    "source_info.approve_school": N_("Your source information passed the school review: verification is complete."),
    "source_info.reject": N_("Your source information was not approved by the %(level)s: %(remark)s "
                             "Please correct it and submit again."),
    "source_info.reopen": N_("The administrator reopened your source information: %(remark)s"),
    "change_request.approve": N_("Your change request for “%(field)s” was approved."),
    "change_request.reject": N_("Your change request for “%(field)s” was not approved: %(remark)s"),
    "message": N_("%(text)s"),
}
LEVELS = {"college": N_("college"), "school": N_("school")}
# parameters stored as a key and shown as a word in the reader's language: parameter -> key -> msgid
WORDS: dict[str, dict[str, str]] = {"level": LEVELS}


@dataclass(frozen=True)
class Message:
    """What to tell one account; `link` is a path inside GEMS."""

    user_id: int
    kind: str
    params: dict[str, Any] = field(default_factory=dict)
    link: Optional[str] = None


class Channel(Protocol):
    """A delivery channel. `deliver` runs inside the deciding transaction: external channels should enqueue
    (an outbox row, a task) rather than call out, so a rolled-back decision sends nothing."""

    name: str

    def deliver(self, messages: Sequence[Message]) -> None: ...


class InAppChannel:
    """Writes inbox rows in bulk (a batch approval of 10 000 records is one INSERT)."""

    name = "inapp"

    def deliver(self, messages: Sequence[Message]) -> None:
        now = utcnow()
        rows = [dict(user_id=m.user_id, kind=m.kind, params=json.dumps(m.params, ensure_ascii=False, default=str),
                     link=m.link, created_at=now, read_at=None) for m in messages]
        if rows:
            db.session.execute(insert(Notification), rows)


CHANNELS: list[Channel] = [InAppChannel()]


def register_channel(channel: Channel) -> None:
    """Add a channel (email, WeChat, SMS …); every notification goes to every registered channel."""
    if all(existing.name != channel.name for existing in CHANNELS):
        CHANNELS.append(channel)


def notify(messages: Sequence[Message]) -> int:
    """Send through every channel, in the caller's transaction; returns how many messages were sent."""
    messages = [m for m in messages if m.user_id]
    for channel in CHANNELS:
        channel.deliver(messages)
    return len(messages)


def render(notification: Notification) -> str:
    """The notification's text in the current language."""
    from app.services.comparison import KEY_FIELDS_BY_NAME

    template = TEMPLATES.get(notification.kind, "%(text)s")
    params = json.loads(notification.params or "{}")
    if "field" in params and params["field"] in KEY_FIELDS_BY_NAME:
        params["field"] = str(KEY_FIELDS_BY_NAME[params["field"]].label)
    for name, words in WORDS.items():
        if params.get(name) in words:
            params[name] = gettext(words[params[name]])
    params.setdefault("remark", "")
    params.setdefault("text", "")
    try:
        return gettext(template, **params)
    except (KeyError, ValueError, TypeError):
        return template


def unread_count(user_id: int) -> int:
    return db.session.execute(select(func.count()).select_from(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None))).scalar_one()


def mark_read(user_id: int, ids: Optional[Sequence[int]] = None) -> int:
    """Mark the user's notifications (all, or the given ids) read; never touches another user's rows."""
    stmt = update(Notification).where(Notification.user_id == user_id, Notification.read_at.is_(None))
    if ids is not None:
        stmt = stmt.where(Notification.id.in_(list(ids)))
    return db.session.execute(stmt.values(read_at=utcnow())).rowcount
