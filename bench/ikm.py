"""Every agency's IKM for a year: the product's code path vs one SQL query over the raw responses.

Provisions one regency through the real services, gives it 40 agencies and
200 services (5 each), and loads N responses (default 1,000,000) spread over
one year with SQL (INSERT ... SELECT from generate_series): answers mostly 3
and 4 with a quality that differs per service, some blanks (U4, the cost,
often), a few excluded responses. The daily totals are then built from those
responses exactly as the product's transactional upserts would have left
them, and a few hundred more responses go through the real
sukma.surveys.citizen.submission.response_submit to check the two still agree.

Then, in the same run, it times
  product:  sukma.surveys.selectors.agency_figures(period) for the year
            (the daily totals summed per agency, then sukma.surveys.method.ikm)
  baseline: one hand-written SQL query summing the raw responses per agency
            (JOIN services), then sukma.surveys.method.ikm.compute_ikm on each row
each several times (median after one warm-up), checks both give identical
figures (responses, IKM, konversi and mutu per agency, and every element's
sum, count and NRR), and prints the times and their ratio.
Target: the product at least 10 times faster than the baseline query.

    python bench/ikm.py [--responses 1000000] [--repeat 9]
"""

import argparse
import datetime
import logging
import random
import statistics
import time

from _scratch import scratch_database

YEAR = 2025
AGENCIES = 40
SERVICES_PER_AGENCY = 5
SUBMITTED = 300  # responses sent through response_submit to check the totals

# Share of blanks per element (U4, the cost, is blank wherever the service is free).
BLANKS = {
    "u1": 0.01,
    "u2": 0.01,
    "u3": 0.02,
    "u4": 0.35,
    "u5": 0.02,
    "u6": 0.01,
    "u7": 0.01,
    "u8": 0.05,
    "u9": 0.02,
}
# Element-level shift of the answers (U5, the product, and U8, complaints, score lower).
SHIFTS = {
    "u1": 0.02,
    "u2": 0.0,
    "u3": -0.03,
    "u4": 0.05,
    "u5": -0.06,
    "u6": 0.03,
    "u7": 0.04,
    "u8": -0.08,
    "u9": 0.0,
}
ELEMENTS = list(BLANKS)
TOTAL_COLUMNS = ["responses", *[f"{f}_{k}" for f in ELEMENTS for k in ("sum", "count")]]


def log(message: str) -> None:
    print(f"  [{time.strftime('%H:%M:%S')}] {message}", flush=True)


# ------------------------------------------------------------------------------ set-up
def regency_with_structure():
    """A provisioned regency, on the connection, with its agencies, services and points."""
    from django.core.management import call_command
    from django.db import connection

    from sukma.access.models import Membership, Role, User
    from sukma.surveys.models import Agency, Period, PeriodKind, Service, ServicePoint
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

    rng = random.Random(35_04)
    agencies = Agency.objects.bulk_create(
        Agency(name=f"Perangkat Daerah {i:02d}", short_name=f"PD{i:02d}", kind="dinas")
        for i in range(1, AGENCIES + 1)
    )
    services = Service.objects.bulk_create(
        Service(agency=agency, name=f"Layanan {j}", annual_users=rng.choice([None, 2_000, 12_000]))
        for agency in agencies
        for j in range(1, SERVICES_PER_AGENCY + 1)
    )
    points = ServicePoint.objects.bulk_create(
        ServicePoint(
            agency=agency,
            name="Loket 1",
            code=f"BENCH{i:04d}",
            default_service=services[i * SERVICES_PER_AGENCY],
        )
        for i, agency in enumerate(agencies)
    )
    period = Period.objects.create(
        kind=PeriodKind.YEAR,
        year=YEAR,
        number=1,
        starts_on=datetime.date(YEAR, 1, 1),
        ends_on=datetime.date(YEAR, 12, 31),
    )
    return regency, services, points, period


def load_responses(count: int, services, points, questionnaire_id: int) -> None:
    """`count` responses over the year, generated in the database in one statement."""
    from django.db import connection

    rng = random.Random(2025)
    service_ids = [s.pk for s in services]
    point_ids = [points[i // SERVICES_PER_AGENCY].pk for i in range(len(services))]
    # Each service's quality: most are fine, a few are poor, a few excellent.
    quality = [round(rng.gauss(0.0, 0.08), 3) for _ in services]
    draws = ", ".join(
        f"0.35 * mood + 0.65 * random() + quality + {SHIFTS[c]} AS v_{c}" for c in ELEMENTS
    )
    answers = ", ".join(
        f"CASE WHEN random() < {BLANKS[c]} THEN NULL ELSE 1 + (v_{c} >= 0.06)::int "
        f"+ (v_{c} >= 0.22)::int + (v_{c} >= 0.66)::int END"
        for c in ELEMENTS
    )
    sql = f"""
    INSERT INTO surveys_response (
        questionnaire_id, service_id, service_point_id, service_date, service_session,
        submitted_at, {", ".join(ELEMENTS)}, sex, age, age_band, education, occupation,
        disability, extra_answers, suggestion, tracking_code, device_hash, address_hash,
        seconds_to_complete, flags, excluded, exclusion_reason, excluded_by, excluded_at,
        channel, submission_key, held)
    SELECT %(questionnaire)s, (%(services)s::bigint[])[s], (%(points)s::bigint[])[s], day,
        (ARRAY['pagi', 'pagi', 'siang', 'sore', ''])[1 + floor(random() * 5)::int],
        submitted_at, {answers},
        (ARRAY['L', 'P', 'P', 'L', ''])[1 + floor(random() * 5)::int],
        NULL,
        (ARRAY['17-25', '26-35', '26-35', '36-45', '46-55', '56-65', '66+', ''])
            [1 + floor(random() * 8)::int],
        (ARRAY['SD', 'SMP', 'SMA', 'SMA', 'D1-D3', 'D4-S1', 'S2', ''])
            [1 + floor(random() * 8)::int],
        (ARRAY['PNS', 'SWASTA', 'WIRAUSAHA', 'PELAJAR', 'LAINNYA', 'LAINNYA', ''])
            [1 + floor(random() * 7)::int],
        CASE WHEN random() < 0.03 THEN 'fisik' ELSE 'tidak' END,
        '{{}}'::jsonb,
        CASE WHEN g %% 29 = 0 THEN 'Antrean terlalu lama, mohon ditambah loket.' ELSE '' END,
        CASE WHEN g %% 29 = 0 THEN 'B' || g ELSE NULL END,
        md5(g::text), md5((g / 3)::text), 30 + floor(random() * 400)::int, '[]'::jsonb,
        excluded, CASE WHEN excluded THEN 'Uji coba petugas' ELSE '' END,
        CASE WHEN excluded THEN 1 END,
        CASE WHEN excluded THEN submitted_at + interval '1 day' END,
        'phone', '', false
    FROM (
        SELECT g, s, day, mood, quality, excluded,
               day + time '07:30' + random() * interval '9 hours' AS submitted_at, {draws}
        FROM (
            SELECT g, s, day, random() AS mood, (%(quality)s::float8[])[s] AS quality,
                   random() < 0.002 AS excluded
            FROM (
                SELECT g,
                       -- busier services first: a skewed pick among the 200
                       1 + floor(power(random(), 1.7) * %(nservices)s)::int AS s,
                       -- in arrival order, as a real table fills up
                       %(first)s::date + ((g - 1) * %(days)s / %(count)s)::int AS day
                FROM generate_series(1, %(count)s) AS g
            ) picks
        ) base
    ) drawn
    """
    first = datetime.date(YEAR, 1, 1)
    days = (datetime.date(YEAR, 12, 31) - first).days + 1
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            {
                "questionnaire": questionnaire_id,
                "services": service_ids,
                "points": point_ids,
                "quality": quality,
                "nservices": len(service_ids),
                "first": first,
                "days": days,
                "count": count,
            },
        )


def secondary_indexes_dropped():
    """Drop the response table's secondary indexes for a bulk load; give back what rebuilds them.

    A million rows inserted into twelve B-trees (several on random hashes) is
    slower than building them afterwards; the table ends up the same.
    """
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = 'surveys_response'::regclass AND contype = 'u'"
        )
        constraints = cursor.fetchall()
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes "
            "WHERE schemaname = current_schema() AND tablename = 'surveys_response' "
            "AND indexname <> 'surveys_response_pkey'"
        )
        indexes = [(n, d) for n, d in cursor.fetchall() if n not in dict(constraints)]
        for name, _definition in constraints:
            cursor.execute(f'ALTER TABLE surveys_response DROP CONSTRAINT "{name}"')
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{name}"')

    def rebuild() -> int:
        with connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '256MB'")
            for name, definition in constraints:
                cursor.execute(f'ALTER TABLE surveys_response ADD CONSTRAINT "{name}" {definition}')
            for _name, definition in indexes:
                cursor.execute(definition)
            cursor.execute("RESET maintenance_work_mem")
        return len(constraints) + len(indexes)

    return rebuild


def _raw_totals_sql() -> str:
    sums = ", ".join(f"COALESCE(SUM({c}), 0), COUNT({c})" for c in ELEMENTS)
    return (
        f"SELECT service_id, service_date, COUNT(*), {sums} FROM surveys_response "
        f"WHERE NOT excluded GROUP BY service_id, service_date"
    )


def build_daily_totals() -> int:
    """The per-service, per-day totals the transactional upserts would have produced."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO surveys_dailyservicetotals (service_id, day, {', '.join(TOTAL_COLUMNS)}) "
            + _raw_totals_sql()
        )
        return cursor.rowcount


def build_monthly_totals() -> int:
    """The per-service, per-month totals, as the same upserts keep them beside the days."""
    from django.db import connection

    sums = ", ".join(f"SUM({c})" for c in TOTAL_COLUMNS)
    columns = ", ".join(TOTAL_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO surveys_monthlyservicetotals (service_id, month, {columns}) "
            f"SELECT service_id, date_trunc('month', day)::date, {sums} "
            "FROM surveys_dailyservicetotals GROUP BY service_id, date_trunc('month', day)"
        )
        return cursor.rowcount


def month_disagreements() -> int:
    """Month rows that differ from the sum of their days (after the product's own submissions)."""
    from django.db import connection

    sums = ", ".join(f"SUM({c})" for c in TOTAL_COLUMNS)
    days = (
        f"SELECT service_id, date_trunc('month', day)::date, {sums} "
        "FROM surveys_dailyservicetotals GROUP BY 1, 2"
    )
    months = (
        f"SELECT service_id, month, {', '.join(TOTAL_COLUMNS)} FROM surveys_monthlyservicetotals"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT COUNT(*) FROM ({days} EXCEPT {months}) a) "
            f"+ (SELECT COUNT(*) FROM ({months} EXCEPT {days}) b)"
        )
        return cursor.fetchone()[0]


def totals_disagreements() -> int:
    """Rows where the daily totals and a direct sum of the raw responses differ (both ways)."""
    from django.db import connection

    stored = (
        f"SELECT service_id, day, {', '.join(TOTAL_COLUMNS)} "
        "FROM surveys_dailyservicetotals WHERE responses > 0"
    )
    raw = _raw_totals_sql()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT COUNT(*) FROM ({raw} EXCEPT {stored}) a) "
            f"+ (SELECT COUNT(*) FROM ({stored} EXCEPT {raw}) b)"
        )
        return cursor.fetchone()[0]


def submit_through_product(points, services, questionnaire_version: int) -> int:
    """A few hundred responses through the product's own submission, spread over December."""
    from django.utils import timezone

    from sukma.surveys.citizen.submission import Submission, response_submit

    rng = random.Random(7)
    now = timezone.make_aware(datetime.datetime(YEAR, 12, 31, 15, 0))
    for i in range(SUBMITTED):
        a = rng.randrange(len(points))
        service = services[a * SERVICES_PER_AGENCY + rng.randrange(SERVICES_PER_AGENCY)]
        answers = {c.upper(): rng.choice([None, 2, 3, 3, 4, 4]) for c in ELEMENTS}
        answers["U1"] = rng.choice([1, 2, 3, 4])
        response_submit(
            Submission(
                service_point_code=points[a].code,
                answers=answers,
                questionnaire_version=questionnaire_version,
                service_id=service.pk,
                profile={"sex": rng.choice(["L", "P", ""])},
                service_date=now.date() - datetime.timedelta(days=rng.randrange(30)),
                device_token=f"bench-device-{i}",
                address=f"10.0.{i // 200}.{i % 200}",
                started_at=now - datetime.timedelta(seconds=90),
            ),
            now=now + datetime.timedelta(seconds=i),
        )
    return SUBMITTED


# ------------------------------------------------------------------------------ the two paths
def product(period) -> dict:
    from sukma.surveys.selectors import agency_figures

    return {agency.pk: figure.result for agency, figure in agency_figures(period)}


def baseline(period) -> dict:
    """One SQL query over the raw responses, summed per agency; then the same IKM engine."""
    from django.db import connection

    from sukma.surveys.method.ikm import ElementTotals, compute_ikm
    from sukma.surveys.models import Agency
    from sukma.surveys.selectors import weight_policy

    sums = ", ".join(f"SUM(r.{c}), COUNT(r.{c})" for c in ELEMENTS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT s.agency_id, COUNT(*), {sums} FROM surveys_response r "
            "JOIN surveys_service s ON s.id = r.service_id "
            "WHERE NOT r.excluded AND r.service_date BETWEEN %s AND %s "
            "GROUP BY s.agency_id",
            [period.starts_on, period.ends_on],
        )
        rows = {row[0]: row[1:] for row in cursor.fetchall()}
    policy = weight_policy()
    results = {}
    for agency_id in Agency.objects.filter(active=True).values_list("pk", flat=True):
        responses, *pairs = rows.get(agency_id, (0,) + (None, 0) * len(ELEMENTS))
        totals = ElementTotals(tuple(s or 0 for s in pairs[0::2]), tuple(pairs[1::2]), responses)
        results[agency_id] = compute_ikm(totals, policy)
    return results


def totals_query(period) -> dict:
    """The product's one aggregate query alone (what agency_figures waits on the database for)."""
    from sukma.surveys.selectors import totals_per

    return totals_per("service__agency_id", period.starts_on, period.ends_on)


def timed_pair(first, second, period, repeat: int) -> tuple[float, float, dict, dict]:
    """Median seconds of each, run alternately (after one warm-up each) so load hits both alike."""
    a, b = first(period), second(period)  # warm-up: caches, plans, buffers
    times_a, times_b = [], []
    for _ in range(repeat):
        for fn, times in ((first, times_a), (second, times_b)):
            started = time.perf_counter()
            result = fn(period)
            times.append(time.perf_counter() - started)
            if fn is first:
                a = result
            else:
                b = result
    return statistics.median(times_a), statistics.median(times_b), a, b


def fingerprint(result) -> tuple:
    return (
        result.responses,
        result.ikm,
        result.konversi,
        result.mutu,
        tuple((e.code, e.total, e.count, e.nrr, e.nrr_konversi, e.mutu) for e in result.elements),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()
    logging.disable(logging.WARNING)

    with scratch_database("sukma_ikm_bench"):
        from django.db import connection

        from sukma.surveys.models import DailyServiceTotals, Questionnaire, Response

        started = time.perf_counter()
        regency, services, points, period = regency_with_structure()
        questionnaire = Questionnaire.objects.get(is_current=True)
        log(
            f"regency {regency.schema_name}: {len(points)} agencies, {len(services)} services "
            f"({time.perf_counter() - started:.1f} s)"
        )

        t = time.perf_counter()
        rebuild = secondary_indexes_dropped()
        load_responses(args.responses, services, points, questionnaire.pk)
        log(f"{args.responses:,} responses loaded ({time.perf_counter() - t:.1f} s)")
        t = time.perf_counter()
        rebuilt = rebuild()
        log(f"{rebuilt} secondary indexes rebuilt ({time.perf_counter() - t:.1f} s)")
        t = time.perf_counter()
        rows = build_daily_totals()
        months = build_monthly_totals()
        log(
            f"{rows:,} daily and {months:,} monthly service totals built "
            f"({time.perf_counter() - t:.1f} s)"
        )

        t = time.perf_counter()
        submitted = submit_through_product(points, services, questionnaire.version)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE surveys_response")
            cursor.execute("VACUUM ANALYZE surveys_dailyservicetotals")
        disagreements = totals_disagreements()
        log(
            f"{submitted} responses through response_submit; totals vs raw responses: "
            f"{disagreements} rows disagree ({time.perf_counter() - t:.1f} s)"
        )
        assert disagreements == 0, "the daily totals do not match the raw responses"
        assert month_disagreements() == 0, "the month totals do not match their days"
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT COUNT(*) FROM surveys_response r JOIN surveys_service s "
                "ON s.id = r.service_id JOIN surveys_servicepoint p ON p.id = r.service_point_id "
                "WHERE p.agency_id <> s.agency_id"
            )
            assert cursor.fetchone()[0] == 0, "a response's point and service disagree"

        counted = Response.objects.filter(excluded=False).count()
        total_rows = DailyServiceTotals.objects.count()
        product_s, baseline_s, product_result, baseline_result = timed_pair(
            product, baseline, period, args.repeat
        )

        query_s, _unused, _a, _b = timed_pair(totals_query, totals_query, period, args.repeat)

        assert product_result.keys() == baseline_result.keys(), "different agencies"
        differing = [
            a
            for a in product_result
            if fingerprint(product_result[a]) != fingerprint(baseline_result[a])
        ]
        assert not differing, f"figures differ for agencies {differing}"
        assert sum(r.responses for r in product_result.values()) == counted
        konversi = sorted(r.konversi for r in product_result.values())

    print()
    print(f"responses (counted / loaded):  {counted:,} / {args.responses + submitted:,}")
    print(f"agencies, services, day rows:  {AGENCIES}, {len(services)}, {total_rows:,}")
    print(f"konversi across agencies:      {konversi[0]} .. {konversi[-1]}")
    print(
        f"figures identical:             yes ({len(product_result)} agencies, "
        "responses, IKM, konversi, mutu and every element's sum, count, NRR)"
    )
    print(f"product agency_figures(year):  {product_s * 1000:8.1f} ms (median of {args.repeat})")
    print(f"  of which the totals query:   {query_s * 1000:8.1f} ms (the rest: Python, IKM)")
    print(f"baseline SQL on raw responses: {baseline_s * 1000:8.1f} ms (median of {args.repeat})")
    print(f"ratio baseline / product:      {baseline_s / product_s:8.1f}x")
    print(f"target >= 10x:                 {'met' if baseline_s / product_s >= 10 else 'NOT MET'}")


if __name__ == "__main__":
    main()
