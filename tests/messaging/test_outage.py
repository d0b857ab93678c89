"""Outages: a gateway down for an hour, and the broker (Redis) down. With the policy's own
defaults (8 attempts, 60 s doubling to 30 min) a gateway that is back after an hour gets
every message once; a broker that is back gets the rows the sweep finds in PostgreSQL."""

import datetime as dt

import pytest
import redis
import time_machine
from django.utils import timezone

from messaging import sending
from messaging.models import Delivery, MessagingPolicy, Status
from messaging.tasks import run_dispatch
from pingxiang.notify import notify
from tests.messaging.conftest import MOBILE, WECOM, WORKDAY_MORNING
from tests.trust.test_faults import SpareRedis

pytestmark = pytest.mark.django_db


def test_the_default_retries_outlast_an_hour_and_stay_inside_wecoms_duplicate_window(db):
    policy = MessagingPolicy.current()
    assert 3600 < policy.retry_span() < 3.5 * 3600


def test_a_gateway_down_for_an_hour_delivers_everything_once_it_is_back(
        cast, reachable, channels, eager):
    people = [cast.centre, cast.leader, cast.cadre_xiguan, cast.grid_xiguan]
    with time_machine.travel(WORKDAY_MORNING, tick=False) as clock:
        channels.stop()  # connections refused
        for n in range(5):
            notify(people, key=f"o:case{n}", title=f"新登记矛盾纠纷{n}", kind="case")
        notify([cast.leader], key="o:red", title="红色风险", kind="case_red", urgent=True)
        rows = Delivery.objects.all()
        assert rows.count() == 5 * 4 + 2
        Delivery.objects.update(enqueued_at=None)  # the on-commit enqueue, in a real run
        for minute in range(0, 121):
            if minute == 60:
                channels.start()  # back, an hour later
            run_dispatch(timezone.now())
            clock.shift(60)
        assert set(rows.values_list("status", flat=True)) == {Status.SENT}
    assert len(channels.wecom) == 21 and len(channels.sms) == 1
    assert sorted(m["to"] for m in channels.wecom).count(WECOM["leader"]) == 6
    assert channels.sms[0]["to"] == MOBILE["leader"]
    assert max(rows.values_list("attempts", flat=True)) <= MessagingPolicy.current().max_attempts


@pytest.fixture
def spare_broker(settings):
    """The Celery app and the cache on a Redis of our own that we can stop and start."""
    from pingxiang.celery import app

    spare = SpareRedis()
    old = app.conf.broker_url

    def use(url):
        app.conf.broker_url = url
        app._pool = None
        app.amqp._producer_pool = None

    use(spare.url)
    settings.CACHES = {**settings.CACHES, "default": {**settings.CACHES["default"], "LOCATION": spare.url}}
    yield spare
    spare.stop()
    use(old)


def test_a_broker_outage_loses_nothing_and_doubles_nothing(
        cast, reachable, channels, spare_broker, django_capture_on_commit_callbacks):
    with time_machine.travel(WORKDAY_MORNING, tick=True):
        with django_capture_on_commit_callbacks(execute=True):  # Redis is down
            notify([cast.leader], key="o:broker", title="红色风险", kind="case_red", urgent=True)
        rows = Delivery.objects.filter(event_key="o:broker")
        assert set(rows.values_list("status", flat=True)) == {Status.PENDING}
        assert not rows.exclude(enqueued_at=None).exists()  # left for the sweep
        spare_broker.start()  # back an hour later
        queue = redis.Redis.from_url(spare_broker.url)
        from django.conf import settings

        ids = run_dispatch(timezone.now() + dt.timedelta(hours=1))
        # Both in one task (tasks carry up to messaging.tasks.BATCH deliveries).
        assert ids["enqueued"] == 2 and queue.llen(settings.TASK_QUEUES["notifications"]) == 1
        run_dispatch(timezone.now() + dt.timedelta(hours=1))  # handed out once, not again
        assert queue.llen(settings.TASK_QUEUES["notifications"]) == 1
        for row in rows:  # the worker takes them; a redelivered task finds them sent
            assert sending.deliver(row.pk)[0] == "sent"
            assert sending.deliver(row.pk)[0] == "skipped"
    assert len(channels.wecom) == 1 and len(channels.sms) == 1
