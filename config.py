"""Settings for every environment; each value can be overridden by an environment variable."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask_appbuilder.const import AUTH_DB

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("GEMS_INSTANCE_DIR", BASE_DIR / "instance"))


def _env(name: str, default: str) -> str:
    return os.environ.get(name, default)


def _secret_key() -> str:
    """Use SECRET_KEY from the environment, else a key kept in instance/ so sessions survive restarts."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    key_file = INSTANCE_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def password_policy(password: str) -> None:
    """FAB's complexity hook: delegate to the one GEMS password policy."""
    from app.security.passwords import check_policy

    check_policy(password)


class Config:
    GEMS_ENV = _env("GEMS_ENV", "development")
    SECRET_KEY = _secret_key()
    SQLALCHEMY_DATABASE_URI = _env("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'gems.db'}")
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}

    APP_NAME = "毕业生就业管理系统 GEMS"
    APP_THEME = ""
    FAB_BASE_TEMPLATE = "gems_base.html"
    FAB_INDEX_VIEW = "app.views.home.HomeView"
    FAB_SECURITY_MANAGER_CLASS = "app.security.manager.GemsSecurityManager"
    FAB_CREATE_DB = False  # Alembic owns every table
    FAB_UPDATE_PERMS = False  # `flask gems bootstrap` syncs permissions after migrating
    FAB_ADD_SECURITY_API = False
    FAB_ADD_SECURITY_PERMISSION_VIEW = False
    FAB_ADD_SECURITY_VIEW_MENU_VIEW = False
    FAB_ADD_SECURITY_PERMISSION_VIEWS_VIEW = False
    FAB_API_SWAGGER_UI = True
    FAB_PASSWORD_COMPLEXITY_ENABLED = True
    FAB_PASSWORD_COMPLEXITY_VALIDATOR = staticmethod(password_policy)
    FAB_PASSWORD_HASH_METHOD = _env("GEMS_PASSWORD_HASH", "scrypt")
    FAB_SAFE_REDIRECT_HOSTS = [h for h in _env("GEMS_SAFE_REDIRECT_HOSTS", "").split(",") if h]

    AUTH_TYPE = AUTH_DB
    AUTH_ROLE_ADMIN = "系统管理员"
    AUTH_ROLE_PUBLIC = "未登录访客"  # FAB's role for visitors; shown in role lists, so in Chinese
    AUTH_USER_REGISTRATION = False
    AUTH_RATE_LIMITED = True
    AUTH_RATE_LIMIT = _env("GEMS_AUTH_RATE_LIMIT", "20 per minute")
    GEMS_CAPTCHA_RATE_LIMIT = _env("GEMS_CAPTCHA_RATE_LIMIT", "30 per minute")  # images (each a stored nonce) per client
    RATELIMIT_ENABLED = True
    RATELIMIT_STORAGE_URI = _env("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    # Redis for what several servers share (health-checked at /healthz); unset in `make run`, which needs none
    REDIS_URL = _env("REDIS_URL", "")
    # background jobs (app.jobs): the longest a job may run, how long result files are kept, the worker's heartbeat
    GEMS_JOB_QUEUE = _env("GEMS_JOB_QUEUE", "gems")  # the Redis queue's name: one per deployment sharing a Redis
    GEMS_JOB_TIMEOUT_S = int(_env("GEMS_JOB_TIMEOUT_S", "900"))
    GEMS_JOB_FILES_DAYS = float(_env("GEMS_JOB_FILES_DAYS", "7"))
    GEMS_WORKER_HEARTBEAT_S = int(_env("GEMS_WORKER_HEARTBEAT_S", "30"))
    # one line per request on the `gems.request` logger, with the id the error page shows; "json" for a collector
    GEMS_LOG_FORMAT = _env("GEMS_LOG_FORMAT", "text")
    GEMS_REQUEST_LOG_LEVEL = _env("GEMS_REQUEST_LOG_LEVEL", "INFO")

    # Lockout and captcha (ORG-4)
    GEMS_LOCKOUT_THRESHOLD = int(_env("GEMS_LOCKOUT_THRESHOLD", "5"))
    GEMS_LOCKOUT_MINUTES = int(_env("GEMS_LOCKOUT_MINUTES", "15"))
    GEMS_CAPTCHA_AFTER = int(_env("GEMS_CAPTCHA_AFTER", "3"))

    BABEL_DEFAULT_LOCALE = "zh"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "app" / "translations")
    LANGUAGES = {
        "zh": {"flag": "cn", "name": "简体中文"},
        "en": {"flag": "gb", "name": "English"},
    }

    WTF_CSRF_ENABLED = True
    WTF_CSRF_CHECK_DEFAULT = False  # checked in app.security.web for every non-API unsafe request
    WTF_CSRF_TIME_LIMIT = None
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SECURE = _env("GEMS_SECURE_COOKIES", "0") == "1"
    REMEMBER_COOKIE_SAMESITE = "Lax"
    # Origins besides the request's own host whose pages may post forms to GEMS (scheme://host[:port], comma-separated)
    GEMS_TRUSTED_ORIGINS = [o for o in _env("GEMS_TRUSTED_ORIGINS", "").split(",") if o.strip()]
    MAX_CONTENT_LENGTH = int(_env("GEMS_MAX_UPLOAD_MB", "32")) * 1024 * 1024
    # CHG-1 evidence: per file and per request (keep the latter below MAX_CONTENT_LENGTH)
    GEMS_EVIDENCE_MAX_MB = int(_env("GEMS_EVIDENCE_MAX_MB", "10"))
    GEMS_EVIDENCE_REQUEST_MB = int(_env("GEMS_EVIDENCE_REQUEST_MB", "30"))

    JWT_ACCESS_TOKEN_EXPIRES = 3600
    # A browser sign-in lasts at most this long on the server (app.security.sessions), however the cookie is kept.
    GEMS_SESSION_HOURS = float(_env("GEMS_SESSION_HOURS", "12"))
    # Reverse proxies in front of the app whose X-Forwarded-For/-Proto/-Host are trusted; 0 trusts no client header.
    GEMS_PROXY_HOPS = int(_env("GEMS_PROXY_HOPS", "0"))

    # The reviewer's department tree with pending counts is recounted at most this often per app server
    # (decisions in the same server clear it at once); 0 recounts on every page.
    GEMS_TREE_CACHE_SECONDS = float(_env("GEMS_TREE_CACHE_SECONDS", "30"))

    # Audit chain: HMAC keys from the environment, never the database (app/services/audit_keys.py); a
    # generated key in instance/ only in development. Signed head checkpoints outside the database every N entries.
    GEMS_AUDIT_KEY = _env("GEMS_AUDIT_KEY", "")
    GEMS_AUDIT_KEYS = _env("GEMS_AUDIT_KEYS", "")
    GEMS_AUDIT_KEY_ID = _env("GEMS_AUDIT_KEY_ID", "")
    GEMS_AUDIT_KEY_FILE = str(INSTANCE_DIR / "audit_key")
    GEMS_AUDIT_CHECKPOINT_FILE = _env("GEMS_AUDIT_CHECKPOINT_FILE", str(INSTANCE_DIR / "audit_checkpoints-{db}.jsonl"))
    GEMS_AUDIT_CHECKPOINT_EVERY = int(_env("GEMS_AUDIT_CHECKPOINT_EVERY", "100"))
    GEMS_AUDIT_SYSLOG = _env("GEMS_AUDIT_SYSLOG", "")  # /dev/log or host[:port]

    # Employment plan (issue 10): statistics are live up to GEMS_STATS_LIVE_MAX graduates in a cohort, above that
    # read from a rollup at most GEMS_STATS_MAX_AGE seconds old; warning thresholds (PLAN-3).
    GEMS_STATS_LIVE_MAX = int(_env("GEMS_STATS_LIVE_MAX", "50000"))
    GEMS_STATS_MAX_AGE = float(_env("GEMS_STATS_MAX_AGE", "60"))
    GEMS_WARN_FLEX_RATIO = float(_env("GEMS_WARN_FLEX_RATIO", "1.5"))  # college share >= ratio x the school's
    GEMS_WARN_FLEX_POINTS = float(_env("GEMS_WARN_FLEX_POINTS", "0.10"))  # ... and this many points above it
    GEMS_WARN_MIN_GRADUATES = int(_env("GEMS_WARN_MIN_GRADUATES", "20"))  # smaller colleges are not judged
    GEMS_WARN_EMPLOYER_GRADUATES = int(_env("GEMS_WARN_EMPLOYER_GRADUATES", "10"))
    # the destination codes agreements write (looked up in the destination_code table, never used as numbers):
    # an archived agreement is 签就业协议形式就业, a terminated one leaves its graduate 待就业 until they register another
    GEMS_AGREEMENT_CODE = _env("GEMS_AGREEMENT_CODE", "10")
    GEMS_UNPLACED_CODE = _env("GEMS_UNPLACED_CODE", "70")
    GEMS_INVITATION_DAYS = int(_env("GEMS_INVITATION_DAYS", "14"))  # an invitation's default answer-by time
    GEMS_SCHOOL_CODE = _env("GEMS_SCHOOL_CODE", "10000")  # 院校代码: the {school} part of generated agreement numbers

    GEMS_DEMO_PASSWORD = _env("GEMS_DEMO_PASSWORD", "Gems@2026demo")
    GEMS_DEMO_GRADUATES = int(_env("GEMS_DEMO_GRADUATES", "3000"))


class ProductionConfig(Config):
    GEMS_ENV = "production"
    SESSION_COOKIE_SECURE = True
    GEMS_AUDIT_KEY_FILE = ""  # no generated key: refuse to start without GEMS_AUDIT_KEY(S)


class TestConfig(Config):
    GEMS_ENV = "testing"
    TESTING = True
    SQLALCHEMY_DATABASE_URI = _env("TEST_DATABASE_URL", "sqlite://")
    FAB_PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
    GEMS_DEMO_GRADUATES = 120
    RATELIMIT_STORAGE_URI = "memory://"
    GEMS_TREE_CACHE_SECONDS = 0.0
    GEMS_REQUEST_LOG_LEVEL = "WARNING"  # request lines would drown a failing test's output
    GEMS_AUDIT_KEY = ""
    GEMS_AUDIT_KEYS = "test:gems-test-audit-key-0123456789abcdef"  # fixed, public: tests only
    GEMS_AUDIT_KEY_ID = ""
    GEMS_AUDIT_KEY_FILE = ""
    GEMS_AUDIT_CHECKPOINT_FILE = ""  # tests that need checkpoints point this at a temporary file
    GEMS_AUDIT_SYSLOG = ""
