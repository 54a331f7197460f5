"""Refresh the provincial rankings: roll up every active regency, then recompute the rankings.

python manage.py refresh_rankings            # send it to the workers, print the run id
python manage.py refresh_rankings --sync     # run it here with a progress bar (no broker)
python manage.py refresh_rankings --full     # copy every row, not only what changed
python manage.py refresh_rankings --reconcile --sync   # and then check against raw responses
"""

import sys

from django.core.management.base import BaseCommand, CommandError

from sukma import background
from sukma.platform.rankings.models import RefreshKind
from sukma.platform.rankings.services import refresh_progress, refresh_run_here, refresh_start


def _bar(out, label: str):
    def progress(done: int, total: int) -> None:
        width = 30
        filled = int(width * done / total) if total else width
        out.write(f"\r{label} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}", ending="")
        out.flush()
        if done == total:
            out.write("")

    return progress


class Command(BaseCommand):
    help = "Refresh the provincial rankings (rollup of every active regency, then the rankings)."

    def add_arguments(self, parser):
        parser.add_argument("--full", action="store_true", help="copy every totals row again")
        parser.add_argument("--sync", action="store_true", help="run here, without a worker")
        parser.add_argument(
            "--reconcile",
            action="store_true",
            help="then recompute from the raw responses and report differences",
        )

    def handle(self, *args, **opts):
        kind = RefreshKind.FULL if opts["full"] else RefreshKind.INCREMENTAL
        run = refresh_start(acting_user=None, kind=kind)
        if not opts["sync"]:
            background.send(background.REFRESH_RANKINGS, args=[str(run.pk)], schema="public")
            self.stdout.write(f"Refresh {run.pk} ({kind}) sent to the workers.")
            if opts["reconcile"]:
                background.send(background.RECONCILE_ALL, schema="public")
                self.stdout.write("Reconciliation sent to the workers.")
            return
        show = _bar(self.stdout, "rollup") if sys.stdout.isatty() or opts["verbosity"] > 1 else None
        try:
            run = refresh_run_here(run, progress=show)
        except Exception as exc:
            raise CommandError(f"Refresh {run.pk} failed: {exc}") from exc
        p = refresh_progress(run)
        self.stdout.write(
            f"Refresh {p['id']} ({kind}): {p['state']}, "
            f"{p['regencies_done']}/{p['regencies_total']} regencies."
        )
        if opts["reconcile"]:
            from sukma.platform.rankings.reconcile import reconcile_all

            rec = reconcile_all(progress=show and _bar(self.stdout, "reconcile"))
            self.stdout.write(
                f"Reconciliation {rec.pk}: {rec.regencies_checked} regencies, "
                f"{len(rec.differences)} differences."
            )
            if not rec.ok:
                raise CommandError("The rollup differs from the raw responses; see the run.")
