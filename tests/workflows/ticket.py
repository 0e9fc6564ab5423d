"""A small workflow of the engine's own, on a table that exists only in tests."""
from __future__ import annotations

from typing import Any, Optional

import pytest
from sqlalchemy import Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from app.extensions import db
from app.security.roles import ADMIN, COLLEGE, SCHOOL, STUDENT
from app.workflows import Transition, Workflow


class TestBase(DeclarativeBase):
    pass


class Ticket(TestBase):
    __tablename__ = "wf_test_ticket"
    __scope__ = {"department": "department_id", "student": "owner_id"}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    department_id: Mapped[int] = mapped_column(Integer)
    owner_id: Mapped[Optional[int]] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default="draft")
    version: Mapped[int] = mapped_column(Integer, default=1)
    note: Mapped[str] = mapped_column(String(200), default="")
    decided_remark: Mapped[str] = mapped_column(String(200), default="")


def _not_blocked(row: Any, ctx: Any) -> Optional[str]:
    return "备注含“blocked”，不能提交" if "blocked" in (row.note or "") else None


TICKET = Workflow(
    name="ticket",
    model=Ticket,
    states={"draft": "草稿", "college": "二级待审", "school": "中心待审", "done": "完成"},
    initial="draft",
    transitions=[
        Transition("submit", ("draft",), "college", frozenset({STUDENT}), "提交", guards=(_not_blocked,)),
        Transition("pass_college", ("college",), "school", frozenset({COLLEGE, SCHOOL}), "院系通过",
                   sets=lambda ctx: {"decided_remark": ctx.remark}),
        Transition("pass_school", ("school",), "done", frozenset({SCHOOL}), "学校通过"),
        Transition("reject", ("college", "school"), "draft", frozenset({COLLEGE, SCHOOL}), "不同意",
                   requires_reason=True, sets=lambda ctx: {"decided_remark": ctx.remark}),
        Transition("reopen", ("done",), "draft", frozenset({ADMIN}), "重新打开", requires_reason=True),
    ],
    refusals={("pass_school", "college"): "院系尚未审核通过"},
)


@pytest.fixture(name="wf")
def ticket_table(ctx: Any) -> Any:
    """Fresh ticket table; users and departments come from the demo data."""
    db.session.remove()
    TestBase.metadata.drop_all(db.engine)
    TestBase.metadata.create_all(db.engine)
    yield ctx
    db.session.rollback()
    db.session.close()
    TestBase.metadata.drop_all(db.engine)
