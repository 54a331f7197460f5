"""deploy/'s files agree with each other and with what tests/deploy serves.

No container engine or systemd runs on the test machines: the image's steps and
the web unit's command are exercised by test_served.py; this holds the files
that are only read by those engines to the same commands, environment and secrets.
"""

import configparser
import shlex

import yaml
from django.conf import settings

from sukma.settings.env import KNOWN_SECRET_KEYS

DEPLOY = settings.BASE_DIR / "deploy"
GUNICORN = ["gunicorn", "-c", "python:sukma.gunicorn_conf", "sukma.wsgi"]
VENV_BIN = "/opt/sukma/venv/bin/"
# One worker per group of queues (README, "Work that cannot pile up").
WORKERS = ("worker", "worker-rollups", "worker-reports")


def _unit(name: str) -> configparser.ConfigParser:
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str
    unit.read(DEPLOY / "systemd" / f"sukma-{name}.service")
    return unit


def _command(unit: configparser.ConfigParser) -> list[str]:
    # systemd writes a literal % as %% (celery's -n main@%h is main@%%h in a unit)
    words = shlex.split(unit["Service"]["ExecStart"].replace("%%", "%"))
    assert words[0].startswith(VENV_BIN)
    return [words[0].removeprefix(VENV_BIN), *words[1:]]


def _compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())["services"]


def test_every_unit_runs_as_sukma_with_the_production_settings_and_the_secret_file():
    for name in ("web", *WORKERS, "beat", "migrate"):
        service = _unit(name)["Service"]
        assert service["User"] == "sukma", name
        assert service["EnvironmentFile"] == "/etc/sukma/env", name
        assert service["Environment"] == "DJANGO_SETTINGS_MODULE=sukma.settings.production"
        assert service["StateDirectory"] == "sukma", name


def test_web_worker_and_beat_run_the_same_commands_under_systemd_and_compose():
    services = _compose()
    assert _command(_unit("web")) == GUNICORN
    assert services["web"].get("command") is None  # the image's CMD
    cmd = (DEPLOY / "Containerfile").read_text().rsplit("CMD ", 1)[1].strip()
    assert yaml.safe_load(cmd) == GUNICORN
    for name in (*WORKERS, "beat"):
        assert services[name]["command"] == _command(_unit(name)), name


def test_compose_runs_every_part_and_takes_its_secrets_from_the_env_file():
    services = _compose()
    assert {"db", "redis", "migrate", "web", *WORKERS, "beat"} <= set(services)
    for name in ("migrate", "web", *WORKERS, "beat"):
        assert services[name]["env_file"] == [".env"], name
        environment = services[name]["environment"]
        assert "SECRET_KEY" not in environment, name
        assert "${POSTGRES_PASSWORD:?" in environment["DATABASE_URL"], name
    for name in ("web", *WORKERS, "beat"):
        assert services[name]["depends_on"] == {
            "migrate": {"condition": "service_completed_successfully"}
        }
    assert services["db"]["environment"]["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD:?")


def test_the_example_environment_cannot_be_run_as_it_is():
    lines = (DEPLOY / "env.example").read_text().splitlines()
    example = dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))
    assert example["SECRET_KEY"] in KNOWN_SECRET_KEYS
