"""Journey (issue 19 §1): the town administrator adds a grid worker and assigns them a grid;
the worker logs in with the temporary password, is made to change it, and sees their grid;
then the administrator hands the worker's open items to a successor in one step."""

import pytest
from django.contrib.auth import get_user_model

from .conftest import click_nav, expect_message, go, log_in, log_out, main_text

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEMP = "Linshi-2026"
MINE = "Ziji-mima-2026"


def test_town_admin_adds_a_grid_worker_who_logs_in_then_hands_over(browser_page, cast):
    from cases import actions as case_actions
    from cases.models import Case, Source
    from cases.models import Category as CaseCategory
    from grids.actions import ensure_user, grant_membership
    from grids.models import Membership
    from pingxiang.models import AuditEvent, Notification
    from pingxiang.roles import Role

    admin = ensure_user("town_admin", full_name="郭管理", password="pw")
    grant_membership(admin, cast.town, Role.ADMIN)
    grid = cast.xiguan_grid
    page = browser_page

    # The administrator adds the worker on the pages (no Django admin).
    log_in(page, "town_admin")
    click_nav(page, "人员与岗位")
    page.get_by_role("link", name="新建人员账号").click()
    page.fill("#id_username", "zhengwangge")
    page.fill("#id_name", "郑网格")
    page.fill("#id_mobile", "13912340000")
    page.fill("#id_wecom_userid", "zhengwangge")
    page.select_option("#id_role", Role.VISITOR.value)
    page.select_option("#id_area", str(cast.xiguan.pk))
    page.fill("#id_password", TEMP)
    page.fill("#id_password2", TEMP)
    page.click("button:has-text('建立账号')")
    expect_message(page, "已建立郑网格的账号，首次登录时须修改临时密码。")
    # ...and assigns them a grid.
    page.select_option("#id_role", Role.GRID_WORKER.value)
    page.select_option("#id_area", str(grid.pk))
    page.click("button:has-text('授予')")
    expect_message(page, f"已授予网格员岗位（{grid.name}）。")
    assert "网格员 · 高家庄社第一网格" in main_text(page)
    worker = get_user_model().objects.get(username="zhengwangge")
    assert Membership.objects.filter(user=worker, area=grid, role=Role.GRID_WORKER).exists()
    assert page.console_errors == []
    log_out(page)

    # The worker logs in with the temporary password and must change it first.
    log_in(page, "zhengwangge", TEMP)
    page.wait_for_url("**/account/password/")
    assert "请先修改密码" in main_text(page)
    go(page, "/grids/households/")
    page.wait_for_url("**/account/password/")
    page.fill("#id_old_password", TEMP)
    page.fill("#id_new_password1", MINE)
    page.fill("#id_new_password2", MINE)
    page.click("button:has-text('保存新密码')")
    go(page, "/grids/worklist/")
    assert "走访任务" in main_text(page)
    go(page, "/grids/areas/")
    assert "西关村" in main_text(page)
    log_out(page)

    # The worker has an open dispute; they leave, and the administrator hands it over.
    case = case_actions.register_case(
        actor=cast.centre, area=grid, category=CaseCategory.objects.get(name="邻里"),
        description="邻里排水纠纷", source=Source.WALKIN, parties=[{"name": "甲"}])
    Case.objects.filter(pk=case.pk).update(handler=worker)
    log_in(page, "town_admin")
    go(page, f"/grids/people/{worker.pk}/")
    assert "矛盾纠纷（承办）：1 项" in main_text(page)
    page.get_by_role("link", name="工作移交").click()
    assert case.number in main_text(page)
    page.select_option("#id_successor", str(cast.grid_xiguan.pk))
    page.fill("#id_reason", "调离")
    page.click("button:has-text('全部移交')")
    expect_message(page, "已将1项工作移交给王建国，并已通知接手人。")
    assert Case.objects.get(pk=case.pk).handler == cast.grid_xiguan
    assert AuditEvent.objects.filter(action="case_handler.handover").count() == 1
    assert Notification.objects.filter(recipient=cast.grid_xiguan, kind="handover").exists()
    assert page.console_errors == [] and page.foreign_requests == []
