"""Settings for bench/page.py only: the production settings of the tree being served.

The same file serves both trees bench/page.py compares (today's and the
commit before issue 17), each with its own `sukma.settings.production`, so
each is measured as it would be deployed. Only the folder collectstatic
fills is the bench's own, so no run touches the project's var/.
"""

import os
import warnings
from pathlib import Path

from sukma.settings.production import *  # noqa: F403

warnings.filterwarnings("ignore", message="No directory at")
STATIC_ROOT = Path(os.environ["SUKMA_PAGE_BENCH_STATIC"])
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "ERROR"}}
