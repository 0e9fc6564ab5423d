"""Error pages: in the app's layout and the user's language, with a way back; a 500's reference id is in the log."""
from __future__ import annotations

import io
import logging
import re
import uuid
from typing import Any

import pytest
from werkzeug.exceptions import Forbidden

from tests.conftest import Browser

pytestmark = pytest.mark.usefixtures("restore_preferences")

NAVBAR = re.compile(r'<div class="navbar[^"]*" role="navigation"')
HOME_LINK = 'id="gems-error-home" href="/"'
# zh texts written here from the translation table (not read from the code under test)
ZH = {
    403: "没有访问权限",
    404: "未找到页面",
    405: "此处不能执行该操作",
    413: "文件过大",
    429: "请求过于频繁",
    500: "服务器出错了",
    "csrf": "表单已过期",
}


def assert_layout_page(response: Any, status: int, heading: str) -> str:
    """The page has the app's navbar, the heading in Chinese and a link home (not Werkzeug's bare page)."""
    html = response.get_data(as_text=True)
    assert response.status_code == status, html[:300]
    assert NAVBAR.search(html), f"{status}: no navbar"
    assert heading in html, f"{status}: {heading!r} missing"
    assert "Werkzeug" not in html and f"<title>{status}" not in html
    return html


@pytest.fixture()
def crash(app: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Make an endpoint raise, with exceptions handled as in production (tests propagate them by default)."""
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)

    def install(endpoint: str, error: Exception) -> None:
        def boom(*args: Any, **kwargs: Any) -> Any:
            raise error

        monkeypatch.setitem(app.view_functions, endpoint, boom)

    return install


def test_404_in_zh_with_navbar_and_ways_back(as_role: Any) -> None:
    school = as_role("school")
    response = school.get("/no-such-page/", headers={"Referer": "http://localhost/review/source/"})
    html = assert_layout_page(response, 404, ZH[404])
    assert HOME_LINK in html
    assert 'id="gems-error-back" href="/review/source/"' in html
    assert "不在您的管理范围内" in html  # what happened, in words


def test_back_link_never_leaves_the_site(as_role: Any) -> None:
    response = as_role("school").get("/no-such-page/", headers={"Referer": "https://evil.example/x"})
    html = assert_layout_page(response, 404, ZH[404])
    assert "evil.example" not in html and 'id="gems-error-back"' not in html


def test_404_for_anonymous_user_and_in_english(browser: Browser) -> None:
    assert_layout_page(browser.get("/no-such-page/"), 404, ZH[404])
    browser.get("/lang/en")
    html = assert_layout_page(browser.get("/no-such-page/"), 404, "Not found")
    assert ZH[404] not in html


def test_403_forbidden_and_origin_refused(as_role: Any, crash: Any) -> None:
    school = as_role("school")
    crash("HomeView.index", Forbidden())
    html = assert_layout_page(school.get("/"), 403, ZH[403])
    assert "您没有执行此操作的权限" in html and HOME_LINK in html
    token = school.token("/review/source/")
    refused = school.client.post("/review/source/columns", data={"csrf_token": token, "columns": ["student_no"]},
                                 headers={"Origin": "https://evil.example"})
    html = assert_layout_page(refused, 403, ZH[403])
    assert "该请求来自其他网站" in html


def test_405_wrong_method(app: Any, as_role: Any) -> None:
    get_paths = {r.rule for r in app.url_map.iter_rules() if "GET" in (r.methods or ())}
    post_only = next(r.rule for r in app.url_map.iter_rules()
                     if "POST" in (r.methods or ()) and r.rule not in get_paths and not r.arguments
                     and not r.rule.startswith("/api/"))
    html = assert_layout_page(as_role("school").get(post_only), 405, ZH[405])
    assert HOME_LINK in html


def test_csrf_expired_says_so_and_leads_back(app: Any, as_role: Any) -> None:
    from app.extensions import db
    from app.models.org import Department

    admin = as_role("admin")
    response = admin.client.post("/departments/add", data={"csrf_token": "expired-token", "code": "998",
                                                           "name": "过期令牌学院", "kind": "college"},
                                 headers={"Referer": "http://localhost/departments/add"})
    html = assert_layout_page(response, 400, ZH["csrf"])
    assert "刷新页面后重新提交" in html and 'id="gems-error-back" href="/departments/add"' in html
    with app.app_context():
        assert db.session.query(Department).filter_by(code="998").count() == 0


def test_413_over_large_upload(app: Any, as_role: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from app.models.org import Cohort

    school = as_role("school")
    with app.app_context():
        cohort_id = Cohort.query.first().id
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 64 * 1024)
    token = school.token("/registry-import/")
    big = io.BytesIO(b"x" * (128 * 1024))
    response = school.client.post("/registry-import/upload", data={"csrf_token": token, "cohort": cohort_id,
                                                                    "file": (big, "big.xlsx")},
                                  headers={"Referer": "http://localhost/registry-import/"})
    html = assert_layout_page(response, 413, ZH[413])
    assert 'href="/registry-import/"' in html


def test_429_from_the_login_rate_limit(browser: Browser) -> None:
    name = f"rl-{uuid.uuid4().hex[:6]}"
    codes = []
    for _ in range(25):
        response = browser.login(name, "wrong")
        codes.append(response.status_code)
        if response.status_code == 429:
            break
    assert codes[-1] == 429, codes
    html = assert_layout_page(response, 429, ZH[429])
    assert "请稍等一分钟后再试" in html


def test_500_shows_the_reference_id_of_its_log_line(as_role: Any, crash: Any,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    school = as_role("school")
    crash("HomeView.index", RuntimeError("boom for the log"))
    with caplog.at_level(logging.ERROR):
        response = school.get("/")
    html = assert_layout_page(response, 500, ZH[500])
    shown = re.search(r'id="gems-error-reference">[^<]*<code>([^<]+)</code>', html)
    assert shown, "no reference number on the 500 page"
    rid = shown.group(1)
    assert response.headers["X-Request-ID"] == rid
    logged = [r for r in caplog.records if rid in r.getMessage()]
    assert logged and logged[0].exc_info and "boom for the log" in str(logged[0].exc_info[1])
    assert "boom for the log" not in html and "Traceback" not in html


def test_500_trusts_only_a_safe_incoming_request_id(as_role: Any, crash: Any,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    school = as_role("school")
    crash("HomeView.index", RuntimeError("boom"))
    good = school.get("/", headers={"X-Request-ID": "proxy-1234abcd"})
    assert good.headers["X-Request-ID"] == "proxy-1234abcd" and "<code>proxy-1234abcd</code>" in good.get_data(
        as_text=True)
    bad = school.get("/", headers={"X-Request-ID": "<script>x</script> forged"})
    assert re.fullmatch(r"[0-9a-f]{16}", bad.headers["X-Request-ID"])
    assert "<script>x" not in bad.get_data(as_text=True)


def test_api_errors_answer_json_in_the_clients_language(app: Any, crash: Any, monkeypatch: pytest.MonkeyPatch,
                                                        caplog: pytest.LogCaptureFixture) -> None:
    client = app.test_client()
    missing = client.get("/api/v1/no-such-thing/")
    assert missing.status_code == 404 and missing.is_json
    body = missing.get_json()
    assert body["message"] == "未找到该页面或记录，或它不在您的管理范围内。"
    assert body["request_id"] == missing.headers["X-Request-ID"]
    english = client.get("/api/v1/no-such-thing/?_l_=en")  # FAB's API language argument
    assert english.get_json()["message"].startswith("The page or record was not found")

    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1024)
    big = client.post("/api/v1/security/login", data=b'{"x": "' + b"a" * 4096 + b'"}',
                      content_type="application/json")
    assert big.status_code == 413 and big.is_json and big.get_json()["request_id"]

    api_endpoint = next(r.endpoint for r in app.url_map.iter_rules() if r.rule == "/api/v1/department/")
    crash(api_endpoint, RuntimeError("api boom"))
    with caplog.at_level(logging.ERROR):
        failed = client.get("/api/v1/department/")
    assert failed.status_code == 500 and failed.is_json
    rid = failed.get_json()["request_id"]
    assert failed.get_json()["message"] == "服务器未能完成该请求。"
    assert any(rid in r.getMessage() and r.exc_info for r in caplog.records)


def test_page_titles_name_the_page(as_role: Any) -> None:
    html = as_role("school").get("/review/source/").get_data(as_text=True)
    assert "<title>生源信息审核 · GEMS</title>" in html
    assert 'rel="icon"' in html
