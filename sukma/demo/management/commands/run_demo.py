"""`make demo`: migrate, seed, then run the web server, a Celery worker and beat together.

The embedded PostgreSQL and Redis (when no DATABASE_URL / REDIS_URL is set)
are started by settings before this runs; the children get their URLs in
their environment so that all processes share the same servers. Ctrl-C
stops the children and then the embedded servers.
"""

import os
import signal
import socket
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from sukma import embedded
from sukma.demo import seed as demo
from sukma.settings import env
from sukma.tenants.naming import host_for, url_for_host

STOP_GRACE_SECONDS = 10


def port_free_or_stop(port: int, host: str = "127.0.0.1") -> None:
    """Raise a CommandError that says what to do when another process holds the port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # As gunicorn binds: a port left in TIME_WAIT by a demo just stopped is free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            raise CommandError(
                f"Port {port} is already in use (another demo, or another server). "
                f"Stop it, or choose another port: make demo PORT={port + 1} "
                f"(or: python manage.py run_demo --port {port + 1})."
            ) from None


class Command(BaseCommand):
    help = "Run the whole demo: web server, worker and beat, on an embedded or given database."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=settings.SITE_PORT)
        parser.add_argument("--no-seed", action="store_true")

    def handle(self, *args, **options):
        port = options["port"]
        port_free_or_stop(port)  # before seeding: a busy port would fail only at the very end
        # Every link printed, mailed or put on a poster names this port (url_for_host).
        settings.SITE_PORT = port
        os.environ["SITE_PORT"] = str(port)
        call_command("migrate", verbosity=0, interactive=False)
        if not options["no_seed"]:
            call_command("seed_demo")
        # A SIGTERM (a supervisor, `timeout`) must clean up exactly as Ctrl-C does.
        signal.signal(signal.SIGTERM, signal.default_int_handler)
        children = self._start_children(port)
        self._print_welcome()
        try:
            self._wait(children)
        except KeyboardInterrupt:
            self.stdout.write("\nStopping…")
        finally:
            self._stop(children)

    def _child_env(self) -> dict:
        """The children use the very servers this process resolved (embedded or given)."""
        return {
            **os.environ,
            "DATABASE_URL": settings.DATABASE_URL,
            "REDIS_URL": settings.REDIS_URL,
            "DJANGO_SETTINGS_MODULE": os.environ.get(
                "DJANGO_SETTINGS_MODULE", "sukma.settings.dev"
            ),
        }

    def _start_children(self, port: int) -> dict[str, subprocess.Popen]:
        python = sys.executable
        commands = {
            "web": [
                python,
                "-m",
                "gunicorn",
                "sukma.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
                "--threads",
                "4",
                "--access-logfile",
                "-",
            ],
            "worker": [
                python,
                "-m",
                "celery",
                "-A",
                "sukma.worker.celery",
                "worker",
                "--loglevel",
                "INFO",
                "--concurrency",
                "2",
                "--queues",  # one worker for every kind of work, in the demo
                ",".join(settings.SUKMA_QUEUES),
            ],
            "beat": [
                python,
                "-m",
                "celery",
                "-A",
                "sukma.worker.celery",
                "beat",
                "--loglevel",
                "INFO",
                "--schedule",
                settings.CELERY_BEAT_SCHEDULE_FILENAME,
            ],
        }
        child_env = self._child_env()
        # Each child leads its own process group, so Ctrl-C reaches it only through us.
        return {
            name: subprocess.Popen(cmd, env=child_env, start_new_session=True)
            for name, cmd in commands.items()
        }

    def _print_welcome(self) -> None:
        time.sleep(1.5)
        lines = [
            "",
            "SuKMa demo is running. Open:",
            f"  Province (control plane):  {url_for_host(settings.BASE_DOMAIN)}",
            f"  Kabupaten Tulungagung:     {url_for_host(host_for('tulungagungkab'))}",
            f"  Kota Kediri:               {url_for_host(host_for('kedirikota'))}",
            f"  API docs:                  {url_for_host(settings.BASE_DOMAIN, '/api/docs/')}",
            f"  E-mail the demo sent:      {url_for_host(settings.BASE_DOMAIN, '/surat/')}",
            f"  A citizen's survey (QR):   {self._sample_survey_url()}",
            "",
            f"Demo sign-ins (password: {demo.DEMO_PASSWORD}):",
            *[f"  {role:<30} {email}" for role, email in demo.demo_sign_ins()],
            "Their second factor: add the key "
            f"{demo.DEMO_TOTP_KEY_BASE32} to an authenticator app,",
            "  or run `.venv/bin/python manage.py demo_code` for the code of the moment.",
            "",
            "Ctrl-C stops everything.",
            "",
        ]
        self.stdout.write("\n".join(lines))

    @staticmethod
    def _sample_survey_url() -> str:
        """The survey of Tulungagung's first counter, as its QR poster would open it."""
        from django_tenants.utils import tenant_context

        from sukma.surveys.models import ServicePoint
        from sukma.tenants.models import Regency

        regency = Regency.objects.filter(domains__domain=host_for("tulungagungkab")).first()
        if regency is None:
            return "(none yet)"
        with tenant_context(regency):
            point = ServicePoint.objects.filter(active=True).order_by("pk").first()
        host = host_for("tulungagungkab")
        return url_for_host(host, f"/s/{point.code}/") if point else "(none yet)"

    def _wait(self, children: dict[str, subprocess.Popen]) -> None:
        while True:
            for name, child in children.items():
                if child.poll() is not None:
                    self.stderr.write(f"{name} exited with status {child.returncode}; stopping.")
                    return
            time.sleep(0.5)

    def _stop(self, children: dict[str, subprocess.Popen]) -> None:
        for child in children.values():
            if child.poll() is None:
                os.killpg(child.pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for child in children.values():
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(child.pid, signal.SIGKILL)  # beat has been seen ignoring SIGTERM
                child.wait()
        if not env.text("DATABASE_URL") or not env.text("REDIS_URL"):
            embedded.stop_all()
        self.stdout.write("Stopped.")
