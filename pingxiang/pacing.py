"""A background job that leaves the host to the pages: under `paced(duty, spread)` the job
rests after each of its queries for as long as it has worked since its last rest, times
(1 / duty - 1), until it has run `spread` seconds; after that it runs straight on.

Why: the per-minute dashboard job does a few seconds of grouped counts. Done at once, it took
a core (and the caches) from the pages for those seconds every minute, and every page whose
requests fell in them took two to three times as long (bench/results.md). The same work
spread over the first part of the minute costs the pages little at any moment. PostgreSQL's
autovacuum rests the same way (its cost delay).

Inside a transaction the job opens it does not rest: it would hold its locks while asleep
(the rollups' refresh deletes the writers' marks). The work done there is rested for after
it."""

import time
from contextlib import contextmanager

from django.db import connections


@contextmanager
def paced(duty, spread, *, using="default", sleep=time.sleep):
    """Run the block's queries on `using` at about `duty` (0-1] of the time for its first
    `spread` seconds. duty >= 1 or spread <= 0: no rest at all."""
    if duty >= 1 or spread <= 0:
        yield
        return
    connection = connections[using]
    factor = 1 / duty - 1
    outside = len(connection.atomic_blocks)  # the transactions open as the job starts
    started = worked_since = time.monotonic()

    def rest_after(execute, sql, params, many, context):
        nonlocal worked_since
        try:
            return execute(sql, params, many, context)
        finally:
            now = time.monotonic()
            left = spread - (now - started)
            if left > 0 and len(connection.atomic_blocks) <= outside:
                sleep(min((now - worked_since) * factor, left))
                worked_since = time.monotonic()

    with connection.execute_wrapper(rest_after):
        yield
