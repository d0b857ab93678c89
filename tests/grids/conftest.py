import datetime as dt
import itertools
import uuid

import pytest
from django.utils import timezone

from grids import actions
from grids.idcard import check_digit

_seq = itertools.count(1)


def valid_id(born=dt.date(1980, 5, 17), male=True, seq=None):
    seq = next(_seq) if seq is None else seq
    born = born + dt.timedelta(days=seq // 500)
    last = (seq % 50) * 2 + (1 if male else 0)
    first = f"621121{born:%Y%m%d}{seq // 50 % 10}{last:02d}"[:17]
    return first + check_digit(first)


@pytest.fixture
def make_household():
    numbers = itertools.count(1)

    def make(grid, *, head="王建国", members=(), house=None, phone="13800001234", actor=None):
        household = actions.create_household(
            grid=grid, house_number=str(house or next(numbers)), head_name=head,
            head_id_number=valid_id(), head_phone=phone, actor=actor)
        for name, relation in members:
            actions.add_member(household, name=name, relation=relation,
                               id_number=valid_id(male=False), actor=actor)
        household.refresh_from_db()
        return household

    return make


@pytest.fixture
def campaign(cast):
    today = timezone.localdate()
    return actions.create_campaign(
        name="测试专项活动", area=cast.town, start_date=today - dt.timedelta(days=10),
        end_date=today + dt.timedelta(days=20), focus="婚恋纠纷、民间借贷")


@pytest.fixture
def visit():
    """visit(household_or_place, actor, days_ago=0, findings=("无异常",)) -> Visit"""

    def make(subject, actor, *, days_ago=0, findings=("无异常",), notes=""):
        from grids.models import Household

        kwargs = {"household": subject} if isinstance(subject, Household) else {
            "key_place": subject}
        v, _ = actions.record_visit(
            actor=actor, idempotency_key=uuid.uuid4(),
            visited_on=timezone.localdate() - dt.timedelta(days=days_ago),
            visit_type="常规走访", findings=list(findings), notes=notes, **kwargs)
        return v

    return make


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Build the fixed cast once per session: each test's `cast` then only looks it up
    (build_cast is idempotent), which keeps this app's tests fast on a shared machine."""
    from django.test.utils import override_settings

    from tests.conftest import build_cast

    hashers = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # as tests/conftest.py sets
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=hashers):
        build_cast()


_CAST = {}


@pytest.fixture
def cast(db):
    """The fixed cast of tests/conftest.py, built once and re-read for each test (two
    queries instead of a few hundred). Rebuilt when a transactional test has flushed it."""
    from types import SimpleNamespace

    from django.contrib.auth import get_user_model

    from grids.models import Area
    from tests.conftest import build_cast

    User = get_user_model()
    built = _CAST.get("cast")
    if built is None or not User.objects.filter(pk=built.admin.pk, username="admin").exists():
        built = _CAST["cast"] = build_cast()
    area_attrs = ["county", "town", "xiguan", "menghe", "xiguan_grid", "menghe_grid"]
    user_attrs = ["grid_xiguan", "grid_menghe", "cadre_xiguan", "cadre_menghe", "centre",
                  "leader", "supervisor", "admin"]
    area_ids = ({getattr(built, a).pk for a in area_attrs}
                | {a.pk for a in built.villages.values()} | {a.pk for a in built.grids.values()})
    areas = Area.objects.in_bulk(area_ids)
    users = User.objects.in_bulk([getattr(built, u).pk for u in user_attrs])
    fresh = {a: areas[getattr(built, a).pk] for a in area_attrs}
    fresh |= {u: users[getattr(built, u).pk] for u in user_attrs}
    fresh["villages"] = {k: areas[v.pk] for k, v in built.villages.items()}
    fresh["grids"] = {k: areas[v.pk] for k, v in built.grids.items()}
    return SimpleNamespace(**fresh)
