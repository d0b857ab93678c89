"""The fixed cast every test can use, built through the same actions as seed_demo.

Areas: 通渭县 → 平襄镇 → 32 villages; 西关村 and 新城社区 have 社 and grids.
Users (password `pw`):
  grid_xiguan   网格员 of 西关村 高家庄社第一网格
  grid_menghe   网格员 of 孟河村 (a grid made here)
  cadre_xiguan  村(社区)干部 of 西关村
  cadre_menghe  村(社区)干部 of 孟河村
  centre        综治中心工作人员 of 平襄镇
  leader        领导 of 平襄镇
  supervisor    督导组成员 of 平襄镇
  admin         系统管理员 of 通渭县 (is_staff)
"""

import os
import shutil
from types import SimpleNamespace

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "pw"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def build_cast():
    from grids.actions import create_area, ensure_user, grant_membership
    from grids.models import Area, Role
    from grids.seed import seed_areas
    from grids.roles import sync_role_groups

    sync_role_groups()
    county, town, villages, grids = seed_areas()
    menghe_group = create_area(parent=villages["孟河村"], kind=Area.Kind.GROUP, name="孟河一社")
    menghe_grid = create_area(parent=menghe_group, kind=Area.Kind.GRID, name="孟河一社网格")
    grids["孟河一社网格"] = menghe_grid

    def user(username, full_name, role, area, *, staff=False):
        u = ensure_user(username, full_name=full_name, password=PASSWORD)
        grant_membership(u, area, role)
        if staff:
            u.is_staff = True
            u.save(update_fields=["is_staff"])
        return u

    return SimpleNamespace(
        county=county, town=town, villages=villages, grids=grids,
        xiguan=villages["西关村"], menghe=villages["孟河村"],
        xiguan_grid=grids["高家庄社第一网格"], menghe_grid=menghe_grid,
        grid_xiguan=user("grid_xiguan", "王建国", Role.GRID_WORKER, grids["高家庄社第一网格"]),
        grid_menghe=user("grid_menghe", "孙立", Role.GRID_WORKER, menghe_grid),
        cadre_xiguan=user("cadre_xiguan", "李秀英", Role.VILLAGE_CADRE, villages["西关村"]),
        cadre_menghe=user("cadre_menghe", "马强", Role.VILLAGE_CADRE, villages["孟河村"]),
        centre=user("centre", "张明", Role.CENTRE_STAFF, town),
        leader=user("leader", "赵志强", Role.LEADER, town),
        supervisor=user("supervisor", "陈丽", Role.SUPERVISOR, town),
        admin=user("admin", "刘洋", Role.ADMIN, county, staff=True),
    )


@pytest.fixture
def cast(db):
    return build_cast()


@pytest.fixture
def login(client):
    """login(user) -> a test client logged in as that user."""

    def _login(user):
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return _login


# --- Browser tests -------------------------------------------------------------------
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
_browser_not_run = []


def pytest_collection_modifyitems(config, items):
    browser_items = [item for item in items if item.get_closest_marker("browser")]
    if CHROMIUM or not browser_items:
        return
    if os.environ.get("CI"):
        return  # CI must run every browser test: they fail at launch, never skip.
    for item in browser_items:
        _browser_not_run.append(item.nodeid)
        item.add_marker(pytest.mark.skip(reason="no Chromium on this machine"))


def pytest_terminal_summary(terminalreporter):
    if _browser_not_run:
        terminalreporter.write_sep(
            "!", f"{len(_browser_not_run)} BROWSER TESTS DID NOT RUN: no Chromium found "
            "(apt-get install chromium fonts-wqy-microhei)", red=True, bold=True)
