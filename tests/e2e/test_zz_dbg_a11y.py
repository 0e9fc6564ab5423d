from typing import Any
import json
from tests.e2e.test_a11y import context, sign_in, AXE_SCRIPT  # noqa: F401
from tests.conftest import DEMO_PASSWORD

def test_dbg(server: str, context: Any) -> None:
    page = context.new_page()
    sign_in(page, server, "admin", DEMO_PASSWORD)
    for path in ["/users/edit/1", "/review/source/", "/"]:
        page.goto(server + path)
        if path == "/users/edit/1":
            print(page.eval_on_selector_all(".select2-selection__rendered", "els => els.map(e => e.outerHTML)"))
        page.add_script_tag(content=AXE_SCRIPT)
        r = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        for v in r["violations"]:
            if v["impact"] not in ("serious", "critical"): continue
            for n in v["nodes"][:12]:
                d = (n.get("any") or [{}])[0].get("data")
                print(path, v["id"], n["target"], json.dumps(d, ensure_ascii=False)[:200] if isinstance(d, dict) else "", n["html"][:150])
