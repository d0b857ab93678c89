"""Issue 21 §1-2 on a phone (390×844): the grid worker opens the app once with signal, then
works without it — home, worklist, household search and two visits with photos — and the
visits are saved once each when the signal returns; logout leaves nothing on the phone; a
visit the server refuses is shown with its reason and can be fixed."""

import datetime as dt
import io

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import Error as PlaywrightError

from grids import actions
from grids.models import Household, Visit
from tests.browser.conftest import go, make_household, wait_until
from tests.conftest import assert_clean_page, login_in_browser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COUNT = "#offline-queue-count"


def _camera_photo(width=3200, height=2400):
    """A phone camera's JPEG: 7.7 megapixels, well over 1 MB."""
    import os

    img = Image.frombytes("RGB", (width // 8, height // 8), os.urandom(width * height * 3 // 64))
    img = img.resize((width, height))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=95)
    return out.getvalue()


def _queued(page):
    return page.get_attribute(COUNT, "data-count")


def _ready(page):
    """The page asked the service worker to keep the grid's pages, and it has."""
    page.wait_for_selector("body[data-offline-ready]", state="attached", timeout=20_000)


def _offline_noise(page):
    page.console_errors[:] = [e for e in page.console_errors
                              if "ERR_INTERNET_DISCONNECTED" not in e]


@pytest.mark.viewport(390, 844)
def test_grid_worker_works_a_whole_round_offline(browser_page, cast):
    today = timezone.localdate()
    actions.create_campaign(name="冬季走访", area=cast.town, start_date=today - dt.timedelta(days=3),
                            end_date=today + dt.timedelta(days=20))
    ma = make_household(cast.xiguan_grid, head="马福禄", house=12, members=[("马小花", "女")])
    wang = make_household(cast.xiguan_grid, head="王建国", house=45)
    make_household(cast.menghe_grid, head="孟远方", house=3)  # another village: never cached
    page = browser_page
    login_in_browser(page, "grid_xiguan")
    go(page, "/")
    _ready(page)
    assert page.inner_text("#offline-dated").startswith("数据更新于 ")
    bundle = page.evaluate("localStorage.getItem('pingxiang.offlineData')")
    assert "马福禄" in bundle and "王建国" in bundle and "孟远方" not in bundle

    page.context.set_offline(True)
    go(page, "/")  # served by the service worker
    assert page.locator("h1").first.inner_text() == "网格员工作台"
    assert page.is_visible("#offline-net")
    go(page, "/grids/worklist/")
    assert "未走访的户（2）" in page.inner_text("main")

    # Search by pinyin initials: the phone's copy answers.
    page.fill("#q", "mfl")
    page.click("form[data-offline-search] button")
    results = page.locator("#offline-results")
    results.wait_for()
    assert "找到 1 户" in results.inner_text() and "马福禄" in results.inner_text()
    results.get_by_role("link", name="记录走访").click()
    page.wait_for_selector("h1:has-text('记录走访')")
    page.check("label:has-text('无异常') input")
    page.check("label:has-text('马小花') input")
    page.fill("textarea[name=notes]", "一家人身体健康。")
    page.set_input_files("#id_photo", files=[{"name": "院子.jpg", "mimeType": "image/jpeg",
                                              "buffer": _camera_photo()}])
    page.click("button:has-text('保存走访')")
    page.wait_for_selector("text=网络中断：这次走访和照片已保存在本机")
    assert wait_until(page, lambda: _queued(page) == "1")

    # The second household by its house number, from the worklist again.
    go(page, "/grids/worklist/")
    assert wait_until(page, lambda: _queued(page) == "1")  # the count is on every page
    page.fill("#q", "45")
    page.click("form[data-offline-search] button")
    page.locator("#offline-results").get_by_role("link", name="记录走访").click()
    page.wait_for_selector("h1:has-text('记录走访')")
    page.check("label:has-text('安全隐患') input")
    page.fill("textarea[name=notes]", "灶房电线老化。")
    page.set_input_files("#id_photo", files=[{"name": "电线.jpg", "mimeType": "image/jpeg",
                                              "buffer": _camera_photo(2400, 3200)}])
    page.click("button:has-text('保存走访')")
    page.wait_for_selector("text=网络中断：这次走访和照片已保存在本机")
    assert wait_until(page, lambda: _queued(page) == "2")
    page.locator("#offline-queue summary").click()
    states = page.locator("#offline-queue-list li").evaluate_all(
        "items => items.map(i => i.dataset.state)")
    assert states == ["waiting", "waiting"]
    assert Visit.objects.count() == 0
    # Made smaller on the phone before they wait to be sent (the originals are > 1 MB).
    photos = page.evaluate("PingxiangQueue.all().then(items => Promise.all(items.map("
                           "i => PingxiangQueue.photoFor(i.key).then(f => [f.size, f.type]))))")
    assert [t for _s, t in photos] == ["image/jpeg", "image/jpeg"]
    assert all(size < 400 * 1024 for size, _t in photos), photos

    page.context.set_offline(False)  # the page's `online` handler (or Background Sync)
    assert wait_until(page, lambda: _queued(page) == "0", timeout_ms=15_000)
    page.wait_for_selector("text=待补发的走访已全部保存")
    visits = {v.household_id: v for v in Visit.objects.all()}
    assert set(visits) == {ma.pk, wang.pk} and Visit.objects.count() == 2
    assert visits[ma.pk].notes == "一家人身体健康。"
    assert [p.name for p in visits[ma.pk].persons_met.all()] == ["马小花"]
    assert visits[wang.pk].findings == ["安全隐患"]
    assert visits[ma.pk].idempotency_key != visits[wang.pk].idempotency_key
    for visit, upright in ((visits[ma.pk], False), (visits[wang.pk], True)):
        with visit.photo.open("rb") as fh, Image.open(fh) as img:
            assert max(img.size) <= 1600 and (img.height > img.width) == upright

    # Nothing is sent twice: the queue lists them as saved, with a link to each.
    go(page, "/grids/worklist/")
    saved = page.locator("#offline-queue-list li[data-state=saved]")
    assert wait_until(page, lambda: saved.count() == 2)
    assert Visit.objects.count() == 2
    assert _queued(page) == "0"
    assert "未走访的户（0）" in page.inner_text("main")
    _offline_noise(page)
    assert_clean_page(page)


@pytest.mark.viewport(390, 844)
def test_logout_leaves_nothing_on_the_phone(browser_page, cast):
    make_household(cast.xiguan_grid, head="马福禄", house=12)
    page = browser_page
    login_in_browser(page, "grid_xiguan")
    go(page, "/")
    _ready(page)
    assert "px-pages" in page.evaluate("caches.keys()")
    page.locator(".fieldmenu summary").click()  # 退出 sits under 菜单 on a phone
    page.locator("form[data-logout] button:visible").click()
    page.wait_for_selector("#id_username")
    assert wait_until(page, lambda: "px-pages" not in page.evaluate("caches.keys()"))
    assert page.evaluate("localStorage.getItem('pingxiang.offlineData')") is None
    assert page.evaluate(
        "navigator.serviceWorker.getRegistrations().then(r => r.length)") == 0
    page.context.set_offline(True)
    with pytest.raises(PlaywrightError):  # no copy of the worker's pages is left to show
        go(page, "/grids/worklist/")
    page.context.set_offline(False)
    _offline_noise(page)
    assert page.console_errors == []


@pytest.mark.viewport(390, 844)
def test_refused_visits_are_shown_and_can_be_fixed(browser_page, cast):
    ma = make_household(cast.xiguan_grid, head="马福禄", house=12)
    moved = make_household(cast.xiguan_grid, head="王建国", house=45)
    page = browser_page
    login_in_browser(page, "grid_xiguan")
    go(page, "/")
    _ready(page)

    page.context.set_offline(True)
    # A dispute without a word on it (the server asks for one) ...
    go(page, f"/grids/households/{ma.pk}/visit/")
    page.check("label:has-text('矛盾纠纷') input")
    page.click("button:has-text('保存走访')")
    page.wait_for_selector("text=网络中断：这次走访已保存在本机")
    # ... and a household moved to another village since the phone cached it.
    go(page, f"/grids/households/{moved.pk}/visit/")
    page.check("label:has-text('无异常') input")
    page.click("button:has-text('保存走访')")
    page.wait_for_selector("text=网络中断：这次走访已保存在本机")
    household = Household.objects.get(pk=moved.pk)
    actions.edit_household(household, actor=cast.admin, version=household.version,
                           grid=cast.menghe_grid, house_number="45", head=household.head,
                           flags=[])

    page.context.set_offline(False)
    assert wait_until(page, lambda: page.locator(
        "#offline-queue-list li[data-state=refused]").count() == 2, timeout_ms=15_000)
    page.wait_for_selector("text=2 条待补发的走访未能保存")
    assert Visit.objects.count() == 0
    assert wait_until(page, lambda: _queued(page) == "2")  # kept on the phone, not lost
    items = page.locator("#offline-queue-list li")
    assert "发现了问题，请简要写明情况" in items.nth(0).inner_text()
    assert "这户已不在您负责的网格" in items.nth(1).inner_text()
    assert items.nth(1).get_by_role("link", name="打开修改").count() == 0

    items.nth(0).get_by_role("link", name="打开修改").click()
    page.wait_for_selector("text=这次走访未能保存")
    assert page.is_checked("label:has-text('矛盾纠纷') input")
    page.fill("textarea[name=notes]", "与邻居因排水沟争执。")
    page.click("button:has-text('保存走访')")
    page.wait_for_selector("text=走访已保存")
    visit = Visit.objects.get()
    assert visit.household_id == ma.pk and visit.notes == "与邻居因排水沟争执。"
    # The moved household's visit still waits for a decision.
    assert wait_until(page, lambda: _queued(page) == "1")
    _offline_noise(page)
    assert_clean_page(page)


@pytest.mark.viewport(390, 844)
def test_a_change_of_post_wipes_the_pages_kept_for_the_other_one(browser_page, cast):
    """The same person in another post (网格员 → 村干部) keeps none of the grid's pages."""
    from grids.models import Membership
    from pingxiang.roles import Role

    make_household(cast.xiguan_grid, head="马福禄", house=12)
    Membership.objects.create(user=cast.grid_xiguan, area=cast.xiguan, role=Role.VILLAGE_CADRE,
                              title="村委委员")
    page = browser_page
    login_in_browser(page, "grid_xiguan")
    go(page, "/")
    if page.input_value("#role-select") != Role.GRID_WORKER.value:
        with page.expect_navigation():
            page.select_option("#role-select", Role.GRID_WORKER.value)
    _ready(page)
    assert "px-pages" in page.evaluate("caches.keys()")
    assert page.evaluate("localStorage.getItem('pingxiang.offlineData')") is not None
    with page.expect_navigation():
        page.select_option("#role-select", Role.VILLAGE_CADRE.value)
    # The service worker drops its pages at the switch, the new page the grid's data.
    assert wait_until(page, lambda: "px-pages" not in page.evaluate("caches.keys()") and page.evaluate(
        "localStorage.getItem('pingxiang.offlineData')") is None)
    assert page.console_errors == []
