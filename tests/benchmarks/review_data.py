"""Data and plumbing for the reviewer-workspace benchmarks (issue 4 "Scale"): bench apps on SQLite or PostgreSQL,
graduates generated set-based (SQLite executemany in chunks, PostgreSQL COPY), and the shared figures file."""
from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import os
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Optional, Sequence

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # runnable as a plain script: `python tests/benchmarks/bench_review_x.py`
    sys.path.insert(0, str(ROOT))
CACHE = ROOT / ".bench-cache"
sys.stdout.reconfigure(line_buffering=True)  # progress lines show up as they happen under make
RESULTS = CACHE / "review.json"
PG_URL = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
os.environ.setdefault("GEMS_INSTANCE_DIR", str(CACHE / "instance"))
os.environ.setdefault("SECRET_KEY", "gems-bench-secret")
BENCH_HASH = "pbkdf2:sha256:1000"  # cheap password hashes for benchmark accounts (never in production)

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华玉萍红建文辉力永健世广志义兴良海山仁波宁贵福生龙元全国胜学祥才发武新利清飞彬"
WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
CHECK = "10X98765432"
# review states spread like a cohort in the middle of the season (each entry one twentieth)
SEASON = ["draft"] * 6 + ["secondary"] * 5 + ["central"] * 4 + ["complete"] * 4 + ["rejected"]
# the form as a student completes it (湖南省岳阳县, so the archive parts and the police station fit the origin)
COMPLETE_FORM = {
    "current_household": "湖南省岳阳县荣家湾镇", "archive_unit": "岳阳县第一中学",
    "police_station": "湖南省岳阳县荣家湾派出所", "home_province": "湖南省", "home_city": "岳阳县",
    "home_town": "荣家湾镇", "home_street": "建设路8号", "home_phone": "0730-7621234",
}
COLUMNS = ("student_no", "cohort_id", "department_id", "major_id", "user_id", "included", "name", "id_number",
           "gender", "birth_date", "ethnicity", "political_status", "student_category", "origin", "origin_code",
           "current_household", "exam_no", "education_level", "schooling_length", "training_mode",
           "enrolment_date", "graduation_date", "archive_unit", "police_station", "home_province", "home_city",
           "home_town", "home_street", "mobile", "home_phone", "email", "status", "version", "added_by_reviewer",
           "submitted_at", "college_decision", "college_decided_at", "college_decided_by", "school_decision",
           "school_decided_at", "school_decided_by", "bound_at", "updated_at")


@dataclass
class Structure:
    """The demo school's ids the generated graduates hang on."""

    cohort_id: int
    year: int
    majors: list[tuple[int, int, str]]  # (major id, department id, department code)
    colleges: dict[str, int]  # college code -> department id


def bench_config(url: str, schema: Optional[str] = None, **attrs: Any) -> type:
    """config.Config pointed at the bench database (a PostgreSQL schema via search_path), cheap hashes."""
    import config

    values: dict[str, Any] = {"SQLALCHEMY_DATABASE_URI": url, "GEMS_ENV": "bench", "TESTING": False,
                              "FAB_PASSWORD_HASH_METHOD": BENCH_HASH, "RATELIMIT_ENABLED": False,
                              "GEMS_IMPORT_SYNC": True, **attrs}
    if schema:
        values["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_pre_ping": True,
                                               "connect_args": {"options": f"-csearch_path={schema}"}}
    return type("BenchConfig", (config.Config,), values)


def bench_app(url: str, schema: Optional[str] = None, **attrs: Any) -> Any:
    from app import create_app

    return create_app(bench_config(url, schema, **attrs))


def pg_reachable() -> bool:
    try:
        import psycopg2

        psycopg2.connect(PG_URL, connect_timeout=3).close()
        return True
    except Exception:  # noqa: BLE001 - any failure means "skip PostgreSQL"
        return False


@contextlib.contextmanager
def pg_schema(prefix: str = "bench_review") -> Iterator[str]:
    """A fresh schema in the test database, dropped afterwards."""
    from sqlalchemy import create_engine, text

    schema = f"{prefix}_{uuid.uuid4().hex[:8]}"
    engine = create_engine(PG_URL)
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield schema
    finally:
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


def prepare(app: Any) -> Structure:
    """Tables, roles and the demo school (7 colleges, 30 majors, the 2026 cohort, demo staff accounts)."""

    from app.extensions import db
    from app.services.bootstrap import sync_permissions_and_roles
    from app.services.demo import load_demo

    with app.app_context():
        db.create_all()
        sync_permissions_and_roles()
        load_demo(10)
        return structure()


def structure() -> Structure:
    """Read the demo school's ids (inside an app context)."""
    from sqlalchemy import select

    from app.extensions import db
    from app.models.org import Cohort, Department, DepartmentKind, Major

    cohort = db.session.execute(select(Cohort).where(Cohort.is_current.is_(True))).scalar_one()
    rows = db.session.execute(select(Major.id, Department.id, Department.code).join(Major.department)
                              .order_by(Major.id)).all()
    colleges = dict(db.session.execute(select(Department.code, Department.id)
                                       .where(Department.kind == DepartmentKind.COLLEGE)).all())
    return Structure(cohort.id, cohort.year, [tuple(r) for r in rows], colleges)


def _id_number(region: str, birth: dt.date, serial: int) -> str:
    body = f"{region}{birth:%Y%m%d}{serial % 1000:03d}"
    return body + CHECK[sum(int(d) * w for d, w in zip(body, WEIGHTS)) % 11]


def _origins() -> list[tuple[str, str]]:
    from app.services.demo import REGIONS
    from app.validation.origin import canonical_origin

    return [(region, canonical_origin(region)) for region in REGIONS]


def graduate_rows(count: int, st: Structure, statuses: Sequence[str] = SEASON, first: int = 0,
                  complete: bool = True, region: Optional[str] = None,
                  users: Optional[Sequence[int]] = None) -> Iterator[tuple[Any, ...]]:
    """`count` graduates as tuples in COLUMNS order, deterministic in their number n (first … first+count-1).

    `complete` fills the archive and contact parts; `users` links row i to account users[i] (bound, SRC-1).
    """
    origins = [o for o in _origins() if region is None or o[0] == region]
    now = dt.datetime(2026, 3, 1, 8, 0)
    year = st.year
    for i, n in enumerate(range(first, first + count)):
        major_id, dept_id, dept_code = st.majors[n % len(st.majors)]
        code, origin = origins[(n * 7) % len(origins)]
        # ID numbers are unique per cohort (uq_graduate_cohort_id_number): 500 graduates a birthday, serials apart
        birth = dt.date(year - 28, 1, 1) + dt.timedelta(days=n // 500)
        male = n % 2
        status = statuses[(n * 2654435761 >> 7) % len(statuses)]
        submitted = now + dt.timedelta(minutes=n % 50000) if status != "draft" else None
        college = "approved" if status in ("central", "complete") else None
        school = "approved" if status == "complete" else None
        name = SURNAMES[(n * 31) % len(SURNAMES)] + GIVEN[(n * 17) % len(GIVEN)] + (
            GIVEN[(n * 13) % len(GIVEN)] if n % 3 else "")
        filled = complete or status != "draft"
        yield (
            f"{year - 4}{dept_code}{n:07d}", st.cohort_id, dept_id, major_id, users[i] if users else None,
            n % 97 != 0, name, _id_number(code, birth, (n % 500) * 2 + male), "1" if male else "2", birth,
            "01" if n % 10 else "03", "03", "mainland", origin, code, origin if filled else None,
            f"{(year - 4) % 100:02d}{code[:2]}{n:010d}", "31", "4", "1", dt.date(year - 4, 9, 1),
            dt.date(year, 6, 30),
            *((COMPLETE_FORM["archive_unit"], COMPLETE_FORM["police_station"], COMPLETE_FORM["home_province"],
               COMPLETE_FORM["home_city"], COMPLETE_FORM["home_town"], COMPLETE_FORM["home_street"],
               f"139{n % 10**8:08d}", COMPLETE_FORM["home_phone"], f"g{n}@example.cn") if filled
              else (None,) * 9),
            status, 1 + (status != "draft") + (college is not None) + (school is not None), False,
            submitted, college, submitted + dt.timedelta(days=1) if college else None, "李老师" if college else None,
            school, submitted + dt.timedelta(days=2) if school else None, "王老师" if school else None,
            now if users else None, submitted or now,
        )


def insert_graduates(rows: Iterator[tuple[Any, ...]], chunk: int = 5000) -> int:
    """Bulk insert (inside an app context): PostgreSQL COPY, SQLite executemany in chunks; never the ORM."""
    from app.extensions import db

    engine = db.engine
    total = 0
    if engine.dialect.name == "postgresql":
        raw = engine.raw_connection()
        try:
            cursor = raw.cursor()
            while True:
                buffer = io.StringIO()
                n = 0
                for row in rows:
                    buffer.write("\t".join(_copy_value(v) for v in row) + "\n")
                    n += 1
                    if n >= chunk * 20:
                        break
                if not n:
                    break
                buffer.seek(0)
                cursor.copy_expert(f"COPY graduate ({', '.join(COLUMNS)}) FROM STDIN", buffer)
                total += n
            raw.commit()
        finally:
            raw.close()
        return total
    sql = f"INSERT INTO graduate ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"
    with engine.begin() as conn:
        batch: list[tuple[Any, ...]] = []
        for row in rows:
            batch.append(tuple(v.isoformat(" ") if isinstance(v, dt.datetime) else v for v in row))
            if len(batch) >= chunk:
                conn.exec_driver_sql(sql, batch)
                total += len(batch)
                batch = []
        if batch:
            conn.exec_driver_sql(sql, batch)
            total += len(batch)
    return total


def _copy_value(value: Any) -> str:
    if value is None:
        return r"\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value).replace("\\", "\\\\").replace("\t", " ").replace("\n", " ")


def create_audit_copy() -> None:
    """audit_bench: an empty table shaped and indexed like audit_log, where a bare-SQL baseline writes the audit rows
    a GEMS call writes (the same INSERT cost, outside the real chain). Inside an app context."""
    from sqlalchemy import text

    from app.extensions import db

    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("CREATE TABLE IF NOT EXISTS audit_bench (LIKE audit_log INCLUDING ALL)"))
    else:
        db.session.execute(text("CREATE TABLE IF NOT EXISTS audit_bench AS SELECT * FROM audit_log WHERE 0"))
        db.session.execute(text("CREATE UNIQUE INDEX IF NOT EXISTS ix_audit_bench_seq ON audit_bench (seq)"))
        db.session.execute(text("CREATE INDEX IF NOT EXISTS ix_audit_bench_target ON audit_bench "
                                "(target_type, target_id)"))
        db.session.execute(text("CREATE INDEX IF NOT EXISTS ix_audit_bench_actor ON audit_bench "
                                "(actor_id, action, at)"))
    db.session.execute(text("DELETE FROM audit_bench"))
    db.session.commit()


def insert_audit_copy(ids: Sequence[int], action: str, target_type: str, detail: dict[str, Any]) -> None:
    """The baseline's audit INSERT: one row per id into audit_bench, in the caller's transaction (no hashing)."""
    from sqlalchemy import text

    from app.extensions import db

    now = dt.datetime.now()
    text_detail = json.dumps(detail, ensure_ascii=False, sort_keys=True)
    db.session.execute(text(
        "INSERT INTO audit_bench (seq, at, actor_id, actor_name, ip, action, target_type, target_id, detail, "
        "prev_hash, hash, key_id) VALUES (:seq, :at, 1, 'school', '', :action, :type, :target, :detail, :h, :h, '')"),
        [{"seq": n, "at": now, "action": action, "type": target_type, "target": str(i), "detail": text_detail,
          "h": "0" * 64} for n, i in enumerate(ids, start=1)])


def user_by_name(username: str) -> Any:
    from app.extensions import db
    from app.models.user import User

    return db.session.execute(db.select(User).where(User.username == username)).scalar_one()


# ---- figures -------------------------------------------------------------------------------------------------

def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty sample."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(round(p / 100 * len(ordered) + 0.4999))))
    return ordered[rank - 1]


class Timer:
    """`with Timer() as t: ...; t.seconds`."""

    def __enter__(self) -> Timer:
        self.start = time.perf_counter()
        self.seconds = 0.0
        return self

    def __exit__(self, *exc: Any) -> None:
        self.seconds = time.perf_counter() - self.start


@contextlib.contextmanager
def statements(engine: Any) -> Iterator[list[tuple[str, Any, float]]]:
    """Every SQL statement the engine runs inside the block, as (sql, parameters, seconds)."""
    from sqlalchemy import event

    seen: list[tuple[str, Any, float]] = []

    def before(conn: Any, cursor: Any, sql: str, params: Any, context: Any, many: bool) -> None:
        conn.info.setdefault("_bench_t0", []).append(time.perf_counter())

    def after(conn: Any, cursor: Any, sql: str, params: Any, context: Any, many: bool) -> None:
        seen.append((sql, params, time.perf_counter() - conn.info["_bench_t0"].pop()))

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)


def table(title: str, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A plain-text table for the console."""
    cells = [[str(h) for h in headers]] + [[_fmt(v) for v in row] for row in rows]
    widths = [max(_width(r[i]) for r in cells) for i in range(len(headers))]
    lines = [title, "  ".join(_pad(c, w) for c, w in zip(cells[0], widths)),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(_pad(c, w) for c, w in zip(row, widths)) for row in cells[1:]]
    return "\n".join(lines)


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.3f}" if value < 10 else f"{value:,.1f}"
    return str(value)


def _width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def save(section: str, payload: dict[str, Any]) -> None:
    """Merge one benchmark's figures into .bench-cache/review.json (each section replaced by its latest run)."""
    CACHE.mkdir(exist_ok=True)
    data: dict[str, Any] = {}
    if RESULTS.exists():
        try:
            data = json.loads(RESULTS.read_text(encoding="utf-8"))
        except ValueError:
            data = {}
    payload = {**payload, "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
               "python": sys.version.split()[0], "cpus": os.cpu_count()}
    data[section] = payload
    RESULTS.write_text(json.dumps(data, ensure_ascii=False, indent=1, default=str), encoding="utf-8")


def verdict(met: bool) -> str:
    return "met" if met else "NOT met"


DESTINATION_STATES = SEASON  # the same season spread, drawn by a multiplicative hash: no college/state pattern


def insert_destinations() -> int:
    """One current destination per graduate (PostgreSQL, set-based), codes cycling over the code table's leaves and
    states over the season: the destination review workspace's 1M rows (inside an app context)."""
    from sqlalchemy import text

    from app.extensions import db

    states = "ARRAY[" + ",".join(f"'{s}'" for s in DESTINATION_STATES) + "]"
    with db.engine.begin() as conn:
        conn.execute(text(f"""
            WITH codes AS (SELECT array_agg(id ORDER BY code) AS ids FROM destination_code c
                           WHERE NOT EXISTS (SELECT 1 FROM destination_code s WHERE s.parent_id = c.id)),
                 picked AS (SELECT g.id AS gid, ({states})[1 + (((g.id::bigint * 2654435761) >> 7) % {len(DESTINATION_STATES)})] AS st,
                                   codes.ids[1 + (g.id % array_length(codes.ids, 1))] AS code_id
                            FROM graduate g, codes)
            INSERT INTO destination (graduate_id, version_no, is_current, kind, from_agreement, online_shop, code_id,
                                     status, version, submitted_at, created_at, college_decision, school_decision)
            SELECT gid, 1, true, 'original', false, false, code_id, st, 1,
                   CASE WHEN st = 'draft' THEN NULL ELSE now() - (gid % 50000) * interval '1 minute' END, now(),
                   CASE WHEN st IN ('central', 'complete') THEN 'approved' END,
                   CASE WHEN st = 'complete' THEN 'approved' END
            FROM picked"""))
        # one approved graduate in 50 has a change under review (the list shows it instead of the current version);
        # two in three approved graduates confirmed their plan entry, one in ten of those reported an error instead
        conn.execute(text("""
            INSERT INTO destination (graduate_id, version_no, is_current, kind, from_agreement, online_shop, code_id,
                                     status, version, submitted_at, created_at)
            SELECT graduate_id, 2, false, 'change', false, false, code_id, 'secondary', 1, now(), now()
            FROM destination WHERE status = 'complete' AND graduate_id % 50 = 7"""))
        conn.execute(text("""
            INSERT INTO plan_confirmation (graduate_id, destination_id, status, created_at)
            SELECT graduate_id, id, CASE WHEN graduate_id % 10 = 4 THEN 'error' ELSE 'confirmed' END, now()
            FROM destination WHERE status = 'complete' AND is_current AND graduate_id % 3 <> 0"""))
        return conn.execute(text("SELECT count(*) FROM destination")).scalar_one()
