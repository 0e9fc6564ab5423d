"""Safe redirects: one helper decides every `back`/`next` target; hostile values fall back, good paths keep their query."""
from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

import pytest

from app.extensions import db
from app.models.graduate import Graduate
from app.security.redirects import is_safe_path, own_path, safe_path
from tests.conftest import DEMO_PASSWORD
from tests.views.review_helpers import make_graduates

pytestmark = pytest.mark.usefixtures("restore_preferences")

FALLBACK = "/fallback/"
HOSTILE = [
    "https://evil.example/", "http://evil.example", "HTTPS://evil.example/x", "//evil.example", "///evil.example",
    "////evil.example/x", "/\\evil.example", "\\\\evil.example", "\\/evil.example", "/\\/evil.example",
    "/x\\..\\evil", "javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:alert(1)", "\tjavascript:alert(1)",
    "java\nscript:alert(1)", "data:text/html,<script>alert(1)</script>", "vbscript:msgbox(1)",
    "%2F%2Fevil.example", "/%2F%2Fevil.example", "/%2f/evil.example", "/%5Cevil.example", "/%09/evil.example",
    "\t//evil.example", "/\t/evil.example", "/\n/evil.example", "/\r\nSet-Cookie:%20a=1", "/x\x00", "/x\x7f",
    " /review/source/", "/review/source/ ", "\uff0f\uff0fevil.example", "/\u200b/evil.example",
    "/\u202e/evil.example", "/\u3000/evil.example", "/\ufeff/evil.example", "evil.example", "review/source/",
    "?next=//evil.example", "#x", "", None, 7, ["/"],
]
GOOD = [
    "/", "/review/source/", "/review/source/?status=secondary&page=2", "/review/source/?q=%E5%BC%A0%E4%B8%89",
    "/review/source/?paste=2022101001%0A2022101002&size=50", "/review/source/?q=a%2F%2Fb", "/departments/tree/#d-3",
    "/review/source/123", "/students/张三/", "/x:y", "/review/source/?back=//evil.example",
]


@pytest.mark.parametrize("value", HOSTILE, ids=repr)
def test_hostile_targets_fall_back(value: Any) -> None:
    assert not is_safe_path(value)
    assert safe_path(value, FALLBACK) == FALLBACK


@pytest.mark.parametrize("value", GOOD)
def test_good_paths_are_kept_whole(value: str) -> None:
    assert safe_path(value, FALLBACK) == value


@pytest.mark.parametrize(("url", "expected"), [
    ("http://localhost/review/source/?status=secondary", "/review/source/?status=secondary"),
    ("https://localhost/review/source/", "/review/source/"),  # behind a TLS-terminating proxy
    ("http://localhost/", "/"),
    ("/review/source/", "/review/source/"),
    ("http://localhost.evil.example/", FALLBACK),
    ("http://localhost@evil.example/", FALLBACK),
    ("http://localhost:8080/review/", FALLBACK),  # another port is another origin
    ("http://localhost//evil.example/", FALLBACK),
    ("http://localhost/\\evil.example", FALLBACK),
    ("https://evil.example/http://localhost/", FALLBACK),
    ("javascript:alert(1)", FALLBACK),
    (None, FALLBACK),
])
def test_own_absolute_urls_become_paths(app: Any, url: Any, expected: str) -> None:
    with app.test_request_context("/", base_url="http://localhost"):
        assert own_path(url, FALLBACK) == expected


def _post(b: Any, url: str, data: dict[str, Any]) -> Any:
    return b.client.post(url, data={"csrf_token": b.token("/review/source/"), **data})


@pytest.mark.parametrize("back", ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)"])
def test_back_field_never_leaves_the_site(as_role: Any, back: str) -> None:
    response = _post(as_role("school"), "/review/source/columns", {"columns": ["student_no"], "back": back})
    assert response.status_code == 302
    assert response.headers["Location"] == "/review/source/"


def test_good_back_keeps_its_query(as_role: Any) -> None:
    back = "/review/source/?status=secondary&size=50"
    response = _post(as_role("school"), "/review/source/columns", {"columns": ["student_no"], "back": back})
    assert response.headers["Location"] == back


@pytest.mark.parametrize("back", ["javascript:alert(1)", "JavaScript:alert(document.cookie)",
                                  "data:text/html,<script>alert(1)</script>", "https://evil.example/"])
def test_batch_result_page_never_links_a_hostile_back(app: Any, as_role: Any, back: str) -> None:
    """The batch result page renders `back` into its "back to the list" button: only a path of ours gets there."""
    with app.app_context():
        gid = make_graduates(1, "draft", "101")[0]
        student_no = db.session.get(Graduate, gid).student_no
    page = _post(as_role("school"), "/review/source/batch",
                 {"decision": "approve", "target": "selected", "ids": [str(gid)], "back": back})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'id="result-table"' in html and student_no in html  # the real result page
    hrefs = re.findall(r'href="([^"]*)"', html)
    assert not [h for h in hrefs if re.match(r"\s*(javascript|data|vbscript):", h, re.I) or "evil.example" in h]
    assert re.search(r'<a class="btn btn-primary" href="/review/source/">', html)


def test_batch_result_page_keeps_a_good_back(app: Any, as_role: Any) -> None:
    with app.app_context():
        gid = make_graduates(1, "draft", "101")[0]
    back = "/review/source/?status=draft&size=50"
    html = _post(as_role("school"), "/review/source/batch",
                 {"decision": "approve", "target": "selected", "ids": [str(gid)], "back": back}).get_data(as_text=True)
    assert '<a class="btn btn-primary" href="/review/source/?status=draft&amp;size=50">' in html


@pytest.mark.parametrize(("next_url", "expected"), [
    ("https://evil.example/", "/"), ("//evil.example", "/"), ("/\\evil.example", "/"), ("javascript:alert(1)", "/"),
    ("/review/source/?status=secondary", "/review/source/?status=secondary"),
    ("http://localhost/review/source/", "/review/source/"),  # what FAB's login redirect puts into next=
])
def test_login_next_is_checked(browser: Any, next_url: str, expected: str) -> None:
    response = browser.post_form(f"/login/?next={quote(next_url, safe='')}",
                                 {"username": "school", "password": DEMO_PASSWORD}, token_from="/login/")
    assert response.status_code == 302
    assert response.headers["Location"] == expected
    assert browser.get("/review/source/").status_code == 200  # signed in for real


def test_signed_in_user_is_not_sent_off_site_by_login_next(as_role: Any) -> None:
    response = as_role("school").get("/login/?next=https://evil.example/")
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_stale_edit_redirect_stays_on_site(app: Any) -> None:
    """The "someone else changed this record" handler goes back to the Referer only when it is our own page."""
    from sqlalchemy.orm.exc import StaleDataError

    from app.security.web import _stale

    with app.test_request_context("/review/source/5", base_url="http://localhost",
                                  headers={"Referer": "https://evil.example/"}):
        response, status = _stale(StaleDataError("x"))
        assert status == 303 and response.headers["Location"] == "/review/source/5"
    with app.test_request_context("/review/source/5", base_url="http://localhost",
                                  headers={"Referer": "http://localhost/review/source/?status=draft"}):
        response, _status = _stale(StaleDataError("x"))
        assert response.headers["Location"] == "/review/source/?status=draft"
