"""X-4: the REST door gives the same results as the pages — scoped, per-record reasons, stale versions refused."""
from __future__ import annotations

from typing import Any

from tests.conftest import DEMO_PASSWORD
from tests.views.review_helpers import make_graduates, statuses


def _client(app: Any, username: str, addr: str) -> tuple[Any, dict[str, str]]:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = addr
    token = client.post("/api/v1/security/login", json={"username": username, "password": DEMO_PASSWORD,
                                                         "provider": "db"}).get_json()["access_token"]
    return client, {"Authorization": f"Bearer {token}"}


def test_api_batch_matches_the_page_rules(app: Any) -> None:
    """A batch approve through the API approves own records and skips another college's with the same reason."""
    with app.app_context():
        mine = make_graduates(2, "secondary", "101", prefix="AP")
        other = make_graduates(1, "secondary", "102", prefix="AP")
    client, headers = _client(app, "college_a", "10.9.0.1")
    body = client.post("/api/v1/source_review/batch/approve", json={"ids": mine + other}, headers=headers).get_json()
    assert body["done"] == 2 and body["skipped"] == 1
    skipped = [r for r in body["results"] if not r["ok"]][0]
    assert skipped["id"] == other[0] and "管理范围" in skipped["reason"]
    with app.app_context():
        assert statuses(mine + other) == {mine[0]: "central", mine[1]: "central", other[0]: "secondary"}


def test_api_single_action_with_stale_version_is_409(app: Any) -> None:
    """Deciding on a stale (older) version answers 409 and changes nothing; reject without a reason is 400."""
    with app.app_context():
        pk = make_graduates(1, "secondary", "101", prefix="AQ", version=3)[0]
    client, headers = _client(app, "college_a", "10.9.0.2")
    stale = client.post(f"/api/v1/source_review/{pk}/approve", json={"version": 2}, headers=headers)
    assert stale.status_code == 409 and "其他人修改" in stale.get_json()["results"][0]["reason"]
    with app.app_context():
        assert statuses([pk])[pk] == "secondary"
    assert client.post(f"/api/v1/source_review/{pk}/reject", json={}, headers=headers).status_code == 400
    assert client.post(f"/api/v1/source_review/{pk}/approve", json={"version": 3}, headers=headers).status_code == 200
    with app.app_context():
        assert statuses([pk])[pk] == "central"


def test_api_list_is_scoped_and_masked(app: Any) -> None:
    """The list answers only in-scope rows; a college sees masked IDs; another college's record is 404."""
    with app.app_context():
        mine = make_graduates(1, "secondary", "101", prefix="AR")[0]
        other = make_graduates(1, "secondary", "102", prefix="AR")[0]
    client, headers = _client(app, "college_a", "10.9.0.3")
    body = client.get("/api/v1/source_review/?q=AR", headers=headers).get_json()
    assert [r["id"] for r in body["result"]] == [mine]
    assert "*" in body["result"][0]["id_number"]
    assert client.get(f"/api/v1/source_review/{other}", headers=headers).status_code == 404
    assert client.get("/api/v1/source_review/", headers={}).status_code == 401


def test_api_refuses_browser_sessions(as_role: Any) -> None:
    """A signed-in browser cannot drive the API (no cookie auth, so no CSRF exposure)."""
    b = as_role("school")
    assert b.client.get("/api/v1/source_review/").status_code == 401
