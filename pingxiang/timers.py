"""The system's one timer mechanism.

Deadlines are indexed columns written by the action that starts a clock. Apps register
sweepers in their sweeps.py:

    from pingxiang.timers import sweeper

    @sweeper("cases.escalate_overdue")
    def escalate_overdue(now):
        ...   # conditional updates / SELECT ... FOR UPDATE SKIP LOCKED; return a count

The beat runs pingxiang.tasks.sweep_deadlines every minute, which calls each sweeper with
the same `now`. Sweepers must do each thing exactly once however often, late or
concurrently they run; they never rely on countdown/ETA tasks. Each run of a sweeper reads
reference data (the ladder, the policy, the calendar, the area tree) once, as a request does
(pingxiang.requestcache.scope), so a minute with many cases due reads it once, not per case.
"""

import functools
import logging

from pingxiang import requestcache

logger = logging.getLogger(__name__)

_SWEEPERS: dict[str, object] = {}


def sweeper(name):
    def decorate(func):
        @functools.wraps(func)
        def run(now):
            with requestcache.scope():
                return func(now)

        _SWEEPERS[name] = run
        return run

    return decorate


def registered():
    return dict(_SWEEPERS)


def run_sweepers(now):
    """Run every sweeper; one failing does not stop the others. Returns {name: result}."""
    results = {}
    failures = []
    for name, func in sorted(_SWEEPERS.items()):
        try:
            results[name] = func(now)
        except Exception as exc:  # noqa: BLE001 - report, keep sweeping the rest
            logger.exception("sweeper %s failed", name)
            failures.append((name, exc))
            results[name] = f"error: {exc.__class__.__name__}"
    if failures:
        name, exc = failures[0]
        raise RuntimeError(f"sweeper {name} failed: {exc}") from exc
    return results
