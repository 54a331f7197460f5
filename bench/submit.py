"""Citizen submissions over HTTP through the real stack vs a bare view inserting one row.

Starts gunicorn (the product's WSGI app, bench/bench_settings.py: the product's
settings with DEBUG off and one extra route) against a scratch database with a
provisioned regency (with this year's periods), one agency, three services and
a service point. Then, at concurrency 32, with the same server and client:

  product:  each simulated citizen (its own cookies, its own address in
            X-Forwarded-For as a proxy would add it) GETs the citizen's page
            /s/<code>/ (CSRF cookie and token, device cookie, version and
            started stamp), then POSTs answers; accepted = 302 to the thank-you page
  baseline: the same number of clients GET a bare view for a CSRF token, then
            POST to it; it inserts ONE row with a cursor; accepted = 204

Only the POSTs are timed (all GETs of a round finish before its POSTs start).
Rounds alternate baseline and product so the machine's load hits both alike.
Prints POSTs per second for each, the ratio, errors (anything else than the
expected status, or no answer), and checks that the database holds exactly as
many rows as were accepted. Target: product >= 0.7 of the baseline, zero errors.

    python bench/submit.py [--requests 3000] [--concurrency 32] [--rounds 30]
                           [--workers 2] [--worker-class gthread] [--threads 4]

The default server (2 gthread workers x 4 threads) gave the best numbers for
both sides on 2 cores among sync x3, sync x4, gthread 2x4 and 2x8.
"""

import argparse
import datetime
import http.client
import logging
import os
import random
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from _scratch import ROOT, scratch_database

BENCH_DIR = ROOT / "bench"
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
HIDDEN = re.compile(r'<input type="hidden" name="(version|started|key)" value="([^"]*)"')
SERVICE_SELECT = re.compile(r'<select name="service".*?</select>', re.S)
OPTION_VALUE = re.compile(r'<option value="(\d+)"')
ELEMENTS = [f"U{i}" for i in range(1, 10)]
PROFILE = {
    "sex": ["L", "P", ""],
    "age_band": ["17-25", "26-35", "36-45", "46-55", "56-65", "66+", ""],
    "education": ["SD", "SMP", "SMA", "D1-D3", "D4-S1", "S2", ""],
    "occupation": ["PNS", "SWASTA", "WIRAUSAHA", "PELAJAR", "LAINNYA", ""],
    "disability": ["tidak", "tidak", "tidak", "fisik", ""],
    "service_session": ["pagi", "siang", "sore", ""],
}


@dataclass
class Client:
    """One simulated citizen (or baseline client): its address and cookie jar."""

    address: str
    cookies: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    def cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def keep_cookies(self, response: http.client.HTTPResponse) -> None:
        """Remember what the response's Set-Cookie headers set, as a browser would."""
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _eq, value = header.split(";", 1)[0].partition("=")
            self.cookies[name.strip()] = value.strip()


@dataclass
class Tally:
    accepted: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    cpu: dict[str, float] = field(default_factory=dict)  # CPU seconds, by whom, during the POSTs

    def error(self, what: str) -> None:
        self.errors[what] = self.errors.get(what, 0) + 1

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    def add(self, other: "Tally") -> None:
        self.accepted += other.accepted
        self.seconds += other.seconds
        for k, v in other.errors.items():
            self.errors[k] = self.errors.get(k, 0) + v
        for k, v in other.cpu.items():
            self.cpu[k] = self.cpu.get(k, 0.0) + v


# ------------------------------------------------------------------------------ CPU used
TICKS = os.sysconf("SC_CLK_TCK")
CPU_USERS = ("server", "postgres", "redis", "client", "machine")


def cpu_used(server_group: int) -> dict[str, float | dict]:
    """CPU seconds used so far: by gunicorn's processes, PostgreSQL's, Redis's (per process),
    this client's, and the whole machine's (what else runs shows there). From /proc: Linux only."""
    processes: dict[int, tuple[str, float]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as f:
                stat = f.read()
        except OSError:  # it ended meanwhile
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()  # state, ppid, pgrp, ... utime, stime
        seconds = (int(fields[11]) + int(fields[12])) / TICKS
        if int(fields[2]) == server_group:
            processes[int(entry.name)] = ("server", seconds)
        elif name.startswith("postgres"):
            processes[int(entry.name)] = ("postgres", seconds)
        elif name.startswith("redis"):
            processes[int(entry.name)] = ("redis", seconds)
    with open("/proc/stat") as f:
        ticks = [int(n) for n in f.readline().split()[1:9]]
    return {
        "processes": processes,
        "client": time.process_time(),
        "machine": (sum(ticks) - ticks[3] - ticks[4]) / TICKS,  # all but idle and iowait
    }


def cpu_since(before: dict, server_group: int) -> dict[str, float]:
    """CPU used since `before`, per process: one that ended meanwhile (a PostgreSQL backend,
    autovacuum) is left out instead of taking its whole life off the sum."""
    now = cpu_used(server_group)
    used = {who: 0.0 for who in CPU_USERS}
    for pid, (who, seconds) in now["processes"].items():
        used[who] += seconds - before["processes"].get(pid, (who, 0.0))[1]
    used["client"] = now["client"] - before["client"]
    used["machine"] = now["machine"] - before["machine"]
    return used


# ------------------------------------------------------------------------------ HTTP
def exchange(port: int, method: str, path: str, client: Client, headers: dict, body=None,
             timeout: float = 60) -> tuple[int, bytes]:  # fmt: skip
    """One request on a connection of its own, as behind a proxy: the client's cookies sent
    and kept, a body sent as a form; the status and the body read."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    sent = {"Connection": "close", **headers}
    if client.cookies:
        sent["Cookie"] = client.cookie_header()
    if body is not None:
        sent["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        conn.request(method, path, body=body, headers=sent)
        response = conn.getresponse()
        data = response.read()
        client.keep_cookies(response)
        return response.status, data
    finally:
        conn.close()


class Server:
    def __init__(self, port: int, host: str, group: int):
        self.port, self.host, self.group = port, host, group  # group: gunicorn's process group

    def request(self, method: str, path: str, client: Client, body: bytes | None = None):
        headers = {"Host": self.host, "X-Forwarded-For": client.address}
        return exchange(self.port, method, path, client, headers, body)


def run_all(fn, items, concurrency: int) -> tuple[float, list]:
    """Run fn over items with `concurrency` threads; wall seconds, results."""
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        results = list(pool.map(fn, items))
    return time.perf_counter() - started, results


def _safe(fn):
    def wrapped(item):
        try:
            return fn(item)
        except Exception as exc:  # a refused connection, a timeout: an error, counted
            return f"exception {type(exc).__name__}"

    return wrapped


# ------------------------------------------------------------------------------ the two loads
def citizen_answers(rng: random.Random, html: str) -> dict[str, str] | str:
    """The form's POST: hidden fields and token from the page, answers drawn like a citizen's."""
    token = CSRF_INPUT.search(html)
    hidden = dict(HIDDEN.findall(html))
    select = SERVICE_SELECT.search(html)
    services = OPTION_VALUE.findall(select.group(0)) if select else []
    if not token or "version" not in hidden or not services:
        return "form without token, version or services"
    fields = {
        "csrfmiddlewaretoken": token.group(1),
        "version": hidden["version"],
        "started": hidden.get("started", ""),
        "key": hidden.get("key", ""),
        "service": rng.choice(services),
        "service_date": "",
        "catatan_petugas": "",
        "suggestion": "Ruang tunggu panas, mohon kipas." if rng.random() < 0.05 else "",
    }
    for code in ELEMENTS:
        blank = 0.3 if code == "U4" else 0.02
        fields[code] = "na" if rng.random() < blank else rng.choice("2333444")
    fields["U1"] = rng.choice("1234")  # never nine identical answers... mostly
    for name, values in PROFILE.items():
        fields[name] = rng.choice(values)
    return fields


def distinct_clients(count: int, first: int) -> list[Client]:
    """Simulated citizens, each behind its own (forwarded) address."""
    return [
        Client(address=f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}")
        for n in range(first, first + count)
    ]


def timed_posts(server: Server, get, post, clients: list[Client], concurrency: int) -> Tally:
    """Every client GETs its form (untimed), then the POSTs are timed; errors tallied."""
    tally = Tally()
    _wall, results = run_all(get, clients, concurrency)
    ready = []
    for client, problem in zip(clients, results, strict=True):
        if problem:
            tally.error(problem)
        else:
            ready.append(client)
    before = cpu_used(server.group)
    tally.seconds, results = run_all(post, ready, concurrency)
    tally.cpu = cpu_since(before, server.group)
    for problem in results:
        if problem:
            tally.error(problem)
        else:
            tally.accepted += 1
    return tally


def product_round(server: Server, code: str, count: int, concurrency: int, first: int) -> Tally:
    path = f"/s/{code}/"

    @_safe
    def get(client: Client):
        status, data = server.request("GET", path, client)
        if status != 200:
            return f"GET {status}"
        fields = citizen_answers(random.Random(client.address), data.decode())
        if isinstance(fields, str):
            return fields
        client.body = urllib.parse.urlencode(fields).encode()
        return None

    @_safe
    def post(client: Client):
        status, _data = server.request("POST", path, client, client.body)
        return None if status == 302 else f"POST {status}"

    return timed_posts(server, get, post, distinct_clients(count, first), concurrency)


def baseline_round(server: Server, count: int, concurrency: int, first: int) -> Tally:
    path = "/bench/bare/"

    @_safe
    def get(client: Client):
        status, data = server.request("GET", path, client)
        if status != 200:
            return f"GET {status}"
        client.body = urllib.parse.urlencode(
            {"csrfmiddlewaretoken": data.decode(), "payload": client.address}
        ).encode()
        return None

    @_safe
    def post(client: Client):
        status, _data = server.request("POST", path, client, client.body)
        return None if status == 204 else f"POST {status}"

    return timed_posts(server, get, post, distinct_clients(count, first), concurrency)


# ------------------------------------------------------------------------------ set-up
def regency_with_point():
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from sukma.access.models import Membership, Role, User
    from sukma.surveys.models import Agency, Service, ServicePoint
    from sukma.surveys.structure.services import periods_create_year
    from sukma.tenants.naming import host_for
    from tests.factories import provisioned_regency

    call_command("migrate", verbosity=0)
    admin = User.objects.create_user("bench@jatimprov.go.id", "x")
    Membership.objects.create(user=admin, role=Role.PROVINCE_ADMIN)
    regency = provisioned_regency(
        code="35.04",
        kind="kabupaten",
        name="Tulungagung",
        subdomain="tulungagungkab",
        admin_email="organisasi@tulungagungkab.go.id",
        acting_user=admin,
    )
    connection.set_tenant(regency)
    agency = Agency.objects.create(
        name="Dinas Kependudukan dan Pencatatan Sipil", short_name="Dukcapil", kind="dinas"
    )
    ktp = Service.objects.create(agency=agency, name="Perekaman KTP-el", annual_users=12000)
    Service.objects.create(agency=agency, name="Kartu Keluarga", annual_users=6000)
    Service.objects.create(agency=agency, name="Akta Kelahiran", annual_users=4000)
    point = ServicePoint.objects.create(
        agency=agency, name="Loket 1", code="TA7K2M9Q", default_service=ktp
    )
    # A regency has its periods, and a response reads those covering its day.
    today = timezone.localdate()
    for year in {today.year, (today - datetime.timedelta(days=30)).year}:
        periods_create_year(acting_user=admin, year=year, regency=regency)
    with connection.cursor() as cursor:  # the baseline's table: in no model, in no migration
        cursor.execute(
            "CREATE TABLE bench_bare_row (id bigserial PRIMARY KEY, "
            "created_at timestamptz NOT NULL DEFAULT now(), payload text NOT NULL)"
        )
    host = host_for("tulungagungkab")
    connection.set_schema_to_public()
    return regency, point.code, host


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(port: int, args) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench_settings",
        "PYTHONPATH": os.pathsep.join([str(BENCH_DIR), str(ROOT)]),
    }
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "sukma.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(args.workers),
        "--worker-class",
        args.worker_class,
        "--threads",
        str(args.threads),
        "--backlog",
        "2048",
        "--timeout",
        "120",
        "--log-level",
        "warning",
    ]
    return subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)


def wait_ready(server: Server, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with {process.returncode}")
        try:
            status, _data = server.request("GET", "/bench/bare/", Client(address="10.255.0.1"))
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise SystemExit("gunicorn did not answer within a minute")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def rows_in_database(regency) -> tuple[int, int]:
    from django.db import connection

    connection.set_tenant(regency)
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM surveys_response")
        responses = cursor.fetchone()[0]
        cursor.execute("SELECT COUNT(*) FROM bench_bare_row")
        bare = cursor.fetchone()[0]
    connection.set_schema_to_public()
    return responses, bare


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000, help="POSTs per side, all rounds")
    parser.add_argument("--concurrency", type=int, default=32)
    # The machine's speed drifts within seconds here: short alternating rounds let both sides
    # meet the same drift. On 2 December 2026, 6 rounds of 500 spread from 0.61 to 0.77 over
    # ten runs; 30 rounds of 100 from 0.62 to 0.71 over nine.
    parser.add_argument("--rounds", type=int, default=30, help="more rounds: less drift")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--worker-class", default="gthread")
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--warmup", type=int, default=64)
    args = parser.parse_args()
    logging.disable(logging.WARNING)

    with scratch_database("sukma_submit_bench"):
        from django.db import connections

        regency, code, host = regency_with_point()
        connections.close_all()
        port = free_port()
        process = start_gunicorn(port, args)
        try:
            server = Server(port, host, group=process.pid)  # a session of its own
            wait_ready(server, process)
            warm_product = product_round(server, code, args.warmup, args.concurrency, 200_000)
            warm_baseline = baseline_round(server, args.warmup, args.concurrency, 300_000)
            product, baseline = Tally(), Tally()
            per_round = args.requests // args.rounds
            for r in range(args.rounds):
                bare_round = baseline_round(server, per_round, args.concurrency, r * per_round)
                citizen_round = product_round(
                    server, code, per_round, args.concurrency, r * per_round
                )
                baseline.add(bare_round)
                product.add(citizen_round)
                print(
                    f"  round {r + 1}: ratio {rate(citizen_round) / rate(bare_round):.2f}; "
                    f"baseline {baseline.accepted}, product {product.accepted} accepted so far",
                    flush=True,
                )
        finally:
            stop(process)
        responses, bare = rows_in_database(regency)

    product_accepted = product.accepted + warm_product.accepted
    baseline_accepted = baseline.accepted + warm_baseline.accepted
    errors = product.error_count + baseline.error_count
    errors += warm_product.error_count + warm_baseline.error_count
    product_rate, baseline_rate = rate(product), rate(baseline)
    ratio = product_rate / baseline_rate
    db_ok = responses == product_accepted and bare == baseline_accepted
    print()
    print(
        f"server:                 gunicorn {args.worker_class}, {args.workers} workers x "
        f"{args.threads} threads, 127.0.0.1:{port}; client: {args.concurrency} threads"
    )
    print(
        f"POSTs per side:         {args.requests} in {args.rounds} rounds "
        f"(+{args.warmup} warm-up each)"
    )
    print(
        f"product  citizen POST:  {product_rate:7.1f} responses/s "
        f"({product.accepted} in {product.seconds:.1f} s)"
    )
    print(
        f"baseline bare POST:     {baseline_rate:7.1f} rows/s "
        f"({baseline.accepted} in {baseline.seconds:.1f} s)"
    )
    print(f"ratio product/baseline: {ratio:7.2f}")
    print_cpu_per_post(product, baseline)
    print(
        f"errors:                 {errors} "
        f"{ {**product.errors, **baseline.errors} if errors else '' }"
    )
    print(
        f"database check:         responses {responses} = accepted {product_accepted}, "
        f"bare rows {bare} = accepted {baseline_accepted}: {'ok' if db_ok else 'MISMATCH'}"
    )
    met = ratio >= 0.7 and errors == 0 and db_ok
    print(f"target >= 0.7, 0 errors, all stored: {'met' if met else 'NOT MET'}")


def rate(tally: Tally) -> float:
    return tally.accepted / tally.seconds if tally.seconds else 0.0


def print_cpu_per_post(product: Tally, baseline: Tally) -> None:
    """Where each side's POSTs spent the machine's CPU: with the cores busy, this sets the rate."""
    print("CPU per POST, ms:       " + " ".join(f"{who:>8}" for who in CPU_USERS))
    for name, tally in (("product", product), ("baseline", baseline)):
        per_post = [tally.cpu.get(who, 0.0) / max(tally.accepted, 1) * 1000 for who in CPU_USERS]
        print(f"  {name:<21} " + " ".join(f"{ms:8.2f}" for ms in per_post))


if __name__ == "__main__":
    main()
