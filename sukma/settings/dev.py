"""The demo and local development: DEBUG on, mail to the console."""

from sukma.settings.base import *  # noqa: F403

DEBUG = True
