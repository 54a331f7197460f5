"""Provincial rankings at 38 and 514 regencies: the rollup, the reconciliation and a ranking read,
each against one UNION ALL query over every schema's raw responses, in the same run.

Set-up (a documented faster path than provisioning): one regency is provisioned
through the real service; every other regency is a Regency row (active) with a
schema holding only the tables the rollup and reconciliation read
(surveys_agency, surveys_service, surveys_response, surveys_dailyservicetotals),
created LIKE the template's (indexes included), so 514 schemas take seconds, not
minutes. Each regency gets 40 agencies (2 services each, standard codes), and
responses loaded with SQL over the last 60 days; the daily totals are built
from them with SQL, each row stamped with its transaction id (as
sukma.surveys.recording.totals does).

Per size it prints:
  incremental refresh after 10,000 new responses spread over all regencies
      (refresh_run_here's rollup of what changed, then rankings_refresh apart),
      run at two stored volumes (--volumes), with tracemalloc peak and RSS growth;
  full reconciliation (reconcile_all);
  one ranking read (ranking_read for this month, regency level; target < 50 ms);
  baseline: one UNION ALL over every schema's raw responses, grouped per service and day.

    python bench/ranking.py [--sizes 38,514] [--volumes 200,800] [--new 10000]

max_locks_per_transaction: the UNION ALL over 514 schemas locks each schema's
response table and its indexes (~5 locks each); the server's default shared
lock table (64 x max_connections) holds that. If it does not on yours, raise
max_locks_per_transaction in the bench's server or use --chunk N to run the
baseline as N-schema chunks (their times summed).
"""

import argparse
import logging
import resource
import statistics
import time
import tracemalloc

from _scratch import scratch_database

AGENCIES = 40
SERVICES_PER_AGENCY = 2
DAYS = 60
TABLES = ["surveys_agency", "surveys_service", "surveys_response", "surveys_dailyservicetotals"]
ELEMENTS = [f"u{i}" for i in range(1, 10)]
COLS = ["responses", *[f"{f}_{k}" for f in ELEMENTS for k in ("sum", "count")]]


def log(message: str) -> None:
    print(f"  [{time.strftime('%H:%M:%S')}] {message}", flush=True)


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def make_regencies(count: int, start: int, admin) -> None:
    from django.db import connection

    from sukma.tenants.models import Regency

    with connection.cursor() as cursor:
        for n in range(start, start + count):
            schema = f"bench_r{n:04d}"
            cursor.execute(f'CREATE SCHEMA "{schema}"')
            for table in TABLES:
                cursor.execute(
                    f'CREATE TABLE "{schema}".{table} (LIKE template_regency.{table} INCLUDING ALL)'
                )
            Regency.objects.create(
                schema_name=schema,
                name=f"Kabupaten Bench {n:04d}",
                kind="kabupaten",
                region_code=f"99.{n:04d}",
                status="active",
            )
            cursor.execute(
                f"""INSERT INTO "{schema}".surveys_agency
                    (id, name, short_name, kind, standard_kind, active, created_at)
                SELECT a, 'Perangkat Daerah ' || a, 'PD' || a,
                       CASE WHEN a = 1 THEN 'rsud' WHEN a <= 5 THEN 'puskesmas' ELSE 'dinas' END,
                       'std-kind-' || a, true, now()
                FROM generate_series(1, {AGENCIES}) a"""
            )
            cursor.execute(
                f"""INSERT INTO "{schema}".surveys_service
                    (id, agency_id, name, annual_users, standard_service, active, created_at)
                SELECT (a - 1) * {SERVICES_PER_AGENCY} + s, a, 'Layanan ' || s,
                       1000 * (1 + mod(a * s, 7)), 'std-svc-' || a || '-' || s, true, now()
                FROM generate_series(1, {AGENCIES}) a,
                     generate_series(1, {SERVICES_PER_AGENCY}) s"""
            )


def load_responses(schemas: list[str], per_regency: int, *, recent: bool = False) -> None:
    """per_regency responses in each schema; then its day totals rebuilt (stamped)."""
    from django.db import connection, transaction

    services = AGENCIES * SERVICES_PER_AGENCY
    answers = ", ".join(
        "CASE WHEN random() < 0.03 THEN NULL ELSE 1 + floor(power(random(), 0.4) * 4)::int END"
        for _ in ELEMENTS
    )
    days = 3 if recent else DAYS
    for schema in schemas:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"""INSERT INTO "{schema}".surveys_response (
                    questionnaire_id, service_id, service_point_id, service_date,
                    service_session, submitted_at, {", ".join(ELEMENTS)}, sex, age_band,
                    education, occupation, disability, extra_answers, suggestion,
                    device_hash, address_hash, flags, excluded, exclusion_reason,
                    channel, submission_key, held)
                SELECT 1, 1 + floor(power(random(), 1.5) * {services})::int, NULL,
                    current_date - floor(random() * {days})::int, '', now(), {answers},
                    '', '', '', '', '', '{{}}'::jsonb, '', '', '', '[]'::jsonb,
                    random() < 0.002, '', 'phone', '', false
                FROM generate_series(1, %s)""",
                [per_regency],
            )
            # The day totals, as the per-response upserts would have left them, stamped.
            sums = ", ".join(
                ["count(*)"] + [f"sum(coalesce({f}, 0)), count({f})" for f in ELEMENTS]
            )
            sets = ", ".join(f"{c} = EXCLUDED.{c}" for c in COLS)
            cursor.execute(
                f"""INSERT INTO "{schema}".surveys_dailyservicetotals
                    (service_id, day, {", ".join(COLS)}, changed_xid)
                SELECT service_id, service_date, {sums}, pg_current_xact_id()::text::bigint
                FROM "{schema}".surveys_response WHERE NOT excluded
                  AND (service_id, service_date) IN (
                      SELECT service_id, service_date FROM "{schema}".surveys_response
                      WHERE submitted_at = now())
                GROUP BY service_id, service_date
                ON CONFLICT (service_id, day) DO UPDATE SET {sets},
                    changed_xid = EXCLUDED.changed_xid"""
            )


def timed(fn, repeat: int = 1):
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def baseline(schemas: list[str], chunk: int) -> float:
    """One UNION ALL over every schema's raw responses, per service and day."""
    from django.db import connection, transaction

    sums = ", ".join(["count(*)"] + [f"sum(coalesce({f}, 0)), count({f})" for f in ELEMENTS])
    total = 0.0
    for i in range(0, len(schemas), chunk or len(schemas)):
        part = schemas[i : i + (chunk or len(schemas))]
        sql = " UNION ALL ".join(
            f"SELECT {n} AS r, service_id, service_date, {sums} "
            f'FROM "{s}".surveys_response WHERE NOT excluded GROUP BY service_id, service_date'
            for n, s in enumerate(part)
        )
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
            cursor.fetchall()
        total += time.perf_counter() - started
    return total


def incremental(schemas, new: int, admin):
    """10,000 (new) responses over all regencies, then one incremental refresh, measured."""
    import gc

    from sukma.platform.rankings.ranking import rankings_refresh
    from sukma.platform.rankings.services import refresh_run_here, refresh_start

    load_responses(schemas, max(1, new // len(schemas)), recent=True)
    gc.collect()
    rss_before = rss_mb()
    tracemalloc.start()
    run = refresh_start(acting_user=admin, kind="incremental")
    import sukma.platform.rankings.services as services

    real_finish = services.refresh_finish
    services.refresh_finish = lambda run_id: services.RefreshRun.objects.get(pk=run_id)
    try:
        rollup_s, _ = timed(lambda: refresh_run_here(run))
    finally:
        services.refresh_finish = real_finish
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_growth = rss_mb() - rss_before
    recompute_s, _ = timed(rankings_refresh)
    return rollup_s, recompute_s, peak / 1024 / 1024, rss_growth


def crossover(results, new_per_regency: int) -> str:
    """The stored volume per regency below which the baseline would be faster: the baseline
    grows with what is stored (a line through its measured points), the refresh does not."""
    inc = statistics.mean(r[1] + r[2] for r in results)
    points = [(volume + new_per_regency, r[5]) for volume, *rest in results for r in [[0, *rest]]]
    if len(points) < 2 or points[-1][0] == points[0][0]:
        (v, b) = points[-1]
        at = v * inc / b
    else:
        (v0, b0), (v1, b1) = points[0], points[-1]
        slope = (b1 - b0) / (v1 - v0)
        at = v0 + (inc - b0) / slope if slope > 0 else float("inf")
    return (
        f"the baseline would overtake the refresh ({inc:.2f} s, mean) below ~{max(at, 0):,.0f} "
        "stored responses per regency"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="38,514")
    parser.add_argument("--volumes", default="200,800", help="stored responses per regency")
    parser.add_argument("--new", type=int, default=10_000)
    parser.add_argument("--chunk", type=int, default=0)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    volumes = [int(v) for v in args.volumes.split(",")]
    logging.disable(logging.WARNING)

    with scratch_database("sukma_ranking_bench"):
        from django.core.management import call_command
        from django.db import connection

        from sukma.access.models import Membership, Role, User
        from sukma.platform.rankings.ranking import RankPeriod, ranking_read, rankings_recompute
        from sukma.platform.rankings.reconcile import reconcile_all
        from sukma.platform.rankings.rollup import rollup_changed_run
        from tests.factories import provisioned_regency

        call_command("migrate", verbosity=0)
        admin = User.objects.create_user("bench@jatimprov.go.id", "x")
        Membership.objects.create(user=admin, role=Role.PROVINCE_ADMIN)
        provisioned_regency(  # the real provisioning makes the template schema
            code="35.04",
            kind="kabupaten",
            name="Tulungagung",
            subdomain="tulungagungkab",
            admin_email="organisasi@tulungagungkab.go.id",
            acting_user=admin,
        )
        connection.set_schema_to_public()
        from sukma.tenants.models import Regency

        # Only the synthetic regencies are measured: the one provisioned for real steps aside.
        Regency.objects.filter(region_code="35.04").update(status="suspended")
        with connection.cursor() as cursor:
            cursor.execute("SHOW max_locks_per_transaction")
            log(f"max_locks_per_transaction = {cursor.fetchone()[0]}")

        made = 0
        stored: dict[str, int] = {}
        today = time.localtime()
        period = RankPeriod("month", today.tm_year, today.tm_mon)
        for size in sizes:
            log(f"building regencies {made + 1}..{size}")
            make_regencies(size - made, made + 1, admin)
            made = size
            schemas = [f"bench_r{n:04d}" for n in range(1, size + 1)]
            results = []
            for volume in volumes:
                log(f"{size} regencies: topping up to ~{volume} stored responses per regency")
                for schema in schemas:
                    missing = volume - stored.get(schema, 0)
                    if missing > 0:
                        load_responses([schema], missing)
                        stored[schema] = volume
                rollup_changed_run()  # the rollup and rankings as they stand before the new
                rankings_recompute()  # the rankings as they stand before the new answers
                log(f"{size} regencies: {args.new:,} new responses, one incremental refresh")
                inc = incremental(schemas, args.new, admin)
                for schema in schemas:
                    stored[schema] += args.new // len(schemas)
                results.append((volume, *inc, baseline(schemas, args.chunk)))
            rec_s, rec = timed(reconcile_all)
            read_s, ranking = timed(lambda: ranking_read(period=period, level="regency"), repeat=1)
            read_warm, ranking = timed(
                lambda: ranking_read(period=period, level="regency"), repeat=9
            )
            base_s = baseline(schemas, args.chunk)
            with connection.cursor() as cursor:
                cursor.execute(
                    " UNION ALL ".join(
                        f'SELECT count(*) FROM "{s}".surveys_response' for s in schemas
                    )
                )
                responses = sum(r[0] for r in cursor.fetchall())

            print(f"\n== {size} regencies, {size * AGENCIES} agencies, {responses:,} responses")
            for volume, roll_s, recompute_s, peak_mb, rss_growth, base_v in results:
                print(
                    f"incremental refresh (+{args.new:,} new) at ~{volume}+ stored/regency: "
                    f"{roll_s + recompute_s:.2f} s (rollup {roll_s:.2f} s, tracemalloc peak "
                    f"{peak_mb:.1f} MB, RSS growth {rss_growth:.1f} MB; rankings_refresh "
                    f"{recompute_s:.2f} s); baseline then {base_v:.2f} s, ratio "
                    f"{(roll_s + recompute_s) / base_v:.3f}"
                )
            print(
                f"full reconciliation:            {rec_s:.2f} s "
                f"({rec.regencies_checked} regencies, {len(rec.differences)} differences)"
            )
            print(
                f"ranking read (regency level):   {read_warm * 1000:.1f} ms "
                f"(first call {read_s * 1000:.1f} ms, {len(ranking.rows)} rows)"
            )
            print(f"baseline UNION ALL over raw:    {base_s:.2f} s")
            last = results[-1]
            print(f"ratio incremental / baseline:   {(last[1] + last[2]) / base_s:.3f}")
            print(crossover(results, args.new // size))
            print(f"ratio read / baseline:          {read_warm / base_s:.5f}")


if __name__ == "__main__":
    main()
