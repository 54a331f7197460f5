"""Bahasa Indonesia first: every string of the interface has its translation, compiled."""

import os
import shutil
import subprocess
import sys
from gettext import GNUTranslations
from pathlib import Path

import polib
from django.conf import settings
from django.utils import translation

CATALOGUE = Path(settings.BASE_DIR) / "sukma" / "locale" / "id" / "LC_MESSAGES"


def test_every_message_is_translated_into_indonesian():
    po = polib.pofile(str(CATALOGUE / "django.po"))
    missing = [entry.msgid for entry in po if not entry.translated() and not entry.obsolete]
    assert missing == []
    assert len(po) > 100


def test_the_compiled_catalogue_matches_its_source(tmp_path):
    po = polib.pofile(str(CATALOGUE / "django.po"))
    po.save_as_mofile(str(tmp_path / "fresh.mo"))
    with open(tmp_path / "fresh.mo", "rb") as fresh, open(CATALOGUE / "django.mo", "rb") as ours:
        assert GNUTranslations(ours)._catalog == GNUTranslations(fresh)._catalog, (
            "django.mo is stale: run `make messages`"
        )


def test_indonesian_is_the_default_and_english_the_second():
    assert settings.LANGUAGE_CODE == "id"
    assert [code for code, _name in settings.LANGUAGES] == ["id", "en"]
    with translation.override("id"):
        assert translation.gettext("Sign in") == "Masuk"


def test_every_string_of_the_code_is_in_the_catalogue(tmp_path):
    """A string added without `make messages` would show in English to Indonesian users."""
    source = Path(settings.BASE_DIR) / "sukma"
    copy = tmp_path / "sukma"
    shutil.copytree(source, copy, ignore=shutil.ignore_patterns("__pycache__", "static"))
    environment = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    subprocess.run(
        [sys.executable, "-m", "django", "makemessages", "--locale", "id", "--no-obsolete"],
        cwd=copy,
        env=environment,
        check=True,
        capture_output=True,
    )
    from_code = {
        (e.msgctxt, e.msgid) for e in polib.pofile(str(copy / "locale/id/LC_MESSAGES/django.po"))
    }
    committed = {(e.msgctxt, e.msgid) for e in polib.pofile(str(CATALOGUE / "django.po"))}
    assert len(from_code) > 500  # the scan really read the code
    assert from_code - committed == set(), "run `make messages` and translate the new strings"
