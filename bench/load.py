"""A mixed load at rising concurrency through gunicorn, a Celery worker and PostgreSQL.

Set-up, against a scratch database of its own (`sukma_load_bench`, dropped at
the end) and the Redis that REDIS_URL names (give the bench a database index
of its own, e.g. redis://127.0.0.1:6379/12; without REDIS_URL the embedded one):
`--regencies` regencies provisioned by cloning the template schema, each with
two agencies, two services each, a counter per agency and this year's periods;
a regency admin per regency and a province admin, each with a confirmed
authenticator app (sessions marked verified as tests/second_factor.py does;
the province admin's API token issued by sukma.access.tokens).

Then real processes, as deploy/systemd runs them, with the production
settings (sukma.settings.production: DEBUG off, a strong random SECRET_KEY,
BASE_DOMAIN, TRUSTED_PROXIES = 127.0.0.1) and no TLS in front: the bench plays
nginx, sending X-Forwarded-Proto: https (so no redirect to HTTPS), the client's
address in X-Forwarded-For and, on POSTs, the Origin a phone's browser sends:

  gunicorn -c python:sukma.gunicorn_conf sukma.wsgi   (the conf's 2 x cores + 1 workers x 1 thread)
  celery -A sukma.worker.celery worker                 (prefork, 2 processes)

The load comes from this process (threads, http.client, one connection per
request as behind a proxy). Each client loops until the step's time is up,
picking what to do at random:

  70 %  a citizen of a random regency and counter, with an address of its own:
        GETs the form (cookies, CSRF token, version, started stamp, key), then
        POSTs answers; accepted = 302 to the thank-you page
  10 %  the public results page of a random regency (/hasil/), anonymous; 200
  10 %  a regency admin's dashboard (/dasbor/), signed in; 200
  10 %  the province's ranking of regencies over the API (Token); 200

and at the start of every step the province admin starts a rankings refresh
over the API, which the worker runs while the load goes on (its time to
finish is printed; it must finish, not fail).

Per step (--steps, clients; --seconds each): requests per second, p50/p95/p99
per kind, errors (any other status, a timeout, a refused connection). The
memory of every process (gunicorn's master and workers, the worker's
processes, the PostgreSQL backends of the bench's database, if they run on
this machine) is sampled every --sample seconds: RSS and its private part
(RssAnon: what a leak grows; a backend's RSS also counts the shared buffers
it touched). A warm-up (--warmup seconds, untimed) runs at the top step's
concurrency first, so every server thread has opened its connections and
filled its caches. Memory is flat when no gunicorn or worker process's
private memory grew by more than 2 MB (or 2 %) over the second half of the
timed steps: a leak grows with every request, while filling caches and
allocator arenas levels off. The warm-up lasts until they have (150 s by
default): in eight 30-second steps at 16 clients after a 15-second warm-up
(about 200 requests/s) the five workers' sum grew 5.8, 6.8, 2.1, 0.8, 2.5, 0.1
and 0.2 MB from step to step; with a 60-second warm-up, two workers still grew
2.6 and 2.7 MB over the timed steps' second half. Growth since the warm-up is
printed too. PostgreSQL backends live at most
DB_CONN_MAX_AGE (60 s) and are summed per step instead.

The baseline, measured in the same run: the citizen's POST p99 at the lowest
step. Printed: the highest step with zero errors, the citizen's POST p99 there
against the 300 ms target and against that baseline, and whether the
database holds exactly as many responses as POSTs were accepted.
Target: POST p99 under 300 ms at the highest step with zero errors, memory flat.

    python bench/load.py [--steps 2,4,8,16,32] [--seconds 15] [--regencies 3]
                         [--workers N] [--threads 1] [--sample 1]
"""

import argparse
import contextlib
import datetime
import itertools
import json
import logging
import os
import random
import secrets
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from _scratch import ROOT, scratch_database
from submit import Client, citizen_answers, exchange, free_port, stop

DATABASE = "sukma_load_bench"
TARGET_P99_MS = 300.0
REGENCIES = [  # code, kind, name, subdomain
    ("35.04", "kabupaten", "Tulungagung", "tulungagungkab"),
    ("35.06", "kabupaten", "Kediri", "kedirikab"),
    ("35.05", "kabupaten", "Blitar", "blitarkab"),
    ("35.71", "kota", "Kediri", "kedirikota"),
    ("35.78", "kota", "Surabaya", "surabaya"),
]
MIX = [("citizen", 70), ("results", 10), ("dashboard", 10), ("ranking", 10)]
KINDS = ["citizen GET", "citizen POST", "results", "dashboard", "ranking"]
FLAT_MB, FLAT_SHARE = 2.0, 0.02


# ------------------------------------------------------------------------------ set-up
@dataclass
class Site:
    """What the load needs to know of one regency: its host, counters and admin's session."""

    regency: object
    host: str
    counters: list[str]
    admin_session: str


@dataclass
class Setup:
    sites: list[Site]
    base_host: str
    province_token: str


def production_environment(state_dir: Path) -> dict:
    """The variables deploy/env.example asks for, for this machine's servers."""
    from sukma.settings import env

    redis_url = env.text("REDIS_URL")
    if not redis_url:
        from sukma import embedded

        redis_url = embedded.redis_url()
    (state_dir / "static").mkdir(parents=True, exist_ok=True)
    return {
        "DJANGO_SETTINGS_MODULE": "sukma.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "REDIS_URL": redis_url,
        "BASE_DOMAIN": "localhost",
        "TRUSTED_PROXIES": "127.0.0.1",
        "SUKMA_STATE_DIR": str(state_dir),
        "STATIC_ROOT": str(state_dir / "static"),
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }


def verified_session(user, host: str) -> str:
    """A session cookie of `user` that has passed the second factor, as a real sign-in leaves."""
    from django.test import Client as DjangoClient

    from tests.second_factor import mark_verified

    browser = DjangoClient(HTTP_HOST=host)
    browser.force_login(user)
    mark_verified(browser, user)
    return browser.cookies["sessionid"].value


def regency_with_counters(entry, n: int, province_admin) -> Site:
    from django.db import connection
    from django.utils import timezone

    from sukma.access.models import Membership, Role, User
    from sukma.surveys.models import Agency, Service, ServicePoint
    from sukma.surveys.structure.services import periods_create_year
    from sukma.tenants.naming import host_for
    from tests.factories import provisioned_regency
    from tests.second_factor import device_for

    code, kind, name, subdomain = entry
    regency = provisioned_regency(
        code=code,
        kind=kind,
        name=name,
        subdomain=subdomain,
        admin_email=f"organisasi@{subdomain}.go.id",
        acting_user=province_admin,
    )
    connection.set_tenant(regency)
    today = timezone.localdate()
    for year in {today.year, (today - datetime.timedelta(days=30)).year}:
        periods_create_year(acting_user=province_admin, year=year, regency=regency)
    counters = []
    for a, (agency_name, short) in enumerate(
        [("Dinas Kependudukan dan Pencatatan Sipil", "Dukcapil"), ("RSUD dr. Iskak", "RSUD")]
    ):
        agency = Agency.objects.create(name=agency_name, short_name=short, kind="dinas")
        first = Service.objects.create(agency=agency, name=f"Layanan {short} 1", annual_users=9000)
        Service.objects.create(agency=agency, name=f"Layanan {short} 2", annual_users=3000)
        point = ServicePoint.objects.create(
            agency=agency, name="Loket 1", code=f"L{n}{a}K2M9Q", default_service=first
        )
        counters.append(point.code)
    connection.set_schema_to_public()
    admin = User.objects.create_user(f"admin@{subdomain}.go.id", secrets.token_urlsafe(16))
    Membership.objects.create(user=admin, role=Role.REGENCY_ADMIN, regency=regency)
    device_for(admin)
    host = host_for(subdomain)
    return Site(regency, host, counters, verified_session(admin, host))


def set_up(count: int) -> Setup:
    from django.conf import settings
    from django.core.management import call_command

    from sukma.access.models import Membership, Role, User
    from sukma.access.tokens import token_issue
    from tests.second_factor import device_for

    call_command("migrate", verbosity=0)
    province_admin = User.objects.create_user("bench@jatimprov.go.id", secrets.token_urlsafe(16))
    Membership.objects.create(user=province_admin, role=Role.PROVINCE_ADMIN)
    device_for(province_admin)
    sites = []
    for n, entry in enumerate(REGENCIES[:count]):
        started = time.monotonic()
        sites.append(regency_with_counters(entry, n, province_admin))
        log(f"regency {entry[2]} ({entry[3]}) provisioned in {time.monotonic() - started:.1f} s")
    _token, secret = token_issue(province_admin, name="load bench")
    return Setup(sites, settings.BASE_DOMAIN, secret)


# ------------------------------------------------------------------------------ processes
def start_processes(environment: dict, state_dir: Path, port: int, args):
    from django.conf import settings

    env = {**os.environ, **environment, "PYTHONPATH": str(ROOT)}
    web = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "python:sukma.gunicorn_conf", "sukma.wsgi",
         "--bind", f"127.0.0.1:{port}", "--workers", str(args.workers),
         "--threads", str(args.threads),
         "--access-logfile", str(state_dir / "access.log"),
         "--error-logfile", str(state_dir / "gunicorn.log")],
        cwd=state_dir, env=env, start_new_session=True,
    )  # fmt: skip
    with open(state_dir / "worker.log", "wb") as worker_log:
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "sukma.worker.celery", "worker",
             "--loglevel", "INFO", "--concurrency", "2", "-n", f"loadbench-{port}@%h",
             "-Q", ",".join(settings.SUKMA_QUEUES)],  # every kind of work
            cwd=state_dir, env=env, start_new_session=True,
            stdout=worker_log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    return web, worker


# ------------------------------------------------------------------------------ HTTP
class Proxy:
    """What nginx would send gunicorn: HTTPS said in a header, the client's address forwarded."""

    def __init__(self, port: int):
        self.port = port

    def request(self, method, host, path, client: Client, body=None, headers=None):
        sent = {
            "Host": host,
            "X-Forwarded-For": client.address,
            "X-Forwarded-Proto": "https",
            **({"Origin": f"https://{host}"} if body is not None else {}),  # as a browser posts
            **(headers or {}),
        }
        return exchange(self.port, method, path, client, sent, body, timeout=30)


def wait_ready(proxy: Proxy, host: str, process: subprocess.Popen, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with {process.returncode}")
        with contextlib.suppress(OSError):
            if proxy.request("GET", host, "/hasil/", Client("10.255.0.1"))[0] == 200:
                return
        time.sleep(0.3)
    raise SystemExit("gunicorn did not answer within 90 s")


# ------------------------------------------------------------------------------ the load
@dataclass
class Step:
    clients: int
    seconds: float = 0.0
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, dict[str, int]] = field(default_factory=lambda: defaultdict(dict))
    accepted_posts: int = 0
    refresh: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, kind: str, started: float, problem: str | None) -> None:
        elapsed = (time.perf_counter() - started) * 1000
        with self.lock:
            if problem:
                self.errors[kind][problem] = self.errors[kind].get(problem, 0) + 1
            else:
                self.latencies[kind].append(elapsed)
                if kind == "citizen POST":
                    self.accepted_posts += 1

    def error_count(self, kind: str | None = None) -> int:
        kinds = [kind] if kind else list(self.errors)
        return sum(sum(self.errors[k].values()) for k in kinds if k in self.errors)

    def requests(self) -> int:
        return sum(len(v) for v in self.latencies.values()) + self.error_count()


class Load:
    """The mix of module docstring, against the set-up's regencies."""

    def __init__(self, proxy: Proxy, setup: Setup):
        self.proxy, self.setup = proxy, setup
        # Addresses new to this run: a rate-limit count left in Redis by a run before is moot.
        self.addresses = itertools.count(random.randrange(0, 2**23) * 2)
        self.period = datetime.date.today().strftime("month:%Y:%-m")

    def timed(self, step: Step, kind: str, method, host, path, client, expected, **kw):
        started = time.perf_counter()
        try:
            status, data = self.proxy.request(method, host, path, client, **kw)
            problem = None if status == expected else f"{status}"
        except Exception as exc:  # a timeout, a refused or reset connection: an error, counted
            status, data, problem = 0, b"", type(exc).__name__
        step.record(kind, started, problem)
        return None if problem else data

    def citizen(self, step: Step, rng: random.Random) -> None:
        site = rng.choice(self.setup.sites)
        path = f"/s/{rng.choice(site.counters)}/"
        n = next(self.addresses)
        client = Client(address=f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}")
        page = self.timed(step, "citizen GET", "GET", site.host, path, client, 200)
        if page is None:
            return
        fields = citizen_answers(rng, page.decode())
        if isinstance(fields, str):
            step.record("citizen GET", time.perf_counter(), fields)
            return
        body = urllib.parse.urlencode(fields).encode()
        self.timed(step, "citizen POST", "POST", site.host, path, client, 302, body=body)

    def results(self, step: Step, rng: random.Random) -> None:
        site = rng.choice(self.setup.sites)
        self.timed(step, "results", "GET", site.host, "/hasil/", Client("10.254.0.1"), 200)

    def dashboard(self, step: Step, rng: random.Random) -> None:
        site = rng.choice(self.setup.sites)
        admin = Client("10.254.0.2", cookies={"sessionid": site.admin_session})
        self.timed(step, "dashboard", "GET", site.host, "/dasbor/", admin, 200)

    def ranking(self, step: Step, rng: random.Random) -> None:
        path = f"/api/v1/rankings/?period={self.period}&level=regency"
        headers = {"Authorization": f"Token {self.setup.province_token}"}
        client = Client("10.254.0.3")
        self.timed(step, "ranking", "GET", self.setup.base_host, path, client, 200, headers=headers)

    def refresh(self, until: float) -> str:
        """A rankings refresh started over the API; how it ended, and how long it took."""
        headers = {"Authorization": f"Token {self.setup.province_token}"}
        client, host = Client("10.254.0.4"), self.setup.base_host
        started = time.perf_counter()
        try:
            status, data = self.proxy.request(
                "POST", host, "/api/v1/rankings/refresh/", client, body=b"", headers=headers
            )
            if status != 202:
                return f"refused: {status} {data[:200]!r}"
            path = urllib.parse.urlsplit(json.loads(data)["status_url"]).path
            while time.monotonic() < until + 60:
                status, data = self.proxy.request("GET", host, path, client, headers=headers)
                state = json.loads(data).get("state", "") if status == 200 else f"HTTP {status}"
                if state not in ("pending", "running", "started", "queued"):
                    return f"{state} in {time.perf_counter() - started:.1f} s"
                time.sleep(0.5)
            return "still running a minute after the step"
        except Exception as exc:
            return f"error {type(exc).__name__}: {exc}"

    def run(self, clients: int, seconds: float) -> Step:
        step = Step(clients)
        actions = [getattr(self, name) for name, _w in MIX]
        weights = [w for _n, w in MIX]
        deadline = time.monotonic() + seconds

        def client_loop(seed: int) -> None:
            rng = random.Random(seed)
            while time.monotonic() < deadline:
                rng.choices(actions, weights)[0](step, rng)

        def refresh_once() -> None:
            step.refresh = self.refresh(deadline)

        threads = [threading.Thread(target=client_loop, args=(seed,)) for seed in range(clients)]
        threads.append(threading.Thread(target=refresh_once))
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads[:-1]:
            thread.join()
        step.seconds = time.perf_counter() - started
        threads[-1].join()
        return step


# ------------------------------------------------------------------------------ memory
@dataclass
class Sample:
    at: float
    round: int
    label: str
    rss_mb: float
    private_mb: float


class Memory:
    """Samples every process of the stack: gunicorn's, the worker's, the bench database's
    PostgreSQL backends (pids from pg_stat_activity; read from /proc when on this machine)."""

    def __init__(self, groups: dict[int, str], conninfo: dict, every: float):
        self.groups, self.conninfo, self.every = groups, conninfo, every
        self.samples: dict[tuple[int, str], list[Sample]] = defaultdict(list)
        self.label = "start"
        self.round = 0
        self.started = time.monotonic()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def _roles(self, backends: set[int]) -> dict[int, str]:
        roles = {}
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            pid = int(entry.name)
            try:
                with open(f"/proc/{pid}/stat") as f:
                    stat = f.read()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2 :].split()
            group = int(fields[2])
            if group in self.groups:
                main = "master" if pid == group else "child"
                roles[pid] = f"{self.groups[group]} {main}"
            elif pid in backends:
                roles[pid] = "postgres backend"
        return roles

    def _loop(self) -> None:
        import psycopg

        with psycopg.connect(**self.conninfo, autocommit=True) as conn:
            while not self._stop.is_set():
                self.round += 1
                backends = {
                    row[0]
                    for row in conn.execute(
                        "SELECT pid FROM pg_stat_activity "
                        "WHERE datname = %s AND pid <> pg_backend_pid()",
                        [self.conninfo["dbname"]],
                    )
                }
                for pid, role in self._roles(backends).items():
                    rss, private = status_mb(pid)
                    if rss:
                        at = time.monotonic() - self.started
                        sample = Sample(at, self.round, self.label, rss, private)
                        self.samples[(pid, role)].append(sample)
                self._stop.wait(self.every)

    def totals(self, label: str) -> dict[str, float]:
        """Private memory per kind of process, summed over the processes alive in the last
        round of samples taken under `label`."""
        rounds = [s.round for samples in self.samples.values() for s in samples if s.label == label]
        total: dict[str, float] = defaultdict(float)
        for (_pid, role), samples in self.samples.items():
            for sample in samples:
                if rounds and sample.round == max(rounds):
                    total[role.replace(" master", "").replace(" child", "")] += sample.private_mb
        return total


def status_mb(pid: int) -> tuple[float, float]:
    """RSS and its private part (RssAnon) of a process, in MB; zeros if it ended."""
    values = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(("VmRSS:", "RssAnon:")):
                    name, kb, _unit = line.split()
                    values[name] = int(kb) / 1024
    except OSError:
        return 0.0, 0.0
    return values.get("VmRSS:", 0.0), values.get("RssAnon:", 0.0)


# ------------------------------------------------------------------------------ report
def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile; 0 when there is nothing to rank."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))]


def print_step(number: int, step: Step, memory: Memory) -> None:
    rate = step.requests() / step.seconds if step.seconds else 0.0
    print(
        f"\nstep {number}: {step.clients} clients, {step.seconds:.1f} s: {rate:.1f} requests/s, "
        f"{step.accepted_posts / step.seconds:.1f} responses stored/s, "
        f"errors {step.error_count()}; machine load average {os.getloadavg()[0]:.1f}"
    )
    print(f"  {'kind':<14}{'count':>7}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}  errors")
    for kind in KINDS:
        values = step.latencies.get(kind, [])
        errors = step.errors.get(kind, {})
        print(
            f"  {kind:<14}{len(values):>7}{percentile(values, 0.50):>9.1f}"
            f"{percentile(values, 0.95):>9.1f}{percentile(values, 0.99):>9.1f}  "
            f"{sum(errors.values())} {dict(errors) if errors else ''}"
        )
    print(f"  rankings refresh during the step: {step.refresh}")
    totals = memory.totals(f"step {number}")
    print(
        "  private memory at the step's end, MB: "
        + ", ".join(f"{role} {mb:.1f}" for role, mb in sorted(totals.items()))
    )


def print_memory(memory: Memory) -> bool:
    """Per long-lived process (gunicorn's, the worker's): its private memory at the end of the
    warm-up, half-way through the timed steps, and at the end; True when none grew over the
    second half (a leak grows with every request; filling caches and arenas levels off).
    PostgreSQL backends are summed per step instead: the product closes a connection after
    DB_CONN_MAX_AGE (60 s), and each new backend fills its caches anew for every schema."""
    print(
        "\nmemory per process, private (RssAnon) MB: end of warm-up, half-way, end; "
        "growth over the second half; RSS at the end"
    )
    flat = True
    backends = []
    timed = [s.at for samples in memory.samples.values() for s in samples if s.label != "warm-up"]
    half_way = (min(timed) + max(timed)) / 2 if timed else 0.0
    for (pid, role), samples in sorted(memory.samples.items(), key=lambda i: (i[0][1], i[0][0])):
        if role == "postgres backend":
            backends.append(samples)
            continue
        warm = [s for s in samples if s.label == "warm-up"] or samples
        middle = next((s for s in samples if s.at >= half_way), samples[-1])
        first, last = warm[-1], samples[-1]
        growth = last.private_mb - middle.private_mb
        grew = growth > max(FLAT_MB, FLAT_SHARE * middle.private_mb)
        flat = flat and not grew
        print(
            f"  {role:<16}{pid:>8}  {first.private_mb:7.1f} {middle.private_mb:7.1f} "
            f"{last.private_mb:7.1f}  {growth:+5.1f}  RSS {last.rss_mb:7.1f}"
            f"{'  GREW' if grew else ''}"
        )
    if backends:
        longest = max(s[-1].at - s[0].at for s in backends)
        largest = max(max(x.private_mb for x in s) for s in backends)
        print(
            f"  postgres backends: {len(backends)} seen, the longest lived {longest:.0f} s, "
            f"the largest private {largest:.1f} MB (their sum per step is printed with the steps)"
        )
    return flat


def responses_stored(sites: list[Site]) -> int:
    from django.db import connection

    total = 0
    for site in sites:
        connection.set_tenant(site.regency)
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM surveys_response")
            total += cursor.fetchone()[0]
    connection.set_schema_to_public()
    return total


def conninfo_of_bench_database() -> dict:
    from django.db import connection

    db = connection.settings_dict
    return {
        "dbname": db["NAME"],
        "user": db["USER"],
        "host": db["HOST"],
        "port": db["PORT"] or None,
        "password": db["PASSWORD"] or None,
    }


def log(message: str) -> None:
    print(f"  [{time.strftime('%H:%M:%S')}] {message}", flush=True)


def main() -> None:
    from sukma import gunicorn_conf as conf

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", default="2,4,8,16,32", help="clients per step, rising")
    parser.add_argument("--seconds", type=float, default=15.0, help="per step (e.g. 120 for soak)")
    parser.add_argument(
        "--warmup", type=float, default=150.0, help="seconds at the top step's clients, untimed"
    )
    parser.add_argument("--regencies", type=int, default=3, choices=range(1, len(REGENCIES) + 1))
    parser.add_argument("--workers", type=int, default=conf.workers, help="the conf's default")
    parser.add_argument("--threads", type=int, default=conf.threads, help="the conf's default")
    parser.add_argument("--sample", type=float, default=1.0, help="seconds between samples")
    args = parser.parse_args()
    steps = [int(n) for n in args.steps.split(",")]
    logging.disable(logging.WARNING)

    state_dir = Path(tempfile.mkdtemp(prefix="sukma-load-bench-"))
    environment = production_environment(state_dir)
    os.environ.update(environment)  # the bench's own sessions must verify on the server
    with scratch_database(DATABASE):
        from django.db import connections

        setup = set_up(args.regencies)
        connections.close_all()
        port = free_port()
        web, worker = start_processes(environment, state_dir, port, args)
        proxy = Proxy(port)
        results: list[Step] = []
        try:
            wait_ready(proxy, setup.sites[0].host, web)
            log(f"gunicorn ({args.workers} x {args.threads}) and the worker are up")
            load = Load(proxy, setup)
            groups = {web.pid: "gunicorn", worker.pid: "celery"}
            with Memory(groups, conninfo_of_bench_database(), args.sample) as memory:
                memory.label = "warm-up"
                # At the top step's concurrency, so that every server thread has opened its
                # connections and filled its caches before memory is compared.
                warm = load.run(max(steps), args.warmup)
                log(
                    f"warm-up: {warm.requests()} requests, {warm.error_count()} errors "
                    f"{ {k: dict(v) for k, v in warm.errors.items()} if warm.errors else '' }, "
                    f"refresh {warm.refresh}"
                )
                for n, clients in enumerate(steps, 1):
                    memory.label = f"step {n}"
                    results.append(load.run(clients, args.seconds))
                    time.sleep(args.sample * 1.5)  # the step's last memory sample
                    print_step(n, results[-1], memory)
        finally:
            stop(web)
            stop(worker)
        stored = responses_stored(setup.sites)

    accepted = warm.accepted_posts + sum(step.accepted_posts for step in results)
    flat = print_memory(memory)
    summarise(results, flat, stored, accepted, args)
    print_server_errors(state_dir / "access.log", warm)
    print(f"\nlogs of the servers: {state_dir}")


def print_server_errors(access_log: Path, warm: Step) -> None:
    """The 5xx answers gunicorn logged over the whole run, the warm-up's included: a defect
    under load shows here even when it struck outside a timed step."""
    lines = [line for line in access_log.read_text().splitlines() if '" 5' in line]
    print(
        f"5xx in gunicorn's access log, whole run: {len(lines)}"
        f"{f' (warm-up errors: {warm.error_count()})' if warm.error_count() else ''}"
    )
    for line in lines[:10]:
        print(f"  {line}")


def summarise(results: list[Step], flat: bool, stored: int, accepted: int, args) -> None:
    clean = [step for step in results if step.error_count() == 0]
    baseline = percentile(results[0].latencies.get("citizen POST", []), 0.99)
    print()
    print(
        f"server: gunicorn {args.workers} workers x {args.threads} threads (sukma.gunicorn_conf, "
        f"production settings), celery worker 2 processes; {args.regencies} regencies; "
        f"{args.seconds:.0f} s per step"
    )
    if clean:
        best = max(reversed(clean), key=lambda step: step.clients)  # the last of equals
        p99 = percentile(best.latencies.get("citizen POST", []), 0.99)
        print(f"highest step with 0 errors:   {best.clients} clients")
        print(f"citizen POST p99 there:       {p99:.1f} ms")
        print(f"  against the 300 ms target:  {p99 / TARGET_P99_MS:.2f}")
        print(
            f"  against its p99 at {results[0].clients} clients in this run "
            f"({baseline:.1f} ms): {p99 / baseline if baseline else float('nan'):.2f}"
        )
    else:
        best, p99 = None, float("inf")
        print("highest step with 0 errors:   none")
    print(f"memory flat:                  {'yes' if flat else 'NO'}")
    print(
        f"database check:               responses {stored} = accepted POSTs {accepted}: "
        f"{'ok' if stored == accepted else 'MISMATCH'}"
    )
    every_clean = len(clean) == len(results)
    met = best is not None and p99 < TARGET_P99_MS and flat and stored == accepted
    print(
        f"target (POST p99 < 300 ms at the highest 0-error step, memory flat): "
        f"{'met' if met else 'NOT MET'}"
        + ("" if every_clean else f"; errors at {[s.clients for s in results if s not in clean]}")
    )


if __name__ == "__main__":
    main()
