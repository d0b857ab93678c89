"""Each pytest-xdist worker gets a world of its own (loaded by `-p tests.parallel` in
pyproject's addopts, so before pytest-django reads the settings).

`make test` runs the suite in several worker processes (gw0, gw1, ...). pytest-django gives
each its own test database (test_<name>_gw0, ...); this module gives each the rest, through
the environment, so that settings.py and every process a test starts (Celery workers,
gunicorn, `manage.py` checks) see the same:
- a Redis database of its own: the cache, the Celery broker and its `unacked` hash;
- a Celery queue of its own (CELERY_QUEUE + "_gw0");
- a media folder of its own (MEDIA_ROOT/gw0).
The live server already listens on a free port of its own (pytest-django's default port 0).

Redis databases: PINGXIANG_TEST_REDIS_DBS="11,12,13" hands worker N the Nth number (for a
Redis shared with other runs); without it worker N takes REDIS_URL's database + 1 + N.
"""

import os
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest

REDIS_DATABASES = 16  # redis.conf's `databases` default


def redis_url_for_worker(url, n, dbs=""):
    """REDIS_URL with the database of worker number n (redis://h:p/db, unix:///s?db=db)."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    if dbs:
        numbers = [int(d) for d in dbs.split(",") if d.strip()]
        if n >= len(numbers):
            raise RuntimeError(f"PINGXIANG_TEST_REDIS_DBS={dbs} names {len(numbers)} Redis "
                               f"databases, not enough for worker gw{n}: name more or use "
                               "fewer workers (-n)")
        db = numbers[n]
    else:
        if parts.scheme == "unix":
            base = int(query.get("db", 0))
        else:
            base = int(parts.path.strip("/") or 0)
        db = base + 1 + n
    if not 0 <= db < REDIS_DATABASES:
        raise RuntimeError(f"worker gw{n} would use Redis database {db}: set "
                           "PINGXIANG_TEST_REDIS_DBS to free database numbers")
    if parts.scheme == "unix":
        query["db"] = str(db)
        return f"unix://{parts.path}?{urlencode(query)}"  # urlunsplit would drop the //
    return urlunsplit(parts._replace(path=f"/{db}"))


def worker_environment(environ):
    """What changes in the environment of the xdist worker this process is (nothing in the
    controller, or without xdist)."""
    worker = environ.get("PYTEST_XDIST_WORKER", "")
    if not worker.startswith("gw"):
        return {}
    n = int(worker[2:])
    changes = {"CELERY_QUEUE": f"{environ.get('CELERY_QUEUE') or 'pingxiang'}_{worker}"}
    if environ.get("REDIS_URL"):  # without it settings.py refuses to load and says why
        changes["REDIS_URL"] = redis_url_for_worker(
            environ["REDIS_URL"], n, environ.get("PINGXIANG_TEST_REDIS_DBS", ""))
    # settings.py's default: PINGXIANG_VAR_DIR (else var/ in the checkout), then media/.
    var_dir = environ.get("PINGXIANG_VAR_DIR") or Path(__file__).resolve().parents[1] / "var"
    changes["MEDIA_ROOT"] = str(Path(environ.get("MEDIA_ROOT") or Path(var_dir) / "media")
                                / worker)
    return changes


os.environ.update(worker_environment(os.environ))


# --- Numbers the workers report ---------------------------------------------------------
# A conftest's terminal summary runs in the process that ran the tests; under xdist that is
# a worker, whose terminal nobody sees. Conftests put their lines' numbers in
# `config.workeroutput["summary"]` ({title: {label: count}}), and the controller adds them up.

_reported = {}


@pytest.hookimpl(optionalhook=True)  # an xdist hook
def pytest_testnodedown(node, error):
    for title, counts in getattr(node, "workeroutput", {}).get("summary", {}).items():
        into = _reported.setdefault(title, {})
        for label, count in counts.items():
            into[label] = into.get(label, 0) + count


def pytest_terminal_summary(terminalreporter):
    for title, counts in _reported.items():
        terminalreporter.write_sep(
            "-", f"{title}: " + "; ".join(f"{label}: {n}" for label, n in counts.items() if n))
