"""The phone visit form keeps its photo while the network is down (390×844): the visit is
queued with the photo in IndexedDB, sent as multipart when the network returns, and saved
once, with the photo once."""

import pytest
from django.utils import timezone

from grids import actions
from grids.models import Visit
from tests.conftest import assert_clean_page, login_in_browser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _png():
    import struct
    import zlib

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))


def _wait(page, predicate, timeout_ms=8000):
    for _ in range(timeout_ms // 100):  # wait_for_function needs eval, which the CSP forbids
        if predicate():
            return True
        page.wait_for_timeout(100)
    return predicate()


@pytest.mark.viewport(390, 844)
def test_a_visit_made_offline_is_saved_once_with_its_photo(browser_page, cast):
    household = actions.create_household(grid=cast.xiguan_grid, house_number="12",
                                         head_name="马福禄", head_phone="13800001234")
    page = browser_page
    login_in_browser(page, "grid_xiguan")
    page.goto(f"{page.base_url}/grids/households/{household.pk}/visit/")
    page.check("label:has-text('无异常') input")
    page.fill("textarea[name=notes]", "院墙裂缝已拍照。")
    photo = _png()
    page.set_input_files("#id_photo", files=[{"name": "院墙.png", "mimeType": "image/png",
                                              "buffer": photo}])

    page.context.set_offline(True)
    page.click("button:has-text('保存走访')")
    page.wait_for_selector("text=网络中断：这次走访和照片已保存在本机")
    assert Visit.objects.count() == 0
    queued = page.evaluate("PingxiangQueue.all().then(items => items.map(i => i.photo))")
    assert queued == [True]
    # The photo is no longer only in the file input: clear it, as a page reload would.
    page.set_input_files("#id_photo", files=[])

    page.context.set_offline(False)  # the page's `online` handler sends the queue
    assert _wait(page, lambda: page.get_attribute("#offline-queue-count", "data-count") == "0")
    page.wait_for_selector("text=待补发的走访已全部保存")
    visits = list(Visit.objects.filter(household=household))
    assert len(visits) == 1
    visit = visits[0]
    assert visit.notes == "院墙裂缝已拍照。" and visit.visited_on == timezone.localdate()
    assert visit.photo and visit.photo.name.endswith(".png")
    with visit.photo.open("rb") as fh:
        assert fh.read() == photo

    # Pressing save again on the same form (same key) saves nothing more, photo included.
    page.set_input_files("#id_photo", files=[{"name": "院墙.png", "mimeType": "image/png",
                                              "buffer": photo}])
    page.click("button:has-text('保存走访')")
    page.wait_for_selector("text=已经保存过")
    assert Visit.objects.count() == 1
    assert "照片" in page.inner_text("main")
    assert page.get_by_role("link", name="查看照片").count() == 1
    page.console_errors[:] = [e for e in page.console_errors
                              if "ERR_INTERNET_DISCONNECTED" not in e]
    assert_clean_page(page)


@pytest.mark.viewport(390, 844)
def test_edit_pages_fit_a_phone_and_a_stale_page_is_told(browser_page, cast):
    from grids.models import Household

    household = actions.create_household(grid=cast.xiguan_grid, house_number="45",
                                         head_name="王建国", head_phone="13800001234")
    page = browser_page
    login_in_browser(page, "centre")
    page.goto(f"{page.base_url}/grids/households/{household.pk}/")
    page.get_by_role("link", name="修改户信息").click()
    page.wait_for_selector("h1:has-text('修改户信息')")
    assert_clean_page(page)
    # Someone else saves while this page is open.
    actions.set_household_flags(Household.objects.get(pk=household.pk), ["低保"],
                                actor=cast.cadre_xiguan)
    page.fill("#id_notes", "我写的备注")
    page.click("button:has-text('保存')")
    page.wait_for_selector("text=刚刚已被他人修改，您的修改未保存")
    assert page.input_value("#id_notes") == "我写的备注"
    assert Household.objects.get(pk=household.pk).notes == ""
    page.click("button:has-text('保存')")  # now a deliberate overwrite
    page.wait_for_selector("text=户信息已保存")
    assert Household.objects.get(pk=household.pk).notes == "我写的备注"
    assert_clean_page(page)

    page.goto(f"{page.base_url}/grids/villages/{cast.xiguan.pk}/responsibilities/")
    page.select_option("#id_kind", "网格员")
    page.select_option("#id_area", str(cast.xiguan_grid.pk))
    page.select_option("#id_user", str(cast.grid_xiguan.pk))
    page.click("button:has-text('落实包抓')")
    page.wait_for_selector("text=已落实包抓")
    assert "无人包抓的户（0）" in page.inner_text("main")
    assert_clean_page(page)
    for path in ["/grids/campaigns/new/", f"/grids/members/{household.head_id}/edit/"]:
        page.goto(page.base_url + path)
        assert_clean_page(page)
