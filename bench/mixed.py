"""The writers of a mixed run (issue 22 §3): grid workers posting visits at a city's morning
peak and centre staff registering disputes, while bench.run measures the pages.

    .venv/bin/python -m bench.mixed --port 8765 --rate 20 --out bench/out/mixed.json

Logs in (over HTTP, as bench.run does) as up to --workers grid workers spread over every
town, then POSTs a visit to a random household of the worker's own grid every 1/rate
seconds on average (round robin over the workers, a few threads so a slow answer does not
hold back the next), and every `--case-every`-th write registers a dispute as the town's
centre staff instead. Runs until SIGTERM/SIGINT, then writes what it achieved: writes per
second, the answers' status counts and p50/p95 latency."""

import argparse
import json
import random
import secrets
import signal
import statistics
import threading
import time
from collections import Counter
from queue import Empty, Queue
from urllib.parse import urlencode

from bench.run import fetch, login, setup_django


def plan(n_workers, seed=7):
    """[(username, [household ids of their grid])], spread over the towns, and each town's
    centre staff with a village and category to register disputes in."""
    from cases.models import Category
    from grids.models import Area, Household, Membership
    from pingxiang.roles import Role

    rng = random.Random(seed)
    grid_posts = list(Membership.objects.filter(role=Role.GRID_WORKER, is_active=True)
                      .values_list("user__username", "area_id"))
    rng.shuffle(grid_posts)
    workers = []
    for username, grid_id in grid_posts[:n_workers]:
        homes = list(Household.objects.filter(grid_id=grid_id).values_list("pk", flat=True))
        if homes:
            workers.append((username, homes))
    category = Category.objects.filter(is_active=True).order_by("pk").values_list(
        "pk", flat=True).first()
    centres = []
    for username, town_id in Membership.objects.filter(
            role=Role.CENTRE_STAFF, area__kind=Area.Kind.TOWN).values_list(
            "user__username", "area_id")[:20]:
        village = Area.objects.filter(parent_id=town_id, kind=Area.Kind.VILLAGE).values_list(
            "pk", flat=True).first()
        centres.append((username, village))
    return workers, centres, category


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=8765)
    ap.add_argument("--rate", type=float, default=20.0, help="writes per second in all")
    ap.add_argument("--workers", type=int, default=200, help="grid workers writing")
    ap.add_argument("--case-every", type=int, default=20)
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    setup_django()
    from django.db import connection
    from django.utils import timezone

    workers, centres, category = plan(args.workers)
    connection.close()
    jars = {u: login(args.port, u) for u, _h in workers}
    jars.update({u: login(args.port, u) for u, _v in centres})
    yesterday = (timezone.localdate() - timezone.timedelta(days=1)).isoformat()

    def cookie(user):
        return "; ".join(f"{k}={v}" for k, v in jars[user].items())

    def visit(i):
        user, homes = workers[i % len(workers)]
        body = urlencode({
            "csrfmiddlewaretoken": jars[user]["csrftoken"], "visited_on": yesterday,
            "visit_type": "常规走访", "findings": "无异常", "notes": "混合负载走访",
            "idempotency_key": f"{secrets.token_hex(4)}-0000-4000-8000-{secrets.token_hex(6)}"})
        return "visit", fetch(args.port, "POST",
                              f"/grids/households/{random.choice(homes)}/visit/",
                              cookie(user), body)[0]

    def case(i):
        user, village = centres[i % len(centres)]
        body = urlencode({
            "csrfmiddlewaretoken": jars[user]["csrftoken"], "village": village,
            "category": category, "description": f"混合负载：邻里排水纠纷（第{i}起）",
            "risk": "blue", "source": "walkin", "party-TOTAL_FORMS": "1",
            "party-INITIAL_FORMS": "0", "party-0-name": f"基准当事人{i}",
            # the same party and words again would be a possible duplicate to confirm first
            "not_duplicate": "on"})
        return "case", fetch(args.port, "POST", "/cases/new/", cookie(user), body)[0]

    jobs, stop = Queue(maxsize=1000), threading.Event()
    statuses, latencies, lock = Counter(), [], threading.Lock()

    def run():
        while not stop.is_set():
            try:
                i = jobs.get(timeout=0.2)
            except Empty:
                continue
            started = time.perf_counter()
            try:
                kind, status = (case if centres and i % args.case_every == 0 else visit)(i)
            except OSError as exc:
                kind, status = "error", type(exc).__name__
            with lock:
                statuses[f"{kind} {status}"] += 1
                latencies.append((time.perf_counter() - started) * 1000)

    threads = [threading.Thread(target=run, daemon=True) for _ in range(args.threads)]
    for t in threads:
        t.start()
    signal.signal(signal.SIGTERM, lambda *_a: stop.set())
    signal.signal(signal.SIGINT, lambda *_a: stop.set())
    print("ready", flush=True)  # bench.run starts measuring now
    began, i = time.monotonic(), 0
    while not stop.is_set():
        # Poisson arrivals at the asked rate; a full queue is counted, not waited for.
        time.sleep(random.expovariate(args.rate))
        try:
            jobs.put_nowait(i)
        except Exception:  # noqa: BLE001 - queue.Full: the server cannot keep up
            statuses["dropped (server behind)"] += 1
        i += 1
    elapsed = time.monotonic() - began
    for t in threads:
        t.join(timeout=15)
    with lock:
        done = len(latencies)
        summary = {
            "asked_rate": args.rate, "seconds": round(elapsed, 1),
            "writes": done, "achieved_rate": round(done / elapsed, 1) if elapsed else 0,
            "statuses": dict(statuses), "writers": len(workers), "centres": len(centres),
            "p50_ms": round(statistics.median(latencies), 1) if latencies else None,
            "p95_ms": round(statistics.quantiles(latencies, n=20)[18], 1)
            if len(latencies) >= 20 else None,
        }
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(summary, f, ensure_ascii=False, indent=1)
    print(json.dumps(summary, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
