"""Two computations of one ranking at once both store it: the second waits, then updates.

bench/load.py found the province's first read of a ranking with no stored copy answering 500:
two requests (or a request and the worker's refresh) each deleted the period's snapshots and
inserted theirs, and the second hit the unique constraint ranking_snapshot_once. The store
now upserts.
"""

import threading

from django.db import connection, transaction

from sukma.platform.rankings.models import RankingSnapshot
from sukma.platform.rankings.ranking import REGENCY, RankPeriod, _store

PERIOD = RankPeriod.parse("quarter:2031:2")


def _levels(figure: str) -> dict:
    return {(REGENCY, ""): [{"regency_id": 1, "konversi": figure}]}


def test_a_second_store_of_a_ranking_waits_for_the_first_and_updates_it(committed):
    first_stored, first_may_commit = threading.Event(), threading.Event()
    failures: list[BaseException] = []

    def first():
        try:
            with transaction.atomic():
                _store(PERIOD, _levels("80.00"), "a", replace_all=True)
                first_stored.set()
                first_may_commit.wait(10)
        except BaseException as error:  # reported by the test, not lost in the thread
            failures.append(error)
        finally:
            connection.close()

    def second():
        try:
            first_stored.wait(10)
            with transaction.atomic():
                # Blocks on the first's uncommitted row until it commits, then updates it.
                _store(PERIOD, _levels("81.00"), "b", replace_all=True)
        except BaseException as error:
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    first_stored.wait(10)
    threading.Timer(1.0, first_may_commit.set).start()
    for thread in threads:
        thread.join(30)
    try:
        assert failures == []
        stored = RankingSnapshot.objects.get(
            period_kind=PERIOD.kind, year=PERIOD.year, number=PERIOD.number, level=REGENCY
        )
        assert stored.rows == [{"regency_id": 1, "konversi": "81.00"}]
    finally:
        RankingSnapshot.objects.filter(year=PERIOD.year).delete()
