"""The survey as a progressive web app: its service worker script and its web app manifest.

The service worker is served from the root of each regency's host (/sw.js),
not from /static/, because a worker controls only pages under its script's
folder: from the root it may be registered with the scope /s/ (the counter
pages) and /kiosk/ (a paired tablet). Its body is sukma/static/sukma/sw.js
preceded by two constants: the assets to keep and a version made from their
contents, so that changing any of them changes the script's bytes, which is
what makes browsers install the new worker and drop the old cache.

The manifest names the page that was open as its start: installed to the
home screen, the app opens that counter's form (or the kiosk).
"""

import functools
import hashlib
import json
import re

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpResponse, JsonResponse
from django.templatetags.static import static
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

WORKER = "sukma/sw.js"
# What a form page needs beside itself to work offline: its stylesheet and progress bar are
# written into the page (inline_static), the offline queue is not. Icons: home screen only.
ASSETS = ("sukma/offline.js",)
ICONS = (("sukma/icon.svg", "any", "image/svg+xml"),)
ICONS_PNG = (("sukma/icon-192.png", "192x192"), ("sukma/icon-512.png", "512x512"))
# The pages an installed app may start on: a counter's form, or the kiosk.
START = re.compile(r"\A/(s/[A-Za-z0-9_-]{1,16}|kiosk)/\Z")


def _file(path: str) -> bytes:
    found = finders.find(path)
    if not found:
        raise FileNotFoundError(path)
    with open(found, "rb") as handle:
        return handle.read()


@functools.lru_cache(maxsize=1)
def _worker_built() -> tuple[bytes, str]:
    """The worker's script and its version; built once per process (static files are fixed)."""
    digest = hashlib.sha256(_file(WORKER))
    for asset in ASSETS:
        digest.update(_file(asset))
    version = digest.hexdigest()[:16]
    assets = json.dumps([static(asset) for asset in ASSETS])
    head = f"const VERSION = {json.dumps(version)};\nconst ASSETS = {assets};\n"
    return head.encode() + _file(WORKER), version


def worker_script() -> tuple[bytes, str]:
    if settings.DEBUG:  # files are edited while the development server runs
        _worker_built.cache_clear()
    return _worker_built()


@require_GET
def service_worker(request):
    """/sw.js: revalidated on every check (no-cache), answered 304 while unchanged."""
    body, version = worker_script()
    etag = f'"{version}"'
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["ETag"] = etag
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = "/"
    return response


@require_GET
def manifest(request):
    """/manifest.webmanifest?start=/s/CODE/: the app that opens this counter's form."""
    start = request.GET.get("start", "")
    if not START.match(start):
        start = "/"
    regency = getattr(request, "tenant", None)
    name = _("Satisfaction survey")
    if regency is not None and getattr(regency, "name", ""):
        name = f"{name} · {regency.name}"
    icons = [{"src": static(p), "sizes": s, "type": t} for p, s, t in ICONS]
    icons += [{"src": static(p), "sizes": s, "type": "image/png"} for p, s in ICONS_PNG]
    data = {
        "name": name,
        "short_name": "SuKMa",
        "description": _("Tell us how our service was: nine short questions, anonymous."),
        "lang": get_language() or settings.LANGUAGE_CODE,
        "start_url": start,
        "scope": start if start != "/" else "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#0b5fa5",
        "icons": icons,
    }
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/manifest+json"
    response["Cache-Control"] = "private, max-age=3600"  # its name follows the language
    return response
