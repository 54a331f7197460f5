"""A static file's text written into the page, for the citizen's pages' one stylesheet and script.

On a slow phone network each request costs a round trip of up to two
seconds; a stylesheet or a deferred script in another file makes the form
wait for a second one (bench/page.py: interactive after 4.4 s, 2.3 s with
them in the page). The files stay in sukma/static/, where the service
worker also keeps them; they are read once per process (each time when
DEBUG is on, as they are edited while the development server runs).
"""

import functools

from django import template
from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.utils.safestring import mark_safe

register = template.Library()


@functools.lru_cache(maxsize=16)
def _text(path: str) -> str:
    found = finders.find(path)
    if found:
        with open(found, encoding="utf-8") as handle:
            return handle.read()
    with staticfiles_storage.open(path) as handle:  # collected, with no finder to find it
        return handle.read().decode("utf-8")


@register.simple_tag
def inline_static(path: str) -> str:
    """The text of our own static file `path` (trusted: never a user's upload)."""
    if settings.DEBUG:
        _text.cache_clear()
    return mark_safe(_text(path))
