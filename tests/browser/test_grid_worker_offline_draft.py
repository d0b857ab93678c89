"""A visit queued offline and sent later takes its draft with it (390×844): the next visit to
the same household starts from a new key, and its finding is saved rather than being taken
for the first visit ("这次走访已经保存过")."""

import pytest

from grids import actions
from grids.models import Visit
from tests.browser.conftest import wait_until
from tests.conftest import assert_clean_page, login_in_browser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

QUEUE = "document.getElementById('offline-queue-count').dataset.count"


@pytest.mark.viewport(390, 844)
def test_the_next_visit_after_an_offline_one_is_saved_with_its_finding(browser_page, cast):
    household = actions.create_household(grid=cast.xiguan_grid, house_number="7",
                                         head_name="李有田", head_phone="13800001234")
    page = browser_page
    login_in_browser(page, "grid_xiguan")
    visit_url = f"{page.base_url}/grids/households/{household.pk}/visit/"
    page.goto(visit_url)
    page.check("label:has-text('无异常') input")
    page.fill("textarea[name=notes]", "一切正常。")
    page.context.set_offline(True)
    page.click("button:has-text('保存走访')")
    page.wait_for_selector("text=网络中断：这次走访已保存在本机")
    page.context.set_offline(False)  # the page's `online` handler sends the queue
    assert wait_until(page, lambda: page.evaluate(QUEUE) == "0", timeout_ms=8000)
    page.wait_for_selector("text=待补发的走访已全部保存")
    assert Visit.objects.filter(household=household).count() == 1

    # A week later, the same household: a hazard this time. The form starts empty.
    page.goto(visit_url)
    assert not page.is_checked("label:has-text('无异常') input")
    assert page.input_value("textarea[name=notes]") == ""
    assert page.is_hidden("#offline-status")
    assert "走访已保存" not in page.inner_text("main"), page.inner_text("main")
    page.check("label:has-text('安全隐患') input")
    page.fill("textarea[name=notes]", "灶房电线老化裸露。")
    page.click("button:has-text('保存走访')")
    page.wait_for_selector("text=走访已保存")
    visits = list(Visit.objects.filter(household=household).order_by("pk"))
    assert len(visits) == 2
    assert visits[0].findings == ["无异常"] and visits[0].notes == "一切正常。"
    assert visits[1].findings == ["安全隐患"] and visits[1].notes == "灶房电线老化裸露。"
    assert visits[0].idempotency_key != visits[1].idempotency_key
    page.console_errors[:] = [e for e in page.console_errors
                              if "ERR_INTERNET_DISCONNECTED" not in e]
    assert_clean_page(page)
