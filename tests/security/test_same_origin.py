"""No page loads anything from another origin (an offline campus network must see every page whole): every page
each role can reach, the inline styles and scripts on it, and the static CSS/JS files it references are scanned
for absolute (http://, https://) or protocol-relative (//host) references."""
from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.views.test_zh_render import (  # noqa: F401  (student_name is a fixture)
    _signed_in,
    reachable_urls,
    student_name,
)

ROLES = ["admin", "school", "college_a", "student"]
URL_ATTRS = {"src", "href", "action", "formaction", "srcset", "poster", "data", "background", "xlink:href",
             "data-src", "data-refresh-src", "manifest", "icon"}
FOREIGN = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*:)?//", re.I)  # http://, https://, ftp://, //host
CSS_URL = re.compile(r"""url\(\s*['"]?([^'")\s]+)|@import\s+(?:url\()?\s*['"]?([^'");\s]+)""", re.I)
# a URL written as a string in a script is what a loader would fetch (comments and prose are not strings)
JS_URL = re.compile(r"""["'`]((?:https?:)?//[A-Za-z0-9][^"'`\s]*)["'`]""")
# identifiers that look like URLs but are never fetched: XML namespaces
NOT_LOADED = re.compile(r"^https?://www\.w3\.org/(?:2000/svg|1999/xlink|1999/xhtml|XML/1998/namespace|2000/xmlns/"
                        r"|1998/Math/MathML)")
SCRIPT_LOAD = re.compile(r"""(?:import\s*\(|importScripts\(|fetch\(|\.src\s*=|open\(\s*["'][A-Z]+["']\s*,)\s*"""
                         r"""["'`]((?:https?:)?//[^"'`]+)""")


# Strings in FAB's bundled Swagger UI that are links it renders or identifiers it compares, never fetched: doc and
# licence links, the markdown linkifier's hashtag targets, JSON Schema ids, the default spec FAB's page overrides;
# the validator badge (an image) is switched off by app/templates/appbuilder/swagger/swagger.html.
SWAGGER_STRINGS = re.compile(r"^https://(?:example\.com/|github\.com/zloirock/core-js|instagram\.com/|twitter\.com/"
                             r"|www\.facebook\.com/hashtag/|www\.tiktok\.com/|soundcloud\.com/|json-schema\.org/"
                             r"|spec\.openapis\.org/|petstore\.swagger\.io/|reactjs\.org/docs/|spdx\.org/licenses/"
                             r"|swagger\.io$|validator\.swagger\.io/validator$)")
KNOWN_STRINGS = {"/static/appbuilder/js/swagger-ui-bundle.js": SWAGGER_STRINGS}


def foreign(url: str | None) -> bool:
    return bool(url) and bool(FOREIGN.match(url or "")) and not NOT_LOADED.match(url or "")


class References(HTMLParser):
    """Every URL a page makes the browser load or submit to, with inline <style>/<script> text kept for scanning."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[str] = []
        self.styles: list[str] = []
        self.scripts: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if not value:
                continue
            if name in URL_ATTRS:
                urls = [part.strip().split(" ")[0] for part in value.split(",")] if name == "srcset" else [value]
                self.urls.extend(urls)
            elif name == "style":
                self.styles.append(value)
        if tag in ("style", "script"):
            self._in = tag

    def handle_endtag(self, tag: str) -> None:
        if tag == self._in:
            self._in = None

    def handle_data(self, data: str) -> None:
        if self._in == "style":
            self.styles.append(data)
        elif self._in == "script":
            self.scripts.append(data)


def css_problems(css: str) -> list[str]:
    return [url for match in CSS_URL.finditer(css) for url in match.groups() if url and foreign(url)]


def js_problems(js: str) -> list[str]:
    return list(dict.fromkeys(url for url in JS_URL.findall(js) + SCRIPT_LOAD.findall(js) if foreign(url)))


def page_problems(html: str) -> tuple[list[str], list[str]]:
    """(foreign references on the page, same-origin static files it references)."""
    parser = References()
    parser.feed(html)
    found = [u for u in parser.urls if foreign(u)]
    found += [u for css in parser.styles for u in css_problems(css)]
    found += [u for js in parser.scripts for u in js_problems(js)]
    found = list(dict.fromkeys(found))
    assets = [u for u in parser.urls if u.startswith("/static/") and u.split("?")[0].endswith((".css", ".js"))]
    return found, assets


def test_the_scanner_finds_every_kind_of_foreign_reference() -> None:
    """The oracle itself, on hand-written pages: each foreign form is caught, same-origin ones are not."""
    html = ('<link href="https://cdn.example/x.css"><script src="//cdn.example/x.js"></script>'
            '<img srcset="/a.png 1x, http://img.example/b.png 2x"><form action="https://evil.example/post">'
            '<div style="background:url(\'https://img.example/bg.png\')"></div>'
            '<style>@import "https://fonts.example/f.css"; .a{background:url(/static/ok.png)}</style>'
            '<script>fetch("https://api.example/x"); var ns = "http://www.w3.org/2000/svg";</script>'
            '<a href="/ok">ok</a><img src="data:image/png;base64,AAAA"><script src="/static/js/gems_ui.js"></script>')
    found, assets = page_problems(html)
    assert sorted(found) == sorted(["https://cdn.example/x.css", "//cdn.example/x.js", "http://img.example/b.png",
                                    "https://evil.example/post", "https://img.example/bg.png",
                                    "https://fonts.example/f.css", "https://api.example/x"])
    assert assets == ["/static/js/gems_ui.js"]
    assert js_problems('/* see https://echarts.apache.org */ a.src = "https://x.example/y.js";\n'
                       '//# sourceMappingURL=https://x.example/m.map') == ["https://x.example/y.js"]


def static_file(app: Any, url: str) -> Path | None:
    """The file behind a /static/ URL: the app's own static folder or FAB's (/static/appbuilder/)."""
    path = url.split("?", 1)[0]
    if path.startswith("/static/appbuilder/"):
        import flask_appbuilder

        return Path(flask_appbuilder.__file__).parent / "static" / "appbuilder" / path[len("/static/appbuilder/"):]
    return Path(app.static_folder) / path[len("/static/"):]


def asset_problems(app: Any, assets: set[str]) -> dict[str, list[str]]:
    found = {}
    for url in sorted(assets):
        path = static_file(app, url)
        assert path is not None and path.is_file(), f"{url} is referenced but missing"
        text = path.read_text(encoding="utf-8", errors="replace")
        problems = css_problems(text) if url.split("?")[0].endswith(".css") else js_problems(text)
        known = KNOWN_STRINGS.get(url.split("?")[0])
        problems = [p for p in problems if known is None or not known.match(p)]
        if problems:
            found[url] = sorted(set(problems))[:5]
    return found


@pytest.mark.parametrize("role", ROLES)
def test_every_reachable_page_loads_same_origin_assets_only(app: Any, student_name: str,  # noqa: F811
                                                           role: str) -> None:
    name = student_name if role == "student" else role
    b = _signed_in(app, name)
    urls = reachable_urls(app, name)
    if role == "admin":
        urls += ["/swagger/v1", "/userstatschartview/chart/", "/no-such-page/"]  # the API browser, FAB's chart, 404
    rendered, found, assets = 0, {}, set()
    for url in urls:
        response = b.get(url)
        if response.status_code != 200 and url != "/no-such-page/":
            continue
        if response.mimetype != "text/html":
            continue
        rendered += 1
        problems, page_assets = page_problems(response.get_data(as_text=True))
        assets.update(page_assets)
        if problems:
            found[url] = sorted(set(problems))
    found.update({f"asset {k}": v for k, v in asset_problems(app, assets).items()})
    assert rendered >= (6 if role == "student" else 30), (role, "too few pages rendered", rendered)
    assert any("echarts" in a for a in assets) or role != "admin", "the chart pages were not crawled"
    report = "\n".join(f"  {where}: {' '.join(urls)}" for where, urls in sorted(found.items()))
    assert not found, f"{role}: foreign references on {len(found)} pages or files ({rendered} pages):\n{report}"


def test_api_browser_does_not_call_the_online_validator(app: Any) -> None:
    html = _signed_in(app, "admin").get("/swagger/v1").get_data(as_text=True)
    assert "swagger-ui-bundle.js" in html and "validatorUrl: null" in html


def test_user_statistics_chart_uses_the_vendored_echarts(app: Any) -> None:
    html = _signed_in(app, "admin").get("/userstatschartview/chart/").get_data(as_text=True)
    assert "/static/vendor/echarts/echarts.min.js" in html and "data-gems-chart=" in html
    assert "google" not in html.lower()
    vendor = Path(app.static_folder) / "vendor" / "echarts"
    assert (vendor / "LICENSE").is_file() and "Apache License" in (vendor / "LICENSE").read_text()
    assert urlsplit("/static/vendor/echarts/echarts.min.js").netloc == ""
