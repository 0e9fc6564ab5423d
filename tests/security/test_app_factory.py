"""create_app twice in one process (a benchmark's prepare step does): the second app is complete and rate-limited."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Run in a fresh interpreter: the test session's own app must not be the first one built, and the two apps built
# here must leave nothing behind in the session.
CHILD = textwrap.dedent("""
    import json, sys
    sys.path.insert(0, {root!r})
    import config
    from app import create_app
    from app.extensions import db

    cfg = type("TwiceConfig", (config.TestConfig,), {{"SQLALCHEMY_DATABASE_URI": "sqlite://",
                                                     "AUTH_RATE_LIMIT": "2 per minute"}})
    out, apps = [], []
    for _ in range(2):
        app = create_app(cfg)
        apps.append(app)  # kept alive, so the two builders' ids cannot coincide
        with app.app_context():
            db.create_all()
        client = app.test_client()
        sm = app.appbuilder.sm
        api = [v for v in app.appbuilder.baseviews if type(v).__name__ == "GemsSecurityApi"]
        codes = [client.post("/api/v1/security/login", json={{"username": "nobody", "password": "x",
                                                             "provider": "db"}}).status_code for _ in range(3)]
        out.append({{"builder": id(app.appbuilder), "rules": sorted(r.rule for r in app.url_map.iter_rules()),
                    "auth_blueprint": sm.auth_view.blueprint is not None and sm.auth_view.blueprint.name,
                    "api_blueprint": bool(api) and api[0].blueprint is not None and api[0].blueprint.name,
                    "login_page": client.get("/login/").status_code, "api_login": codes}})
    print(json.dumps(out))
""")


def test_two_apps_in_one_process_are_both_complete() -> None:
    """The second app gets its own views (auth blueprint not None), the same routes, and its own login limits."""
    proc = subprocess.run([sys.executable, "-c", CHILD.format(root=str(ROOT))], cwd=ROOT, capture_output=True,
                          text=True, timeout=240, check=False)
    assert proc.returncode == 0, proc.stderr[-4000:]
    first, second = json.loads(proc.stdout.strip().splitlines()[-1])
    assert first["builder"] != second["builder"]
    assert len(first["rules"]) > 100 and second["rules"] == first["rules"]
    for built in (first, second):
        assert built["auth_blueprint"] and built["api_blueprint"] == "GemsSecurityApi"
        assert built["login_page"] == 200
        # the REST login limit (manager.register_views) holds on each app: 2 refused logins, then 429
        assert built["api_login"][:2] != [429, 429] and built["api_login"][2] == 429
