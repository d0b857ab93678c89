import re
from urllib.parse import urlparse

import pytest
from django.utils import timezone

from cases.models import Case, Category

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_centre_staff_triages_a_police_push_and_resolves_it_by_peoples_mediation(
        live_server, cast):
    from playwright.sync_api import sync_playwright

    from cases import actions

    case = actions.register_case(
        actor=cast.centre, area=cast.xiguan_grid, category=Category.objects.get(name="邻里"),
        description="两户因宅前道路通行发生推搡，派出所出警后推送", risk="orange",
        source="police", source_ref="警情20261128-007",
        parties=[{"name": "马建军"}, {"name": "牛桂兰"}])
    host = urlparse(live_server.url).netloc
    errors, foreign = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("request", lambda r: foreign.append(r.url)
                if urlparse(r.url).netloc not in (host, "") and not r.url.startswith("data:")
                else None)
        page.goto(f"{live_server.url}/account/login/")
        page.fill("#id_username", "centre")
        page.fill("#id_password", "pw")
        page.click("button[type=submit]")
        page.wait_for_url(re.compile(r".*/$"))
        assert "综治中心工作台" in page.content()

        page.goto(f"{live_server.url}/cases/mine/")
        pushed = page.locator("#section-pushed")
        assert "推送待签收" in pushed.inner_text()
        pushed.get_by_role("link", name=case.number).click()
        assert "警情推送" in page.content() and "警情20261128-007" in page.content()

        # Triage: take it at level 3 (镇综治中心 with 派出所).
        page.locator("#action-accept").evaluate("d => { d.open = true; }")
        page.select_option("#action-accept select[name=level]", "3")
        page.click("#action-accept button[type=submit]")
        assert "受理：已办理" in page.content()
        assert "第3级" in page.locator("#case-state").inner_text()

        # Resolve with a people's-mediation agreement.
        page.locator("#action-resolve").evaluate("d => { d.open = true; }")
        form = page.locator("#action-resolve form")
        form.locator("select[name=method]").select_option("people")
        form.locator("select[name=kind]").select_option("written")
        form.locator("textarea[name=facts]").fill("两户因宅前道路通行发生争执。")
        form.locator("textarea[name=terms]").fill("马建军家拆除堆放的柴草，保持道路畅通。")
        form.locator("textarea[name=performance]").fill("三日内在现场履行，村调委会监督。")
        form.locator("button[type=submit]").click()
        text = page.content()
        assert "化解：已办理" in text and "已化解" in text
        due = Case.objects.get(pk=case.pk).followup_due_on
        assert due == timezone.localdate() + timezone.timedelta(days=7)
        assert f"{due:%Y-%m-%d} 回访" in page.locator("#followup-due").inner_text()
        assert page.get_by_role("link", name="书面调解协议书").count() == 1
        browser.close()
    assert not errors, errors
    assert not foreign, foreign
