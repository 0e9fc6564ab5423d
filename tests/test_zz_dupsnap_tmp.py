"""Snapshot rendered list pages (whitespace-normalised) for before/after comparison."""
import os
import re

import pytest

OUT = os.environ.get("SNAP_OUT", "/tmp/dupsnap/out")
PAGES = [("admin", "/roles/list/"), ("admin", "/users/list/"), ("admin", "/graduates/list/"),
         ("admin", "/reference/industries/list/"), ("admin", "/reference/destination-codes/list/"),
         ("admin", "/reference/countries/list/"), ("admin", "/employers/list/"),
         ("school", "/supplementary/list/"), ("admin", "/departments/list/"),
         ("admin", "/reference/job-categories/list/"), ("admin", "/reference/rejection-reasons/list/"),
         ("admin", "/reference/employer-natures/list/")] + [
    ("admin", f"/reference/{t}/{page}") for t in ("industries", "countries", "rejection-reasons", "job-categories",
                                                   "employer-natures", "destination-codes")
    for page in ("add", "show/1", "edit/1")] + [("admin", "/employers/add"), ("admin", "/employers/show/1"),
                                                 ("admin", "/employers/edit/1"), ("school", "/employers/list/"),
                                                 ("admin", "/registry/import/"), ("school", "/")]


def norm(html):
    html = re.sub(r'name="csrf_token"[^>]*value="[^"]+"', "CSRF", html)
    html = re.sub(r'nonce="[^"]+"', "NONCE", html)
    html = re.sub(r"<script.*?</script>", "SCRIPT", html, flags=re.S)
    html = re.sub(r"[0-9a-f]{32}", "HEX", html)
    html = re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d(:\d\d)?", "TS", html)
    html = re.sub(r"\[([^\]<]*)\]", lambda m: "[" + ", ".join(sorted(m.group(1).split(", "))) + "]", html)
    html = re.sub(r"\\u003coption[^\\]*\\u003e[^\\]*\\u003c/option\\u003e", "OPT", html)
    html = re.sub(r"\s+", " ", html)
    return re.sub(r"> <", "><", html)


@pytest.mark.parametrize("user,url", PAGES)
def test_snap(as_role, user, url):
    os.makedirs(OUT, exist_ok=True)
    r = as_role(user).get(url)
    name = url.strip("/").replace("/", "_")
    with open(f"{OUT}/{user}_{name}.html", "w") as f:
        f.write(f"{r.status_code}\n" + norm(r.get_data(as_text=True)))


def test_spec(app):
    import json
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "10.99.0.1"
    from tests.conftest import DEMO_PASSWORD
    tok = client.post("/api/v1/security/login", json={"username": "admin", "password": DEMO_PASSWORD,
                                                      "provider": "db"}).get_json()["access_token"]
    spec = client.get("/api/v1/_openapi", headers={"Authorization": f"Bearer {tok}"}).get_json()
    comps = spec.get("components", {})

    def resolve(node):
        if isinstance(node, dict):
            if "$ref" in node and len(node) == 1:
                _, _, kind, name = node["$ref"].split("/")
                return resolve(comps[kind][name])
            return {k: resolve(v) for k, v in node.items()}
        if isinstance(node, list):
            return [resolve(v) for v in node]
        return node
    os.makedirs(OUT, exist_ok=True)
    with open(f"{OUT}/spec_paths.json", "w") as f:
        json.dump(resolve(spec["paths"]), f, indent=1, sort_keys=True, ensure_ascii=False)
