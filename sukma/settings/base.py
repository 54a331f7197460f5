"""Settings shared by every environment. Operator choices come from env.py."""

from pathlib import Path

from csp.constants import NONCE, NONE, SELF
from django.utils.translation import gettext_lazy as _

from sukma import logs
from sukma.settings import env

BASE_DIR = env.project_dir()
SECRET_KEY = env.text("SECRET_KEY", "insecure-dev-key-change-me-in-production")
DEBUG = env.flag("DEBUG", default=False)

# Regencies live on subdomains of this domain: tulungagungkab.<BASE_DOMAIN>.
BASE_DOMAIN = env.text("BASE_DOMAIN", "localhost").lower()
SITE_SCHEME = env.text("SITE_SCHEME", "http")
SITE_PORT = env.integer("SITE_PORT", 8000)
ALLOWED_HOSTS = [BASE_DOMAIN, f".{BASE_DOMAIN}", *env.words("EXTRA_ALLOWED_HOSTS", [])]
# Our own proxies (deploy/nginx/), by address or network: only a request coming from
# one of them has its X-Forwarded-For believed (sukma/addresses.py). Empty: nobody's is.
TRUSTED_PROXIES = env.networks("TRUSTED_PROXIES")
# A form whose security token has expired gets a page that says what to do, not a bare 403.
CSRF_FAILURE_VIEW = "sukma.platform.views_auth.form_expired"

# ---------------------------------------------------------------- apps
# Each app is declared exactly once: shared (public schema, the control
# plane) or tenant (one schema per regency). tests/test_app_silos.py holds
# this to account.
SHARED_APPS = [
    # sukma.tenants comes before django_tenants so that its migrate commands,
    # which also migrate the template schema, win over the library's.
    "sukma.tenants",
    "django_tenants",
    "sukma.platform",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.admin",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    # The second factor (sukma/access/second_factor.py): an authenticator app and recovery codes.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "sukma.api",
    "sukma.worker",
    "sukma.platform.rankings",
    "sukma.demo",
]
TENANT_APPS = [
    "sukma.surveys",
    "sukma.surveys.complaints",
    "sukma.surveys.kiosks",
    "sukma.surveys.followup",
    "sukma.surveys.reports",
]
INSTALLED_APPS = SHARED_APPS + [app for app in TENANT_APPS if app not in SHARED_APPS]

TENANT_MODEL = "tenants.Regency"
TENANT_DOMAIN_MODEL = "tenants.Domain"
# New regencies are cloned from this schema; every migrate migrates it too.
TENANT_BASE_SCHEMA = "template_regency"
TENANT_CREATION_FAKES_MIGRATIONS = True
# Set the search_path once per schema switch, not before every query: it halves the
# queries of a citizen's submission. It is forgotten on every switch to another path
# (see sukma.tenants.database), rollback and reconnect, so a stale path cannot survive.
TENANT_LIMIT_SET_CALLS = True
# The replica router first: it only ever answers for opted-in reads (sukma.tenants.replicas).
DATABASE_ROUTERS = [
    "sukma.tenants.replicas.ReplicaRouter",
    "django_tenants.routers.TenantSyncRouter",
]
PUBLIC_SCHEMA_URLCONF = "sukma.urls.public"
ROOT_URLCONF = "sukma.urls.tenant"

MIDDLEWARE = [
    # Liveness, readiness and /metrics, on every host, before the regency is looked up and
    # before every limit and gate (sukma/platform/health.py).
    "sukma.platform.health.HealthMiddleware",
    # Requests by status and view (django-prometheus): outside the regency middleware, so
    # its refusals (unknown host 404, suspended 503) are counted too.
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
    "sukma.tenants.middleware.RegencyMiddleware",
    # Sees every statement after the schema is chosen: a request that writes reads the primary.
    "sukma.tenants.replicas.ReplicaReadsMiddleware",
    "sukma.access.audit.AuditAddressMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages are compressed here, not by the proxy, so every deployment (nginx, compose, the
    # demo) sends the same bytes; whitenoise serves static files' own compressed copies.
    # Django's gzip adds random bytes to each response's length (BREACH mitigation).
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): whether this session has passed the second factor.
    "django_otp.middleware.OTPMiddleware",
    # A session that owes its second factor reaches only the code and setup pages.
    "sukma.platform.second_factor_gate.SecondFactorGate",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    "sukma.access.throttle.KnownDeviceMiddleware",
    "sukma.display.DisplayModeMiddleware",
    "csp.middleware.CSPMiddleware",
]

# Content-Security-Policy on every page (django-csp): nothing inline runs or styles a page
# unless it carries this response's nonce (the citizen's page inlines its CSS and JS so that
# a cheap phone loads it in two requests); no style attributes (bars are SVG, sukma/templates/
# _bar.html). Images may be data: URIs (the favicon, charts); nothing may frame a page.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "worker-src": [SELF],
        "manifest-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
    }
}

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "sukma" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "sukma.tenants.context.regency",
                "sukma.display.display",
                "sukma.surveys.navigation.staff_navigation",
            ],
        },
    }
]
WSGI_APPLICATION = "sukma.wsgi.application"

# ---------------------------------------------------------------- data
DATABASE_URL = env.text("DATABASE_URL")
if not DATABASE_URL:
    from sukma import embedded

    DATABASE_URL = embedded.postgres_url()
DATABASES = {"default": env.database_settings(DATABASE_URL)}
# A streaming replica for the dashboards, public results and rankings (docs/scaling.md).
# Without it every read goes to the primary.
DATABASE_REPLICA_URL = env.text("DATABASE_REPLICA_URL")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = env.replica_database_settings(DATABASE_REPLICA_URL)
# Behind by more than this, the replica is not read.
REPLICA_MAX_LAG_SECONDS = env.integer("REPLICA_MAX_LAG_SECONDS", 5)
# Unreachable, it is not tried again by this process for this long.
REPLICA_RETRY_SECONDS = env.integer("REPLICA_RETRY_SECONDS", 10)
# A browser that wrote reads the primary until the replica has replayed its write, for at
# most this long; after that the lag bound above is what protects it.
REPLICA_PIN_SECONDS = env.integer("REPLICA_PIN_SECONDS", 300)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.text("REDIS_URL")
if not REDIS_URL:
    from sukma import embedded

    REDIS_URL = embedded.redis_url()
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL.replace("redis+socket://", "unix://"),
        "KEY_FUNCTION": "django_tenants.cache.make_key",
        "REVERSE_KEY_FUNCTION": "django_tenants.cache.reverse_key",
    }
}

# ---------------------------------------------------------------- auth
AUTH_USER_MODEL = "platform.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # ModelBackend behind the spraying and per-account limits (README: sign-in throttling).
    "sukma.access.throttle.ThrottledModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("email", "full_name")},
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Respondents' device and address hashes are cleared after this many days (UU 27/2022:
# kept no longer than the once-a-day rule needs them: a service date may be 30 days old).
HASH_KEEP_DAYS = env.integer("HASH_KEEP_DAYS", 31)
# Staff: successful sign-ins (address, browser) and the address in audit rows
# (sukma/access/retention.py, docs/data-inventory.md).
SIGN_IN_LOG_DAYS = env.integer("SIGN_IN_LOG_DAYS", 90)
AUDIT_ADDRESS_DAYS = env.integer("AUDIT_ADDRESS_DAYS", 365)
# Sign-in throttling, the README's table. One account from one address: django-axes,
# five failures lock for an hour. Keyed on the one client address (sukma.addresses),
# not on the proxy's.
AXES_FAILURE_LIMIT = env.integer("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = 1
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "sukma.addresses.client_address"
# An attempt refused during a lock-out is not a new failure: it must not push the lock on.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# One 429 page for axes' lock and for our own limits, with Retry-After.
AXES_LOCKOUT_CALLABLE = "sukma.access.throttle.lockout_response"
# One address across accounts (spraying): this many failures in the window, then wait.
SIGN_IN_ADDRESS_LIMIT = env.integer("SIGN_IN_ADDRESS_LIMIT", 20)
SIGN_IN_ADDRESS_WINDOW = 600
# One account from anywhere: this many failures free, then 2, 4, 8 ... s between attempts.
SIGN_IN_ACCOUNT_FREE = env.integer("SIGN_IN_ACCOUNT_FREE", 10)
SIGN_IN_ACCOUNT_MAX_DELAY = 300
SIGN_IN_ACCOUNT_MEMORY = 3600
SIGN_IN_KNOWN_DEVICE_DAYS = 90
# API tokens expire this many days after they are issued.
API_TOKEN_DAYS = env.integer("API_TOKEN_DAYS", 30)
# The credential axes keys on. Its default is USERNAME_FIELD ("email"), but
# authenticate() is called with username=..., so failures were recorded
# under no address at all and the lock-out never held for the next attempt.
AXES_USERNAME_FORM_FIELD = "username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "platform/locked_out.html"
# A regency admin's invitation link stays valid for a week.
PASSWORD_RESET_TIMEOUT = 7 * 24 * 3600
# A forgotten-password link is valid this long, and once (sukma/platform/views_account.py).
PASSWORD_RESET_LINK_HOURS = env.integer("PASSWORD_RESET_LINK_HOURS", 2)
# The name authenticator apps show next to the code (the label adds the person's e-mail).
OTP_TOTP_ISSUER = "SuKMa Jatim"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True

# ---------------------------------------------------------------- language
LANGUAGE_CODE = "id"
LANGUAGES = [("id", _("Bahasa Indonesia")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "sukma" / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Jakarta"
USE_TZ = True

# ---------------------------------------------------------------- files
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
# The project-wide stylesheet is in no app, so the finders must be told where it is.
STATICFILES_DIRS = [BASE_DIR / "sukma" / "static"]
STORAGES = {
    # Every upload goes through Django's storage API: shared S3-compatible storage when
    # MEDIA_STORAGE=s3, so several web and worker machines see the same files (docs/scaling.md).
    "default": env.media_storage(),
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = Path(env.text("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
MEDIA_URL = "/media/"
# Signed agreements are PDFs of at most this many bytes.
AGREEMENT_DOCUMENT_MAX_BYTES = env.integer("AGREEMENT_DOCUMENT_MAX_BYTES", 10 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024

# ---------------------------------------------------------------- mail
EMAIL_BACKEND = env.text("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.text("DEFAULT_FROM_EMAIL", "SuKMa <noreply@sukma.localhost>")

# ---------------------------------------------------------------- API
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Expiring, revocable, hashed tokens (sukma.access.tokens); a bad one is a 401.
        "sukma.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "sukma.api.pagination.BoundedLimitOffsetPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "sukma.api.errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "SuKMa API",
    "DESCRIPTION": "Survei Kepuasan Masyarakat elektronik: the control plane on the base "
    "domain, each regency's own data on its subdomain.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # The API speaks JSON: form encodings cannot say null and read "0" as false, so they are
    # not part of its contract (uploads declare multipart themselves). DRF still reads them.
    "PARSER_WHITELIST": ["rest_framework.parsers.JSONParser"],
    # The errors every operation can answer (unreadable input, credentials, 503...).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "sukma.api.schema.add_common_errors",
    ],
    # Several serializers have a "status" of different kinds; name each choice set once.
    "ENUM_NAME_OVERRIDES": {
        "RegencyStatusEnum": "sukma.tenants.models.RegencyStatus",
        "RegencyKindEnum": "sukma.tenants.models.RegencyKind",
        "AgreementStatusEnum": "sukma.platform.models.AgreementStatus",
        "JobStateEnum": "sukma.platform.models.JobState",
        "AgencyKindEnum": "sukma.surveys.models.AgencyKind",
        "PeriodKindEnum": "sukma.surveys.models.PeriodKind",
        "RefreshKindEnum": "sukma.platform.rankings.models.RefreshKind",
        "RefreshStateEnum": "sukma.platform.rankings.models.RunState",
    },
}

# ---------------------------------------------------------------- worker
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# Acknowledgement, deliberately (README "Faults survived"): a message is acknowledged after
# its task ends, and one whose pool process died is given back (reject_on_worker_lost), so a
# task killed midway runs again. That is safe because every task is idempotent: jobs are
# claimed by conditional UPDATEs and rollups move a cursor in one transaction.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# With Redis as broker a message taken by a worker that then vanished (SIGKILL, a lost
# machine) comes back only after the visibility timeout. It must exceed the longest time a
# live worker may hold a message: the longest hard time limit (reconcile_regency, 1900 s)
# and the longest retry countdown (120 s; a retry's ETA message is held unacknowledged until
# due), else a message still being worked on is handed to a second worker. Two hours leaves
# room. Redelivery is only the backstop: the sweeper (sukma/worker/tasks_jobs.py) resumes or
# fails a job whose worker is gone within minutes, and a late redelivered copy finds the job
# claimed or done and does nothing.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 2 * 60 * 60,
    # A sender gives up within two seconds when Redis is away (sukma.background), instead
    # of hanging a request; the worker's own reads block at most a second (kombu's BRPOP).
    "socket_connect_timeout": 2,
    "socket_timeout": 10,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 2
CELERY_REDIS_SOCKET_TIMEOUT = 10
# The worker keeps running through a broker outage and reconnects (never gives up), and on
# losing the connection it cancels nothing: with acks_late the messages of the tasks then
# running come back anyway, and each task is idempotent.
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# The sweeper (sukma/worker/tasks_jobs.py) calls a job stale after its task's hard time limit
# plus this long without a sign of life: room for a message waiting behind others.
SUKMA_STALE_JOB_GRACE_SECONDS = 120
CELERY_BEAT_SCHEDULE_FILENAME = str(BASE_DIR / "var" / "celerybeat-schedule")
# Queues by kind (README "Work that cannot pile up"): each kind of work waits in its own
# Redis list and the deployment runs a worker per group of queues with its own concurrency
# (deploy/), so a flood of one kind (a thousand reports) never starves another (a
# provisioning, a complaint notice). Anything not routed here waits in `default`, Celery's
# own tasks included. tests/worker/test_task_names.py checks that every registered task
# lands in a queue the deployment's workers consume.
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {
    "sukma.worker.tasks.provision_regency": {"queue": "provisioning"},
    "sukma.worker.tasks_rankings.*": {"queue": "rollups"},
    "sukma.worker.tasks_reports.*": {"queue": "reports"},
    "sukma.worker.tasks_complaints.*": {"queue": "mail"},
}
SUKMA_QUEUES = ("provisioning", "rollups", "reports", "mail", "default")
# How much new work one person may start (sukma.access.work_limits): a province admin
# refreshes a few times an hour, a regency admin downloads a dozen reports in a sitting.
# Requests that join a refresh already going, or get a report already made, never count.
SUKMA_REFRESH_LIMIT = 10
SUKMA_REFRESH_WINDOW = 60 * 60
SUKMA_REPORT_LIMIT = 60
SUKMA_REPORT_WINDOW = 60 * 60

# ---------------------------------------------------------------- observation
# Log lines: "text" for people (the demo), "json" for a log collector (production's default).
# Every line carries the regency (schema) it is about (sukma/logs.py).
LOG_FORMAT = env.text("LOG_FORMAT", "text").lower()
if LOG_FORMAT not in logs.LOG_FORMATS:
    raise env.EnvError(f"LOG_FORMAT={LOG_FORMAT!r}: expected one of {', '.join(logs.LOG_FORMATS)}")
LOG_LEVEL = env.text("LOG_LEVEL", "INFO")
LOGGING = logs.logging_config(LOG_FORMAT, LOG_LEVEL)
# /metrics: for `Authorization: Bearer <METRICS_TOKEN>`, or a direct peer (no proxy) in these
# networks. Empty token: the networks only.
METRICS_TOKEN = env.text("METRICS_TOKEN")
METRICS_NETWORKS = env.words("METRICS_NETWORKS", ["127.0.0.1/32", "::1/128"])
# Readiness remembers the migration check this long; the metrics the rankings' lag.
HEALTH_MIGRATIONS_SECONDS = env.integer("HEALTH_MIGRATIONS_SECONDS", 60)
METRICS_LAG_SECONDS = env.integer("METRICS_LAG_SECONDS", 15)
# The worker serves its own metrics (task durations and failures) on this port of
# WORKER_METRICS_ADDRESS; 0: not served.
WORKER_METRICS_PORT = env.integer("WORKER_METRICS_PORT", 0)
WORKER_METRICS_ADDRESS = env.text("WORKER_METRICS_ADDRESS", "127.0.0.1")
