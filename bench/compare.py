"""Before and after on the same data, in one command (issue 17 §6). See bench/README.md.

    .venv/bin/python -m bench.compare c4e6fae            # before = c4e6fae, after = HEAD
    .venv/bin/python -m bench.compare c4e6fae --after HEAD --duration 5
    .venv/bin/python -m bench.compare c4e6fae --same-db  # both runs on DATABASE_URL itself
    .venv/bin/python -m bench.compare c4e6fae --rounds 2 --quiet-load 1.0  # a busy host:
        # before, after, after, before, each started once the load average is below 1.0

Needs DATABASE_URL (with `generate_county` data) and REDIS_URL in the environment. Both
commits are checked out into git worktrees under /tmp (the working tree is never the "after":
other people's uncommitted edits are not a commit), each with a link to this .venv and this
tree's floor template (bench/templates/bench/floor.html), so both runs measure against the
same floor; each runs its own `bench.run --skip-jobs`, the before first, back to back.

The visit POSTs write visits (and what follows from them). By default each run therefore gets
a fresh copy of the database (CREATE DATABASE ... TEMPLATE, dropped afterwards): both start
from the same generated rows, and DATABASE_URL's own data is never written. --same-db runs
both on DATABASE_URL's database, the before first, so the after sees the before's visits.

Writes bench/out/compare-<before>-<after>-<time>/: <label>.json, .log and .gunicorn.log per
run and compare.json, and prints each run's table and the side-by-side one with the budget.
"""

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
FLOOR_TEMPLATE = Path("bench") / "templates" / "bench" / "floor.html"

# Issue 17 §6: every page within 4x the floor and under 150 ms at c8 p95; the visit POST
# under 100 ms.
RATIO_BUDGET, PAGE_MS_BUDGET, POST_MS_BUDGET = 4.0, 150.0, 100.0


def git(*args):
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True,
                          check=True).stdout.strip()


def loadavg():
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def psql(url, sql):
    """One statement on the server's maintenance database (not the one being copied)."""
    parts = urlsplit(url)
    admin = urlunsplit(parts._replace(path="/postgres"))
    subprocess.run(["psql", admin, "-v", "ON_ERROR_STOP=1", "-qAtc", sql], check=True)


def add_worktree(sha):
    path = Path("/tmp") / f"px-bench-{sha}"
    if path.exists():
        git("worktree", "remove", "--force", str(path))
    git("worktree", "add", "--detach", str(path), sha)
    (path / ".venv").symlink_to(ROOT / ".venv")
    shutil.copyfile(ROOT / FLOOR_TEMPLATE, path / FLOOR_TEMPLATE)
    return path


def free_port():
    """A port nobody listens on now: bench.run takes any server answering on its port for
    its gunicorn (8765 by default, also a natural choice for someone's runserver)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_one(tree, label, url, bench_args, out):
    env = dict(os.environ, DATABASE_URL=url)
    port = [] if any(a.startswith("--port") for a in bench_args) else ["--port", str(free_port())]
    cmd = [str(ROOT / ".venv" / "bin" / "python"), "-m", "bench.run", "--skip-jobs",
           "--label", label, *port, *bench_args]
    print(f"\n== {label}: {tree} on {urlsplit(url).path[1:]}, load {loadavg()}", flush=True)
    # The copy gets this commit's schema (a newer commit may add columns; an older one finds
    # nothing to do).
    subprocess.run([str(ROOT / ".venv" / "bin" / "python"), "manage.py", "migrate", "-v0",
                    "--noinput"], cwd=tree, env=dict(env, DEBUG="true"), check=True)
    # A commit with the dashboard's rollups (issue 22 §2) answers from them once they are
    # built, as an installation does after its upgrade.
    if (tree / "dashboard" / "management" / "commands" / "backfill_rollups.py").exists():
        subprocess.run([str(ROOT / ".venv" / "bin" / "python"), "manage.py", "backfill_rollups"],
                       cwd=tree, env=dict(env, DEBUG="true"), check=True)
    started, load_before = time.monotonic(), loadavg()
    log = []
    with subprocess.Popen(cmd, cwd=tree, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True) as proc:
        for line in proc.stdout:
            print(line, end="", flush=True)
            log.append(line)
    (out / f"{label}.log").write_text("".join(log))
    if proc.returncode:
        raise SystemExit(f"{label}: bench.run failed ({proc.returncode}); see {label}.log")
    gunicorn_log = tree / "bench" / "out" / "gunicorn.log"
    if gunicorn_log.exists():
        shutil.copyfile(gunicorn_log, out / f"{label}.gunicorn.log")
        if "Address already in use" in gunicorn_log.read_text():
            raise SystemExit(f"{label}: the port was taken, so another server was measured")
    result = json.loads((tree / "bench" / "out" / f"{label}.json").read_text())
    result["compare"] = {"seconds": round(time.monotonic() - started),
                         "load_before": load_before, "load_after": loadavg()}
    return result


def verdict(name, p95, ratio):
    if name == "floor view":
        return ""
    if name == "visit POST":
        return "ok" if p95 < POST_MS_BUDGET else f"**miss** (≥ {POST_MS_BUDGET:.0f} ms)"
    misses = []
    if ratio > RATIO_BUDGET:
        misses.append(f"> {RATIO_BUDGET:.0f}× floor")
    if p95 >= PAGE_MS_BUDGET:
        misses.append(f"≥ {PAGE_MS_BUDGET:.0f} ms")
    return "**miss** (" + ", ".join(misses) + ")" if misses else "ok"


def side_by_side(before, after):
    """One row per page: each side's c8 p95 and ratio to the same run's floor (the median
    over its rounds when there are several), and the budget on those."""
    lines = ["| page | before q | before c8 p95 | before ratio | before budget | after q | "
             "after c8 p95 | after ratio | after budget |",
             "|---|---|---|---|---|---|---|---|---|"]
    names = [*before[0]["pages"], *(n for n in after[0]["pages"] if n not in before[0]["pages"])]
    for name in names:
        cells = [name]
        for runs in (before, after):
            rows = [r["pages"][name] for r in runs if name in r["pages"]]
            if not rows:
                cells += ["", "", "", ""]
                continue
            p95 = round(statistics.median(r["c8"]["p95_ms"] for r in rows), 1)
            ratio = round(statistics.median(r.get("ratio_to_floor_c8_p95", 0) for r in rows), 1)
            cells += [str(rows[0]["queries"]), str(p95), str(ratio), verdict(name, p95, ratio)]
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    for r in sorted([*before, *after], key=lambda r: r["compare"]["order"]):
        f = r["pages"].get("floor view")
        if f:
            lines.append(f"- {r['label']} (run {r['compare']['order']}): floor c1 p50 "
                         f"{f['c1']['p50_ms']} ms, c8 p95 {f['c8']['p95_ms']} ms; "
                         f"{r['data']['visits']:,} visits at start; {r['compare']['seconds']} s; "
                         f"load {r['compare']['load_before']} before, "
                         f"{r['compare']['load_after']} after")
    return "\n".join(lines)


def wait_for_quiet(limit, most=900):
    """Wait (at most `most` seconds) until the 1-minute load average is below `limit`."""
    t = time.monotonic()
    while os.getloadavg()[0] >= limit and time.monotonic() - t < most:
        print(f"load {loadavg()}: waiting for < {limit}", flush=True)
        time.sleep(30)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("before", help="the older commit (e.g. c4e6fae)")
    ap.add_argument("--after", default="HEAD", help="the newer commit (default HEAD)")
    ap.add_argument("--same-db", action="store_true",
                    help="run both on DATABASE_URL's database instead of a fresh copy each")
    ap.add_argument("--keep", action="store_true", help="keep the worktrees under /tmp")
    ap.add_argument("--rounds", type=int, default=1,
                    help="pairs of runs, alternating which goes first (2: before, after, "
                         "after, before); the table shows each side's median")
    ap.add_argument("--quiet-load", type=float, default=None,
                    help="before each run, wait (at most 15 min) for the 1-minute load "
                         "average to fall below this")
    args, bench_args = ap.parse_known_args()
    if any(a == "--label" or a.startswith("--label=") or a == "--skip-jobs" for a in bench_args):
        raise SystemExit("the labels are before-<sha> and after-<sha>, and jobs are skipped")
    url = os.environ.get("DATABASE_URL")
    if not url or not os.environ.get("REDIS_URL"):
        raise SystemExit("set DATABASE_URL (with generate_county data) and REDIS_URL")
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install -y wrk")
    before_sha = git("rev-parse", "--short", args.before)
    after_sha = git("rev-parse", "--short", args.after)
    # A folder per comparison: a rerun of the same two commits keeps the earlier one's files.
    out = OUT / f"compare-{before_sha}-{after_sha}-{time.strftime('%Y%m%d-%H%M%S')}"
    out.mkdir(parents=True)
    db = urlsplit(url).path[1:]
    started = time.monotonic()
    summary = {"before": before_sha, "after": after_sha, "database": db,
               "fresh_copy_per_run": not args.same_db, "bench_args": bench_args,
               "date": time.strftime("%Y-%m-%d %H:%M %Z"), "load_at_start": loadavg(),
               "cpus": os.cpu_count()}
    trees = {}
    results = {"before": [], "after": []}
    # Round 1 runs the before first, round 2 the after first, and so on (ABBA): a host that
    # slows down or speeds up during the comparison then weighs on both sides alike.
    plan = []
    for n in range(1, args.rounds + 1):
        pair = [("before", before_sha), ("after", after_sha)]
        plan += [(side, sha, n) for side, sha in (pair if n % 2 else pair[::-1])]
    try:
        for order, (side, sha, n) in enumerate(plan, start=1):
            if sha not in trees:
                trees[sha] = add_worktree(sha)
            run_url = url
            if not args.same_db:
                copy = f"{db}_{side}"
                t = time.monotonic()
                psql(url, f'DROP DATABASE IF EXISTS "{copy}"')
                psql(url, f'CREATE DATABASE "{copy}" TEMPLATE "{db}" STRATEGY FILE_COPY')
                print(f"copied {db} to {copy} in {time.monotonic() - t:.0f} s", flush=True)
                run_url = urlunsplit(urlsplit(url)._replace(path=f"/{copy}"))
            label = f"{side}-{sha}" if args.rounds == 1 else f"{side}-{sha}-r{n}"
            try:
                if args.quiet_load:  # after the copy, which loads the host itself
                    wait_for_quiet(args.quiet_load)
                result = run_one(trees[sha], label, run_url, bench_args, out)
            finally:
                if not args.same_db:
                    psql(url, f'DROP DATABASE IF EXISTS "{copy}"')
            result["compare"]["order"] = order
            (out / f"{label}.json").write_text(json.dumps(result, ensure_ascii=False, indent=1))
            results[side].append(result)
    finally:
        if not args.keep:
            for tree in trees.values():
                git("worktree", "remove", "--force", str(tree))
    summary["seconds"] = round(time.monotonic() - started)
    summary["load_at_end"] = loadavg()
    summary["runs"] = [f"{r['label']}.json" for r in sorted(
        [*results["before"], *results["after"]], key=lambda r: r["compare"]["order"])]
    table = side_by_side(results["before"], results["after"])
    summary["table"] = table
    (out / "compare.json").write_text(
        json.dumps(summary, ensure_ascii=False, indent=1))
    print(f"\n## before {before_sha}, after {after_sha} ({db}, {args.rounds} round(s), "
          f"{'a fresh copy each' if not args.same_db else 'same database, before first'}; "
          f"{summary['seconds']} s in all; load {summary['load_at_start']} at start, "
          f"{summary['load_at_end']} at end; files in {out.relative_to(ROOT)})\n")
    print(table)


if __name__ == "__main__":
    sys.exit(main())
