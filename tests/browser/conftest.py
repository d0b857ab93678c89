"""Shared helpers for the role journeys (tests/browser/test_*.py).

Every journey is a transactional test on the live server: it builds the fixed cast
(tests/conftest.py) and its own data through the apps' actions, then drives Chromium
through `browser_page` (console errors, CSP violations and foreign requests recorded;
screenshot and HTML saved to tests/artifacts/ on failure)."""

import os
import re

import pytest

from tests.conftest import ARTIFACTS, PASSWORD, assert_clean_page, build_cast

DATA_MIGRATIONS = ["cases.migrations.0002_defaults",
                   "grids.migrations.0005_default_reference_data",
                   "petitions.migrations.0002_default_limits_and_categories",
                   "rectification.migrations.0002_default_reference_data"]


def ensure_reference_data():
    """The rows the data migrations create (levels, categories, time limits...). Serialized
    rollback restores them after each journey's flush; with --reuse-db the serialized copy may
    have been taken from an emptied database, so make sure here."""
    import importlib

    from django.apps import apps

    from cases.models import Level

    if Level.objects.exists():
        return
    for name in DATA_MIGRATIONS:
        importlib.import_module(name).forwards(apps, None)


_CAST_ROWS = {}
CAST_USERS = ["grid_xiguan", "grid_menghe", "cadre_xiguan", "cadre_menghe", "centre", "leader",
              "supervisor", "admin"]


def _row_keys():
    from django.apps import apps

    return {m: set(m._base_manager.values_list("pk", flat=True)) for m in apps.get_models()}


def _restore_cast():
    """Put back the rows the first build_cast() made (areas, users, memberships, groups,
    their audit rows), with their ids: ~0.3 s instead of ~2 s of actions per journey."""
    from django.core import serializers
    from django.core.management.color import no_style
    from django.db import connection, transaction

    with transaction.atomic():  # foreign keys are checked at commit, so order is free
        for obj in serializers.deserialize("json", _CAST_ROWS["json"]):
            obj.save()
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), _CAST_ROWS["models"]):
                cursor.execute(sql)


def _look_up_cast():
    from types import SimpleNamespace

    from django.contrib.auth import get_user_model

    from grids.models import Area

    areas = list(Area.objects.all())
    villages = {a.short_name: a for a in areas if a.kind == Area.Kind.VILLAGE}
    grids = {a.name: a for a in areas if a.kind == Area.Kind.GRID}
    users = get_user_model().objects.in_bulk(CAST_USERS, field_name="username")
    return SimpleNamespace(
        county=next(a for a in areas if a.kind == Area.Kind.COUNTY),
        town=next(a for a in areas if a.kind == Area.Kind.TOWN),
        villages=villages, grids=grids, xiguan=villages["西关村"], menghe=villages["孟河村"],
        xiguan_grid=grids["高家庄社第一网格"], menghe_grid=grids["孟河一社网格"], **users)


@pytest.fixture
def cast(_django_db_helper):
    """The fixed cast of tests/conftest.py. The first journey builds it through the actions;
    the others get the same rows back (each journey's flush empties the database)."""
    from django.core import serializers

    from grids.models import Area

    ensure_reference_data()
    if Area.objects.exists():
        # Rows committed by another app's session fixture (the whole suite runs these
        # journeys right after the non-transactional tests): use them, cache nothing.
        return build_cast()
    if "json" in _CAST_ROWS:
        _restore_cast()
        return _look_up_cast()
    before = _row_keys()
    built = build_cast()
    after = _row_keys()
    new = {m: after[m] - before[m] for m in after if after[m] - before[m]}
    _CAST_ROWS["models"] = list(new)
    _CAST_ROWS["json"] = serializers.serialize(
        "json", [obj for m, keys in new.items() for obj in m._base_manager.filter(pk__in=keys)])
    return built


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def log_in(page, username, password=PASSWORD, *, title=None):
    """Log in through the form; with `title`, check the role's home page heading."""
    page.goto(page.base_url + "/account/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state("domcontentloaded")
    if title:
        assert page.locator("h1").first.inner_text() == title
    return page


def log_out(page):
    # A grid worker on a phone has 退出 under 菜单 (templates/includes/fieldnav.html);
    # everyone else under their name's menu.
    menu = page.locator(".fieldmenu summary")
    if menu.count() and menu.is_visible():
        menu.click()
    else:
        page.locator("details.usermenu summary").click()
    page.locator("form[action$='/account/logout/'] button:visible").click()
    page.wait_for_url(re.compile(r".*/account/login/.*"))


def go(page, path):
    page.goto(page.base_url + path)
    return page


def main_text(page):
    return page.locator("main").inner_text()


def expect_message(page, text):
    """Wait for the flash message `text` (exactly) after an action: the button's verb comes
    back as "已<verb>。", never "<noun>：已办理"."""
    page.locator("ul.messages li", has_text=text).wait_for()
    shown = page.locator("ul.messages li").all_inner_texts()
    assert text in shown, shown


def open_action(page, name):
    """Open one of the case page's action panels (<details id="action-NAME">) by clicking its
    summary, as a user does; returns the form inside once htmx has loaded it."""
    details = page.locator(f"#action-{name}")
    if details.get_attribute("open") is None:
        details.locator("summary").click()
    form = details.locator("form")
    form.wait_for()
    return form


def loaded_section(page, section_id, link_text):
    """A part of the case page that htmx loads when it scrolls into view (the push, the
    attachments): scrolled to, as a user does, and its text once loaded."""
    section = page.locator(f"#{section_id}")
    section.scroll_into_view_if_needed()
    section.get_by_role("link", name=link_text).wait_for(state="detached")
    return section.inner_text()


def shoot(page, name, *, full_page=True):
    """Save a screenshot of what the user sees to tests/artifacts/<name>.png."""
    os.makedirs(ARTIFACTS, exist_ok=True)
    path = os.path.join(ARTIFACTS, f"{name}.png")
    page.screenshot(path=path, full_page=full_page)
    return path


# The innermost elements sticking out past the right edge (to name the culprit when a page
# scrolls sideways); elements inside a scrolling box (.table-wrap) are fine.
WIDEST = """() => {
  const limit = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth <= window.innerWidth) return [];
  const out = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.right <= limit + 0.5 || r.width === 0) continue;
    let p = el.parentElement, clipped = false;
    while (p && p !== document.body) {
      const o = getComputedStyle(p).overflowX;
      if (o === 'auto' || o === 'scroll' || o === 'hidden') { clipped = true; break; }
      p = p.parentElement;
    }
    if (clipped) continue;
    if ([...el.children].some(c => c.getBoundingClientRect().right > limit + 0.5)) continue;
    out.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
             (el.className && typeof el.className === 'string' ? '.' + el.className.trim().replace(/\\s+/g, '.') : '') +
             ' right=' + Math.round(r.right) + ' "' + (el.innerText || el.value || '').slice(0, 40) + '"');
  }
  return out.slice(0, 8);
}"""


def check_narrow(page, path=None, *, shot=None, width=360, height=780):
    """The page at `path` (or the page already open) on a 360 px wide screen: nothing scrolls
    sideways, no console errors, no foreign requests. Saves a screenshot named `shot`;
    restores the viewport afterwards."""
    before = page.viewport_size
    page.set_viewport_size({"width": width, "height": height})
    try:
        if path is not None:
            go(page, path)  # waits for "load": the app's scripts and styles are in
        wide = page.evaluate(WIDEST)
        assert not wide, f"{path or page.url} is wider than {width}px: {wide}"
        assert_clean_page(page)
        if shot:
            shoot(page, shot)
    finally:
        page.set_viewport_size(before)


def unread_count(page):
    """The unread-message badge in the header (0 when there is none)."""
    badge = page.locator("#unread-count")
    return int(badge.inner_text()) if badge.count() else 0


def wait_until(page, predicate, *, timeout_ms=5000, step_ms=100):
    """Poll a Python predicate while the page runs (wait_for_function needs eval, which the
    CSP forbids)."""
    for _ in range(timeout_ms // step_ms):
        if predicate():
            return True
        page.wait_for_timeout(step_ms)
    return predicate()


_serial = iter(range(1, 10_000))


def id_number(born="19800517", male=True):
    """A valid 18-digit ID number of 通渭县 (a new one at each call)."""
    from grids.idcard import check_digit

    n = next(_serial)
    first17 = f"621121{born}{n // 50 % 10}{(n % 50) * 2 + (1 if male else 0):02d}"
    return first17 + check_digit(first17)


def make_household(grid, *, head, house, members=(), actor=None):
    """A household with its head and members, through the grids actions."""
    from grids import actions

    household = actions.create_household(grid=grid, house_number=str(house), head_name=head,
                                         head_id_number=id_number(), head_phone="13800001234",
                                         actor=actor)
    for name, relation in members:
        actions.add_member(household, name=name, relation=relation,
                           id_number=id_number(male=False), actor=actor)
    return household


def png_bytes():
    """A real 1×1 PNG (browsers render it; the upload check sniffs its signature)."""
    import struct
    import zlib

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))


def click_nav(page, label):
    """Open the header entry `label`: a first-level link, or one inside a module's menu."""
    link = page.locator(".mainnav a", has_text=label).first
    if not link.is_visible():
        page.locator(".mainnav details", has=page.locator("a", has_text=label)).first \
            .locator("summary").click()
    link.click()


def assert_menu_labels_unbroken(page):
    """On a desktop screen every menu label stays on one line (a squeezed flex row used to
    break 首页 into 首 / 页)."""
    heights = page.eval_on_selector_all(
        ".mainnav li a", "links => links.map(a => [a.innerText, a.getClientRects().length,"
        " Math.round(a.getBoundingClientRect().height)])")
    broken = [label for label, rects, height in heights if height > 40]
    assert not broken, f"menu labels broken over lines: {broken}"
