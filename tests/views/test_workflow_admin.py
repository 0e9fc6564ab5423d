"""X-4: the admin's workflow table and diagram come from the machines themselves, and only the admin sees them."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import pytest

from app.workflows.catalog import WORKFLOWS
from app.workflows.diagram import _edges, svg


@pytest.mark.parametrize("name", sorted(WORKFLOWS))
def test_diagram_draws_every_state_and_transition_of_the_machine(app: Any, name: str) -> None:
    """Each state label and each compiled (source, trigger) edge appears once in the well-formed SVG."""
    workflow = WORKFLOWS[name]
    with app.test_request_context():
        drawing = svg(workflow)
        root = ET.fromstring(drawing)
        texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
        for state in workflow.machine.states:
            assert workflow.label(state) in texts
        arrows = list(root.iter("{http://www.w3.org/2000/svg}path"))
        assert len(arrows) == len(_edges(workflow)) + 1  # + the arrow head marker
        expected = sum(len(t.sources) for t in workflow.transitions.values())
        assert len(_edges(workflow)) == expected


def test_admin_sees_the_tables_in_chinese(as_role: Any) -> None:
    """The table lists states, actions with roles, reason rules and guard descriptions, in Chinese."""
    page = as_role("admin").get("/workflows/").get_data(as_text=True)
    assert "二级待审" in page and "中心待审（院 已通过）" in page and "院系审核通过" in page
    assert "表单通过全部填写规则" in page
    assert "校级审核员" in page


@pytest.mark.parametrize("role", ["school", "college_a"])
def test_reviewers_cannot_open_the_workflow_admin(as_role: Any, role: str) -> None:
    """Only the system admin may see how the machines are configured."""
    b = as_role(role)
    assert b.get("/workflows/").status_code in (302, 403)
    assert b.get("/workflows/source_info.svg").status_code in (302, 403)


def test_diagram_endpoint_serves_svg(as_role: Any) -> None:
    """The diagram is served as SVG with a restrictive CSP; unknown workflows are 404."""
    b = as_role("admin")
    response = b.get("/workflows/source_info.svg")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert b.get("/workflows/nope.svg").status_code == 404
