"""A paced job (pingxiang.pacing) rests between its queries for its share of the time, never
inside a transaction, and only for its spread: the per-minute dashboard job done at once made
every page two to three times slower for its seconds (bench/results.md)."""

import time

import pytest
from django.db import connection, transaction

from pingxiang.pacing import paced

pytestmark = pytest.mark.django_db

WORK = 0.05  # seconds each query below takes on the server


def _work(n=1):
    with connection.cursor() as cursor:
        for _ in range(n):
            cursor.execute("SELECT pg_sleep(%s)", [WORK])


def _recorder():
    rests = []

    def sleep(seconds):
        rests.append(seconds)
        time.sleep(seconds)

    return rests, sleep


def test_a_paced_job_rests_after_each_query_for_its_share_of_the_time():
    """At a quarter of the time, each query's work is followed by three times as long a rest,
    so the job takes at least four times its work."""
    rests, sleep = _recorder()
    started = time.monotonic()
    with paced(0.25, 30, sleep=sleep):
        _work(4)
    took = time.monotonic() - started
    assert len(rests) == 4
    assert all(rest >= 3 * WORK for rest in rests), rests
    assert took >= 4 * (WORK + 3 * WORK)


def test_it_never_rests_inside_a_transaction_but_rests_for_that_work_after_it():
    """Asleep inside a transaction the job would hold its locks (the rollups' refresh holds
    the writers' marks); the transaction's work is rested for at the next query outside."""
    rests, sleep = _recorder()
    with paced(0.5, 30, sleep=sleep):
        with transaction.atomic():
            _work(3)
            # (Opening it, a savepoint inside the test's own transaction, is outside it.)
            assert sum(rests) < WORK
            rested = len(rests)
        _work(1)
    # As it ends (a savepoint's release here) and after the next query: the three queries
    # in the transaction and the one after, at 1:1.
    assert sum(rests[rested:]) >= 4 * WORK


def test_after_its_spread_the_job_runs_straight_on():
    """The rests stop once the job has run its spread, and no rest goes past it: a large job
    still ends within the minute."""
    rests, sleep = _recorder()
    with paced(0.1, 0.3, sleep=sleep):
        _work(6)
    assert 1 <= len(rests) < 6
    assert sum(rests) <= 0.3


@pytest.mark.parametrize("duty, spread", [(1, 30), (0.25, 0)])
def test_at_full_duty_or_without_a_spread_it_does_not_rest(duty, spread):
    rests, sleep = _recorder()
    with paced(duty, spread, sleep=sleep):
        _work(3)
    assert rests == []


def test_outside_the_block_nothing_is_paced():
    rests, sleep = _recorder()
    with paced(0.25, 30, sleep=sleep):
        _work(1)
    _work(2)
    assert len(rests) == 1
