"""Fixtures for the rectification tests: reference data comes from the data migration;
these add key places, a campaign and helpers that walk a hazard or an issue through its loop."""

import datetime as dt
import struct
import zlib
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from grids.models import KeyPlace


def png_bytes():
    """A real 1×1 PNG (browsers render it; the upload check sniffs its signature)."""
    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))


def png(name="photo.png"):
    return SimpleUploadedFile(name, png_bytes(), content_type="image/png")


def fake_png_text(name="evil.png"):
    return SimpleUploadedFile(name, b"MZ this is not an image", content_type="image/png")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


# --- The cast, built once per session ------------------------------------------------------
# Building the 32-village cast through the actions takes about a second on these shared
# machines; doing it once (committed into the test database) and re-reading it per test keeps
# this app's suite fast. Transactional tests flush the database afterwards (pytest-django runs
# them last), so `cast` rebuilds when the rows are gone.

@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from django.test import override_settings

    from tests.conftest import build_cast

    # Same (fast) hasher as the tests' autouse fixture, so the cast can log in.
    with django_db_blocker.unblock(), override_settings(
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        build_cast()


def ensure_reference_data():
    """The data migration's defaults (a flush by a transactional test removes them)."""
    import importlib

    from django.apps import apps

    from rectification.models import HazardCategory

    if not HazardCategory.objects.exists():
        module = importlib.import_module("rectification.migrations.0002_default_reference_data")
        module.forwards(apps, None)


def load_cast():
    from django.contrib.auth import get_user_model

    from grids.models import Area
    from tests.conftest import build_cast

    if not Area.objects.filter(kind=Area.Kind.VILLAGE).exists():
        return build_cast()
    areas = list(Area.objects.all())
    county = next(a for a in areas if a.kind == Area.Kind.COUNTY)
    town = next(a for a in areas if a.kind == Area.Kind.TOWN)
    villages = {a.short_name: a for a in areas if a.kind == Area.Kind.VILLAGE}
    grids = {a.name: a for a in areas if a.kind == Area.Kind.GRID}
    users = {u.username: u for u in get_user_model().objects.filter(username__in=[
        "grid_xiguan", "grid_menghe", "cadre_xiguan", "cadre_menghe", "centre", "leader",
        "supervisor", "admin"])}
    return SimpleNamespace(
        county=county, town=town, villages=villages, grids=grids,
        xiguan=villages["西关村"], menghe=villages["孟河村"],
        xiguan_grid=grids["高家庄社第一网格"], menghe_grid=grids["孟河一社网格"], **users)


@pytest.fixture
def cast(db):
    ensure_reference_data()
    return load_cast()


@pytest.fixture
def rx(cast):
    from rectification import actions
    from rectification.models import HazardCategory, IssueCategory

    today = timezone.localdate()
    campaign = actions.create_campaign(actor=cast.centre, name="校园及周边环境", scope=cast.town,
                                       start_date=today - dt.timedelta(days=30))
    places = SimpleNamespace(
        school_xiguan=KeyPlace.objects.create(kind=KeyPlace.Kind.SCHOOL, name="西关小学",
                                              grid=cast.xiguan),
        school_menghe=KeyPlace.objects.create(kind=KeyPlace.Kind.SCHOOL, name="孟河小学",
                                              grid=cast.menghe),
        logistics_xiguan=KeyPlace.objects.create(kind=KeyPlace.Kind.LOGISTICS, name="陇原物流",
                                                 grid=cast.xiguan_grid),
    )
    cats = {c.name: c for c in HazardCategory.objects.all()}
    issue_cats = {c.name: c for c in IssueCategory.objects.all()}
    return SimpleNamespace(cast=cast, campaign=campaign, places=places, cats=cats,
                           issue_cats=issue_cats, today=today)


@pytest.fixture
def make_hazard(rx):
    from rectification import actions
    from rectification.models import Hazard

    def _make(*, area=None, actor=None, category="消防", grade=Hazard.Grade.GENERAL,
              description="灭火器过期", found_date=None, **extra):
        return actions.register_hazard(
            actor=actor or rx.cast.grid_xiguan, source=Hazard.Source.INSPECTION,
            category=rx.cats[category], grade=grade, area=area or rx.cast.xiguan_grid,
            description=description, found_date=found_date or rx.today, **extra)

    return _make


@pytest.fixture
def assigned_hazard(rx, make_hazard):
    """A 西关村 hazard assigned by centre staff to the 西关 cadre, due in 10 days."""
    from rectification import actions

    def _make(**kwargs):
        hazard = make_hazard(**kwargs)
        return actions.assign_hazard(
            hazard, actor=rx.cast.centre, responsible_unit="西关村委会", responsible_person="李秀英",
            handler=rx.cast.cadre_xiguan, measures="更换灭火器",
            deadline=rx.today + dt.timedelta(days=10))

    return _make


@pytest.fixture
def supervision(rx):
    """Team 1 with the cast's supervisor as a member, a round and a visit to 西关村."""
    from rectification import actions

    cast = rx.cast
    team = actions.create_team(actor=cast.centre, town=cast.town, name="第一督导组", members=[
        ("王志刚", "镇纪委", None, True), ("陈丽", "综治中心", cast.supervisor, False),
        ("刘晓燕", "司法所", None, False), ("马文斌", "信访办", None, False)])
    rnd = actions.create_round(team, actor=cast.centre, name="第一轮", start_date=rx.today)
    visit = actions.record_visit(rnd, actor=cast.supervisor, area=cast.xiguan, date=rx.today,
                                 members="王志刚、陈丽")
    return SimpleNamespace(team=team, round=rnd, visit=visit)
