"""Scope of change requests and evidence: no student or college reaches another's requests or files by any door."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models.change import ChangeRequest
from tests.conftest import Browser
from tests.services.change_world import World, build_world, destroy_world
from tests.views.test_changes import make_request, post_action, stored


@pytest.fixture(scope="module")
def world(app: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    previous = app.config.get("GEMS_EVIDENCE_DIR")
    app.config["GEMS_EVIDENCE_DIR"] = str(tmp_path_factory.mktemp("evidence"))
    with app.app_context():
        built = build_world()
        built.reset()
    ids = {key: make_request(app, built, key) for key in ("a1", "b1")}
    built.request_ids = ids  # type: ignore[attr-defined]
    yield built
    with app.app_context():
        destroy_world(built)
    app.config["GEMS_EVIDENCE_DIR"] = previous


def ids_of(world: World, key: str) -> tuple[int, int]:
    return world.request_ids[key]  # type: ignore[attr-defined]


def test_student_never_reaches_another_students_request_or_evidence(app: Any, world: World, as_role: Any) -> None:
    """a2 sees only their own requests; a1's evidence answers 404, reviewer screens are forbidden."""
    request_id, evidence_id = ids_of(world, "a1")
    b = as_role(world.users["a2"])
    listing = b.get("/student/changes/").get_data(as_text=True)
    assert f'id="change-{request_id}"' not in listing and f"/evidence/{evidence_id}" not in listing
    assert b.get(f"/evidence/{evidence_id}").status_code == 404
    assert b.get(f"/evidence/{evidence_id}/inline").status_code == 404
    for url in ("/changerequests/list/", f"/changerequests/show/{request_id}"):
        assert b.get(url).status_code in (302, 403)
    post_action(b, "approve", [request_id])
    assert stored(app, request_id)[0] == "submitted"


def test_student_cannot_aim_a_request_at_another_graduate(app: Any, world: World, as_role: Any) -> None:
    """Ids in the URL or form are ignored: the page always works on the signed-in student's own record."""
    b = as_role(world.users["a2"])
    a1_graduate = world.graduates["a1"]
    url = f"/student/changes/new?field=origin&graduate_id={a1_graduate}&id={a1_graduate}"
    page = b.get(url).get_data(as_text=True)
    assert world.users["a1"] not in page
    with app.app_context():
        before = db.session.execute(select(ChangeRequest.id).where(ChangeRequest.graduate_id == a1_graduate)
                                    ).scalars().all()
    b.client.post(url, data={"csrf_token": b.token(url), "graduate_id": str(a1_graduate), "claimed_value": "x"})
    with app.app_context():
        after = db.session.execute(select(ChangeRequest.id).where(ChangeRequest.graduate_id == a1_graduate)
                                   ).scalars().all()
    assert before == after


def test_student_downloads_own_evidence(world: World, as_role: Any) -> None:
    """The owner may download their own file."""
    _request, evidence_id = ids_of(world, "a1")
    assert as_role(world.users["a1"]).get(f"/evidence/{evidence_id}").status_code == 200


@pytest.mark.parametrize(("reviewer", "own", "other"), [("college_a", "a1", "b1"), ("college_b", "b1", "a1")])
def test_college_sees_only_its_own_requests(app: Any, world: World, as_role: Any, reviewer: str, own: str,
                                            other: str) -> None:
    """List, show, actions and downloads all stop at the college's subtree."""
    own_request, own_evidence = ids_of(world, own)
    other_request, other_evidence = ids_of(world, other)
    b: Browser = as_role(reviewer)
    listing = b.get("/changerequests/list/").get_data(as_text=True)
    assert world.users[own] in listing and world.users[other] not in listing
    assert b.get(f"/changerequests/show/{own_request}").status_code == 200
    assert b.get(f"/changerequests/show/{other_request}").status_code == 404
    assert b.get(f"/evidence/{own_evidence}").status_code == 200
    assert b.get(f"/evidence/{other_evidence}").status_code == 404
    assert b.get(f"/evidence/{other_evidence}/inline").status_code == 404
    post_action(b, "approve", [other_request])
    post_action(b, "reject", [other_request], confirm="1", reason="不在本院系")
    assert stored(app, other_request) == ("submitted", None)
    form = post_action(b, "reject", [other_request]).get_data(as_text=True)
    assert f'name="rowid" value="{other_request}"' not in form


def test_school_sees_every_college(world: World, as_role: Any) -> None:
    """Central reviewers see and download across colleges."""
    b = as_role("school")
    listing = b.get("/changerequests/list/").get_data(as_text=True)
    assert world.users["a1"] in listing and world.users["b1"] in listing
    for key in ("a1", "b1"):
        assert b.get(f"/evidence/{ids_of(world, key)[1]}").status_code == 200


def test_anonymous_and_staff_cannot_use_student_pages(world: World, browser: Browser, as_role: Any) -> None:
    """Evidence needs a signed-in user with the permission; the student pages are for students only."""
    _request, evidence_id = ids_of(world, "a1")
    anonymous = browser.get(f"/evidence/{evidence_id}")
    assert anonymous.status_code == 302 and "/login/" in anonymous.headers["Location"]
    assert as_role("college_a").get("/student/changes/").status_code == 403
