"""Settings for Scoreline: every tunable comes from the environment.

With no REDIS_URL the project runs "embedded": SQLite, an in-process channel layer,
local-memory cache and Celery tasks executed in the calling process, so one process
serves everything. With REDIS_URL (and usually DATABASE_URL) it runs distributed:
PostgreSQL, Redis cache, Redis channel layer, Celery on Redis.
Every variable read here is listed in `.env.example`.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from None


def env_float(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number, got {raw!r}") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY is required when DEBUG is off")
    # Development only: a fixed, obviously insecure key so sessions survive restarts.
    SECRET_KEY = "django-insecure-development-only-key-not-for-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
# Set: `/metrics` answers only `Authorization: Bearer <this>` (a Prometheus scrape config's
# `authorization` block); unset: open, for a network where only the scraper reaches it.
METRICS_TOKEN = env_str("METRICS_TOKEN")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

REDIS_URL = env_str("REDIS_URL")
DATABASE_URL = env_str("DATABASE_URL")
# "embedded": one process, no external service. "distributed": Redis backplane.
EMBEDDED = not REDIS_URL

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "channels",
    "django_htmx",
    "template_partials",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "scoreboard",
    "scoreboard.feeds",
    "scoreboard.partners",
    "scoreboard.console",
    "csp",  # Content-Security-Policy header (CONTENT_SECURITY_POLICY below)
    "axes",  # failed staff logins: counted, then locked out (see AXES_* below)
]

MIDDLEWARE = [
    # Partner API 304s before everything else, in the event loop (partners/fastpath.py).
    "scoreboard.partners.fastpath.ConditionalFastPath",
    # Any error under /api/ answers JSON, whichever layer below produced it.
    "scoreboard.partners.exceptions.ApiJsonErrors",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "liveapp.ip_limits.AnonymousPageLimit",  # needs request.user
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # After authentication: answers 429 once a login is locked out (django-axes).
    "axes.middleware.AxesMiddleware",
    "liveapp.middleware.SyncMiddlewareChain",  # last: see its docstring
]

if not DEBUG:
    # Static files from the app server in production (after `collectstatic`); in
    # development runserver serves them.
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
        "whitenoise.middleware.WhiteNoiseMiddleware",
    )

ROOT_URLCONF = "liveapp.urls"
WSGI_APPLICATION = "liveapp.wsgi.application"
ASGI_APPLICATION = "liveapp.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Databases: DATABASE_URL wins; otherwise a local SQLite file (embedded mode).
if DATABASE_URL:
    # No persistent connections: under ASGI every request runs sync code in a fresh
    # thread, so per-thread persistent connections pile up until PostgreSQL refuses
    # more. PostgreSQL gets Django's connection pool instead (returned per request).
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool(
        "DB_POOL", True
    ):
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": env_int("DB_POOL_MIN", 1),
            "max_size": env_int("DB_POOL_MAX", 20),
            "timeout": env_float("DB_POOL_TIMEOUT", 10.0),
        }
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # No statement may hang a process: ingest workers run Celery's solo pool (no
        # hard time limit there), and a web request should not wait this long either.
        timeout_ms = env_int("DB_STATEMENT_TIMEOUT_MS", 30_000)
        # libpq's `options` overrides its PGOPTIONS variable: keep what that says too.
        DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
            f"-c statement_timeout={timeout_ms} {os.environ.get('PGOPTIONS', '')}".strip()
        )
        # Prepared statements for what binds on the server: the ingest hot path
        # (scoreboard/sql.py). The ORM's cursors bind on the client and never prepare.
        # Planning was ~0.7 ms of PostgreSQL's 2.9 ms per ingest transaction. Django
        # leaves them off for poolers in transaction mode (PgBouncer before 1.21):
        # DB_PREPARED_STATEMENTS=0 there.
        DATABASES["default"]["OPTIONS"]["prepare_threshold"] = (
            5 if env_bool("DB_PREPARED_STATEMENTS", True) else None
        )
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env_str("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")),
            # The demo feed writes from another process: wait for the lock, don't fail.
            "OPTIONS": {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL;"},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

if EMBEDDED:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
else:
    CACHES = {
        # Django's Redis backend, minus a new redis-py client per call (liveapp/cache.py).
        "default": {"BACKEND": "liveapp.cache.KeptClientRedisCache", "LOCATION": REDIS_URL}
    }
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": "scoreline"},
        }
    }

# Celery: on Redis when configured; otherwise tasks run in the caller (embedded mode).
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL or "memory://")
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
# Share the (disabled) backend across threads: Django runs each request of a sync view
# in a new thread, and Celery would otherwise load its backend anew (an entry-point scan,
# ~2 ms) in every one that sends a task, such as each webhook push.
CELERY_RESULT_BACKEND_THREAD_SAFE = True
CELERY_TASK_ALWAYS_EAGER = EMBEDDED
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 60)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 50)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Under the prefork pool, Celery's Django fixup closes Django's connection pool after
# every task: each poll then opened a new PostgreSQL connection (7 a second in the
# ingest benchmark). With a reuse count it closes it only every that many tasks;
# liveapp/celery.py hands each task's connection back to the pool instead.
CELERY_DB_REUSE_MAX = env_int("CELERY_DB_REUSE_MAX", 1000)
CELERY_TIMEZONE = "UTC"
# Set: each worker process serves its Prometheus metrics on 127.0.0.1 (a solo-pool worker
# on this port, prefork child N on this port + N); one value per worker command (Procfile).
WORKER_METRICS_PORT = env_int("WORKER_METRICS_PORT", 0)
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    "relay-unpublished-changes": {
        "task": "scoreboard.tasks.relay_unpublished",
        "schedule": env_float("RELAY_INTERVAL_SECONDS", 2.0),
    },
    "relay-webhooks": {
        "task": "partners.relay_webhooks",
        "schedule": env_float("WEBHOOK_RELAY_INTERVAL_SECONDS", 1.0),
    },
    "poll-feeds": {
        "task": "scoreboard.feeds.tasks.poll_feeds",
        "schedule": env_float("FEED_POLL_INTERVAL_SECONDS", 2.0),
    },
    "announce-feed-health": {
        "task": "scoreboard.feeds.tasks.announce_feed_health",
        "schedule": env_float("FEED_HEALTH_INTERVAL_SECONDS", 1.0),
    },
    "prune-processed-messages": {
        "task": "scoreboard.feeds.tasks.prune_processed_messages",
        "schedule": 3600.0,
    },
}
# Feed ingestion has its own queue, so a burst of feed batches never delays other work.
CELERY_TASK_ROUTES = {"scoreboard.feeds.tasks.*": {"queue": "ingest"}}
# Pushed batches are split by match into this many queues, `ingest.0`...: run one worker
# process per queue (Procfile) and a match's messages are applied in order, by one
# process, with no lock waits between workers. 1: the single `ingest` queue.
FEED_INGEST_PARTITIONS = env_int("FEED_INGEST_PARTITIONS", 1)
# An ingest worker applies the pushed batches waiting for it together (celery-batches):
# what arrived within the interval, or this many batches, whichever comes first. The
# worker must prefetch at least that many (`--prefetch-multiplier`, Procfile). Every
# pushed message waits out the interval: 2 ms against 5 took ~4 ms off its median and
# p99 at 200 msg/s, and throughput held (docs/PERFORMANCE.md, session 5).
FEED_INGEST_FLUSH_EVERY = env_int("FEED_INGEST_FLUSH_EVERY", 64)
FEED_INGEST_FLUSH_INTERVAL_MS = env_int("FEED_INGEST_FLUSH_INTERVAL_MS", 2)
# Redis redelivers a message whose worker died (no ack) after this many seconds. Ingest
# tasks are idempotent, so a short timeout only costs a repeat (a no-op), never a double.
# kombu looks for such messages every interval x throttle seconds (default 10 x 10): with
# throttle 1 a dead worker's batch waits at most the timeout plus one interval.
_VISIBILITY_TIMEOUT = env_int("CELERY_VISIBILITY_TIMEOUT", 300)
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {
        "visibility_timeout": _VISIBILITY_TIMEOUT,
        "unacked_restore_interval": max(1, min(10, _VISIBILITY_TIMEOUT)),
        "unacked_restore_throttle": 1,
    }
    if CELERY_BROKER_URL.startswith(("redis://", "rediss://"))
    else {}
)

# Feed ingestion (scoreboard.feeds). Push secrets: "provider=secret,other=secret2".
FEED_PUSH_SECRETS = dict(
    item.split("=", 1) for item in env_list("FEED_PUSH_SECRETS", []) if "=" in item
)
if DEBUG and not FEED_PUSH_SECRETS:
    # Development only, like SECRET_KEY: the simulator signs with the same fixed key.
    FEED_PUSH_SECRETS = {"sim": "development-only-feed-secret"}
FEED_PUSH_MAX_BYTES = env_int("FEED_PUSH_MAX_BYTES", 1_048_576)
FEED_PUSH_REPLAY_WINDOW_SECONDS = env_int("FEED_PUSH_REPLAY_WINDOW_SECONDS", 300)
# Nesting deeper than this in a pushed body is refused (a message is ~5 levels deep).
FEED_PUSH_MAX_DEPTH = env_int("FEED_PUSH_MAX_DEPTH", 16)
# Messages dated more than this ahead of our clock, or older than the age limit, are
# quarantined: one dated years ahead would make every later genuine message "stale".
FEED_MAX_CLOCK_SKEW_SECONDS = env_float("FEED_MAX_CLOCK_SKEW_SECONDS", 300.0)
FEED_MAX_MESSAGE_AGE_SECONDS = env_float("FEED_MAX_MESSAGE_AGE_SECONDS", 86_400.0)
FEED_PULL_TIMEOUT_SECONDS = env_float("FEED_PULL_TIMEOUT_SECONDS", 5.0)
# An idle poll (nothing new) writes `last_polled_at` only when it is older than this:
# polls every 2 s would otherwise cost a database write each, for a time shown in admin.
FEED_POLL_STAMP_SECONDS = env_float("FEED_POLL_STAMP_SECONDS", 30.0)
# Processed-message ids are kept this long, then pruned hourly (feeds/retention.py): a
# repeat after that is still dropped, as stale, by its event's feed state.
FEED_PROCESSED_RETENTION_HOURS = env_float("FEED_PROCESSED_RETENTION_HOURS", 72.0)
FEED_TASK_MAX_RETRIES = env_int("FEED_TASK_MAX_RETRIES", 5)
FEED_RETRY_BACKOFF_MAX = env_float("FEED_RETRY_BACKOFF_MAX", 60.0)
FEED_LATENCY_LOG_KEY = env_str("FEED_LATENCY_LOG_KEY")  # benchmarks only: Redis list key

# Live delivery.
LIVE_REPLAY_WINDOW = env_int("LIVE_REPLAY_WINDOW", 200)  # changes a client may resume across
LIVE_COALESCE_MS = env_int("LIVE_COALESCE_MS", 20)
LIVE_SOCKET_BUFFER = env_int("LIVE_SOCKET_BUFFER", 256)
LIVE_HEARTBEAT_SECONDS = env_float("LIVE_HEARTBEAT_SECONDS", 10.0)
# Redis pub/sub ignores the DB number: the channel is named after it so deployments (or
# test runs) sharing one Redis server never hear each other's changes.
LIVE_CHANNEL = env_str(
    "LIVE_CHANNEL", f"scoreline:changes:{REDIS_URL.rsplit('/', 1)[-1] if REDIS_URL else 0}"
)
# Batched writes (ingestion) are published by the outbox publisher process
# (`manage.py publish_live`), coalesced per event; 0: by the writer, after its commit.
LIVE_OUTBOX_PUBLISHER = env_bool("LIVE_OUTBOX_PUBLISHER", True)
FEED_SILENT_AFTER_SECONDS = env_int("FEED_SILENT_AFTER_SECONDS", 60)
# Ingest workers read provider priorities per competition at most this often (a change
# in admin takes effect within it). 0: every batch reads them.
FEED_PRIORITY_CACHE_SECONDS = env_float("FEED_PRIORITY_CACHE_SECONDS", 5.0)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# Where `collectstatic` gathers the files the app server (WhiteNoise) serves in production.
STATIC_ROOT = Path(env_str("STATIC_ROOT") or BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

LOGIN_URL = "/admin/login/"

# Scripts only from our own files: no inline script or handler, no eval (htmx's allowEval
# and allowScriptTags are off, in the htmx-config meta tag of each page). Inline styles
# stay allowed (the admin and the API docs set style attributes); no page may be framed.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],  # same-origin fetch and WebSocket (/ws/...)
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Staff sign in on the admin login page (the console uses it too). django-axes counts
# failed attempts per user name and client address; after LOGIN_FAILURE_LIMIT of them
# that pair is refused (429) for LOGIN_LOCKOUT_MINUTES, even with the right password.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# The client address under the one X-Forwarded-For policy (TRUSTED_PROXIES), so clients
# behind the load balancer are not all one address to the lockout.
AXES_CLIENT_IP_CALLABLE = "liveapp.clientip.ip_of_request"
AXES_ENABLE_ADMIN = False  # its pages are registered by scoreboard/admin.py instead

REST_FRAMEWORK = {
    # API keys only (each partner view sets its own): DRF's default Session and Basic
    # authentication would turn any API URL into a password oracle for staff accounts.
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # JSON errors with a reason ({"error", "detail"}); keeps WWW-Authenticate/Retry-After.
    "EXCEPTION_HANDLER": "scoreboard.partners.exceptions.api_exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Scoreline API",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "DESCRIPTION": "Scoreline partner API. Authenticate with `Authorization: Api-Key <token>`; "
    "see docs/API.md for the quick start.",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "PREPROCESSING_HOOKS": ["scoreboard.partners.schema.only_partner_api"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",  # the default, kept
        "scoreboard.partners.schema.complete_schema",  # /stream and links
    ],
}

# Partner API (scoreboard.partners).
API_LONGPOLL_INTERVAL_SECONDS = env_float("API_LONGPOLL_INTERVAL_SECONDS", 0.25)
# Partner streams are woken by the live hub; idle, they re-read the log this often anyway
# (changes the hub does not carry: event-less ones, a message lost in transit).
API_STREAM_POLL_SECONDS = env_float("API_STREAM_POLL_SECONDS", 5.0)
# Each open stream re-checks its key (revoked, scope removed: it ends) and sends a
# keepalive comment this often.
API_STREAM_HEARTBEAT_SECONDS = env_float("API_STREAM_HEARTBEAT_SECONDS", 15.0)
# 304 fast path: how long a process trusts a cached key if Redis missed its change.
API_KEY_CACHE_SECONDS = env_float("API_KEY_CACHE_SECONDS", 5.0)
WEBHOOK_TIMEOUT_SECONDS = env_float("WEBHOOK_TIMEOUT_SECONDS", 5.0)
WEBHOOK_RETRY_BASE_SECONDS = env_float("WEBHOOK_RETRY_BASE_SECONDS", 2.0)
WEBHOOK_RETRY_MAX_SECONDS = env_float("WEBHOOK_RETRY_MAX_SECONDS", 600.0)
WEBHOOK_MAX_FAILURES = env_int("WEBHOOK_MAX_FAILURES", 10)
# A delivery run starts no new post after this many seconds, so that it ends between two
# deliveries inside the Celery soft time limit (a cut run would resend one change).
WEBHOOK_RUN_SECONDS = env_float(
    "WEBHOOK_RUN_SECONDS", max(1.0, CELERY_TASK_SOFT_TIME_LIMIT - WEBHOOK_TIMEOUT_SECONDS - 5)
)
if WEBHOOK_RUN_SECONDS + WEBHOOK_TIMEOUT_SECONDS >= CELERY_TASK_SOFT_TIME_LIMIT:
    raise ImproperlyConfigured(
        "WEBHOOK_RUN_SECONDS + WEBHOOK_TIMEOUT_SECONDS must stay below CELERY_TASK_SOFT_TIME_LIMIT"
    )

WEBHOOK_MAX_PER_PARTNER = env_int("WEBHOOK_MAX_PER_PARTNER", 10)
# Development and tests only: let webhooks reach loopback receivers (127.0.0.0/8, ::1).
# Off, every private, loopback, link-local or reserved address is refused.
WEBHOOK_ALLOW_LOOPBACK = env_bool("WEBHOOK_ALLOW_LOOPBACK", False)

# Limits per client address (liveapp/ip_limits.py). X-Forwarded-For is believed only
# from these proxies (addresses or networks, comma-separated); none by default.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", [])
AUTH_FAILURES_PER_IP_PER_MINUTE = env_int("AUTH_FAILURES_PER_IP_PER_MINUTE", 30)
ANON_PAGE_RATE = env_str("ANON_PAGE_RATE", "1200/m")  # django-ratelimit syntax; empty: off
LONGPOLL_WAITS_PER_IP = env_int("LONGPOLL_WAITS_PER_IP", 4)  # per process
WS_CONNECTIONS_PER_IP = env_int("WS_CONNECTIONS_PER_IP", 200)  # per process

# Production hardening: on unless DEBUG; each can be switched off behind a TLS proxy.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
# Flash messages live in the (database) session, never in a cookie: a cookie is signed,
# not encrypted, and a message may carry a secret (a new API key is shown once that way).
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
if env_bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # django-axes logs every successful login at INFO; lockouts are WARNING.
    "loggers": {"axes": {"level": "WARNING"}},
}
