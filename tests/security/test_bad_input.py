"""The bad inputs the security review found answering 500: each now a 400/404 with a Chinese message."""
from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import DEMO_PASSWORD, assert_signed_in

HUGE = "135404800875076251658546577408"  # beyond 64 bits


@pytest.fixture()
def api(app: Any) -> tuple[Any, dict[str, str]]:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "10.66.0.1"
    response = client.post("/api/v1/security/login",
                           json={"username": "school", "password": DEMO_PASSWORD, "provider": "db"})
    assert response.status_code == 200, response.get_data(as_text=True)
    return client, {"Authorization": f"Bearer {response.get_json()['access_token']}"}


API_GETS = [  # (url, status, words of the Chinese message)
    (f"/api/v1/department/{HUGE}", 404, "未找到"),
    (f"/api/v1/graduate/{HUGE}", 404, "未找到"),
    (f"/api/v1/source_review/{HUGE}", 404, "未找到"),
    ("/api/v1/department/?q=1e", 400, "rison"),
    ("/api/v1/graduate/?q=-2.1e%2B16", 400, "rison"),
    ("/api/v1/graduate/_info?q=1e", 400, "rison"),
    (f"/api/v1/source_review/?page={HUGE}", 400, "整数"),
    (f"/api/v1/source_review/?cohort={HUGE}", 400, "整数"),
    (f"/api/v1/source_review/?major={HUGE}", 400, "整数"),
    ("/api/v1/source_review/?department=abc", 400, "整数"),
]


@pytest.mark.parametrize(("url", "status", "words"), API_GETS)
def test_api_get(api: tuple[Any, dict[str, str]], url: str, status: int, words: str) -> None:
    client, headers = api
    response = client.get(url, headers=headers)
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert words in response.get_json()["message"]


API_POSTS = [  # (url, JSON body, status, words)
    ("/api/v1/source_review/1/approve", [1], 400, "JSON 对象"),
    ("/api/v1/source_review/1/approve", "x", 400, "JSON 对象"),
    ("/api/v1/source_review/1/approve", {"version": "a"}, 400, "version"),
    ("/api/v1/source_review/1/approve", {"version": [1]}, 400, "version"),
    ("/api/v1/source_review/1/approve", {"version": HUGE}, 400, "version"),
    (f"/api/v1/source_review/{HUGE}/approve", {}, 404, "未找到"),
    ("/api/v1/source_review/batch/approve", [1], 400, "JSON 对象"),
    ("/api/v1/source_review/batch/approve", {"ids": [HUGE]}, 400, "整数"),
    ("/api/v1/source_review/batch/approve", {"ids": "1"}, 400, "整数"),
    ("/api/v1/source_review/batch/approve", {"ids": [True]}, 400, "整数"),
]


@pytest.mark.parametrize(("url", "body", "status", "words"), API_POSTS)
def test_api_post(api: tuple[Any, dict[str, str]], url: str, body: Any, status: int, words: str) -> None:
    client, headers = api
    response = client.post(url, json=body, headers=headers)
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert words in response.get_json()["message"]


def test_api_login_without_provider_is_400(app: Any) -> None:
    client = app.test_client()
    response = client.post("/api/v1/security/login", json={"username": "school", "password": DEMO_PASSWORD})
    assert response.status_code == 400 and "provider" in response.get_json()["message"]


WEB_GETS = [  # (url, status, words); malformed list filters are ignored, as the page always did
    (f"/review/source/{HUGE}", 404, "未找到"),
    (f"/evidence/{HUGE}", 404, "未找到"),
    (f"/graduates/show/{HUGE}", 404, "未找到"),
    ("/graduates/show/abc", 404, "未找到"),
    ("/graduates/list/?psize_GraduateModelView=%C2%B2", 400, "整数"),
    ("/graduates/list/?page_GraduateModelView=-1", 400, "整数"),
    ("/review/source/?cohort=%00", 400, "无法接受"),
    ("/departments/download/x", 404, "未找到"),
]


@pytest.mark.parametrize("group_by", ["abc", "%D9%A3", "7", HUGE])
def test_fab_chart_group_by_out_of_range_is_404(as_role: Any, group_by: str) -> None:
    response = as_role("admin").get(f"/userstatschartview/chart/{group_by}")
    assert response.status_code == 404 and "未找到" in response.get_data(as_text=True)


@pytest.mark.parametrize(("url", "status", "words"), WEB_GETS)
def test_web_get(as_role: Any, url: str, status: int, words: str) -> None:
    b = as_role("school")
    response = b.get(url)
    assert response.status_code == status
    assert response.content_type.startswith("text/html") and words in response.get_data(as_text=True)


@pytest.mark.parametrize("arg", ["page", "cohort", "major", "department"])
def test_review_list_ignores_an_id_beyond_64_bits(as_role: Any, arg: str) -> None:
    """The list reads a malformed filter as no filter: the same rows as without it, never a 500."""
    b = as_role("school")
    plain = b.get("/review/source/")
    response = b.get(f"/review/source/?{arg}={HUGE}")
    assert response.status_code == 200 and plain.status_code == 200
    count = plain.get_data(as_text=True).count('name="ids"')
    assert count > 0 and response.get_data(as_text=True).count('name="ids"') == count


def test_inbox_read_and_batch_ids_beyond_64_bits(as_role: Any) -> None:
    b = as_role("school")
    assert b.post_form(f"/inbox/read/{HUGE}", {}, token_from="/review/source/").status_code == 404
    assert b.get(f"/inbox/?page={HUGE}").status_code == 200
    batch = b.post_form("/review/source/batch", {"ids": HUGE, "decision": "approve"}, token_from="/review/source/")
    assert batch.status_code in (302, 303)  # nothing valid was ticked: back to the list with a message
    majors = b.post_form("/review/source/batch", {"target": "majors", "major_ids": HUGE, "cohort": HUGE,
                                                 "decision": "approve"}, token_from="/review/source/")
    assert majors.status_code in (302, 303)


def test_add_user_without_a_role_is_refused_in_chinese(as_role: Any, app: Any) -> None:
    from app.extensions import db
    from app.models.user import User

    admin = as_role("admin")
    assert_signed_in(admin, "admin")
    password = "Gems#Fuzz2026x"
    response = admin.post_form("/users/add", {"username": "no_role_user", "first_name": "无角色", "email": "n@x.cn",
                                              "password": password, "conf_password": password})
    assert response.status_code == 200
    assert "请至少选择一个角色" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(db.select(User).where(User.username == "no_role_user")).first() is None


def test_unknown_api_route_answers_json_and_english_on_request(app: Any) -> None:
    client = app.test_client()
    zh = client.get("/api/v1/no_such_thing/")
    en = client.get("/api/v1/no_such_thing/?_l_=en")
    assert zh.status_code == en.status_code == 404
    assert "未找到" in zh.get_json()["message"] and "not found" in en.get_json()["message"]
