"""Settings for bench/submit.py only: the product's settings, plus the bare baseline's route.

Not part of the product. DEBUG is off as in production (with it on, Django
keeps every SQL statement in memory). The app runs behind a proxy that
appends the client's address to X-Forwarded-For, so each simulated citizen
has an address of its own and the per-address rate limit (CITIZEN_RATE_LIMIT,
left at the product's value) applies as it would to real phones. Database
settings are the product's: persistent connections, one SET search_path per
schema switch, prepared statements where the code asks for them.
"""

import warnings

from sukma.settings.dev import *  # noqa: F403

warnings.filterwarnings("ignore", message="No directory at")  # whitenoise: no collectstatic here

DEBUG = False
ROOT_URLCONF = "bench_urls"
TRUSTED_PROXIES = ["127.0.0.1"]  # the bench client plays the proxy
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "ERROR"}}
