"""Two gunicorn servers and one worker on one PostgreSQL and one Redis, as in production: a session ended on A is
refused on B, an import started on A runs in the worker and shows its progress on B, a decision on A shows in B's
tree at once, and the sign-in rate limit counts across both servers."""
from __future__ import annotations

import http.cookiejar
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.conftest import DEMO_PASSWORD, PG
from tests.jobs.conftest import redis_up

ROOT = Path(__file__).resolve().parents[2]
REDIS = "redis://127.0.0.1:6379/12"  # this test's own Redis database, emptied before and after
pytestmark = pytest.mark.skipif(not PG, reason="several servers share one PostgreSQL (set TEST_DATABASE_URL)")


@dataclass
class Deployment:
    a: str
    b: str
    url: str


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _cli(env: dict[str, str], *args: str) -> None:
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "run", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]


def _wait_healthy(base: str, process: subprocess.Popen[Any]) -> None:
    deadline = time.monotonic() + 240  # a loaded 2-core machine starts an app in seconds, not minutes; be patient
    while time.monotonic() < deadline:
        assert process.poll() is None, f"{base} exited"
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.5)
    raise AssertionError(f"{base} never became healthy")


SUBTREE_101 = ("SELECT g.id FROM graduate g JOIN department d ON d.id = g.department_id JOIN cohort c ON "
               "c.id = g.cohort_id WHERE c.is_current AND g.included AND g.major_id IS NOT NULL AND "
               "(d.code = '101' OR d.parent_id = (SELECT id FROM department WHERE code = '101'))")


def _pending_for_college_a(url: str) -> None:
    """Before any server starts (so no cache holds older counts): three reviewed, valid records of college_a's
    subtree put back to 二级待审, so a college decision has something to decide."""
    engine = create_engine(url)
    with engine.begin() as conn:
        ids = conn.execute(text(f"{SUBTREE_101} AND g.status IN ('central', 'complete') ORDER BY g.id LIMIT 3")
                           ).scalars().all()
        assert len(ids) == 3, ids
        conn.execute(text("UPDATE graduate SET status = 'secondary', college_decision = NULL WHERE id = ANY(:ids)"),
                     {"ids": list(ids)})
    engine.dispose()


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    if not redis_up():
        pytest.fail("Redis is not reachable") if os.environ.get("CI") == "true" else pytest.skip("no Redis")
    import redis

    redis.Redis.from_url(REDIS).flushdb()
    name = f"gems_multi_{uuid.uuid4().hex[:8]}"
    server = make_url(os.environ["TEST_DATABASE_URL"])
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = server.set(database=name).render_as_string(hide_password=False)
    env = {**os.environ, "DATABASE_URL": url, "REDIS_URL": REDIS, "RATELIMIT_STORAGE_URI": REDIS,
           "GEMS_JOB_QUEUE": f"gems-multi-{name[-8:]}", "GEMS_INSTANCE_DIR": str(tmp_path_factory.mktemp("shared")),
           "SECRET_KEY": f"multi-{uuid.uuid4().hex}", "GEMS_AUDIT_KEYS": "multi:" + uuid.uuid4().hex * 2,
           "GEMS_TREE_CACHE_SECONDS": "300", "GEMS_WORKER_HEARTBEAT_S": "5"}
    env.pop("TEST_DATABASE_URL", None)
    processes: list[subprocess.Popen[Any]] = []
    try:
        _cli(env, "db", "upgrade")
        _cli(env, "gems", "bootstrap")
        _cli(env, "gems", "demo", "--graduates", "60")
        _pending_for_college_a(url)
        bases = []
        for _server in range(2):
            port = _free_port()
            processes.append(subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "-w", "1", "--threads", "4",
                 "-b", f"127.0.0.1:{port}", "run:app"], cwd=ROOT, env=env,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            bases.append(f"http://127.0.0.1:{port}")
        processes.append(subprocess.Popen([sys.executable, "-m", "flask", "--app", "run", "gems", "worker"],
                                          cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        for base, process in zip(bases, processes):
            _wait_healthy(base, process)
        yield Deployment(bases[0], bases[1], url)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
        redis.Redis.from_url(REDIS).flushdb()


class Client:
    """A browser of its own (cookies, no redirects followed) that can talk to either server."""

    def __init__(self, jar: http.cookiejar.CookieJar | None = None) -> None:
        self.jar = jar or http.cookiejar.CookieJar()

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args: Any, **kwargs: Any) -> None:
                return None

        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect)

    def request(self, url: str, data: bytes | None = None, headers: dict[str, str] | None = None) -> tuple[int, str, Any]:
        req = urllib.request.Request(url, data=data, headers=headers or {})
        try:
            with self.opener.open(req, timeout=60) as response:
                return response.status, response.read().decode("utf-8", "replace"), response.headers
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode("utf-8", "replace"), error.headers

    def token(self, url: str) -> str:
        status, page, _headers = self.request(url)
        assert status == 200, (url, status)
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
        assert match, url
        return match.group(1)

    def post(self, url: str, fields: dict[str, Any], token_from: str, origin: str) -> tuple[int, str, Any]:
        body = urllib.parse.urlencode({**fields, "csrf_token": self.token(token_from)}, doseq=True).encode()
        return self.request(url, body, {"Content-Type": "application/x-www-form-urlencoded", "Origin": origin})

    def sign_in(self, base: str, username: str) -> None:
        status, _page, headers = self.post(f"{base}/login/", {"username": username, "password": DEMO_PASSWORD},
                                           f"{base}/login/", base)
        assert status == 302 and "/login" not in headers.get("Location", ""), status
        assert self.request(f"{base}/")[0] == 200

    def copy(self) -> Client:
        jar = http.cookiejar.CookieJar()
        for cookie in self.jar:
            jar.set_cookie(cookie)
        return Client(jar)


def _multipart(fields: dict[str, str], file_field: str, filename: str, content: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
             for k, v in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; filename="{filename}"\r\n'
                 "Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\r\n\r\n".encode()
                 + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def test_a_session_ended_on_one_server_is_refused_on_the_other(deployment: Deployment) -> None:
    browser = Client()
    browser.sign_in(deployment.a, "college_a")
    assert browser.request(f"{deployment.b}/review/source/")[0] == 200  # the same session on B
    stolen = browser.copy()
    browser.request(f"{deployment.a}/logout/")
    status, _page, headers = stolen.request(f"{deployment.b}/review/source/")
    assert status == 302 and "/login" in headers["Location"]


def test_an_import_started_on_a_runs_in_the_worker_and_b_shows_its_progress(deployment: Deployment,
                                                                           tmp_path: Path) -> None:
    from tests.services.test_registry_import import make_book, row

    school = Client()
    school.sign_in(deployment.a, "school")
    page = school.request(f"{deployment.a}/registry-import/")[1]
    cohort = re.search(r'<option value="(\d+)"', page).group(1)
    book = make_book(tmp_path / "学籍.xlsx", [row(院系代码="101") for _ in range(4)])
    body, content_type = _multipart({"cohort": cohort, "csrf_token": school.token(f"{deployment.a}/registry-import/")},
                                    "file", "学籍.xlsx", book.read_bytes())
    status, _page, headers = school.request(f"{deployment.a}/registry-import/upload", body,
                                            {"Content-Type": content_type, "Origin": deployment.a})
    assert status == 302, status
    job = re.search(r"/job/(\d+)", headers["Location"]).group(1)
    deadline, progress = time.monotonic() + 120, {}
    while time.monotonic() < deadline:
        progress = json.loads(school.request(f"{deployment.b}/registry-import/job/{job}/status")[1])
        if progress["finished"]:
            break
        time.sleep(0.5)
    assert progress["state"] == "done" and progress["added"] + progress["updated"] == 4, progress


def test_a_decision_on_a_shows_in_bs_tree_at_once(deployment: Deployment) -> None:
    engine = create_engine(deployment.url)
    with engine.connect() as conn:
        record = conn.execute(text(f"{SUBTREE_101} AND g.status = 'secondary' ORDER BY g.id LIMIT 1")).scalar_one()
    engine.dispose()
    reviewer = Client()
    reviewer.sign_in(deployment.b, "college_a")

    def pending_on_b() -> int:
        status, page, _headers = reviewer.request(f"{deployment.b}/review/source/")
        found = re.search(r'badge-pending"[^>]*>(\d+)<', page)
        assert status == 200 and found, status
        return int(found.group(1))

    before = pending_on_b()
    assert pending_on_b() == before  # now cached on B for GEMS_TREE_CACHE_SECONDS (300 s)
    status, page, _headers = reviewer.post(f"{deployment.a}/review/source/batch",
                                           {"decision": "approve", "target": "selected", "ids": [str(record)]},
                                           f"{deployment.a}/review/source/", deployment.a)
    assert status == 200 and "1 条已完成" in page
    assert pending_on_b() == before - 1


def test_the_sign_in_rate_limit_counts_across_both_servers(deployment: Deployment) -> None:
    """20 sign-in attempts a minute per address in all, not 20 per server; the spent quota is given back after."""
    import redis

    ghost, codes = f"ghost{uuid.uuid4().hex[:6]}", []
    try:
        for n in range(30):
            base = deployment.a if n % 2 == 0 else deployment.b
            codes.append(Client().request(f"{base}/login/", urllib.parse.urlencode(
                {"username": ghost, "password": "wrong"}).encode(), {"Origin": base})[0])
    finally:
        shared = redis.Redis.from_url(REDIS)
        for key in shared.scan_iter("LIMIT*"):  # flask-limiter's counters: the other tests sign in this minute
            shared.delete(key)
    assert 429 in codes[:24], codes  # per-server counting would allow 40 before the first refusal
