"""The demo and local development: DEBUG on, mail kept as files for /surat/."""

from sukma.settings import env
from sukma.settings.base import *  # noqa: F403

DEBUG = True

# The demo sends no real mail: each message is kept as a file, and the province's
# admins read them at /surat/ on the base domain (sukma.demo.mailbox).
EMAIL_BACKEND = env.text("EMAIL_BACKEND", "sukma.demo.mailbox.MailFolderBackend")
EMAIL_FILE_PATH = env.text("EMAIL_FILE_PATH", str(BASE_DIR / "var" / "mail"))  # noqa: F405
DEMO_MAILBOX = True
