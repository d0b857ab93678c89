"""Petition fixtures: a registrar (cast.centre), valid ID numbers, and a helper that
registers a petition through the action."""

import datetime as dt
import itertools

import pytest
from django.utils import timezone

from grids.idcard import check_digit
from petitions import actions
from petitions.models import Category, Petition

_seq = itertools.count(1)


def id_number(n):
    first17 = f"62112119{70 + n % 30:02d}0101{n % 1000:03d}"
    return first17 + check_digit(first17)


def person(n, name=None):
    return {"name": name or f"信访人{n}", "id_number": id_number(n), "phone": f"1390000{n:04d}"}


@pytest.fixture
def category(db):
    return Category.objects.get(name="城乡建设")


@pytest.fixture
def make_petition(cast, category):
    """make_petition(area=..., channel=..., received_at=..., person=..., **kw) via the action."""

    def _make(*, area=None, channel=Petition.Channel.LETTER, received_at=None, who=None,
              title="反映巷道积水", content="雨后巷道积水严重，出行困难。", actor=None, **kw):
        n = next(_seq)
        if channel == Petition.Channel.LIVELIHOOD:
            kw.setdefault("order_type", "求助")
        return actions.register_petition(
            actor=actor or cast.centre, channel=channel, area=area or cast.xiguan_grid,
            received_at=received_at or timezone.now() - dt.timedelta(hours=1),
            petitioner=who or person(n), title=title, content=content, category=category,
            **kw)

    return _make


def at(s):
    """A local (Asia/Shanghai) moment from 'YYYY-MM-DD HH:MM'."""
    return timezone.make_aware(dt.datetime.strptime(s, "%Y-%m-%d %H:%M"))


def ensure_defaults():
    """The time limits and categories of migration 0002 (a transactional test's flush
    empties every table, data migrations included)."""
    from importlib import import_module

    from django.apps import apps

    import_module("petitions.migrations.0002_default_limits_and_categories").forwards(apps, None)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Build the fixed cast once per session and commit it, so each test starts from it
    inside its own rolled-back transaction instead of rebuilding 45 areas (~2 s here)."""
    from django.db import transaction
    from django.test import override_settings

    from tests.conftest import build_cast

    with django_db_blocker.unblock(), override_settings(
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        with transaction.atomic():
            ensure_defaults()
            build_cast()


@pytest.fixture
def cast(db):
    """The same cast as tests/conftest.py, looked up instead of rebuilt (rebuilt only when
    a transactional test has flushed the database)."""
    from types import SimpleNamespace

    from django.contrib.auth import get_user_model

    from grids.models import Area
    from tests.conftest import build_cast

    users = {u.username: u for u in get_user_model().objects.filter(username__in=[
        "grid_xiguan", "grid_menghe", "cadre_xiguan", "cadre_menghe", "centre", "leader",
        "supervisor", "admin"])}
    if len(users) < 8 or not Area.objects.filter(name="孟河一社网格").exists():
        ensure_defaults()
        return build_cast()
    areas = list(Area.objects.all())
    villages = {a.short_name: a for a in areas if a.kind == Area.Kind.VILLAGE}
    grids = {a.name: a for a in areas if a.kind == Area.Kind.GRID}
    return SimpleNamespace(
        county=next(a for a in areas if a.kind == Area.Kind.COUNTY),
        town=next(a for a in areas if a.kind == Area.Kind.TOWN),
        villages=villages, grids=grids, xiguan=villages["西关村"], menghe=villages["孟河村"],
        xiguan_grid=grids["高家庄社第一网格"], menghe_grid=grids["孟河一社网格"], **users)
