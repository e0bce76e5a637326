"""Settings for every environment, switched by environment variables. They fail closed: without
DEBUG=1 the site runs in production mode, refuses to start without its own SECRET_KEY, and
expects HTTPS (with HSTS and secure cookies).

DATABASE_URL      unset → SQLite file db.sqlite3 beside manage.py; postgres://… → PostgreSQL (psycopg 3)
CELERY_BROKER_URL unset → tasks run inline; redis://… → a real Celery worker (its heartbeat in /readyz)
REDIS_URL         unset → per-process memory cache; redis://… → shared cache and throttle counters
DEBUG             1 for development (`make run` sets it); anything else or unset → production
SECRET_KEY        required when DEBUG is off; the development key is refused
ALLOWED_HOSTS     comma-separated host names the site answers to
HTTPS             1 (default in production): redirect to HTTPS, HSTS, secure cookies; 0 to serve
                  plain HTTP (a loopback test, or TLS handled by something that does not tell us)
BEHIND_PROXY      1: trust X-Forwarded-Proto from the reverse proxy to know a request came over HTTPS
HSTS_SECONDS      HSTS max-age (default one year)
CONN_MAX_AGE      seconds a database connection is kept between requests (default 60)
DB_CONNECT_TIMEOUT seconds to wait for PostgreSQL to accept a connection (default 2, libpq's least)
DATABASE_PREPARED_STATEMENTS 1 (default): the API's hot statements are prepared on PostgreSQL;
                  0 behind a pooler that cannot keep them (PgBouncer in transaction mode before 1.21)
LOG_LEVEL         root log level (default INFO); logs are JSON lines with the request id
"""

import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in {"1", "true", "yes", "on"}


DEV_SECRET_KEY = "dev-only-insecure-key"
DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY") or (DEV_SECRET_KEY if DEBUG else "")
if not DEBUG and SECRET_KEY in ("", DEV_SECRET_KEY):
    # A production start without its own key must fail loudly, not sign sessions with a public one.
    raise ImproperlyConfigured("SECRET_KEY must be set (and not the development key) when DEBUG is off")
ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",") if h.strip()
]

# Where the source documents live: provenance tests and the loader's excerpt check read them.
SEEDS_DIR = Path(os.environ.get("SEEDS_DIR", BASE_DIR.parent / "shared" / "seeds"))
FIXTURES_DIR = BASE_DIR / "fixtures"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "django_guid",
    "simple_history",
    "catalogue",
    "institutions",
    "products",
    "policies",
    "partners",
    "search",
    "loader",
    "directory",
    "insights",
    "advisor",
]

# The apps whose models make up the catalogue: their `modified` stamps version the caches
# (catalogue.versioning).
CATALOGUE_APPS = ["catalogue", "institutions", "products", "policies"]
# How long a process keeps the catalogue's version (the latest `modified` of those apps' models)
# before reading it again; its own writes forget it at once (catalogue/versioning.py). 0: read it
# on every use.
CATALOGUE_VERSION_SECONDS = float(os.environ.get("CATALOGUE_VERSION_SECONDS", "1"))

MIDDLEWARE = [
    # The request id first, so every log line of the request carries it.
    "django_guid.middleware.guid_middleware",
    "catalogue.observability.AccessLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Header middleware high up, so answers made further down (a refused input) carry them too.
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "catalogue.security.PermissionsPolicyMiddleware",
    # Control characters in a path, a query or a form are a 400 before anything reads them (the
    # responses still get the security headers above).
    "catalogue.middleware.ControlCharactersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # PagesOnly…: Django's session, auth and message middleware, passed by on the
    # data API (/api/v1/), which uses none of them (catalogue.middleware.pages_only).
    "catalogue.middleware.PagesOnlySessionMiddleware",
    "catalogue.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "catalogue.middleware.PagesOnlyAuthenticationMiddleware",
    "catalogue.middleware.PagesOnlyMessageMiddleware",
    # Records who made each change (django-simple-history) for the history of records.
    "simple_history.middleware.HistoryRequestMiddleware",
    "catalogue.security.PageRateLimitMiddleware",
    # Last, as django-axes requires: locks out repeated failed admin logins.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        # A kept connection is checked before reuse, so a database restart costs no failed request.
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A database host that does not answer costs this many seconds (a request, a /readyz probe)
    # instead of the system's TCP timeout; libpq takes 2 as its least. A stopped server refuses
    # at once anyway.
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = int(
        os.environ.get("DB_CONNECT_TIMEOUT", "2")
    )
    # No JIT: the match ranking's one query of many CASE/EXISTS is estimated costly enough to be
    # compiled, which took 9 of its 10 s on 4,000 products; executed plainly it takes 35 ms.
    DATABASES["default"]["OPTIONS"]["options"] = "-c jit=off"
# The API's own hot statements (a record, a first or cursor page) prepared server-side, per
# statement, not Django's server_side_binding for all (catalogue/api/prepared.py says why). Off
# for a pooler that does not keep a connection's prepared statements between transactions.
DATABASE_PREPARED_STATEMENTS = env_bool("DATABASE_PREPARED_STATEMENTS", True)


def allow_prepared(database: dict) -> None:
    """Let psycopg prepare on this PostgreSQL database's connections: Django turns it off
    (prepare_threshold None). Only server-bound cursors consult it, and the only ones are
    catalogue/api/prepared.py's; Django's stay client-bound. 1: a statement is prepared the
    second time it runs on a connection, so one that never repeats (a page size asked once)
    costs no extra round trip to prepare it."""
    if DATABASE_PREPARED_STATEMENTS and database["ENGINE"] == "django.db.backends.postgresql":
        database.setdefault("OPTIONS", {})["prepare_threshold"] = 1


allow_prepared(DATABASES["default"])
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Curators' admin login: 5 failures for one username from one address lock it for an hour.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# The client behind our proxies (API_NUM_PROXIES), decided where throttles and logs decide it: a
# lockout is for the attacker's address, never the proxy's that every curator shares.
AXES_CLIENT_IP_CALLABLE = "catalogue.client_address.client_address"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"

# The REST API (DRF, schema, throttles, keys) is configured in api.py.
from .api import *  # noqa: E402, F403

CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", CELERY_BROKER_URL or None)
# No broker configured → run tasks inline so the embedded default needs nothing running.
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
# A task is acknowledged when it has finished, not when a worker takes it, and handed back to the
# broker if its worker process dies: an import or a load killed half-way runs again on another
# worker instead of staying `running` for good. Every task is idempotent (docs/security.md).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# With late acks a prefetched task would wait behind a long import on the same process.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# An import loads the report readers and the pinyin dictionary (names are written) and leaves its
# worker process near 170 MB; one past this size (KiB) is replaced once its task is done.
CELERY_WORKER_MAX_MEMORY_PER_CHILD = int(os.environ.get("CELERY_WORKER_MAX_MEMORY_KB", "150000"))
# Redis hands an unacknowledged task to another worker after this many seconds (a worker killed
# outright never says it lost the task). Longer than the longest task and the longest retry
# countdown (webhooks: 8 minutes), or a task still running would start a second time.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "3600"))
}
# The web process enqueuing a task waits this long for an unreachable broker, not Celery's 4 s.
CELERY_BROKER_CONNECTION_TIMEOUT = float(os.environ.get("CELERY_BROKER_CONNECTION_TIMEOUT", "2"))
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# /readyz answers 503 while no worker heartbeat is fresh (catalogue.health); 0 only reports it.
READYZ_REQUIRES_WORKER = env_bool("READYZ_REQUIRES_WORKER", True)
# Saved-search alerts: a daily digest at 07:00, or every N seconds when ALERTS_DIGEST_EVERY is set
# (scripts/ci_alerts.sh uses it to see beat fire within the run).
CELERY_BEAT_SCHEDULE = {
    "alerts-daily-digest": {
        "task": "advisor.send_digests",
        "schedule": float(os.environ["ALERTS_DIGEST_EVERY"])
        if os.environ.get("ALERTS_DIGEST_EVERY")
        else crontab(hour=7, minute=0),
    }
}

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if os.environ.get("REDIS_URL"):
    # Redis down must not take the site down: cache misses instead of errors (logged), short
    # timeouts so a hung Redis costs milliseconds, not the request. Throttles use the same Redis
    # through catalogue.resilience, with a per-process fallback.
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
            "KEY_PREFIX": "catalogue",
            "OPTIONS": {
                "IGNORE_EXCEPTIONS": True,
                "SOCKET_CONNECT_TIMEOUT": 0.3,
                "SOCKET_TIMEOUT": 0.3,
            },
        }
    }
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
    DJANGO_REDIS_LOGGER = "catalogue.resilience"
CACHES["local"] = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "local"}

# Request ids: taken from X-Request-ID when a proxy sends a valid one, else made; returned in
# X-Request-ID and written on every log line of the request.
DJANGO_GUID = {
    "GUID_HEADER_NAME": "X-Request-ID",
    "RETURN_HEADER": True,
    "EXPOSE_HEADER": True,
    "VALIDATE_GUID": True,
    "INTEGRATIONS": [],
}
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "django_guid.log_filters.CorrelationId"},
        "one_traceback_per_minute": {"()": "catalogue.resilience.OneTracebackPerMinute"},
    },
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s %(correlation_id)s",
            "rename_fields": {
                "asctime": "time",
                "levelname": "level",
                "name": "logger",
                "correlation_id": "request_id",
            },
        }
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "json", "filters": ["request_id"]}
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's own request logger repeats what the access log and our handlers say.
        "django.server": {"level": "WARNING"},
        "django_guid": {"level": "WARNING"},
        # django-redis logs each cache call that fails while Redis is down, with a traceback.
        "catalogue.resilience": {"filters": ["one_traceback_per_minute"]},
        # Outage lines carry their request id whatever handler writes them (a Celery worker in the
        # same process replaces the root logger's handlers).
        "catalogue.outage": {"filters": ["request_id"]},
    },
}

# Static files: in development WhiteNoise serves them straight from the finders (no collectstatic);
# in production `make serve` collects them into STATIC_ROOT with hashed names (cached for a year)
# and gzip/brotli copies.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
# Files served at the site's root: /favicon.ico, which browsers and feed readers ask for unasked.
WHITENOISE_ROOT = BASE_DIR / "static" / "root"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- HTTPS and browser protections ---------------------------------------------------------------
HTTPS = env_bool("HTTPS", not DEBUG)
if env_bool("BEHIND_PROXY", False):
    # Only behind a proxy that sets (and strips clients') X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = False
SECURE_SSL_REDIRECT = HTTPS
# Load balancers probe over plain HTTP on the private side.
SECURE_REDIRECT_EXEMPT = [r"^healthz/?$", r"^readyz/?$"]
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = int(os.environ.get("HSTS_SECONDS", "31536000")) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = env_bool("HSTS_PRELOAD", HTTPS)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

# CSP (django-csp 4): our pages and the API docs load everything from this origin. Styles allow
# 'unsafe-inline' for the templates' <style> blocks and Redoc's generated styles; scripts never do
# (Swagger UI runs from a separate script URL, see config/api_router.py). Redoc renders in a
# blob: worker.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "worker-src": ["'self'", "blob:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), "
    "payment=(), usb=(), interest-cohort=()"
)
# Facet counts are cached per filter state; list pages are rate-limited per client (the API has
# its own throttles).
PAGE_RATE = os.environ.get("PAGE_RATE", "300/min")

# Uploaded report files (loader.ReportImport); never served publicly. Uploads above the limit are
# refused with a message naming it.
MEDIA_ROOT = os.environ.get("MEDIA_ROOT", str(BASE_DIR / "media"))
REPORT_IMPORT_MAX_BYTES = int(os.environ.get("REPORT_IMPORT_MAX_BYTES", 20 * 1024 * 1024))

# Accounts and alerts (advisor app).
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "advisor:shortlists"
LOGOUT_REDIRECT_URL = "home"
# Absolute links. SITE_URL set (production: the public address behind the proxy): every absolute
# link uses it. Unset: feeds build their links from the request's own scheme, host and port, and
# emails, sent without a request, fall back to the development address.
SITE_URL_CONFIGURED = os.environ.get("SITE_URL", "").rstrip("/")
SITE_URL = SITE_URL_CONFIGURED or "http://127.0.0.1:8000"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "alerts@localhost")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
# Webhook targets must be public addresses; only tests and CI's loopback receiver may relax this.
ALERTS_ALLOW_PRIVATE_WEBHOOKS = os.environ.get("ALERTS_ALLOW_PRIVATE_WEBHOOKS") == "1"

# --- Accounts and alerts: abuse limits (issue 20; advisor app) -----------------------------------
# Webhook targets: only these ports (a loopback receiver in CI adds its own through the
# environment). ALERTS_ALLOW_PRIVATE_WEBHOOKS, above, now admits loopback and nothing else private.
ALERTS_WEBHOOK_PORTS = [
    int(p) for p in os.environ.get("ALERTS_WEBHOOK_PORTS", "80,443").split(",") if p.strip().isdigit()
]
# Sign-up and password reset, as (events, seconds): per client address, and per email address (a
# sign-up's confirmation mails; one reset mail per address per window, whatever the number of
# accounts sharing it). A confirmation link is valid for ACCOUNTS_CONFIRM_MAX_AGE seconds.
ACCOUNTS_SIGNUP_LIMITS = {"client": (5, 3600), "address": (3, 86400)}
ACCOUNTS_RESET_LIMITS = {"client": (10, 3600), "address": (1, 3600)}
ACCOUNTS_CONFIRM_MAX_AGE = int(os.environ.get("ACCOUNTS_CONFIRM_MAX_AGE", str(3 * 86400)))
# Secrets in URL paths, masked in every log line (catalogue.logmask): each group of these patterns
# is written as ***. Share, feed, unsubscribe, email-confirmation and password-reset links.
LOG_MASKED_PATHS = [
    r"/shortlists/shared/([^/?#\s]+)",
    r"/saved/([^/?#\s]+)/(?:feed|unsubscribe)",
    r"/accounts/confirm/([^/?#\s]+)",
    r"/accounts/reset/([^/?#\s]+)/([^/?#\s]+)",
]
LOGGING["filters"]["mask_secrets"] = {"()": "catalogue.logmask.MaskSecretsFilter"}
LOGGING["handlers"]["console"]["filters"].append("mask_secrets")
# On the loggers too, so the record is masked before any handler (not only the console) sees it.
for _logger in ("catalogue.access", "django.request"):
    LOGGING["loggers"].setdefault(_logger, {}).setdefault("filters", []).append("mask_secrets")
del _logger

# --- Report imports (loader): review queue, honest results, workers that die -------------------
# An import whose tables leave more than this share of their lines unplaced ends as "needs
# attention" instead of "done".
REPORT_IMPORT_UNPLACED_SHARE = float(os.environ.get("REPORT_IMPORT_UNPLACED_SHARE", "0.03"))
# A running import with no progress for this long has lost its worker: marked failed (by the beat
# task loader.check_imports and whenever the admin lists imports). An import takes seconds.
REPORT_IMPORT_STALE_MINUTES = int(os.environ.get("REPORT_IMPORT_STALE_MINUTES", "30"))
# An import still waiting this long after upload is sent to the workers again (its task never
# reached the broker); a second delivery is harmless.
REPORT_IMPORT_RESEND_MINUTES = int(os.environ.get("REPORT_IMPORT_RESEND_MINUTES", "5"))
# How long `import_report --background` and the admin wait for a worker to answer a ping.
REPORT_IMPORT_PING_SECONDS = float(os.environ.get("REPORT_IMPORT_PING_SECONDS", "2"))
# A run holds its import by a lease in the shared cache, renewed every ten rows; a worker killed
# mid-import stops renewing, and the task redelivered to another worker takes the import over
# once the lease lapses (instead of leaving it running until it is stale).
REPORT_IMPORT_LEASE_SECONDS = int(os.environ.get("REPORT_IMPORT_LEASE_SECONDS", "60"))
CELERY_BEAT_SCHEDULE["loader-check-imports"] = {
    "task": "loader.check_imports",
    "schedule": 60.0 * int(os.environ.get("REPORT_IMPORT_CHECK_EVERY_MINUTES", "5")),
}

# --- Scale-out: read replicas, import files off the web host's disk (issue 23; docs/cluster.md) ---
# DATABASE_REPLICA_URLS: comma-separated postgres:// URLs of streaming replicas. Anonymous pages and
# API GETs read from them; writes, the admin, tasks, commands and a client's reads for
# DATABASE_PRIMARY_PIN_SECONDS after its last unsafe request use the primary (catalogue.db_routing).
# A replica that fails is skipped for REPLICA_RETRY_SECONDS; REPLICA_CONNECT_TIMEOUT bounds the wait.
DATABASE_REPLICAS = []
for _n, _url in enumerate(u.strip() for u in os.environ.get("DATABASE_REPLICA_URLS", "").split(",")):
    if not _url:
        continue
    _alias = f"replica{_n + 1}"
    DATABASES[_alias] = dj_database_url.parse(
        _url, conn_max_age=DATABASES["default"]["CONN_MAX_AGE"], conn_health_checks=True
    )
    if DATABASES[_alias]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES[_alias].setdefault("OPTIONS", {})["connect_timeout"] = int(
            os.environ.get("REPLICA_CONNECT_TIMEOUT", "2")
        )
    allow_prepared(DATABASES[_alias])
    # Tests never create a database on a replica: it is the primary's test database.
    DATABASES[_alias]["TEST"] = {"MIRROR": "default"}
    DATABASE_REPLICAS.append(_alias)
DATABASE_ROUTERS = ["catalogue.db_routing.ReplicaRouter"]
DATABASE_PRIMARY_PIN_SECONDS = int(os.environ.get("DATABASE_PRIMARY_PIN_SECONDS", "10"))
REPLICA_RETRY_SECONDS = float(os.environ.get("REPLICA_RETRY_SECONDS", "5"))
if DATABASE_REPLICAS:
    # Before the session middleware: the session and user are read (from the primary) before the
    # view, where the middleware picks the replica.
    MIDDLEWARE.insert(
        MIDDLEWARE.index("catalogue.middleware.PagesOnlySessionMiddleware"),
        "catalogue.db_routing.ReplicaReadsMiddleware",
    )
# Uploaded report files: in the database by default (loader.storage), so a worker on any host reads
# what a web host received. Production may use an object store instead (django-storages, the `s3`
# extra): IMPORTS_STORAGE=storages.backends.s3.S3Storage, IMPORTS_S3_BUCKET, IMPORTS_S3_ENDPOINT_URL
# for an S3-compatible store; boto3 takes the credentials from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY.
STORAGES["imports"] = {"BACKEND": os.environ.get("IMPORTS_STORAGE", "loader.storage.DatabaseStorage")}
if os.environ.get("IMPORTS_S3_BUCKET"):
    STORAGES["imports"]["OPTIONS"] = {
        "bucket_name": os.environ["IMPORTS_S3_BUCKET"],
        "endpoint_url": os.environ.get("IMPORTS_S3_ENDPOINT_URL") or None,
        "default_acl": "private",
        "querystring_auth": True,
    }
