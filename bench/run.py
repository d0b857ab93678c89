"""The benchmark driver (issue 8). See bench/README.md.

    .venv/bin/python -m bench.run [--workers 4] [--duration 4] [--skip-jobs] [--label NAME]
                                  [--mixed 20]   # pages measured while 20 writes/s go in
                                  [--worker]     # with the app's Celery worker and beat

1. Finds the users and objects to request in the generated county (generate_county).
2. Runs the in-process probe (bench.probe) for queries per page and the jobs (export,
   sweep, nightly statistics), each in its own process so peak memory is its own.
3. Starts gunicorn (sync workers, CONN_MAX_AGE=60) with bench.settings and BENCH_FLOOR=1,
   logs in as each role over HTTP, and drives every page with wrk from a separate process
   on loopback at 1 and 8 concurrent connections for a fixed duration each.
4. Writes bench/out/<label>.json and prints a markdown table.
"""

import argparse
import http.client
import json
import os
import platform
import re
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

from bench import hostcpu
from pingxiang.services import WORKER_ARGS

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
PASSWORD = "bench-pass-2026"


def setup_django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def targets():
    """(name, username, method, path, body) for every measured page."""
    import datetime as dt

    from django.utils import timezone

    from cases.models import Case
    from grids.models import Area, Household, Membership
    from pingxiang.roles import Role

    def user_of(role, kind=None):
        m = Membership.objects.filter(role=role, user__username__startswith="t01")
        if kind:
            m = Membership.objects.filter(role=role, user__username__startswith="cty")
        return m.order_by("user__username").values_list("user__username", flat=True).first()

    grid_user = user_of(Role.GRID_WORKER)
    grid_area = Membership.objects.get(user__username=grid_user, role=Role.GRID_WORKER).area
    household = Household.objects.filter(grid=grid_area).order_by("pk").first()
    centre, leader = "t01_centre", "t01_leader"
    case = Case.objects.filter(town__name="平襄镇", status="mediating").order_by("pk").first()
    body = urlencode({"visited_on": (timezone.localdate() - dt.timedelta(days=1)).isoformat(),
                      "visit_type": "常规走访", "findings": "无异常", "notes": "基准测试走访"})
    surname = household.head.name[:1]
    # 走访台账 for one town over a campaign's three months (issue 22 §3's slow page).
    town = Area.objects.get(pk=Membership.objects.get(user__username=centre).area_id)
    ledger = "/grids/visits/?" + urlencode({
        "area": town.pk, "from": (timezone.localdate() - dt.timedelta(days=91)).isoformat(),
        "to": timezone.localdate().isoformat()})
    extra = []
    if Membership.objects.filter(user__username="city_leader").exists():  # generate_city
        extra.append(("dashboard: city", "city_leader", "GET", "/dashboard/", None))
    return [
        ("login page", None, "GET", "/account/login/", None),
        ("home: grid worker", grid_user, "GET", "/", None),
        ("home: village cadre", user_of(Role.VILLAGE_CADRE), "GET", "/", None),
        ("home: centre staff", centre, "GET", "/", None),
        ("home: town leader", leader, "GET", "/", None),
        ("home: supervisor", "t01_super", "GET", "/", None),
        ("home: county leader", "cty_leader", "GET", "/", None),
        ("home: admin", "cty_admin", "GET", "/", None),
        ("dashboard: town", leader, "GET", "/dashboard/", None),
        ("dashboard: county", "cty_leader", "GET", "/dashboard/", None),
        ("case list (filtered, page 2)", centre, "GET",
         "/cases/?status=mediating&risk=&page=2", None),
        ("case detail", centre, "GET", f"/cases/{case.pk}/", None),
        ("household search", centre, "GET",
         "/grids/households/?" + urlencode({"q": surname}), None),
        ("visit POST", grid_user, "POST", f"/grids/households/{household.pk}/visit/", body),
        ("petition list", centre, "GET", "/petitions/", None),
        ("hazard list", centre, "GET", "/rectification/hazards/", None),
        ("visit ledger (town, 3 months)", centre, "GET", ledger, None),
        *extra,
        ("floor view", centre, "GET", "/bench/floor/", None),
    ]


# --- HTTP login --------------------------------------------------------------------------

def _cookies(resp, jar):
    for k, v in resp.getheaders():
        if k.lower() == "set-cookie":
            name, _, rest = v.partition("=")
            jar[name.strip()] = rest.split(";", 1)[0]


def login(port, username):
    """Log in through the login form; returns the cookie jar (sessionid, csrftoken)."""
    jar = {}
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    c.request("GET", "/account/login/")
    r = c.getresponse()
    html = r.read().decode()
    _cookies(r, jar)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    body = urlencode({"csrfmiddlewaretoken": token, "username": username,
                      "password": PASSWORD})
    c.request("POST", "/account/login/", body=body, headers={
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": "; ".join(f"{k}={v}" for k, v in jar.items())})
    r = c.getresponse()
    r.read()
    _cookies(r, jar)
    if r.status != 302 or "sessionid" not in jar:
        raise RuntimeError(f"login as {username} failed: HTTP {r.status}")
    return jar


def fetch(port, method, path, cookie, body=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Cookie": cookie}
    if body:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    c.request(method, path, body=body, headers=headers)
    r = c.getresponse()
    data = r.read()
    return r.status, len(data)


# --- gunicorn and wrk -----------------------------------------------------------------------

def start_server(port, workers):
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="bench.settings", BENCH_FLOOR="1",
               DEBUG="false", DB_CONN_MAX_AGE="60",
               SECRET_KEY=secrets.token_urlsafe(50))
    proc = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "pingxiang.wsgi", "-w", str(workers),
         "-b", f"127.0.0.1:{port}", "--worker-class", "sync", "--timeout", "120",
         "--error-logfile", str(ROOT / "bench" / "out" / "gunicorn.log"), "--log-level",
         "warning"],
        cwd=ROOT, env=env, start_new_session=True)
    for _ in range(100):
        time.sleep(0.3)
        try:
            if fetch(port, "GET", "/account/login/", "")[0] == 200:
                return proc
        except OSError:
            pass
    stop_server(proc)
    raise RuntimeError("gunicorn did not start; see bench/out/gunicorn.log")


def stop_server(proc):
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(proc.pid, signal.SIGKILL)


def wrk(port, path, cookie, *, connections, duration, method="GET", body=None):
    threads = 1 if connections == 1 else 2
    env = dict(os.environ, BENCH_COOKIE=cookie, BENCH_METHOD=method, BENCH_BODY=body or "",
               BENCH_RUN=str(secrets.randbits(31)))
    before = hostcpu.sample()
    out = subprocess.run(
        ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{duration}s",
         "--timeout", "10s", "-s", str(ROOT / "bench" / "load.lua"),
         f"http://127.0.0.1:{port}{path}"],
        env=env, capture_output=True, text=True, check=True).stdout
    cpu = hostcpu.shares(before, hostcpu.sample())
    data = json.loads(out.split("JSON ", 1)[1])
    secs = data["duration_us"] / 1e6
    return {"rps": round(data["requests"] / secs, 1), "requests": data["requests"],
            "p50_ms": round(data["p50_us"] / 1000, 1), "p95_ms": round(data["p95_us"] / 1000, 1),
            "p99_ms": round(data["p99_us"] / 1000, 1), "bad_status": data["bad_status"],
            "socket_errors": data["socket_errors"], "cpu": cpu}


def start_worker(out):
    """The app's Celery worker and beat (as `make run` starts them: pingxiang.services), so a
    mixed run pays for the per-minute jobs (the rollups, the sweeps) the writes cause."""
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="bench.settings", DEBUG="false",
               SECRET_KEY=secrets.token_urlsafe(50))
    celery = [PY, "-m", "celery", "-A", "pingxiang"]
    log = open(out, "w")  # noqa: SIM115 - closed by stop_worker
    procs = [subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                              start_new_session=True)
             for cmd in ([*celery, *WORKER_ARGS],
                         [*celery, "beat", "--loglevel=INFO",
                          f"--schedule={out.with_suffix('.schedule')}"])]
    return procs, log


def stop_worker(started):
    procs, log = started
    for proc in procs:
        stop_server(proc)
    log.close()


def start_writers(port, rate, out):
    """bench.mixed in its own process, once its users are logged in."""
    proc = subprocess.Popen([PY, "-m", "bench.mixed", "--port", str(port), "--rate", str(rate),
                             "--out", str(out)], cwd=ROOT, stdout=subprocess.PIPE, text=True,
                            start_new_session=True)
    line = proc.stdout.readline()
    if line.strip() != "ready":
        proc.kill()
        raise RuntimeError(f"bench.mixed did not start: {line!r}")
    return proc


def stop_writers(proc, out):
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=60)
    return json.loads(Path(out).read_text(encoding="utf-8"))


# --- main ------------------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=8765)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--duration", type=int, default=4)
    ap.add_argument("--label", default="")
    ap.add_argument("--skip-jobs", action="store_true")
    ap.add_argument("--mixed", type=float, default=0,
                    help="writes per second (bench.mixed: grid workers' visits and centre "
                         "staff's disputes) while the pages are measured; 0 = none")
    ap.add_argument("--worker", action="store_true",
                    help="run the app's Celery worker and beat during the measurement (the "
                         "per-minute jobs a mixed run's writes cause)")
    ap.add_argument("--only", default="",
                    help="comma-separated parts of page names: 'case,floor' runs every case "
                         "page and the floor view")
    args = ap.parse_args()
    setup_django()
    from django.conf import settings
    from django.db import connection

    from grids.models import Area, Household, Visit

    db = settings.DATABASES["default"]["NAME"]
    label = args.label or db
    out_dir = ROOT / "bench" / "out"
    out_dir.mkdir(exist_ok=True)
    pages = targets()
    if args.only:
        wanted = [w.strip() for w in args.only.split(",") if w.strip()]
        pages = [p for p in pages if any(w in p[0] for w in wanted)]
    result = {
        "label": label, "database": db,
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "commit": subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                                 capture_output=True, text=True).stdout.strip(),
        "machine": f"{platform.machine()} {os.cpu_count()} cores, "
                   f"{platform.python_implementation()} {platform.python_version()} "
                   # How the interpreter was built moves every page: pyenv's (no PGO or LTO,
                   # a shared libpython) is 15-25 % slower than Debian's or python:3.11-slim's.
                   f"({os.path.realpath(sys.executable)})",
        "data": {"towns": Area.objects.filter(kind="town").count(),
                 "villages": Area.objects.filter(kind="village").count(),
                 "households": Household.objects.count(), "visits": Visit.objects.count()},
        "workers": args.workers, "duration_s": args.duration, "pages": {}, "jobs": {},
    }
    connection.close()
    # Queries per page, in-process (Django test client + captured queries).
    # BENCH_FLOOR=1 as for the server (bench.urls), so the floor view's queries are counted.
    # bench.settings named, not inherited: importing the app (pingxiang.celery) sets
    # DJANGO_SETTINGS_MODULE to the app's own settings first, whose URLs have no floor view.
    probe = subprocess.run([PY, "-m", "bench.probe", "queries", json.dumps(pages)], cwd=ROOT,
                           capture_output=True, text=True,
                           env=dict(os.environ, DJANGO_SETTINGS_MODULE="bench.settings",
                                    BENCH_FLOOR="1"))
    queries = json.loads(probe.stdout.strip().splitlines()[-1]) if probe.returncode == 0 else {}
    if probe.returncode:
        print(probe.stderr[-3000:], file=sys.stderr)
    proc = start_server(args.port, args.workers)
    writers = worker = None
    try:
        if args.worker:
            worker = start_worker(out_dir / f"{label}-worker.log")
        if args.mixed:
            writers = start_writers(args.port, args.mixed, out_dir / f"{label}-mixed.json")
        jars = {}
        for name, user, method, path, body in pages:
            cookie = ""
            if user:
                if user not in jars:
                    jars[user] = login(args.port, user)
                jar = jars[user]
                cookie = "; ".join(f"{k}={v}" for k, v in jar.items())
                if method == "POST":
                    body = f"csrfmiddlewaretoken={jar['csrftoken']}&{body}"
            status, size = fetch(args.port, method, path, cookie, body and
                                 body + f"&idempotency_key={secrets.token_hex(16)[:8]}-0000-"
                                        f"4000-8000-{secrets.token_hex(6)}")
            row = {"user": user, "path": path, "status": status, "bytes": size,
                   "queries": queries.get(name)}
            for c in (1, 8):
                row[f"c{c}"] = wrk(args.port, path, cookie, connections=c,
                                   duration=args.duration, method=method, body=body)
            result["pages"][name] = row
            print(f"{name:32} {status} q={row['queries']} "
                  f"c1 p50={row['c1']['p50_ms']} p95={row['c1']['p95_ms']} "
                  f"c8 p95={row['c8']['p95_ms']} rps={row['c8']['rps']}", flush=True)
    finally:
        if writers is not None:
            result["mixed"] = stop_writers(writers, out_dir / f"{label}-mixed.json")
            print("mixed writers:", result["mixed"], flush=True)
        if worker is not None:
            stop_worker(worker)
        stop_server(proc)
    floor = result["pages"].get("floor view")
    if floor:
        for row in result["pages"].values():
            row["ratio_to_floor_c8_p95"] = round(row["c8"]["p95_ms"] / floor["c8"]["p95_ms"], 1)
    if not args.skip_jobs:
        for job in ("export", "bare", "sweep", "nightly", "dashboard_cold", "home_cold"):
            p = subprocess.run([PY, "-m", "bench.probe", job], cwd=ROOT, capture_output=True,
                               text=True)
            if p.returncode:
                print(p.stderr[-3000:], file=sys.stderr)
                result["jobs"][job] = {"error": p.stderr.strip().splitlines()[-1]}
            else:
                result["jobs"][job] = json.loads(p.stdout.strip().splitlines()[-1])
            print(job, result["jobs"][job], flush=True)
    (out_dir / f"{label}.json").write_text(json.dumps(result, ensure_ascii=False, indent=1))
    print(table(result))


def table(result):
    lines = [f"### {result['label']}: {result['data']}", "", result["machine"], "",
             "| page | queries | c1 p50 | c1 p95 | c1 req/s | c8 p50 | c8 p95 | c8 req/s | "
             "c8 p95 / floor |", "|---|---|---|---|---|---|---|---|---|"]
    for name, r in result["pages"].items():
        lines.append(
            f"| {name} | {r['queries']} | {r['c1']['p50_ms']} | {r['c1']['p95_ms']} | "
            f"{r['c1']['rps']} | {r['c8']['p50_ms']} | {r['c8']['p95_ms']} | {r['c8']['rps']} | "
            f"{r.get('ratio_to_floor_c8_p95', '')} |")
    with_cpu = {name: r["c8"]["cpu"] for name, r in result["pages"].items()
                if r["c8"].get("cpu")}
    if with_cpu:
        kinds = sorted({k for cpu in with_cpu.values() for k in cpu} - {"busy"})
        lines += ["", "Where the host's CPU went during each c8 window (% of the whole host, "
                      "bench.hostcpu):", "",
                  "| page | host busy | " + " | ".join(kinds) + " |",
                  "|---|---|" + "---|" * len(kinds)]
        for name, cpu in with_cpu.items():
            lines.append(f"| {name} | {cpu['busy']} | "
                         + " | ".join(str(cpu.get(k, 0)) for k in kinds) + " |")
    if result.get("mixed"):
        m = result["mixed"]
        lines += ["", f"Under mixed load: {m['achieved_rate']} writes/s asked {m['asked_rate']} "
                      f"({m['writers']} grid workers, {m['centres']} centres; answers "
                      f"{m['statuses']}; p50 {m['p50_ms']} ms, p95 {m['p95_ms']} ms)."]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
