import datetime as dt
import itertools

import pytest
from django.utils import timezone

from cases import actions
from cases.models import Category, Source
from grids.idcard import check_digit

_seq = itertools.count(1)


def id_number(born=dt.date(1980, 5, 17)):
    first17 = f"621121{born:%Y%m%d}{next(_seq) % 1000:03d}"
    return first17 + check_digit(first17)


def local(y, m, d, h=10, mi=0):
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
