"""Every page each role can reach, rendered in Chinese (the default), shows no English word outside a short
allow-list. Pages are generated from the menu and from the GET routes of every registered view, so a new screen
is crawled the day it is registered; a second test renders a few pages in English to see that catalog works."""
from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import pytest
from flask import g
from sqlalchemy import select

from app.extensions import db
from app.models.user import User
from tests.conftest import DEMO_PASSWORD, Browser

ROLES = ["admin", "school", "college_a", "college_b", "student"]
# Words a Chinese office reads as they are: product and format names, and the language switcher's own entry.
ALLOWED = {
    "GEMS", "Excel", "WPS", "LibreOffice", "PDF", "ID", "API", "REST", "JSON", "HTTP", "HTTPS", "URL", "CSV",
    "xlsx", "xls", "ods", "csv", "UTF", "GBK", "MB", "KB", "Windows", "OpenDocument", "JPEG", "JPG", "PNG", "ECharts", "English", "JWT", "SVG", "A4",
    "IP", "GB", "admin", "school", "college_a", "college_b", "employer_a", "employer_b",
}
# Words of two or three capitals are codes (ISO country codes, GB standards), except these, which are English
NOT_CODES = {"OK", "MM", "DD", "YES", "NO"}
# Routes that are not pages: signing out, switching the language, images, files, JSON, the OpenAPI browser.
SKIP_ENDPOINTS = {"GemsAuthDBView.logout", "LocaleView.index", "GemsAuthDBView.captcha_image", "UtilView.back",
                  "SwaggerView.show"}
SKIP_SUFFIXES = ("download", "report", "status", "template", "corrected", "inline", "cities", "diagram", "delete",
                 "action", "export", "print_sheets")
# not read as words: scripts, styles, <code> (codes shown as codes: state names, hashes, raw JSON) and <samp>
# (recorded data as typed, e.g. the audit log's old → new values)
HIDDEN_TAGS = ("script", "style", "template", "code", "samp")
VISIBLE_ATTRS = {"placeholder", "title", "aria-label", "alt"}
WORD = re.compile(r"[A-Za-z0-9_]+")
EMAIL_OR_URL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+|https?://\S+")


class VisibleText(HTMLParser):
    """Text a user reads: text nodes and visible attributes, not scripts, styles, comments or other attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in HIDDEN_TAGS:
            self._hidden += 1
            return
        values = dict(attrs)
        for name, value in attrs:
            if value and name in VISIBLE_ATTRS:
                self.parts.append(value)
        if tag == "input" and (values.get("type") or "").lower() in ("submit", "button", "reset") and values.get(
                "value"):
            self.parts.append(values["value"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in HIDDEN_TAGS and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def english_words(html: str) -> set[str]:
    """ASCII words of two or more letters (codes with digits, numbers, e-mails and links excepted)."""
    parser = VisibleText()
    parser.feed(html)
    text = EMAIL_OR_URL.sub(" ", " ".join(parser.parts))
    found = set()
    for word in WORD.findall(text):
        if any(c.isdigit() for c in word) or sum(c.isalpha() for c in word) < 2 or word in ALLOWED:
            continue
        if word.isupper() and len(word) <= 3 and word not in NOT_CODES:
            continue
        found.add(word)
    return found


def test_the_extractor_sees_visible_english_only() -> None:
    """The oracle itself: scripts, styles and plain attributes are ignored; text, titles and button values count."""
    html = ('<script>var Cancel = 1;</script><style>.Modal{}</style><a class="btn-Primary" href="/x/y">编辑</a>'
            '<input type="submit" value="Save"><span title="Delete">删</span> origin_code 2022101001 CS2022 '
            '<input placeholder="YYYY-MM-DD" name="birth_date">admin@example.edu.cn Excel <code>approve_school</code>')
    assert english_words(html + " AUS OK") == {"Save", "Delete", "origin_code", "YYYY", "MM", "DD", "OK"}


@pytest.fixture(scope="module")
def student_name(app: Any) -> str:
    """A student who has changed the initial password (as the access matrix prepares one) and whose record is
    linked to the registry, so the form itself opens rather than the linking page."""
    from app.models.graduate import Graduate
    from app.services.accounts import hash_password
    from app.timeutil import utcnow

    with app.app_context():
        user, graduate = db.session.execute(select(User, Graduate).join(Graduate, Graduate.user_id == User.id)
                                            .order_by(User.username)).first()
        user.password, user.must_change_password = hash_password(DEMO_PASSWORD), False
        graduate.bound_at = graduate.bound_at or utcnow()
        db.session.commit()
        return user.username


def _signed_in(app: Any, name: str, locale: str = "zh") -> Browser:
    b = Browser(app.test_client())
    b.login_proven(name)
    if locale != "zh":
        b.get(f"/lang/{locale}")
    return b


def _first_pk(app: Any, view: Any, username: str) -> Any:
    """An id the user may open in this view: the first row of the view's own (scoped) list query."""
    with app.test_request_context():
        g.user = db.session.execute(select(User).where(User.username == username)).scalar_one()
        _, rows = view.datamodel.query(view._base_filters, page=0, page_size=1)
        return view.datamodel.get_pk_value(rows[0]) if rows else None


def _custom_ids(app: Any, username: str) -> dict[str, Any]:
    """Ids for custom pages' arguments, by view: a graduate, an import job, an account, a workflow."""
    from app.models.graduate import Graduate
    from app.models.registry import ImportJob
    from app.scope import scope_clause

    with app.test_request_context():
        g.user = db.session.execute(select(User).where(User.username == username)).scalar_one()
        graduate = db.session.execute(select(Graduate).where(scope_clause(Graduate, g.user)).limit(1)).scalars().first()
        job = db.session.execute(select(ImportJob.id).where(ImportJob.kind == "registry").limit(1)).scalar()
        return {"SourceDetailView": graduate.id if graduate else None, "RegistryImportView": job,
                "AdminUserModelView": g.user.id}


def reachable_urls(app: Any, username: str) -> list[str]:
    """Menu items and category links, then every GET route of every registered view with real arguments."""
    urls: list[str] = []
    with app.test_request_context():
        for item in app.appbuilder.menu.get_list():
            for entry in [item, *item.childs]:
                if entry.name != "-" and (entry.href or entry.baseview):
                    urls.append(entry.get_url())
    views = {v.endpoint: v for v in app.appbuilder.baseviews}
    ids = _custom_ids(app, username)
    for rule in app.url_map.iter_rules():
        endpoint = rule.endpoint
        view = views.get(endpoint.split(".")[0])
        method = endpoint.split(".")[-1]
        if (view is None or "GET" not in rule.methods or rule.rule.startswith("/api/") or endpoint in SKIP_ENDPOINTS
                or method.endswith(SKIP_SUFFIXES)):
            continue
        args: dict[str, Any] = {}
        for arg in rule.arguments:
            if arg == "pk" and getattr(view, "datamodel", None) is not None and method in ("show", "edit"):
                args[arg] = _first_pk(app, view, username)
            elif arg in ("pk", "job_id"):
                args[arg] = ids.get(type(view).__name__)
            else:
                args[arg] = None
        if any(v is None for v in args.values()):
            continue
        with app.test_request_context():
            from flask import url_for

            urls.append(url_for(endpoint, **args))
    return list(dict.fromkeys(u for u in urls if u.startswith("/") and not u.startswith("//")))


def data_words(app: Any) -> set[str]:
    """Words of stored names a list shows as they were typed — user names, employers', student numbers (other
    tests' rows among them): data, not the interface's language."""
    from sqlalchemy import select

    from app.extensions import db
    from app.models.employer import Employer
    from app.models.graduate import Graduate
    from app.models.user import User

    with app.app_context():
        people = db.session.execute(select(User.username, User.first_name, User.last_name)).all()
        names = [part for row in people for part in row] + [*db.session.execute(
            select(Employer.name)).scalars(), *db.session.execute(select(Graduate.student_no)).scalars()]
    return {word for name in names for word in WORD.findall(name or "")}


def offending_pages(b: Browser, urls: list[str], allowed: set[str] = frozenset()) -> tuple[int, dict[str, list[str]]]:
    rendered, found = 0, {}
    for url in urls:
        response = b.get(url)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        rendered += 1
        words = english_words(response.get_data(as_text=True)) - allowed
        if words:
            found[url] = sorted(words)
    return rendered, found


@pytest.mark.parametrize("role", ROLES)
def test_every_reachable_page_reads_in_chinese(app: Any, student_name: str, role: str) -> None:
    name = student_name if role == "student" else role
    b = _signed_in(app, name)
    rendered, found = offending_pages(b, reachable_urls(app, name), data_words(app))
    assert rendered >= (6 if role == "student" else 30), (role, "too few pages rendered", rendered)
    report = "\n".join(f"  {url}: {' '.join(words)}" for url, words in sorted(found.items()))
    print(f"{role}: {rendered} pages, {len(found)} with English\n{report}")
    assert not found, f"{role}: English on {len(found)} of {rendered} pages:\n{report}"


CJK = re.compile(r"[\u4e00-\u9fff]")
LABELS = re.compile(r"<(th|button|h[1-4])\b[^>]*>(.*?)</\1>", re.S)


@pytest.mark.parametrize("url", ["/graduates/list/", "/departments/add", "/roles/list/", "/audit/list/",
                                 "/review/source/"])
def test_english_catalog_renders_labels_in_english(app: Any, url: str) -> None:
    """In en, the headings, column heads, labels and buttons of a page are English (data may be Chinese)."""
    b = _signed_in(app, "admin", locale="en")
    response = b.get(url)
    assert response.status_code == 200, (url, response.status_code)
    html = response.get_data(as_text=True)
    labels = [re.sub(r"<[^>]+>|\s+", " ", inner).strip() for _tag, inner in LABELS.findall(html)]
    labels = [t for t in labels if t]
    assert len(labels) >= 3, (url, labels)
    chinese = [t for t in labels if CJK.search(t)]
    assert not chinese, (url, chinese)
