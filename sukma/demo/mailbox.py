"""The demo's mailbox: every e-mail the demo sent, readable at /surat/ on the province's site.

The demo sends no real mail. Its settings (sukma.settings.dev) use
MailFolderBackend, Django's file-based backend with file names that sort
in the order they were written (Django's own end in an object id, and file
times tie within a clock tick); this page reads those files back, newest first, with the
links in each message clickable, so an invitation, a password reset or a
complaint notice can be followed from the browser. The page exists only
where DEMO_MAILBOX is on (the demo), and only for the province's admins:
the messages carry sign-in links meant for other people.
"""

import email
import itertools
import os
import time
from dataclasses import dataclass
from email import policy
from email.utils import parsedate_to_datetime
from pathlib import Path

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.mail.backends import filebased
from django.http import Http404
from django.shortcuts import render

from sukma.access.permissions import is_province_admin

# Django's file-based backend writes this line after every message.
SEPARATOR = "-" * 79
SHOWN = 200
_sequence = itertools.count()


class MailFolderBackend(filebased.EmailBackend):
    """Django's file-based backend, each file named so that names sort as they were written."""

    def _get_filename(self):
        if self._fname is None:
            name = f"{time.time_ns():020d}-{os.getpid()}-{next(_sequence):06d}.log"
            self._fname = os.path.join(self.file_path, name)
        return self._fname


@dataclass(frozen=True)
class Letter:
    sent: object
    to: str
    subject: str
    body: str


def letter_of(raw: str) -> Letter | None:
    message = email.message_from_string(raw.strip("\n"), policy=policy.default)
    if not message["Subject"] and not message["To"]:
        return None
    part = message.get_body(preferencelist=("plain", "html"))
    body = part.get_content() if part is not None else ""
    try:
        sent = parsedate_to_datetime(message["Date"]) if message["Date"] else None
    except (TypeError, ValueError):
        sent = None
    return Letter(sent, str(message["To"] or ""), str(message["Subject"] or ""), body)


def mailbox_letters(folder: Path | None = None, limit: int = SHOWN) -> list[Letter]:
    """The messages in the folder's files, newest file first (by MailFolderBackend's names);
    unreadable pieces are skipped."""
    folder = Path(folder or settings.EMAIL_FILE_PATH)
    if not folder.is_dir():
        return []
    letters: list[Letter] = []
    for path in sorted(folder.iterdir(), key=lambda p: p.name, reverse=True):
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        pieces = [letter_of(chunk) for chunk in text.split("\n" + SEPARATOR + "\n")]
        letters.extend(reversed([p for p in pieces if p is not None]))
        if len(letters) >= limit:
            break
    return letters[:limit]


def mailbox(request):
    if not getattr(settings, "DEMO_MAILBOX", False):
        raise Http404
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not is_province_admin(request.user):
        return render(request, "platform/forbidden.html", status=403)
    context = {"letters": mailbox_letters(), "folder": settings.EMAIL_FILE_PATH}
    return render(request, "demo/mailbox.html", context)
