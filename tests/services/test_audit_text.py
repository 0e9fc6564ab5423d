"""Audit entries read as Chinese sentences; every action code the app writes has its own template."""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from app.services.audit_text import ACTIONS, describe, field_label

APP = Path(__file__).resolve().parents[2] / "app"
CODE = re.compile(r"""(?:record|Entry)\(\s*"([a-z_]+\.[a-z_.]+|login)\"""")
PATTERN = re.compile(r"""(?:record|Entry)\(\s*f"([a-z_{}.]+)\"""")  # codes built from a value: f"export.{name}"


def written_codes() -> set[str]:
    """Action codes written literally anywhere in app/ (record("…") / Entry("…")), found from the source."""
    codes = set()
    for path in APP.rglob("*.py"):
        codes |= set(CODE.findall(path.read_text(encoding="utf-8")))
    return codes


def test_every_code_built_from_a_value_has_templates() -> None:
    """f"export.{ws.workflow.name}" and the like: each shape matches at least one template (which values it takes is
    checked by test_sentences_of_the_built_codes)."""
    shapes = {m for path in APP.rglob("*.py") for m in PATTERN.findall(path.read_text(encoding="utf-8"))}
    assert "export.{ws.workflow.name}" in shapes, sorted(shapes)
    for shape in shapes - {"workflow.{workflow.name}.{trigger}"}:  # every transition: one sentence (WORKFLOW_ACTION)
        regex = re.compile("^" + re.sub(r"\\{[^}]*\\}", r"[a-z_]+", re.escape(shape)) + "$")
        assert any(regex.match(code) for code in ACTIONS), f"add a sentence to audit_text.ACTIONS for {shape}"


def test_sentences_of_the_built_codes() -> None:
    """The values those shapes take today: every workspace's export, print, batch edit and notice; plan words."""
    from app.models.plan import CONFIRMED, ERROR
    from app.services.review.workspace import WORKSPACES, get

    get("source")
    codes = {f"plan.{CONFIRMED}", f"plan.{ERROR}", "plan.locked", "plan.unlocked"}
    for ws in WORKSPACES.values():
        codes |= {f"export.{ws.workflow.name}", f"export.{ws.workflow.name}_print",
                  f"{ws.audit_type}.batch_modified", f"{ws.audit_type}.batch_notified"}
    assert len(WORKSPACES) >= 2
    assert not sorted(codes - set(ACTIONS))


def test_every_written_action_code_has_a_template() -> None:
    codes = written_codes()
    assert {"login", "account.locked", "graduate.form_saved", "export.sign_off_sheet"} <= codes, sorted(codes)
    missing = sorted(c for c in codes if c not in ACTIONS)
    assert not missing, f"add a sentence to app/services/audit_text.ACTIONS for: {missing}"


@pytest.mark.parametrize(("row", "expected"), [
    (("login", "account", "school", "school", {}), "school 登录系统"),
    (("account.locked", "account", "college_a", "", {"failures": 5, "until": "x"}),
     "账号 college_a 连续 5 次登录失败，已锁定"),
    (("workflow.source_info.reject", "source_info", "12", "school",
      {"from": "central", "to": "rejected", "remark": "照片不清晰"}),
     "school 对毕业生 12执行“不同意”：中心待审（院 已通过） → 不同意；备注：照片不清晰"),
    (("graduate.reviewer_edited", "graduate", "7", "college_a", {"changes": {"origin_code": [None, "430621"]}}),
     "college_a 修改了毕业生 7的生源信息；变更：生源地代码：（空） → 430621"),
    (("cohort.update", "Cohort", "1", "admin", {"is_current": {"old": True, "new": False}}),
     "admin 修改了届别 1；变更：当前届：是 → 否"),
    (("role.update", "Role", "3", "cli", {"permissions": {"added": ["can list on Graduates"], "removed": []}}),
     "系统（命令行） 修改了角色 3；变更：权限：新增 查看列表 · 毕业生"),
    (("something.new", "graduate", "5", "admin", {}), "admin：something.new（毕业生 5）"),
])
def test_sentences(ctx: Any, row: tuple[Any, ...], expected: str) -> None:
    action, target_type, target_id, actor, detail = row
    assert describe(action, target_type, target_id, actor, json.dumps(detail)) == expected


def test_field_keys_read_as_labels(ctx: Any) -> None:
    assert field_label("origin_code", "graduate") == "生源地代码"
    assert field_label("name", "graduate") == "姓名"
    assert field_label("name", "Department") == "院系名称"


def test_audit_list_shows_sentences_and_folds_the_json(app: Any, as_role: Any) -> None:
    html = as_role("admin").get("/audit/list/?_flt_0_action=department.create&_flt_0_actor_name=cli").get_data(as_text=True)
    assert "系统（命令行） 新建了院系" in html  # the demo's departments, created by `flask gems demo`
    assert "<details><summary>原始数据</summary><pre><code>" in html
    assert ">gemsuser.create<" not in html
