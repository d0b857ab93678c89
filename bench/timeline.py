"""One page at c8 in short windows, one after another for minutes, under the mixed load and
with the app's worker and beat (as `bench.run --mixed 20 --worker`): a page whose 8-second
window in bench.run missed its budget is seen here window by window, each with where the
host's CPU went (bench.hostcpu), so a spike that comes back every minute lines up with the
per-minute job.

    .venv/bin/python -m bench.timeline --page "hazard list" --seconds 130 [--window 2]
        [--no-worker] [--no-mixed]

Prints a line per window: the time, p50 and p95 in ms, requests a second, and the shares of
the host (PostgreSQL, the web, the worker, processes that ended within the window)."""

import argparse
import time

from bench import run


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--page", default="hazard list", help="a page name of bench.run's targets")
    ap.add_argument("--seconds", type=int, default=130)
    ap.add_argument("--window", type=int, default=2)
    ap.add_argument("--port", type=int, default=8766)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--rate", type=float, default=20.0, help="the writers' writes a second")
    ap.add_argument("--no-worker", action="store_true")
    ap.add_argument("--no-mixed", action="store_true")
    args = ap.parse_args()
    run.setup_django()
    pages = {p[0]: p for p in run.targets()}
    if args.page not in pages:
        raise SystemExit(f"no page {args.page!r}; pages: {', '.join(pages)}")
    _name, user, method, path, body = pages[args.page]
    out = run.ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    server = run.start_server(args.port, args.workers)
    worker = writers = None
    try:
        if not args.no_worker:
            worker = run.start_worker(out / "timeline-worker.log")
        if not args.no_mixed:
            writers = run.start_writers(args.port, args.rate, out / "timeline-mixed.json")
        jar = run.login(args.port, user) if user else {}
        cookie = "; ".join(f"{k}={v}" for k, v in jar.items())
        if method == "POST":
            body = f"csrfmiddlewaretoken={jar['csrftoken']}&{body}"
        started = time.monotonic()
        while time.monotonic() - started < args.seconds:
            r = run.wrk(args.port, path, cookie, connections=8, duration=args.window,
                        method=method, body=body)
            cpu = r["cpu"]
            print(f"{time.strftime('%H:%M:%S')} +{time.monotonic() - started:4.0f}s "
                  f"p50 {r['p50_ms']:6.1f} p95 {r['p95_ms']:6.1f} rps {r['rps']:5.1f} | "
                  + " ".join(f"{k} {cpu.get(k, 0):4.1f}"
                             for k in ("postgres", "web", "worker", "ended")), flush=True)
    finally:
        if writers is not None:
            run.stop_writers(writers, out / "timeline-mixed.json")
        if worker is not None:
            run.stop_worker(worker)
        run.stop_server(server)


if __name__ == "__main__":
    main()
