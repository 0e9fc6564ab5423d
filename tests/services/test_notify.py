"""MSG-3: workflow decisions notify the student through every channel; the inbox shows only the reader's own."""
from __future__ import annotations

import itertools
from typing import Any

import pytest
from flask import g
from sqlalchemy import delete, func, select

from app.extensions import db
from app.models.graduate import Graduate
from app.models.notification import Notification
from app.models.org import Cohort, Department
from app.models.user import User
from app.security.roles import STUDENT
from app.services import notify
from app.services.accounts import hash_password
from app.workflows.engine import fire, fire_many
from app.workflows.source_info import SOURCE_INFO
from tests.conftest import DEMO_PASSWORD, Browser

_serial = itertools.count(1)


def _student(app: Any, status: str, college_code: str = "101") -> tuple[int, int]:
    """A fresh student account and graduate in `status`; returns (graduate id, user id)."""
    n = next(_serial)
    dept = db.session.execute(select(Department).where(Department.code == college_code)).scalar_one()
    cohort = db.session.execute(select(Cohort)).scalars().first()
    user = User(username=f"notify{n:04d}", first_name=f"通知{n}", last_name="", email=f"notify{n}@t.invalid",
                active=True, department=dept, password=hash_password(DEMO_PASSWORD), must_change_password=False,
                roles=[app.appbuilder.sm.find_role(STUDENT)])
    db.session.add(user)
    db.session.flush()
    graduate = Graduate(student_no=f"N{n:07d}", name=f"通知{n}", id_number=f"43062120030101{n:03d}X"[:18],
                        gender="1", education_level="31", cohort_id=cohort.id, department_id=dept.id,
                        user_id=user.id, status=status, version=1)
    db.session.add(graduate)
    db.session.commit()
    return graduate.id, user.id


def _actor(username: str) -> User:
    return db.session.execute(select(User).where(User.username == username)).scalar_one()


def test_rejection_notifies_the_student_with_the_remark(ctx: Any) -> None:
    """A college rejection puts a Chinese message with the reviewer's remark into the student's inbox."""
    graduate_id, user_id = _student(ctx, "secondary")
    g.user = _actor("college_a")
    newest = select(func.max(Notification.id))
    before = db.session.execute(newest).scalar() or 0
    result = fire(SOURCE_INFO, "reject", graduate_id, g.user, remark="生源地填写错误")
    assert result.ok, result.reason
    rows = db.session.execute(select(Notification).where(Notification.id > before)).scalars().all()
    assert [(n.user_id, n.kind) for n in rows] == [(user_id, "source_info.reject")]
    text = notify.render(rows[0])
    assert "生源地填写错误" in text and "院系" in text


def test_batch_approval_notifies_each_student_once(ctx: Any) -> None:
    """A batch decision sends exactly one notification per decided record, none for skipped ones."""
    pending = [_student(ctx, "secondary") for _ in range(5)]
    draft_id, draft_user = _student(ctx, "draft")
    g.user = _actor("college_a")
    before = db.session.execute(select(func.max(Notification.id))).scalar() or 0
    result = fire_many(SOURCE_INFO, "approve_college", [gid for gid, _ in pending] + [draft_id], g.user)
    assert len(result.done) == 5 and len(result.skipped) == 1
    users = [uid for _, uid in pending]
    counts = dict(db.session.execute(select(Notification.user_id, func.count()).where(
        Notification.user_id.in_(users + [draft_user]), Notification.id > before).group_by(Notification.user_id)).all())
    assert counts == dict.fromkeys(users, 1)


def test_other_channels_receive_the_same_messages(ctx: Any) -> None:
    """A registered channel (email, WeChat …) gets every message the inbox gets, inside the same transaction."""
    received: list[notify.Message] = []

    class Recorder:
        name = "recorder-test"

        def deliver(self, messages: Any) -> None:
            received.extend(messages)

    notify.register_channel(Recorder())
    try:
        graduate_id, user_id = _student(ctx, "central")
        g.user = _actor("school")
        assert fire(SOURCE_INFO, "approve_school", graduate_id, g.user).ok
        assert [(m.user_id, m.kind) for m in received] == [(user_id, "source_info.approve_school")]
    finally:
        notify.CHANNELS[:] = [c for c in notify.CHANNELS if c.name != "recorder-test"]


def test_render_follows_the_reader_language(app: Any) -> None:
    """The stored kind and parameters are rendered in the reader's language, not the sender's."""
    note = Notification(user_id=1, kind="source_info.reject", params='{"remark": "x", "level": "school"}')
    with app.test_request_context(headers={"Accept-Language": "en"}):
        from flask import session

        session["locale"] = "en"
        assert "school" in notify.render(note)
    with app.test_request_context():
        assert "学校" in notify.render(note)


@pytest.fixture()
def student_browser(app: Any) -> tuple[Browser, int, int]:
    with app.app_context():
        graduate_id, user_id = _student(app, "secondary")
        username = db.session.get(User, user_id).username
    b = Browser(app.test_client())
    b.login_proven(username)
    return b, graduate_id, user_id


def test_inbox_shows_unread_count_and_marks_read(app: Any, student_browser: tuple[Browser, int, int]) -> None:
    """The navbar shows the unread count; opening a message marks it read; another user's id changes nothing."""
    b, graduate_id, user_id = student_browser
    with app.app_context():
        notify.notify([notify.Message(user_id, "message", {"text": "请于周五前提交生源信息"}, "/inbox/")])
        other = Notification(user_id=_actor("school").id, kind="message", params='{"text": "别人的"}',
                             created_at=db.func.now())
        db.session.add(other)
        db.session.commit()
        mine = db.session.execute(select(Notification.id).where(Notification.user_id == user_id)).scalar_one()
        other_id = other.id
    page = b.get("/inbox/").get_data(as_text=True)
    assert "请于周五前提交生源信息" in page and "别人的" not in page
    assert 'id="gems-unread">1<' in page
    token = b.token("/inbox/")
    b.client.post(f"/inbox/read/{other_id}", data={"csrf_token": token})
    with app.app_context():
        assert db.session.get(Notification, other_id).read_at is None
    assert b.client.post(f"/inbox/read/{mine}", data={"csrf_token": token}).status_code == 302
    assert 'id="gems-unread"' not in b.get("/inbox/").get_data(as_text=True)
    with app.app_context():
        db.session.execute(delete(Notification).where(Notification.id == other_id))
        db.session.commit()
