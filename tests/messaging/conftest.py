"""Messaging fixtures: the fixed cast (built once per session), the local gateways
(tests/messaging/gateways.py) and the settings that point every channel at them, everyone's
WeCom UserID and mobile, a policy with short retries, and Celery run eagerly in-process
(one test module runs a real worker instead)."""

import datetime as dt
import importlib
import uuid
from types import SimpleNamespace

import pytest
from django.utils import timezone

from tests.messaging.gateways import Gateways

USERS = ["grid_xiguan", "grid_menghe", "cadre_xiguan", "cadre_menghe", "centre", "leader",
         "supervisor", "admin"]
# Each person's WeCom UserID and mobile number, as the gateways know them.
WECOM = {name: f"wx_{name}" for name in USERS}
MOBILE = {name: f"1390000{n:04d}" for n, name in enumerate(USERS, 1)}
ROBOT_KEYS = {"xiguan-group": "robot-key-xiguan", "town-centre": "robot-key-town"}


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from django.test import override_settings

    from tests.conftest import build_cast

    with django_db_blocker.unblock(), override_settings(
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        build_cast()


def ensure_defaults():
    """The data migrations' rows (a transactional test's flush removes them)."""
    from django.apps import apps

    from cases.models import Level
    from messaging.models import KindRule

    if not KindRule.objects.exists():
        importlib.import_module("messaging.migrations.0002_default_policy_and_kinds").forwards(
            apps, None)
    if not Level.objects.exists():
        importlib.import_module("cases.migrations.0002_defaults").forwards(apps, None)


def load_cast():
    from django.contrib.auth import get_user_model

    from grids.models import Area
    from tests.conftest import build_cast

    users = {u.username: u for u in get_user_model().objects.filter(username__in=USERS)}
    if len(users) < len(USERS):
        return build_cast()
    areas = list(Area.objects.all())
    villages = {a.short_name: a for a in areas if a.kind == Area.Kind.VILLAGE}
    grids = {a.name: a for a in areas if a.kind == Area.Kind.GRID}
    return SimpleNamespace(
        county=next(a for a in areas if a.kind == Area.Kind.COUNTY),
        town=next(a for a in areas if a.kind == Area.Kind.TOWN),
        villages=villages, grids=grids, xiguan=villages["西关村"], menghe=villages["孟河村"],
        xiguan_grid=grids["高家庄社第一网格"], menghe_grid=grids["孟河一社网格"], **users)


@pytest.fixture
def cast(db):
    ensure_defaults()
    return load_cast()


@pytest.fixture(autouse=True)
def _own_cache_namespace():
    """Tokens and rate windows live in the machine's Redis, which outlives a test: a
    namespace per test (never cache.clear(), which would empty the Celery queues). The
    policy each process keeps for a few seconds is read afresh."""
    from messaging import shared
    from messaging.models import forget_cached

    shared.NAMESPACE = uuid.uuid4().hex
    forget_cached()


@pytest.fixture
def gateways():
    gw = Gateways(users=set(WECOM.values()), robot_keys=set(ROBOT_KEYS.values()),
                  slow_seconds=0.6).start()
    yield gw
    gw.hold = None
    gw.stop()


def channel_settings(gw, *, corp_id=None):
    """Every channel on, pointed at the local gateways (as settings names, for a worker's
    environment too)."""
    return {
        "SITE_URL": "https://zz.example.gov.cn",
        "WECOM_CORP_ID": corp_id or gw.corp_id, "WECOM_AGENT_ID": gw.agent_id,
        "WECOM_SECRET": gw.corp_secret, "WECOM_API_BASE": gw.url,
        "WECOM_ROBOT_KEYS": dict(ROBOT_KEYS),
        "SMS_BACKEND": "aliyun", "SMS_ACCESS_KEY_ID": gw.sms_key_id,
        "SMS_ACCESS_KEY_SECRET": gw.sms_secret, "SMS_API_BASE": f"{gw.url}/sms",
        "SMS_SIGN_NAME": gw.sign_name, "SMS_TEMPLATE_NOTICE": "SMS_0001",
        "SMS_TEMPLATE_URGENT": "SMS_0002", "SMS_TEMPLATE_DIGEST": "SMS_0003",
        "MESSAGING_HTTP_TIMEOUT_MS": 300,
        # In-process (eager) tasks send on the test's own connection, inside its transaction.
        "MESSAGING_SEND_THREADS": 1,
    }


@pytest.fixture
def channels(settings, gateways):
    for name, value in channel_settings(gateways).items():
        setattr(settings, name, value)
    return gateways


@pytest.fixture
def eager():
    """Tasks run in-process when sent (the worker tests run a real worker instead)."""
    from pingxiang.celery import app

    app.conf.task_always_eager, app.conf.task_eager_propagates = True, True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = False, False


@pytest.fixture
def reachable(cast):
    """Everyone in the cast has a WeCom UserID and a mobile number."""
    from messaging.models import Contact

    for name in USERS:
        Contact.objects.update_or_create(user=getattr(cast, name), defaults={
            "wecom_userid": WECOM[name], "mobile": MOBILE[name]})
    return cast


@pytest.fixture
def policy(cast):
    """Short retries (tests wait milliseconds, not minutes); the rest as the issue says."""
    from messaging.models import MessagingPolicy, forget_cached

    MessagingPolicy.objects.filter(pk=1).update(backoff_seconds=0.05, backoff_max_seconds=0.2,
                                                max_attempts=4)
    forget_cached()
    return MessagingPolicy.current()


@pytest.fixture
def red_group(cast):
    """西关村's work group and the town centre's, each with a robot."""
    from messaging.models import GroupRobot

    return SimpleNamespace(
        village=GroupRobot.objects.create(area=cast.xiguan, label="西关村工作群",
                                          key_name="xiguan-group"),
        town=GroupRobot.objects.create(area=cast.town, label="镇综治中心工作群",
                                       key_name="town-centre"))


def local(y, m, d, h=0, mi=0, s=0):
    return timezone.make_aware(dt.datetime(y, m, d, h, mi, s))


# Monday 2026-11-30, mid-morning: a working day, outside the quiet hours.
WORKDAY_MORNING = local(2026, 11, 30, 10, 0)


def drain(*, seconds=5.0, now=None):
    """Run the dispatch (as the beat would) until nothing is waiting to be sent; tasks run
    in-process (the `eager` fixture). Returns the rows still pending (none, normally)."""
    import time

    from messaging.models import Delivery, Status
    from messaging.tasks import run_dispatch

    busy = [Status.PENDING, Status.CLAIMED, Status.SENDING]
    # A test's transaction never commits, so the on-commit enqueue of new rows never runs:
    # hand them to the dispatch instead.
    Delivery.objects.filter(status=Status.PENDING).update(enqueued_at=None)
    deadline = time.monotonic() + seconds
    while True:
        run_dispatch(now or timezone.now())
        left = Delivery.objects.filter(status__in=busy)
        if not left.exists() or time.monotonic() > deadline:
            return list(left)
        time.sleep(0.02)
