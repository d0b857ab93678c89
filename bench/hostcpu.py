"""Where the host's CPU went during a measurement window: the whole host's busy share (from
/proc/stat) and each kind of process's (from /proc/<pid>/stat): the web's gunicorn workers,
PostgreSQL, the Celery worker and beat, the mixed run's writers, and the rest. A process
that ended before the window's end shows as "ended": the busy share no process alive at the
end accounts for. wrk itself is one (a few percent of every window), and so are
PostgreSQL's parallel workers and autovacuum's, forked for one query or table: the
per-minute job's grouped counts once took two thirds of the host that way, unseen in the
kinds' shares (bench/results.md).

On two cores, a page's c8 p95 is mostly how long its requests waited for a core. A miss
under the mixed load says little without what else held the cores at that moment, so each
wrk window records it (bench.run). Shares are of the whole host (100 = every core busy for
the whole window), so a process kind's figure reads as "this many percent of the machine".
"""

import os

KINDS = (  # the first whose marker is in the process's command line
    ("web", ("gunicorn",)),
    ("postgres", ("postgres",)),
    ("worker", ("celery",)),
    ("writers", ("bench.mixed",)),
)


def _kind(cmdline):
    for kind, markers in KINDS:
        if any(marker in cmdline for marker in markers):
            return kind
    return "other"


def _host():
    """(busy ticks, all ticks) of every core since boot."""
    with open("/proc/stat") as fh:
        fields = [int(n) for n in fh.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    total = sum(fields[:8])  # guest time is counted in user already
    return total - idle, total


def _processes():
    """{pid: (kind, utime + stime ticks)} of every process now."""
    out = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/cmdline", "rb") as fh:
                cmdline = fh.read().replace(b"\0", b" ").decode(errors="replace")
            with open(f"/proc/{name}/stat") as fh:
                stat = fh.read()
        except OSError:  # gone meanwhile
            continue
        fields = stat.rsplit(")", 1)[1].split()  # after "pid (comm)"
        out[int(name)] = (_kind(cmdline or stat), int(fields[11]) + int(fields[12]))
    return out


def sample():
    return {"host": _host(), "processes": _processes()}


def shares(before, after):
    """{"busy": %, "web": %, "postgres": %, ..., "ended": %} of the host between two samples.
    A process that started during the window counts from zero; what the processes that ended
    during it used is the busy share left over ("ended")."""
    busy = after["host"][0] - before["host"][0]
    total = after["host"][1] - before["host"][1]
    if total <= 0:
        return {}
    out = {"busy": round(100 * busy / total, 1)}
    by_kind = {}
    for pid, (kind, ticks) in after["processes"].items():
        start = before["processes"].get(pid, (kind, 0))[1]
        by_kind[kind] = by_kind.get(kind, 0) + ticks - start
    for kind, ticks in sorted(by_kind.items()):
        out[kind] = round(100 * ticks / total, 1)
    out["ended"] = round(max(0, 100 * (busy - sum(by_kind.values())) / total), 1)
    return out
