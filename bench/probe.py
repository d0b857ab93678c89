"""In-process measurements for the benchmark, one job per process (peak memory is its own):

    python -m bench.probe queries '<pages json>'   queries per page (test client)
    python -m bench.probe export                     100,000-row visit ledger via the app
    python -m bench.probe bare                       the same rows, bare openpyxl write-only
    python -m bench.probe sweep                      one run of every deadline sweeper
    python -m bench.probe nightly                    the nightly statistics for yesterday
    python -m bench.probe dashboard_cold             dashboards with the figure cache empty
    python -m bench.probe first_view                 the same once the per-minute job has run
    python -m bench.probe home_cold                  each role's home with the figure cache empty
    python -m bench.probe sweep_plans                EXPLAIN ANALYZE of every sweeper's queries
    python -m bench.probe sweep_midnight             the first sweep after the next local midnight
    python -m bench.probe report [county]            the county's monthly report for last month
    python -m bench.probe rollup_minute              a peak minute's writes, the rollup job, the
                                                     dashboards after it (WRITES: run on a copy
                                                     whose rollups are built, backfill_rollups)

Each prints one JSON line last."""

import datetime as dt
import json
import os
import resource
import sys
import tempfile
import time

from django.db.models import F

ROWS = 100_000


def _rss_mb():
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def queries(pages):
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    User = get_user_model()
    out = {}
    for name, user, method, path, body in pages:
        client = Client(HTTP_HOST="127.0.0.1")
        if user:
            client.force_login(User.objects.get(username=user))
        if method == "POST":
            body = body + f"&idempotency_key=00000000-0000-4000-8000-{int(time.time()):012d}"
        client.get("/account/login/")  # warm caches the same way for every page
        with CaptureQueriesContext(connection) as ctx:
            if method == "POST":
                r = client.post(path, body, content_type="application/x-www-form-urlencoded")
            else:
                r = client.get(path)
        out[name] = len(ctx.captured_queries) if r.status_code < 400 else f"HTTP {r.status_code}"
    return out


def _export_user_and_start():
    """The town centre's user and the first day such that the visit ledger from that day on
    has at least ROWS rows (the newest ROWS-odd visits)."""
    from django.contrib.auth import get_user_model

    from grids.exports import visit_ledger_queryset

    user = get_user_model().objects.get(username="t01_centre")
    days = list(visit_ledger_queryset(user).order_by("-visited_on")
                .values_list("visited_on", flat=True)[ROWS - 1:ROWS])
    return user, (days[0] if days else None)


def export():
    from grids.exports import visit_ledger, visit_ledger_queryset

    user, start = _export_user_and_start()
    rows = visit_ledger_queryset(user, start=start).count()
    before = _rss_mb()
    t = time.perf_counter()
    with tempfile.TemporaryFile() as f:
        visit_ledger(user, start=start, fileobj=f)
        size = f.seek(0, 2)
    return {"rows": rows, "seconds": round(time.perf_counter() - t, 2), "bytes": size,
            "rss_before_mb": before, "peak_rss_mb": _rss_mb()}


def bare():
    """The same rows (fetched first, not timed) written by bare openpyxl write-only."""
    from openpyxl import Workbook

    from grids.access import Masker
    from grids.exports import visit_ledger_queryset

    user, start = _export_user_and_start()
    mask = Masker(user)
    data = [
        [day, village, group, grid, head, address, mask.id(idn), mask.phone(phone), vtype,
         met, "、".join(findings), notes, f"{last}{first}", comp]
        for (day, village, group, grid, head, address, idn, phone, vtype, met, findings, notes,
             last, first, comp) in visit_ledger_queryset(user, start=start).values_list(
            "visited_on", "village__short_name", "area__parent__name", "area__name",
            "household__head__name", "household__address", "household__head__id_number",
            "household__head__phone", "visit_type", "persons_met_text", "findings", "notes",
            "visitor__last_name", "visitor__first_name", "companions").iterator(2000)]
    before = _rss_mb()
    t = time.perf_counter()
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("走访台账")
    for i, row in enumerate(data, start=1):
        ws.append([i, *row])
    with tempfile.TemporaryFile() as f:
        wb.save(f)
        size = f.seek(0, 2)
    return {"rows": len(data), "seconds": round(time.perf_counter() - t, 2), "bytes": size,
            "rss_before_mb": before, "peak_rss_mb": _rss_mb(),
            "note": "rows fetched into memory before timing: write cost only"}


def sweep():
    from django.utils import timezone

    from cases.models import Case
    from pingxiang.timers import registered, run_sweepers

    open_cases = Case.objects.open().count()
    overdue = Case.objects.overdue().count()
    now = timezone.now()
    results, per = {}, {}
    t = time.perf_counter()
    for name, func in sorted(registered().items()):  # what run_sweepers does, timed each
        s = time.perf_counter()
        results[name] = func(now)
        per[name] = round(time.perf_counter() - s, 2)
    first = round(time.perf_counter() - t, 2)
    # Work off what is left of the backlog (each sweeper takes at most a batch a run), as
    # the beat would minute by minute; then the steady state: a run with nothing due.
    drain_runs, t = 0, time.perf_counter()
    while drain_runs < 40 and any(run_sweepers(timezone.now()).values()):
        drain_runs += 1
    drained = round(time.perf_counter() - t, 2)
    t = time.perf_counter()
    again = run_sweepers(timezone.now())
    return {"open_cases": open_cases, "overdue_before": overdue, "sweepers": len(registered()),
            "seconds_first_run": first, "results": results, "seconds_each": per,
            "backlog_runs_after_first": drain_runs, "seconds_backlog_runs": drained,
            "seconds_steady_run": round(time.perf_counter() - t, 2), "steady": again,
            "burst": _sweep_burst(BURST)}


BURST = 200


class _Rollback(Exception):
    pass


def _sweep_burst(n):
    """A sweep with work to do: n running cases whose level deadline passed a minute ago
    (as after the beat was stopped for a while), escalated by one sweep, then rolled back so
    the data stays as generated."""
    import datetime as dt

    from django.db import transaction
    from django.urls import reverse
    from django.utils import timezone

    from cases.models import Case
    from pingxiang.timers import run_sweepers

    reverse("cases:case_detail", args=[1])  # a worker resolves URLs once, not every burst
    out = {}
    try:
        with transaction.atomic():
            now = timezone.now()
            ids = list(Case.objects.running().filter(deadline__gt=now, level__lt=5)
                       .order_by("pk").values_list("pk", flat=True)[:n])
            Case.objects.filter(pk__in=ids).update(deadline=now - dt.timedelta(minutes=1))
            t = time.perf_counter()
            results = run_sweepers(timezone.now())
            out = {"cases_made_due": len(ids), "seconds": round(time.perf_counter() - t, 2),
                   "results": {k: v for k, v in results.items() if v}}
            raise _Rollback
    except _Rollback:
        pass
    return out


def sweep_midnight():
    """The sweep's busiest minute: levels end at local midnight (workdays.end_of_day), so the
    first run after it finds every case whose deadline was that midnight, and the cases due
    by the next one enter the warning window. One run of every sweeper at 00:01 of the next
    midnight with a deadline on it, then rolled back; and how many runs the beat would need."""
    from django.db import transaction
    from django.urls import reverse
    from django.utils import timezone

    from cases.models import Case, Policy
    from cases.sweeps import BATCH as CASE_BATCH
    from pingxiang.timers import run_sweepers

    reverse("cases:case_detail", args=[1])
    midnight = (Case.objects.running().filter(deadline__gt=timezone.now())
                .order_by("deadline").values_list("deadline", flat=True).first())
    if midnight is None:
        return {}
    at = midnight + dt.timedelta(minutes=1)
    hours = dt.timedelta(hours=Policy.current().warn_hours)
    due = Case.objects.running().filter(deadline__lte=at, level__lt=5).count()
    entering = (Case.objects.running().filter(deadline__gt=at, deadline__lte=at + hours)
                .exclude(warned_deadline=F("deadline")).count())
    out = {}
    try:
        with transaction.atomic():
            t = time.perf_counter()
            results = run_sweepers(at)
            out = {"at": timezone.localtime(at).isoformat(), "due_to_escalate": due,
                   "entering_warning_window": entering, "seconds": round(time.perf_counter() - t, 2),
                   "results": {k: v for k, v in results.items() if v},
                   "runs_to_clear": -(-max(due, entering) // CASE_BATCH)}
            raise _Rollback
    except _Rollback:
        pass
    return out


def nightly():
    from django.utils import timezone

    from dashboard.stats import snapshot_day

    day = timezone.localdate() - dt.timedelta(days=1)
    t = time.perf_counter()
    rows = snapshot_day(day)
    return {"day": day.isoformat(), "rows": rows, "seconds": round(time.perf_counter() - t, 2)}


def _cold_cache():
    """Miss every cached figure: a fresh namespace in the keys (pingxiang.figurecache), not
    cache.clear(), which would empty the Celery queues in the same Redis database."""
    import uuid

    from pingxiang import figurecache

    figurecache.NAMESPACE = uuid.uuid4().hex


def _leaders():
    """(name, username) of the benchmark's leaders: a town's, the county's and, in
    generate_city's data, the city's."""
    from django.contrib.auth import get_user_model

    leaders = [("town", "t01_leader"), ("county", "cty_leader")]
    if get_user_model().objects.filter(username="city_leader").exists():
        leaders.append(("city", "city_leader"))
    return leaders


def dashboard_cold():
    """The dashboards computed afresh (the first request after a write: the figure cache
    misses), median of 3, in-process, for the town leader, the county leader and (in
    generate_city's data) the city leader."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    out = {}
    leaders = _leaders()
    for name, username in leaders:
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(get_user_model().objects.get(username=username))
        times = []
        for _ in range(3):
            _cold_cache()
            t = time.perf_counter()
            assert client.get("/dashboard/").status_code == 200
            times.append(time.perf_counter() - t)
        t = time.perf_counter()
        client.get("/dashboard/")
        out[name] = {"cold_ms": round(1000 * sorted(times)[1]),
                     "cached_ms": round(1000 * (time.perf_counter() - t))}
    return out


def first_view():
    """The first view of the day (or after a deploy): nothing cached and no dashboard asked
    for in the last ten minutes, but the per-minute job has run, as the beat runs it (it
    keeps the counties' and the city's year, dashboard.rollups.PINNED). The job's time with
    nothing asked, then each leader's first view and a second one."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    from dashboard.tasks import refresh_rollups

    leaders = _leaders()
    _cold_cache()
    t = time.perf_counter()
    job = refresh_rollups()
    out = {"job_s": round(time.perf_counter() - t, 2), "kept": job["kept"]}
    for name, username in leaders:
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(get_user_model().objects.get(username=username))
        t = time.perf_counter()
        assert client.get("/dashboard/").status_code == 200
        out[f"{name}_first_ms"] = round(1000 * (time.perf_counter() - t))
        t = time.perf_counter()
        client.get("/dashboard/")
        out[f"{name}_again_ms"] = round(1000 * (time.perf_counter() - t))
    return out


def home_cold():
    """Each role's home page with its panels computed afresh (the first request after a
    write, or in a new minute: the figure cache misses), median of 3, in-process; and once
    cached, as wrk measures it."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    from grids.models import Membership
    from pingxiang.roles import Role

    grid_user = (Membership.objects.filter(role=Role.GRID_WORKER, user__username__startswith="t01")
                 .order_by("user__username").values_list("user__username", flat=True).first())
    out = {}
    for name, username in (("grid worker", grid_user), ("village cadre", "t01v01_cadre"),
                           ("centre staff", "t01_centre"), ("town leader", "t01_leader"),
                           ("supervisor", "t01_super"), ("county leader", "cty_leader")):
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(get_user_model().objects.get(username=username))
        client.get("/")
        times = []
        for _ in range(3):
            _cold_cache()
            t = time.perf_counter()
            assert client.get("/").status_code == 200
            times.append(time.perf_counter() - t)
        cached = []
        for _ in range(3):
            t = time.perf_counter()
            client.get("/")
            cached.append(time.perf_counter() - t)
        out[name] = {"cold_ms": round(1000 * sorted(times)[1], 1),
                     "cached_ms": round(1000 * sorted(cached)[1], 1)}
    return out


def sweep_plans():
    """Every query the sweepers make in one run at now (rolled back), each with its EXPLAIN
    ANALYZE time and the tables it reads whole (Seq Scan)."""
    import re

    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from pingxiang.timers import registered

    out = {}
    try:
        with transaction.atomic():
            now = timezone.now()
            for name, func in sorted(registered().items()):
                with CaptureQueriesContext(connection) as ctx:
                    func(now)
                plans = []
                for q in ctx.captured_queries:
                    sql = q["sql"]
                    if not sql.lstrip().upper().startswith("SELECT"):
                        continue
                    with connection.cursor() as cur:
                        cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                        plan = "\n".join(r[0] for r in cur.fetchall())
                    ms = re.search(r"Execution Time: ([\d.]+) ms", plan)
                    plans.append({"sql": sql[:160], "ms": float(ms.group(1)) if ms else None,
                                  "seq_scans": sorted(set(re.findall(r"Seq Scan on (\w+)", plan))),
                                  "plan": plan if "-v" in sys.argv else None})
                out[name] = plans
            raise _Rollback
    except _Rollback:
        pass
    return out


def report():
    """The county's monthly report for last month, made the way the background task makes
    it: request_report queues it (the task is sent to this process's CELERY_QUEUE, which no
    worker reads), then the task's body, dashboard.reports.run_report, runs here in a fresh
    process. Peak memory is this process's (ru_maxrss)."""
    from django.db.models import Q
    from django.utils import timezone

    from cases.models import Case
    from dashboard.models import PeriodReport
    from dashboard.reports import request_report, run_report
    from grids.models import Area, Membership, Visit
    from pingxiang.periods import month_period
    from pingxiang.roles import Role

    name = sys.argv[2] if len(sys.argv) > 2 else None
    county = Area.objects.filter(kind=Area.Kind.COUNTY, **({"name": name} if name else {})) \
        .order_by("path").first()
    first = timezone.localdate().replace(day=1) - dt.timedelta(days=1)
    start, end, label = month_period(first.year, first.month)
    actor = (Membership.objects.filter(area=county, role=Role.CENTRE_STAFF)
             .select_related("user").first())
    under = Q(village__path__startswith=county.path)
    rows = {"cases_in_county": Case.objects.filter(under).count(),
            "open_cases_in_county": Case.objects.open().filter(under).count(),
            "visits_in_month": Visit.objects.filter(village__path__startswith=county.path,
                                                    visited_on__range=(start, end)).count()}
    before = _rss_mb()
    report = request_report(area=county, kind=PeriodReport.Kind.MONTH, start=start, end=end,
                            label=label, actor=actor.user if actor else None)
    t = time.perf_counter()
    result = run_report(report.pk)
    seconds = round(time.perf_counter() - t, 2)
    report.refresh_from_db()
    size = report.file.size if report.file else 0
    if report.file:
        report.file.delete(save=False)
    report.delete()
    return {"county": county.name, "period": label, **rows, "result": result,
            "seconds": seconds, "bytes": size, "rss_before_mb": before,
            "peak_rss_mb": _rss_mb()}
def rollup_minute():
    """Issue 22 §2. A peak minute of writes (1,200 visits today, as 20 a second would be,
    over many grids, each its own statement as the app writes them; 60 case, 10 petition and
    10 hazard rows touched on past days, as actions and the sweep touch them), then the
    per-minute job (dashboard.tasks.refresh_rollups) timed, and the town's and county's
    dashboards after it: the first view in that minute (the job has kept their distinct
    figures and tables) and the first view ever of an area and period (nothing kept)."""
    import uuid

    from django.contrib.auth import get_user_model
    from django.db.models import F
    from django.test import Client
    from django.utils import timezone

    from cases.models import Case
    from dashboard import rollups
    from dashboard.tasks import refresh_rollups
    from grids.models import Visit
    from petitions.models import Petition
    from rectification.models import Hazard

    if rollups.state() is None:
        raise SystemExit("rollups not built: manage.py backfill_rollups first")
    clients = {}
    for name, username in (("town", "t01_leader"), ("county", "cty_leader")):
        clients[name] = Client(HTTP_HOST="127.0.0.1")
        clients[name].force_login(get_user_model().objects.get(username=username))
        clients[name].get("/dashboard/")  # a leader has it open: asked, so kept by the job
    refresh_rollups()
    today = timezone.localdate()
    models = [(Case, "description", 60), (Petition, "title", 10), (Hazard, "description", 10)]
    t = time.perf_counter()
    for visit in Visit.objects.order_by("?")[:1200]:
        visit.pk, visit.idempotency_key, visit.visited_on = None, uuid.uuid4(), today
        visit.save(force_insert=True)
    for model, field, n in models:
        for pk in model.objects.order_by("?").values_list("pk", flat=True)[:n]:
            model.objects.filter(pk=pk).update(**{field: F(field)})
    writes = time.perf_counter() - t
    from dashboard.models import RollupDirty

    marks = RollupDirty.objects.count()
    t = time.perf_counter()
    result = refresh_rollups()
    job = time.perf_counter() - t
    out = {"writes_s": round(writes, 1), "marks": marks, "job": result,
           "job_s": round(job, 2)}
    for name, client in clients.items():
        t = time.perf_counter()
        assert client.get("/dashboard/").status_code == 200
        out[f"{name}_after_job_ms"] = round(1000 * (time.perf_counter() - t))
    t = time.perf_counter()
    refresh_rollups()
    out["idle_job_s"] = round(time.perf_counter() - t, 2)
    return out


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    os.environ.setdefault("BENCH_FLOOR", "1")
    import django

    django.setup()
    job = sys.argv[1]
    if job == "queries":
        result = queries(json.loads(sys.argv[2]))
    else:
        result = {"export": export, "bare": bare, "sweep": sweep, "nightly": nightly,
                  "dashboard_cold": dashboard_cold, "first_view": first_view,
                  "home_cold": home_cold,
                  "sweep_plans": sweep_plans, "report": report,
                  "sweep_midnight": sweep_midnight,
                  "rollup_minute": rollup_minute}[job]()
    print(json.dumps(result, ensure_ascii=False, default=str))


if __name__ == "__main__":
    main()
