"""Security headers on every screen the app has: the CSP with this response's script nonce, no-store, no server
version; and the Origin check beside CSRF. The walk reads app.url_map, so a new screen is covered the day it exists."""
from __future__ import annotations

import http.client
import re
import runpy
import threading
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from app.extensions import db
from app.models.graduate import Graduate
from app.models.user import User

pytestmark = pytest.mark.usefixtures("restore_preferences")

ROOT = Path(__file__).resolve().parents[2]
ARG = re.compile(r"<(?:([a-z]+)(?:\([^)]*\))?:)?([a-z_]+)>")
SKIP = ("/logout/", "/static/")  # signing out would end the walk; static files have their own test
# the policy each HTML response must carry (the nonce differs per response)
POLICY = [
    "default-src 'self'", "img-src 'self' data:", "object-src 'none'", "base-uri 'self'", "frame-ancestors 'none'",
    "form-action 'self'",
]
# views without a datamodel whose <pk> is a graduate (or, for EvidenceView, any id: a 404 page is still checked)
PK_MODELS = {"SourceDetailView": Graduate}
EVIL = "https://evil.example"
REFUSED = "该请求来自其他网站"  # zh of "This request came from another website …"


def _view_of(app: Any, endpoint: str) -> Any:
    name = endpoint.split(".")[0]
    return next((v for v in app.appbuilder.baseviews if v.endpoint == name), None)


def _first_id(model: Any) -> str:
    pk = model.__mapper__.primary_key[0]
    value = db.session.execute(select(pk).order_by(pk)).scalars().first()
    return str(value) if value is not None else "1"


def _fill(app: Any, rule: Any) -> str:
    """The rule with demo values for its path parameters: a real row id for <pk>, a real action name, …"""
    view = _view_of(app, rule.endpoint)

    def value(match: re.Match[str]) -> str:
        name = match.group(2)
        if name in ("pk", "job_id"):
            model = getattr(getattr(view, "datamodel", None), "obj", None) or PK_MODELS.get(type(view).__name__)
            if name == "job_id":
                from app.models.registry import ImportJob

                model = ImportJob
            if rule.endpoint.endswith(".permissions"):
                model = User
            return _first_id(model) if model is not None else "1"
        if name == "name":
            if rule.rule.endswith(".svg"):
                return "source_info"
            return next(iter(getattr(view, "actions", {}) or {"x": 0}))
        return {"locale": "zh", "version": "v1", "group_by": "0", "filename": "x.csv"}.get(name, "1")

    return ARG.sub(value, rule.rule)


def _get_routes(app: Any) -> list[str]:
    with app.app_context():
        rules = [r for r in app.url_map.iter_rules() if "GET" in (r.methods or ()) and not r.rule.startswith(SKIP)]
        return sorted({_fill(app, r) for r in rules})


def _check_html(url: str, response: Any, problems: list[str]) -> None:
    csp = response.headers.get("Content-Security-Policy", "")
    directives = {d.strip().split(" ")[0]: d.strip() for d in csp.split(";") if d.strip()}
    script = directives.get("script-src", "")
    nonce = re.search(r"'nonce-([A-Za-z0-9_-]{16,})'", script)
    if not nonce or "'unsafe-inline'" in script or "'unsafe-eval'" in script:
        problems.append(f"{url}: script-src without a nonce or with unsafe-*: {script!r}")
        return
    missing = [d for d in POLICY if d not in csp]
    if missing:
        problems.append(f"{url}: CSP lacks {missing}")
    if "'unsafe-inline'" in directives.get("style-src-elem", "") or "nonce-" not in directives.get("style-src-elem", ""):
        problems.append(f"{url}: <style> elements are not limited to the nonce")
    html = response.get_data(as_text=True)
    for tag in re.findall(r"<(?:script|style)\b[^>]*>", html, re.I):
        if f'nonce="{nonce.group(1)}"' not in tag and " src=" not in tag:
            problems.append(f"{url}: inline {tag[:80]!r} without this response's nonce")
    handlers = re.findall(r"<[a-z][^>]*\s(on[a-z]+)\s*=", html, re.I)
    if handlers:
        problems.append(f"{url}: inline event handlers {sorted(set(handlers))} (blocked by the CSP)")
    if re.search(r"""(?:href|src|action)\s*=\s*["']\s*javascript:""", html, re.I):
        problems.append(f"{url}: a javascript: URL")


@pytest.mark.parametrize("username", ["school", "admin"])
def test_every_get_route_has_csp_and_no_store(app: Any, as_role: Any, username: str) -> None:
    """Every registered GET route, path parameters filled from the demo: HTML pages carry the CSP (script nonce
    matching the page's scripts, no inline handlers); every response is no-store and names no server version."""
    b = as_role(username)
    routes = _get_routes(app)
    problems: list[str] = []
    html_ok: set[str] = set()
    for url in routes:
        response = b.get(url)
        if response.headers.get("Cache-Control") != "no-store" or response.headers.get("Pragma") != "no-cache":
            problems.append(f"{url}: Cache-Control {response.headers.get('Cache-Control')!r}")
        if "Server" in response.headers:
            problems.append(f"{url}: Server {response.headers['Server']!r}")
        if response.mimetype == "text/html":
            _check_html(url, response, problems)
            if response.status_code == 200:
                html_ok.add(url)
    assert problems == []
    with app.app_context():
        record = f"/review/source/{_first_id(Graduate)}"
    expected = {"/", "/review/source/", record, "/graduates/list/", "/departments/tree/", "/inbox/", "/profile/form"}
    assert expected <= html_ok, expected - html_ok  # the walk reached the real screens, not only refusals
    assert len(html_ok) >= 25, sorted(html_ok)


def test_student_form_and_login_page_have_the_headers(app: Any, browser: Any) -> None:
    from tests.views.student_support import StudentFactory, signed_in

    login = browser.get("/login/")
    assert login.headers["Cache-Control"] == "no-store" and "'nonce-" in login.headers["Content-Security-Policy"]
    factory = StudentFactory(app)
    try:
        student = signed_in(app, factory())
        page = student.get("/student/bind/")
        assert page.status_code == 200 and 'name="id_number"' in page.get_data(as_text=True)
        problems: list[str] = []
        _check_html("/student/bind/", page, problems)
        assert problems == [] and page.headers["Cache-Control"] == "no-store"
    finally:
        factory.cleanup()


def test_each_response_gets_its_own_nonce(browser: Any) -> None:
    nonces = {re.search(r"'nonce-([^']+)'", browser.get("/login/").headers["Content-Security-Policy"]).group(1)
              for _ in range(3)}
    assert len(nonces) == 3


def test_static_assets_stay_cacheable(browser: Any) -> None:
    for url in ("/static/gems.css", "/static/js/gems_ui.js", "/static/appbuilder/js/ab.js"):
        response = browser.get(url)
        assert response.status_code == 200, url
        assert "no-store" not in response.headers.get("Cache-Control", ""), url
        response.close()


def test_werkzeug_server_names_no_version(app: Any) -> None:
    """The dev server (`make run`) on a real socket: its Server header is the bare product name."""
    server = make_server("127.0.0.1", 0, app, threaded=False)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        conn = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=10)
        conn.request("GET", "/login/")
        response = conn.getresponse()
        response.read()
        servers = response.headers.get_all("Server") or []
    finally:
        server.shutdown()
    assert servers == ["GEMS"]


def test_gunicorn_config_hides_the_server_name() -> None:
    import gunicorn
    import gunicorn.http.wsgi as gwsgi

    before = gwsgi.SERVER
    try:
        runpy.run_path(str(ROOT / "gunicorn.conf.py"))
        req = SimpleNamespace(version=(1, 1), should_close=lambda: False)
        response = gwsgi.Response(req, None, SimpleNamespace())
        response.status, response.status_code, response.response_length = "200 OK", 200, 0
        server_lines = [h for h in response.default_headers() if h.lower().startswith("server:")]
    finally:
        gwsgi.SERVER = before
    assert server_lines == ["Server: GEMS\r\n"]
    assert gunicorn.__version__ not in "".join(server_lines)


def _save_columns(b: Any, headers: dict[str, str]) -> Any:
    token = b.token("/review/source/")
    return b.client.post("/review/source/columns", data={"csrf_token": token, "columns": ["student_no"]},
                         headers=headers)


@pytest.mark.parametrize("headers", [
    {"Origin": EVIL}, {"Origin": "null"}, {"Referer": f"{EVIL}/form"}, {"Origin": "http://localhost.evil.example"},
    {"Origin": EVIL, "Referer": "http://localhost/review/source/"},  # the Origin decides when it is present
])
def test_cross_origin_post_is_refused(as_role: Any, headers: dict[str, str]) -> None:
    response = _save_columns(as_role("school"), headers)
    assert response.status_code == 403
    assert REFUSED in response.get_data(as_text=True)


@pytest.mark.parametrize("headers", [
    {}, {"Origin": "http://localhost"}, {"Origin": "https://localhost"}, {"Referer": "http://localhost/review/source/"},
])
def test_same_origin_or_no_origin_post_passes(as_role: Any, headers: dict[str, str]) -> None:
    """Old browsers and the test client send neither header: allowed, the CSRF token still guards them."""
    response = _save_columns(as_role("school"), headers)
    assert response.status_code == 302 and response.headers["Location"] == "/review/source/"


def test_cross_origin_login_is_refused(browser: Any) -> None:
    response = browser.post_form("/login/", {"username": "school", "password": "x"}, headers={"Origin": EVIL})
    assert response.status_code == 403 and REFUSED in response.get_data(as_text=True)


def test_trusted_origins_from_config(app: Any, as_role: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    b = as_role("school")
    monkeypatch.setitem(app.config, "GEMS_TRUSTED_ORIGINS", ["https://portal.example.edu.cn"])
    assert _save_columns(b, {"Origin": "https://portal.example.edu.cn"}).status_code == 302
    assert _save_columns(b, {"Origin": "http://portal.example.edu.cn"}).status_code == 403  # scheme must match
    assert _save_columns(b, {"Origin": EVIL}).status_code == 403


def test_api_is_not_origin_checked(browser: Any) -> None:
    """APIs take JWTs only (no cookies), so a cross-origin call is answered by the API's own auth, not refused here."""
    response = browser.client.post("/api/v1/security/login", json={"username": "x", "password": "y",
                                                                   "provider": "db"}, headers={"Origin": EVIL})
    assert REFUSED not in response.get_data(as_text=True)
    assert response.status_code != 403
