"""`make faults`: the fault tests on a PostgreSQL and a Redis of their own.

They restart PostgreSQL and stop Redis, so they never run against the machine's shared
servers: this starts the embedded ones (sukma.embedded) in var/faults, runs pytest on
tests/faults with DATABASE_URL and REDIS_URL pointing at them, and stops them after.
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VAR = ROOT / "var" / "faults"


def main(argv: list[str]) -> int:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env["SUKMA_VAR_DIR"] = str(VAR)
    urls = subprocess.run(
        [sys.executable, "-m", "sukma.embedded", "urls"],
        cwd=ROOT, env=env, check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    for line in urls.splitlines():
        name, _, value = line.partition("=")
        env[name] = value
    env["SUKMA_FAULT_SERVERS"] = str(VAR)
    try:
        return subprocess.run(
            [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "tests/faults", *argv],
            cwd=ROOT, env=env,
        ).returncode  # fmt: skip
    finally:
        subprocess.run([sys.executable, "-m", "sukma.embedded", "stop"], cwd=ROOT, env=env)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
