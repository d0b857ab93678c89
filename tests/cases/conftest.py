import datetime as dt
import itertools

import pytest
from django.utils import timezone

from cases import actions
from cases.models import Category, Source
from grids.idcard import check_digit

_seq = itertools.count(1)


# The fixed cast (tests/conftest.py) takes ~1 s to build; build it once per session in the
# test database and look it up per test. Transactional tests flush the database, so the
# lookup rebuilds it (and the default policy rows) when it is gone.
@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from django.test import override_settings

    from tests.conftest import build_cast

    with django_db_blocker.unblock(), override_settings(
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        build_cast()


def _ensure_defaults():
    from django.apps import apps

    from cases.models import Level

    if not Level.objects.exists():
        defaults = __import__("cases.migrations.0002_defaults", fromlist=["forwards"])
        defaults.forwards(apps, None)


def _load_cast():
    from types import SimpleNamespace

    from django.contrib.auth import get_user_model

    from grids.models import Area

    users = {u.username: u for u in get_user_model().objects.filter(username__in=[
        "grid_xiguan", "grid_menghe", "cadre_xiguan", "cadre_menghe", "centre", "leader",
        "supervisor", "admin"])}
    if len(users) < 8:
        return None
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
    from tests.conftest import build_cast

    _ensure_defaults()
    return _load_cast() or build_cast()


def id_number(born=dt.date(1980, 5, 17)):
    first17 = f"621121{born:%Y%m%d}{next(_seq) % 1000:03d}"
    return first17 + check_digit(first17)


def local(y, m, d, h=0, mi=0):
    return timezone.make_aware(dt.datetime(y, m, d, h, mi))


@pytest.fixture
def make_case(cast):
    """make_case(area=..., source=..., risk=..., at=..., actor=...) -> a registered case."""

    def _make(*, area=None, source=Source.WALKIN, risk="blue", at=None, actor=None,
              category="邻里", parties=None, **kwargs):
        at = at or timezone.now()
        return actions.register_case(
            actor=actor or cast.centre, area=area or cast.xiguan_grid,
            category=Category.objects.get(name=category), description="两家因院墙排水发生争执",
            risk=risk, source=source, parties=parties or [
                {"name": "王大山", "id_number": id_number()}, {"name": "李小河"}],
            received_at=at, at=at, **kwargs)

    return _make


@pytest.fixture
def running_case(make_case, cast):
    """A case accepted at level `level` at `at`."""

    def _make(level=1, *, at=None, **kwargs):
        at = at or timezone.now()
        case = make_case(at=at, **kwargs)
        return actions.accept_case(case, actor=cast.centre, level=level, at=at)

    return _make


RESOLVE = dict(method="people", kind="written", facts="院墙排水", terms="修排水沟",
               performance="一周内在现场修好")
