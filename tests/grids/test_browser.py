"""A grid worker on a phone (390×844) finds a household and logs a visit; the form survives
a dropped connection."""

import pytest
from django.urls import reverse

from grids.models import Visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture
def phone(live_server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        context = browser.new_context(viewport={"width": 390, "height": 844},
                                      is_mobile=True, has_touch=True, locale="zh-CN")
        page = context.new_page()
        page.set_default_timeout(8000)
        problems = []
        page.on("console", lambda m: m.type == "error" and problems.append(m.text))
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.on("request", lambda r: r.url.startswith(live_server.url)
                or r.url.startswith("data:") or problems.append(f"外部请求 {r.url}"))
        yield page, context, problems
        browser.close()


def _log_in(page, live_server, username):
    page.goto(live_server.url + reverse("login"))
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pw")
    page.click("button[type=submit]")
    page.wait_for_url(live_server.url + reverse("home"))


def test_grid_worker_finds_a_household_and_logs_a_visit(phone, live_server, cast,
                                                       make_household, campaign):
    page, _context, problems = phone
    make_household(cast.xiguan_grid, head="王建国", members=[("李芳", "配偶")], house=45)
    make_household(cast.xiguan_grid, head="赵大海", house=7)
    _log_in(page, live_server, "grid_xiguan")
    page.goto(live_server.url + reverse("grids:worklist"))
    assert "走访任务" in page.content()
    page.fill("#q", "wjg")
    page.press("#q", "Enter")
    page.wait_for_selector("text=西关村高家庄社45号")
    assert "赵大海" not in page.inner_text("#results")
    page.click("text=记录走访")
    page.wait_for_selector("text=保存走访")
    assert "婚恋纠纷" in page.content()  # the campaign's focus is brought forward
    page.check("label:has-text('李芳') input")
    page.check("label:has-text('民生诉求') input")
    page.fill("textarea[name=notes]", "反映自来水管冻裂，需要维修。")
    page.click("button:has-text('保存走访')")
    page.wait_for_selector("text=走访已保存")
    visit = Visit.objects.get()
    assert visit.findings == ["民生诉求"] and visit.persons_met_text == "李芳（配偶）"
    assert page.url.endswith(reverse("grids:visit_detail", args=[visit.pk]))
    # The page fits the phone: nothing wider than the viewport.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert problems == []


def test_visit_typed_offline_is_sent_once_when_the_network_returns(phone, live_server, cast,
                                                                  make_household):
    page, context, problems = phone
    household = make_household(cast.xiguan_grid, head="王建国")
    _log_in(page, live_server, "grid_xiguan")
    page.goto(live_server.url + reverse("grids:visit_new", args=[household.pk]))
    page.check("label:has-text('无异常') input")
    page.fill("textarea[name=notes]", "一切正常")
    context.set_offline(True)
    page.click("button:has-text('保存走访')")
    page.wait_for_selector("text=网络中断")
    assert Visit.objects.count() == 0
    # Typed data survives a reload of the page from cache-less state: it is in localStorage.
    assert "一切正常" in page.evaluate("JSON.stringify(localStorage)")
    context.set_offline(False)
    for _ in range(50):  # wait_for_function would need eval, which the CSP forbids
        if page.evaluate("localStorage.getItem('pingxiang.visitQueue')") == "[]":
            break
        page.wait_for_timeout(100)
    assert Visit.objects.count() == 1
    # Pressing save again on the same form (same key) still makes one visit.
    page.click("button:has-text('保存走访')")
    page.wait_for_selector("text=已经保存过")
    assert Visit.objects.count() == 1
    problems = [p for p in problems if "ERR_INTERNET_DISCONNECTED" not in p]
    assert problems == []
