"""Messaging throughput (issue 18): a county's morning digest and an urgent fan-out, handed to
the local test gateways (tests/messaging/gateways.py, in a process of their own) by real
Celery workers, as deployed (docker-compose: one worker, --concurrency=2).

    DATABASE_URL=postgres://.../pingxiang_bench REDIS_URL=redis://... CELERY_QUEUE=bench \\
        .venv/bin/python -m bench.messaging --users 3000 --urgent 1000 --workers 1

The database must be migrated (manage.py migrate); the script adds its own users
(bench_msg_NNNN) and removes their deliveries before each run. It prints the figures that
bench/results.md records:
- digest: 3,000 people each with 3 items waiting → the dispatch builds one digest per person
  (time to build) → every digest accepted by the WeCom gateway (time to hand over);
- urgent: one red-risk notification to 1,000 people (WeCom and SMS each, as urgent kinds go)
  committed → every message accepted by the gateways.
"""

import argparse
import json
import multiprocessing
import os
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[1]


def serve_gateways(port_queue, corp_id):
    from tests.messaging.gateways import Gateways

    gw = Gateways(corp_id=corp_id, anyone=True).start()
    port_queue.put(gw.port)
    while True:
        time.sleep(3600)


def stats(url):
    with urllib.request.urlopen(f"{url}/_stats", timeout=5) as response:
        return json.load(response)


def wait(url, what, check, timeout=300):
    """Until the gateways' counts pass `check`; meanwhile the dispatch runs every second, as
    the beat would (what a rate window held back goes out in the next minute)."""
    from django.utils import timezone

    from messaging.tasks import run_dispatch

    started = last = time.monotonic()
    while time.monotonic() - started < timeout:
        figures = stats(url)
        if check(figures):
            return time.monotonic() - started, figures
        if time.monotonic() - last > 1:
            run_dispatch(timezone.now())
            last = time.monotonic()
        time.sleep(0.05)
    raise SystemExit(f"timed out waiting for {what}: {stats(url)}")


def fresh_minute():
    """Start a phase at the beginning of a minute: the rate windows count per minute."""
    time.sleep(61 - time.time() % 60)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=3000)
    parser.add_argument("--items", type=int, default=3, help="digest items per person")
    parser.add_argument("--urgent", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--concurrency", type=int, default=2)
    args = parser.parse_args()

    corp_id = f"wwbench{uuid.uuid4().hex[:8]}"
    ports = multiprocessing.Queue()
    server = multiprocessing.Process(target=serve_gateways, args=(ports, corp_id), daemon=True)
    server.start()
    url = f"http://127.0.0.1:{ports.get(timeout=10)}"
    channel_env = {
        "SITE_URL": "https://zz.example.gov.cn", "WECOM_CORP_ID": corp_id,
        "WECOM_AGENT_ID": "1000002", "WECOM_SECRET": "corp-secret", "WECOM_API_BASE": url,
        "SMS_BACKEND": "aliyun", "SMS_ACCESS_KEY_ID": "LTAItestkey",
        "SMS_ACCESS_KEY_SECRET": "sms-secret", "SMS_API_BASE": f"{url}/sms",
        "SMS_SIGN_NAME": "平襄综治", "SMS_TEMPLATE_NOTICE": "SMS_0001",
        "SMS_TEMPLATE_URGENT": "SMS_0002", "SMS_TEMPLATE_DIGEST": "SMS_0003",
    }
    os.environ.update(channel_env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pingxiang.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.utils import timezone

    from messaging import dispatch
    from messaging.models import Contact, Delivery, KindChoice, MessagingPolicy, Status
    from messaging.tasks import enqueue
    from pingxiang.models import Notification
    from pingxiang.notify import notify

    User = get_user_model()
    names = [f"bench_msg_{n:04d}" for n in range(args.users)]
    existing = set(User.objects.filter(username__in=names).values_list("username", flat=True))
    User.objects.bulk_create([User(username=n, last_name="测", first_name=n[-4:])
                              for n in names if n not in existing])
    users = list(User.objects.filter(username__in=names).order_by("username"))
    Contact.objects.filter(user__in=users).delete()
    Contact.objects.bulk_create([Contact(user=u, wecom_userid=f"wx{u.pk}",
                                         mobile=f"139{u.pk:08d}"[:11]) for u in users])
    KindChoice.objects.filter(user__in=users).delete()
    Delivery.objects.filter(recipient__in=users).delete()
    Notification.objects.filter(recipient__in=users).delete()
    MessagingPolicy.objects.filter(pk=1).update(quiet_start="00:00", quiet_end="00:00")
    policy = MessagingPolicy.current()

    workers = []
    env = dict(os.environ, **channel_env)
    for _ in range(args.workers):
        workers.append(subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "pingxiang", "worker", "--loglevel=WARNING",
             f"--concurrency={args.concurrency}", "--without-gossip", "--without-mingle",
             "--kinds=notifications"], cwd=BASE_DIR, env=env))
    try:
        time.sleep(6)  # the workers start
        # --- the morning digest ----------------------------------------------------------
        started = time.monotonic()
        kinds = ["hazard_overdue", "petition_overdue", "case_followup"]
        for n in range(args.items):
            for chunk in range(0, len(users), 500):
                notify(users[chunk:chunk + 500], key=f"bench:digest:{uuid.uuid4().hex}",
                       title=f"隐患整改逾期：YH2026{n:05d}", kind=kinds[n % len(kinds)],
                       url="/rectification/hazards/1/")
        queued = time.monotonic() - started
        now = timezone.now()
        Delivery.objects.filter(status=Status.WAITING_DIGEST, recipient__in=users).update(
            due_at=now)  # waiting since yesterday
        before = stats(url)["wecom"]
        from messaging.models import DigestRun

        DigestRun.objects.filter(date=timezone.localdate(now)).delete()
        policy.digest_time = (timezone.localtime(now) - timezone.timedelta(minutes=1)).time()
        policy.digest_working_days_only = False
        fresh_minute()
        started = time.monotonic()
        ids = dispatch.build_digest(now, policy)
        built = time.monotonic() - started
        enqueue(ids)
        handed = time.monotonic() - started
        took, _ = wait(url, "the digests", lambda f: f["wecom"] - before >= len(users))
        print(f"digest: {args.items * len(users)} items queued through notify() in "
              f"{queued:.1f} s; {len(ids)} digests built in {built:.2f} s, enqueued by "
              f"{handed:.2f} s, all accepted by the gateway {took:.1f} s after the build began")

        # --- the urgent fan-out ----------------------------------------------------------
        fresh_minute()
        before = stats(url)
        people = users[:args.urgent]
        started = time.monotonic()
        with transaction.atomic():
            notify(people, key=f"bench:urgent:{uuid.uuid4().hex}", kind="case_red",
                   urgent=True, title="红色风险矛盾纠纷 平襄-2026-0099（西关村），请立即关注",
                   url="/cases/99/")
        committed = time.monotonic() - started
        took, after = wait(url, "the urgent messages", lambda f: (
            f["wecom"] - before["wecom"] >= len(people)
            and f["sms"] - before["sms"] >= len(people)))
        print(f"urgent: {len(people)} people, {2 * len(people)} messages (WeCom + SMS); "
              f"notify committed in {committed:.2f} s; all accepted by the gateways "
              f"{took + committed:.1f} s after the action began; gettoken calls "
              f"{after['gettoken']}")
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(30)
        server.terminate()


if __name__ == "__main__":
    main()
