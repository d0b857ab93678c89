"""Settings for Pingxiang: one file, every value that differs between machines read from
the environment through the typed helpers in pingxiang.env (they fail loudly on bad values).

Production is this same file with production values in the environment (see .env.example).
"""

from pathlib import Path
from urllib.parse import urlparse

from django.core.exceptions import ImproperlyConfigured
from kombu import Queue

from pingxiang.env import (
    celery_broker_url,
    env_bool,
    env_int,
    env_list,
    env_path,
    env_str,
    env_url,
    parse_database_url,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_path("PINGXIANG_VAR_DIR", BASE_DIR / "var"))

DEBUG = env_bool("DEBUG", False)

# A development key lets `make run` and the tests work with no environment at all.
# Production refuses it: pingxiang/checks.py raises a deploy error and wsgi.py will not start.
DEV_SECRET_KEY = "django-insecure-pingxiang-development-key-not-for-production"
SECRET_KEY = env_str("SECRET_KEY", DEV_SECRET_KEY)

# The installation's name in the header, the login page and the admin (the town or county
# that runs it names itself; no place name is fixed in code).
SITE_NAME = env_str("SITE_NAME", "综治工作平台")
if len(SECRET_KEY) < 32:
    raise ImproperlyConfigured("SECRET_KEY must be at least 32 characters long.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",  # Django's widget templates, for FORM_RENDERER below
    "django_htmx",
    "template_partials",
    "csp",
    "axes",
    "pingxiang",
    "grids",
    "cases",
    "petitions",
    "rectification",
    "messaging",
    "dashboard",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "pingxiang.requestcache.RequestCacheMiddleware",  # reference data once per request
    "pingxiang.middleware.SessionMiddleware",  # Django's, 503 when a save meets an outage
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "pingxiang.replica.WriteMarkMiddleware",  # a writer reads back from the primary
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "pingxiang.middleware.LoginRequiredMiddleware",
    "pingxiang.middleware.DatabaseUnavailableMiddleware",
    # Temporary passwords first; after the 503 guard, which loads the session it reads.
    "grids.middleware.PasswordChangeRequiredMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "pingxiang.urls"
WSGI_APPLICATION = "pingxiang.wsgi.application"

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
                "pingxiang.context_processors.csp_nonce",
                "pingxiang.context_processors.site",
                "grids.context_processors.shell",
            ],
            # {% partialdef %} without {% load %}, as in Django 6 where it is built in.
            "builtins": ["template_partials.templatetags.partials"],
        },
    }
]
# Forms render through Django's Jinja2 form renderer with the project's form and field
# templates (pingxiang/jinja2/forms/), so every form draws the same way (pingxiang.renderers).
FORM_RENDERER = "pingxiang.renderers.FormRenderer"

# --- Database: PostgreSQL only -------------------------------------------------------
# Importing settings starts nothing. `make run` / `make test` (pingxiang.services) and a bare
# `manage.py` export DATABASE_URL and REDIS_URL, the embedded servers' when none is given.
_NO_SERVICES = (
    "{name} 未设置：请用 `make run` / `make test` 启动（它们会启动内置的 PostgreSQL 和 Redis），"
    "或设置 DATABASE_URL 和 REDIS_URL。 {name} is not set: use `make run` / `make test` "
    "(they start the embedded PostgreSQL and Redis) or set DATABASE_URL and REDIS_URL."
)
_database_url = env_str("DATABASE_URL", "")
if not _database_url:
    raise ImproperlyConfigured(_NO_SERVICES.format(name="DATABASE_URL"))
DATABASES = {"default": parse_database_url(_database_url)}
DATABASES["default"].update(
    {
        # Connection reuse: list pages lose ~40% of their throughput without it.
        "CONN_MAX_AGE": env_int("DB_CONN_MAX_AGE", 60, min_value=0),
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": {"connect_timeout": env_int("DB_CONNECT_TIMEOUT", 5, min_value=1)},
    }
)
# PostgreSQL's parallel workers per query in the Celery worker's connections (0: none).
# Background jobs share the host with the web: at city scale the per-minute job's grouped
# counts, each fanned out over every core, left the pages a third of the CPU for seconds
# every minute (bench/results.md). Raise it on a host with cores to spare (pingxiang.celery).
JOB_PARALLEL_WORKERS = env_int("JOB_PARALLEL_WORKERS", 0, min_value=0)
# And over time: the per-minute dashboard job works about JOB_DUTY_PERCENT of the time for its
# first JOB_SPREAD_SECONDS, resting between its queries (pingxiang.pacing); done at once, its
# seconds of counts made every page two to three times slower while they ran. Each figure is
# still computed once a minute (the distinct ones last, seconds before the version moves), so
# a write still shows within about a minute. 100 (or a spread of 0): at once.
JOB_DUTY_PERCENT = env_int("JOB_DUTY_PERCENT", 15, min_value=1, max_value=100)
JOB_SPREAD_SECONDS = env_int("JOB_SPREAD_SECONDS", 20, min_value=0, max_value=50)
# A read replica (issue 22 §4, docs/deploy.md): optional. With it, dashboards, reports,
# exports and trends read from it (pingxiang.replica), a user's own writes still from here.
# Its test database is the primary's test database as the replica streams it (MIRROR).
_replica_url = env_str("DATABASE_REPLICA_URL", "")
if _replica_url:
    DATABASES["replica"] = {
        **DATABASES["default"],
        **parse_database_url(_replica_url, name="DATABASE_REPLICA_URL"),
        "TEST": {"MIRROR": "default"},
    }
DATABASE_ROUTERS = ["pingxiang.replica.Router"]
# Beyond this lag every read goes to the primary; a write shows on a dashboard within it.
REPLICA_MAX_LAG_SECONDS = env_int("REPLICA_MAX_LAG_SECONDS", 30, min_value=1)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: the Celery broker and the cache ------------------------------------------
REDIS_URL = env_url("REDIS_URL", "", schemes=("redis", "rediss", "unix"))
if not REDIS_URL:
    raise ImproperlyConfigured(_NO_SERVICES.format(name="REDIS_URL"))

# The dashboard's figures and the home pages' panels (pingxiang.figurecache), shared by every
# process. Keys start with the database's name, so deployments and test runs sharing a Redis
# never see each other's entries (never clear() this cache: it is FLUSHDB, and the Celery
# queues live in the same Redis database). Short timeouts: a cache that is down or slow means
# computing afresh, never a slow page.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": f"pingxiang:{DATABASES['default']['NAME']}",
        "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25},
    },
    # Template fragments that depend on code only (the header's links per role): each
    # process's own memory, so a page never waits on, or fails with, Redis.
    "fragments": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                  "LOCATION": "fragments"},
}

CELERY_BROKER_URL = celery_broker_url(REDIS_URL)
# Queues by kind (issue 22 §4, docs/deploy.md), so a county's export or monthly report never
# waits in front of an escalation or a message: the deadline sweep (and the heartbeat, so
# /healthz says when sweeps stall), the messaging outbox, exports, reports, and the default
# queue for the rest. CELERY_QUEUE is the prefix of every name (installations, and test
# runs, sharing one Redis keep apart); the default queue keeps the prefix as its name.
_queue_prefix = env_str("CELERY_QUEUE", "pingxiang")
TASK_QUEUES = {kind: _queue_prefix if kind == "default" else f"{_queue_prefix}.{kind}"
               for kind in ("default", "sweeps", "notifications", "exports", "reports")}
CELERY_TASK_DEFAULT_QUEUE = TASK_QUEUES["default"]
# A worker consumes every queue unless started with --kinds (pingxiang/celery.py).
CELERY_TASK_QUEUES = [Queue(name, routing_key=name) for name in TASK_QUEUES.values()]
CELERY_TASK_ROUTES = {
    name: {"queue": TASK_QUEUES[kind]} for name, kind in {
        "pingxiang.tasks.sweep_deadlines": "sweeps",
        "pingxiang.tasks.heartbeat": "sweeps",
        "messaging.tasks.deliver": "notifications",
        "messaging.tasks.deliver_many": "notifications",
        "messaging.tasks.dispatch_due": "notifications",
        "rectification.tasks.run_export": "exports",
        "dashboard.tasks.run_report": "reports",
        "dashboard.tasks.monthly_reports": "reports",
        "dashboard.tasks.nightly_statistics": "reports",
        # Not behind a county's monthly report: the rollups must move each minute.
        "dashboard.tasks.refresh_rollups": "sweeps",
        "pingxiang.tasks.prune_access_log": "default",
    }.items()
}
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
# Above the longest task, so an unacknowledged task is not handed out twice while it runs.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 2 * 60 * 60}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# --- Auth ---------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, min_value=1)
AXES_COOLOFF_TIME = 0.5  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

# Rows per page of the case, petition, hazard and household lists. Twenty fill a phone's
# screen two or three times over (grid workers use phones); the ledger exports have every row.
LIST_PAGE_SIZE = env_int("LIST_PAGE_SIZE", 20, min_value=5)

SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 2 * 60 * 60, min_value=300)
# An idle timeout, not a fixed lifetime: pingxiang.middleware.SessionMiddleware moves a
# session's expiry on when it is used, at most once a minute (SESSION_TOUCH_SECONDS) rather
# than with an UPDATE on every request.
SESSION_SAVE_EVERY_REQUEST = False
SESSION_TOUCH_SECONDS = 60
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# --- Security: production values come from the environment ---------------------------
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# Our own page (styled under the CSP, in Chinese, with a way back) instead of Django's stock one.
CSRF_FAILURE_VIEW = "pingxiang.views.csrf_failure"
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0, min_value=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
if env_bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SILENCED_SYSTEM_CHECKS = env_list("SILENCED_SYSTEM_CHECKS", [])

# A county's own tile server on its intranet (issue 21 §3), e.g. 天地图 served inside the
# county: "https://tiles.county.internal/{z}/{x}/{y}.png". Off by default: no map is drawn
# and no tile is ever loaded from outside.
MAP_TILE_URL = env_str("MAP_TILE_URL", "")
MAP_TILE_ZOOM = env_int("MAP_TILE_ZOOM", 16, min_value=3, max_value=19)
if MAP_TILE_URL and not all(k in MAP_TILE_URL for k in ("{z}", "{x}", "{y}")):
    raise ImproperlyConfigured("MAP_TILE_URL must contain {z}, {x} and {y}.")
_tiles = urlparse(env_url("MAP_TILE_URL", "", schemes=("http", "https")))
MAP_TILE_ORIGIN = [f"{_tiles.scheme}://{_tiles.netloc}"] if MAP_TILE_URL else []

# Strict Content Security Policy: nothing inline, nothing from another host (but the tile
# server above, when one is set).
from csp.constants import NONCE, NONE, SELF  # noqa: E402

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:", *MAP_TILE_ORIGIN],
        "font-src": [SELF],
        "connect-src": [SELF],
        # The service worker (/sw.js, issue 21) is the app's own; no other worker is allowed.
        "worker-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# --- i18n -----------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
DATE_FORMAT = "Y-m-d"
DATETIME_FORMAT = "Y-m-d H:i"
SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%Y/%m/%d", "%Y%m%d"]
FORMAT_MODULE_PATH = ["pingxiang.formats"]

# --- Files ----------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"  # never served directly: downloads go through permission-checked views
MEDIA_ROOT = env_path("MEDIA_ROOT", VAR_DIR / "media")
STORAGES = {
    "default": {"BACKEND": env_str("FILE_STORAGE", "django.core.files.storage.FileSystemStorage")},
    "staticfiles": {
        # Hashed, compressed names need `collectstatic` first: production images run it
        # and set STATIC_MANIFEST=true; development and tests serve files as they are.
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if env_bool("STATIC_MANIFEST", False)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 10 * 1024 * 1024, min_value=1024)

# --- Mail -----------------------------------------------------------------------------
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, min_value=1, max_value=65535)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "pingxiang@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
ADMINS = [("管理员", a) for a in env_list("ADMIN_EMAILS", [])]

# --- Application ----------------------------------------------------------------------
HEARTBEAT_MAX_AGE_SECONDS = env_int("HEARTBEAT_MAX_AGE_SECONDS", 300, min_value=30)
ACCESS_LOG_RETENTION_DAYS = env_int("ACCESS_LOG_RETENTION_DAYS", 400, min_value=183)
DEMO_PASSWORD = env_str("DEMO_PASSWORD", "pingxiang-demo")

# --- Messages outside the app (messaging/, docs/operations.md): off until configured ----
# Each channel is on only when all of its variables are set; some but not all is a typo and
# stops the process here. Secrets come from the environment only, never from the database.
# Policy (quiet hours, the morning digest, retries, rate limits, urgent kinds) is data an
# administrator edits in the admin (messaging.MessagingPolicy, messaging.KindRule).
SITE_URL = env_url("SITE_URL", "", schemes=("https", "http"))  # links in messages
WECOM_CORP_ID = env_str("WECOM_CORP_ID", "")
WECOM_AGENT_ID = env_int("WECOM_AGENT_ID", 0, min_value=0)
WECOM_SECRET = env_str("WECOM_SECRET", "")
WECOM_API_BASE = env_url("WECOM_API_BASE", "https://qyapi.weixin.qq.com",
                         schemes=("https", "http"))
# Group robots: name=key pairs; an administrator attaches a name to an area's work group.
_robots = [pair.partition("=") for pair in env_list("WECOM_ROBOT_KEYS", [])]
if any(not name.strip() or not key.strip() for name, _eq, key in _robots):
    raise ImproperlyConfigured("WECOM_ROBOT_KEYS: write name=key pairs separated by commas.")
WECOM_ROBOT_KEYS = {name.strip(): key.strip() for name, _eq, key in _robots}
# "aliyun" (Alibaba Cloud SendSms) or the dotted path of a county's own backend class.
SMS_BACKEND = env_str("SMS_BACKEND", "")
SMS_ACCESS_KEY_ID = env_str("SMS_ACCESS_KEY_ID", "")
SMS_ACCESS_KEY_SECRET = env_str("SMS_ACCESS_KEY_SECRET", "")
SMS_API_BASE = env_url("SMS_API_BASE", "https://dysmsapi.aliyuncs.com", schemes=("https", "http"))
SMS_REGION = env_str("SMS_REGION", "cn-hangzhou")
SMS_SIGN_NAME = env_str("SMS_SIGN_NAME", "")
SMS_TEMPLATE_NOTICE = env_str("SMS_TEMPLATE_NOTICE", "")
SMS_TEMPLATE_URGENT = env_str("SMS_TEMPLATE_URGENT", "")
SMS_TEMPLATE_DIGEST = env_str("SMS_TEMPLATE_DIGEST", "")
MESSAGING_HTTP_TIMEOUT_MS = env_int("MESSAGING_HTTP_TIMEOUT_MS", 10000, min_value=100,
                                    max_value=60000)
# Deliveries a worker process sends side by side (threads waiting on the gateways' answers).
MESSAGING_SEND_THREADS = env_int("MESSAGING_SEND_THREADS", 8, min_value=1, max_value=32)
_wecom = [WECOM_CORP_ID, WECOM_AGENT_ID, WECOM_SECRET]
if any(_wecom) and not all(_wecom):
    raise ImproperlyConfigured("企业微信应用消息需要同时设置 WECOM_CORP_ID、WECOM_AGENT_ID 和 "
                               "WECOM_SECRET (set all three or none).")
_sms = [SMS_BACKEND, SMS_SIGN_NAME, SMS_TEMPLATE_NOTICE, SMS_TEMPLATE_URGENT,
        SMS_TEMPLATE_DIGEST]
if SMS_BACKEND in ("", "aliyun"):  # a county's own backend reads its own variables
    _sms += [SMS_ACCESS_KEY_ID, SMS_ACCESS_KEY_SECRET]
if any(_sms) and not all(_sms):
    raise ImproperlyConfigured("短信需要同时设置 SMS_BACKEND、SMS_SIGN_NAME、SMS_TEMPLATE_NOTICE、"
                               "SMS_TEMPLATE_URGENT、SMS_TEMPLATE_DIGEST（aliyun 另需 "
                               "SMS_ACCESS_KEY_ID 和 SMS_ACCESS_KEY_SECRET）(set all or none).")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"forbidden_one_line": {"()": "pingxiang.logfilters.ForbiddenWithoutTraceback"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # A 403 is one WARNING line, not a traceback (pingxiang/logfilters.py).
        "django.request": {"filters": ["forbidden_one_line"]},
    },
}
