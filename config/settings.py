"""Settings for 部门协同监管平台, read from the environment with embedded defaults.

Defaults run everything on one machine with no external service: a SQLite file and a
filesystem Celery transport under ``var/``.  Production sets DATABASE_URL (PostgreSQL)
and CELERY_BROKER_URL (Redis).
"""

import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab

from casework import lifecycles

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-insecure-secret-key-change-me")
DEBUG = env_bool("DEBUG", True)
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files, served as our static files
    "django_filters",
    "viewflow",
    "processes",
    "casework",
    "notifications",
    "benchmarks",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # The HTTP edges (config/middleware.py): JSON errors under /api/; oversized bodies and
    # control characters in query parameters dealt with before anything reads them.
    "config.middleware.ApiJsonErrorMiddleware",
    "config.middleware.RequestBodyLimitMiddleware",
    "config.middleware.QueryControlCharacterMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.middleware.ChineseFirstLocaleMiddleware",
    "config.middleware.CommonMiddleware",  # Django's, without slash redirects for API writes
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Puts the viewflow Site/Application on request.resolver_match (menus, app permission).
    # Its Turbo middleware is left out on purpose (VIEWFLOW AUTOREGISTER False below).
    "viewflow.middleware.SiteMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Chinese 403/404/500 pages in the workbench frame, DEBUG on or off (config/error_pages.py).
    "config.error_pages.FramedErrorPageMiddleware",
    # Database or broker down in a view: 503 + Retry-After (JSON for the API, a Chinese page).
    "config.middleware.ServiceUnavailableMiddleware",
]

CSRF_FAILURE_VIEW = "config.error_pages.csrf_failure"

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # Each lifecycle folder brings its templates (casework/lifecycles/<name>/templates).
        "DIRS": [BASE_DIR / "templates", *lifecycles.template_dirs()],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "notifications.context_processors.unread_notifications",
                "casework.workbench.context_processors.workbench",
                "casework.workbench.calendar_coverage.banner",
            ],
            "libraries": {"workbench": "casework.workbench.templatetags"},
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and beat share one file: wait for locks, take the write lock up front,
    # and let readers proceed alongside the writer.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DATABASES["default"]["TEST"] = {"NAME": os.environ.get("TEST_DATABASE_NAME") or None}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]  # the pages are written in Chinese; there is no other language
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Front-end libraries come from npm (package.json, installed by ./dev setup) and are served
# from our own static files: nothing loads from a CDN.
STATICFILES_DIRS = [
    ("vendor/bpmn-js", BASE_DIR / "node_modules" / "bpmn-js" / "dist"),
    *lifecycles.static_dirs(),  # casework/lifecycles/<name>/static
]

# viewflow: no auto-appended middlewares (Turbo would turn 200 form answers into 422).
VIEWFLOW = {"AUTOREGISTER": False}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "processes.api.errors.structured_exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "部门协同监管平台 API",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI and Redoc from drf-spectacular-sidecar (our static files), never a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": STATIC_URL + "casework/favicon.ico",
    "REDOC_DIST": "SIDECAR",
    # No validator badge: Swagger UI would fetch it from validator.swagger.io.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
}

# --- Celery -----------------------------------------------------------------------
CELERY_QUEUE_DIR = VAR_DIR / "celery" / "queue"
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_QUEUE_DIR.mkdir(parents=True, exist_ok=True)
    (VAR_DIR / "celery" / "processed").mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_QUEUE_DIR),
        "data_folder_out": str(CELERY_QUEUE_DIR),
        "processed_folder": str(VAR_DIR / "celery" / "processed"),
        "control_folder": str(VAR_DIR / "celery" / "control"),  # not ./control in the work tree
        "store_processed": False,
    }
else:
    # Fail fast when the broker is away: the work is committed and its outbox row waits.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 3, "socket_timeout": 10}
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
# After a failed publish, a process leaves new jobs to the outbox sweeps for this long.
BROKER_BACKOFF_SECONDS = float(os.environ.get("BROKER_BACKOFF_SECONDS", "30"))
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
TIMER_SWEEP_SECONDS = float(os.environ.get("TIMER_SWEEP_SECONDS", "60"))
OUTBOX_SWEEP_SECONDS = float(os.environ.get("OUTBOX_SWEEP_SECONDS", "60"))
NOTIFICATION_RETRY_BACKOFF_SECONDS = int(os.environ.get("NOTIFICATION_RETRY_BACKOFF_SECONDS", "30"))
EMAIL_LEASE_SECONDS = int(os.environ.get("EMAIL_LEASE_SECONDS", "300"))  # a sender's claim on its rows
OUTBOX_MAX_AGE_HOURS = int(os.environ.get("OUTBOX_MAX_AGE_HOURS", "72"))  # older unsent notices stay unsent
# 批量迁移: a running batch without progress this long lost its worker; a queued one not started
# this long was never published (broker down).  The beat sweep queues either again.
MIGRATION_BATCH_STALE_SECONDS = int(os.environ.get("MIGRATION_BATCH_STALE_SECONDS", "120"))
MIGRATION_BATCH_REQUEUE_SECONDS = int(os.environ.get("MIGRATION_BATCH_REQUEUE_SECONDS", "60"))
CELERY_BEAT_SCHEDULE = {
    "fire-due-timers": {
        "task": "processes.tasks.fire_due_timers",
        "schedule": TIMER_SWEEP_SECONDS,
    },
    "send-pending-emails": {
        "task": "notifications.tasks.send_pending_emails",
        "schedule": OUTBOX_SWEEP_SECONDS,
    },
    "resume-migration-batches": {  # 批量迁移 never started (broker down) or left by a dead worker
        "task": "processes.tasks.resume_migration_batches",
        "schedule": TIMER_SWEEP_SECONDS,
    },
    "start-pending-inspection-cases": {  # a draw whose job never ran (broker down at its commit)
        "task": "inspection.start_pending_inspection_cases",
        "schedule": TIMER_SWEEP_SECONDS,
    },
    "inspector-list-reminders": {  # 双随机: confirm the 执法检查人员名录库 every clock("inspectors.refresh")
        "task": "inspection.start_inspector_list_reminders",
        "schedule": crontab(hour=7, minute=30),
    },
    "refresh-inspection-directories": {  # 双随机: the 检查对象名录库 counted daily (名录库更新于 …)
        "task": "inspection.refresh_directories",
        "schedule": crontab(hour=1, minute=15),
    },
    "check-calendar-coverage": {  # 节假日安排: next year's notice missing from 1 November
        "task": "processes.tasks.check_calendar_coverage",
        "schedule": crontab(hour=8, minute=30),
    },
}

# --- E-mail -------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = str(VAR_DIR / "mail")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "noreply@xtjg.example.gov.cn")
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "30"))  # seconds; a hung mail server never holds a worker
# The site's address as the public reaches it: links in e-mails (an objector's receipt page)
# are this plus the path.  Set it in production, e.g. https://xtjg.example.gov.cn
PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

# --- Domain ---------------------------------------------------------------------------
# Department code whose supervisors receive 效能督办 cases when a task does not name one.
SUPERVISION_DEPARTMENT = os.environ.get("SUPERVISION_DEPARTMENT", "XNDB")
# Legal deadlines are rules in the 法定时限规则 table (casework.clocks), named by the diagrams.

# --- Uploaded files (异议附件) --------------------------------------------------------------
# Under VAR_DIR and never served as static files: views that check who asks hand them out.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))

# --- Public portal (/gs/, casework.portal) -----------------------------------------------
# Per client address and per window, counted in the cache (configure a shared cache, e.g.
# Redis, when several web processes serve the portal; the default cache is per process).
PORTAL_SEARCHES_PER_MINUTE = int(os.environ.get("PORTAL_SEARCHES_PER_MINUTE", "30"))
PORTAL_PAGES_PER_MINUTE = int(os.environ.get("PORTAL_PAGES_PER_MINUTE", "120"))  # enterprise pages
PORTAL_OBJECTIONS_PER_HOUR = int(os.environ.get("PORTAL_OBJECTIONS_PER_HOUR", "5"))
PORTAL_ATTACHMENT_MAX_BYTES = int(os.environ.get("PORTAL_ATTACHMENT_MAX_BYTES", str(5 * 1024 * 1024)))
# The client address is REMOTE_ADDR; behind a reverse proxy name the META key it sets
# (e.g. HTTP_X_REAL_IP) — only when the proxy always overwrites that header.
PORTAL_CLIENT_IP_HEADER = os.environ.get("PORTAL_CLIENT_IP_HEADER", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        }
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        "django.server": {"class": "logging.StreamHandler", "formatter": "django.server"},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # Django gives its "django" logger a console handler of its own (with DEBUG on) and lets
        # it propagate to the root one too: each line came out twice. The root prints it once.
        "django": {"handlers": [], "level": os.environ.get("LOG_LEVEL", "INFO"), "propagate": True},
        # Naming "django" resets its children: runserver's request lines keep Django's own format.
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
        # SpiffWorkflow logs every task state change at INFO.
        "spiff": {"level": "WARNING"},
    },
}
