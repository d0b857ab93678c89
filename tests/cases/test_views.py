import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from cases import actions
from cases.models import Case, Category, Status
from grids.residents import find_or_create_resident
from tests.images import decoded, png_bytes

from .conftest import RESOLVE, id_number, local

pytestmark = pytest.mark.django_db
PNG = png_bytes()


def detail(case):
    return reverse("cases:case_detail", args=[case.pk])


def act(case, name):
    return reverse("cases:case_action", args=[case.pk, name])


def test_intake_is_prefilled_from_a_visit_or_push(login, cast):
    resident = find_or_create_resident(name="王大山", id_number=id_number(),
                                       area=cast.xiguan_grid).resident
    url = (reverse("cases:case_create") + f"?source=visit&area={cast.xiguan_grid.pk}"
           f"&description=院墙排水纠纷&party={resident.pk}&visit=12")
    html = login(cast.grid_xiguan).get(url).content.decode()
    assert "院墙排水纠纷" in html and "走访记录#12" in html
    assert f'value="{resident.pk}" checked' in html or f'value="{resident.pk}"' in html
    assert 'value="visit" selected' in html


def test_intake_creates_the_case_with_parties_and_source_reference(login, cast):
    known = find_or_create_resident(name="王大山", id_number=id_number(),
                                    area=cast.xiguan_grid).resident
    number = id_number()
    from django.utils import timezone

    from petitions.actions import register_petition
    from petitions.models import Category as PetitionCategory
    from petitions.models import Petition

    petition = register_petition(
        actor=cast.centre, channel=Petition.Channel.VISIT, area=cast.xiguan_grid,
        received_at=timezone.now(), petitioner={"name": "李小河"}, title="彩礼",
        content="要求退还彩礼", category=PetitionCategory.objects.first())
    client = login(cast.grid_xiguan)
    response = client.post(reverse("cases:case_create") + f"?party={known.pk}", {
        "village": cast.xiguan.pk, "area": cast.xiguan_grid.pk,
        "category": Category.objects.get(name="婚恋").pk, "description": "退还彩礼纠纷",
        "risk": "yellow", "source": "petition", "source_ref": f"信访件#{petition.pk}",
        "petition": str(petition.pk),
        "known_parties": [known.pk],
        "party-TOTAL_FORMS": "3", "party-INITIAL_FORMS": "0",
        "party-0-name": "李小河", "party-0-id_number": number, "party-0-phone": "13800001111",
        "party-1-name": "", "party-2-name": "",
    })
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == detail(case)
    assert (case.source, case.source_ref, case.source_petition_id) == (
        "petition", f"信访件#{petition.pk}", petition.pk)
    petition.refresh_from_db()
    assert petition.dispute_case_id == case.pk  # 访调对接: the petition shows the case
    assert case.grid == cast.xiguan_grid and case.village == cast.xiguan
    assert sorted(case.parties.values_list("name", flat=True)) == ["李小河", "王大山"]
    assert case.status == Status.REGISTERED
    assert "平襄-2026-" in client.get(detail(case)).content.decode()


def test_intake_with_a_bad_id_number_shows_the_error_and_saves_nothing(login, cast):
    good = id_number()
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    response = login(cast.centre).post(reverse("cases:case_create"), {
        "village": cast.xiguan.pk, "category": Category.objects.get(name="邻里").pk,
        "description": "x", "risk": "blue", "source": "walkin",
        "party-TOTAL_FORMS": "1", "party-INITIAL_FORMS": "0",
        "party-0-name": "李小河", "party-0-id_number": bad})
    assert response.status_code == 200
    assert "校验位不正确" in response.content.decode()
    assert not Case.objects.exists()


def test_grid_worker_cannot_open_list_export_or_attach_to_another_villages_case(
        login, cast, make_case):
    mine = make_case(area=cast.xiguan_grid)
    other = make_case(area=cast.menghe)
    other.description = "孟河村的纠纷"
    Case.objects.filter(pk=other.pk).update(description="孟河村的纠纷")
    client = login(cast.grid_xiguan)
    assert client.get(detail(mine)).status_code == 200
    assert client.get(detail(other)).status_code == 404
    assert client.post(act(other, "accept"), {"version": 0, "level": 1}).status_code == 404
    upload = SimpleUploadedFile("a.png", PNG, content_type="image/png")
    assert client.post(reverse("cases:case_attach", args=[other.pk]),
                       {"kind": "photo", "file": upload}).status_code == 404
    html = client.get(reverse("cases:case_list")).content.decode()
    assert mine.number in html and other.number not in html
    book = load_workbook(io.BytesIO(b"".join(client.get(reverse("cases:case_export")).streaming_content)))
    cells = [c for row in book.active.iter_rows(values_only=True) for c in row]
    assert mine.number in cells and other.number not in cells


def test_supervisor_reads_but_cannot_act_and_wrong_methods_are_refused(login, cast, make_case):
    case = make_case()
    client = login(cast.supervisor)
    assert client.get(detail(case)).status_code == 200
    assert client.post(act(case, "accept"), {"version": 0, "level": 1}).status_code == 403
    assert client.get(act(case, "accept")).status_code == 405
    assert client.post(detail(case)).status_code == 405
    assert client.get(reverse("cases:case_create")).status_code == 403
    client.logout()
    assert client.get(detail(case)).status_code == 302


def test_grid_worker_cannot_start_a_case_above_level_one(login, cast, make_case):
    case = make_case()
    client = login(cast.grid_xiguan)
    response = client.post(act(case, "accept"), {"version": case.version, "level": 3})
    # The page comes back (200, not 400: browsers log a 400 as an error) with the reason.
    assert response.status_code == 200
    assert "选择一个有效的选项" in response.content.decode()
    assert Case.objects.get(pk=case.pk).status == Status.REGISTERED
    assert not case.stints.exists()
    client.post(act(case, "accept"), {"version": case.version, "level": 1})
    assert Case.objects.get(pk=case.pk).level == 1


def test_each_roles_inbox(login, cast, make_case, running_case):
    level1 = running_case(1, area=cast.xiguan_grid)
    level2 = running_case(2, area=cast.xiguan)
    other_level1 = running_case(1, area=cast.menghe_grid)
    new_red = make_case(risk="red", area=cast.xiguan)
    pushed = make_case(source="police", area=cast.xiguan_grid)
    level4 = running_case(3, area=cast.menghe, risk="red")
    actions.escalate_case(level4, actor=cast.centre, reason="未成")
    charged = running_case(2, area=cast.xiguan)
    actions.take_charge(charged, actor=cast.leader)
    overdue = running_case(3, area=cast.xiguan, at=timezone.now() - dt.timedelta(days=10))

    def sections(user):
        page = login(user).get(reverse("cases:my_cases"))
        return {s.key: {c.number for c in s.cases} for s in page.context["sections"]}

    grid = sections(cast.grid_xiguan)
    assert grid["level"] == {level1.number}
    assert pushed.number in grid["pushed"] and pushed.number in grid["new"]
    assert other_level1.number not in set().union(*grid.values())
    cadre = sections(cast.cadre_xiguan)
    assert cadre["level"] == {level2.number, charged.number}
    centre = sections(cast.centre)
    assert {new_red.number, pushed.number} <= centre["new"]
    assert pushed.number in centre["pushed"] and new_red.number in centre["red"]
    assert overdue.number in centre["overdue"] and overdue.number in centre["level"]
    leader = sections(cast.leader)
    assert leader["charge"] == {charged.number}
    assert leader["level"] == {level4.number}
    assert sections(cast.grid_menghe)["level"] == {other_level1.number}


def test_overdue_is_derived_from_the_stored_deadline_without_the_sweep(login, cast,
                                                                        running_case):
    late = running_case(1, at=timezone.now() - dt.timedelta(days=6))
    fine = running_case(1)
    html = login(cast.centre).get(reverse("cases:case_list") + "?status=overdue").content.decode()
    assert late.number in html and fine.number not in html
    assert "已逾期" in login(cast.centre).get(detail(late)).content.decode()


def _bulk(cast, n):
    cat = Category.objects.get(name="邻里")
    for _ in range(n):
        case = actions.register_case(actor=cast.centre, area=cast.xiguan_grid, category=cat,
                                     description="x", source="walkin",
                                     parties=[{"name": "甲"}, {"name": "乙"}])
        actions.accept_case(case, actor=cast.centre, level=1)


def test_case_list_and_ledger_export_keep_a_constant_number_of_queries(login, cast):
    client = login(cast.centre)
    _bulk(cast, 2)
    client.get(reverse("cases:case_list"))  # the session's once-a-minute save, out of the way
    counts = []
    for more in (0, 8):
        _bulk(cast, more)
        with CaptureQueriesContext(connection) as list_q:
            assert client.get(reverse("cases:case_list") + "?status=active").status_code == 200
        with CaptureQueriesContext(connection) as export_q:
            response = client.get(reverse("cases:case_export"))
            body = b"".join(response.streaming_content)
        counts.append((len(list_q), len(export_q)))
    assert counts[0] == counts[1]
    rows = list(load_workbook(io.BytesIO(body)).active.iter_rows(values_only=True))
    assert rows[0][0] == "矛盾纠纷排查化解台账"
    assert rows[2][:3] == ("序号", "案件编号", "登记时间")
    assert len(rows) == 3 + 10
    assert rows[3][4] == "甲、乙" or rows[3][4] == "乙、甲"


def test_list_filters_and_pages(login, cast, make_case):
    _bulk(cast, 3)
    make_case(area=cast.menghe, category="婚恋")
    client = login(cast.centre)
    page = client.get(reverse("cases:case_list"), {"village": cast.menghe.pk}).context["page"]
    assert [c.village for c in page] == [cast.menghe]
    page = client.get(reverse("cases:case_list"),
                      {"category": Category.objects.get(name="婚恋").pk}).context["page"]
    assert len(page) == 1
    page = client.get(reverse("cases:case_list"), {"level": 1, "source": "walkin"}).context["page"]
    assert len(page) == 3
    response = client.get(reverse("cases:case_list"), {"page": 1}, HTTP_HX_REQUEST="true")
    assert b"<html" not in response.content and b'id="case-table"' in response.content


def test_attachments_checked_by_content_and_served_only_to_those_who_see_the_case(
        login, cast, make_case, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    case = make_case()
    client = login(cast.cadre_xiguan)
    url = reverse("cases:case_attach", args=[case.pk])
    client.post(url, {"kind": "photo", "file": SimpleUploadedFile("现场.png", PNG)})
    fake = SimpleUploadedFile("协议.pdf", b"MZ\x90\x00 not a pdf")
    response = client.post(url, {"kind": "agreement", "file": fake}, follow=True)
    assert "类型不受支持" in response.content.decode()
    settings.UPLOAD_MAX_BYTES = 50
    response = client.post(url, {"kind": "photo", "file": SimpleUploadedFile("大.png", PNG)},
                           follow=True)
    assert "超过上限" in response.content.decode()
    attachment = case.attachments.get()
    download = reverse("cases:attachment_download", args=[case.pk, attachment.pk])
    response = client.get(download)
    # The photo as stored: re-encoded (pingxiang.uploads), the same picture.
    assert response.status_code == 200
    assert decoded(b"".join(response.streaming_content)) == decoded(PNG)
    assert login(cast.cadre_menghe).get(download).status_code == 404


def test_a_stale_page_cannot_overwrite_and_the_user_is_told(login, cast, running_case):
    case = running_case(1)
    seen = case.version
    login(cast.centre).post(act(case, "escalate"), {"version": seen, "to_level": 2,
                                                    "reason": "调解未成"})
    response = login(cast.cadre_xiguan).post(act(case, "resolve"), {
        "version": seen, **RESOLVE, "reached_on": timezone.localdate().isoformat()},
        follow=True)
    html = response.content.decode()
    assert "刚刚已被他人办理" in html
    case.refresh_from_db()
    assert (case.status, case.level) == (Status.ACCEPTED, 2)


def test_resolving_through_the_page_prints_an_agreement(login, cast, running_case):
    case = running_case(1)
    client = login(cast.grid_xiguan)
    response = client.post(act(case, "resolve"), {
        "version": case.version, **RESOLVE, "reached_on": timezone.localdate().isoformat()},
        follow=True)
    html = response.content.decode()
    assert "已化解" in html and "回访" in html
    agreement = case.agreements.get()
    page = client.get(reverse("cases:agreement_print", args=[case.pk, agreement.pk]))
    text = page.content.decode()
    assert "人民调解协议书" in text and "三十日内共同向人民法院申请司法确认" in text


def test_acknowledging_a_push_clears_it_from_the_inbox(login, cast, make_case):
    case = make_case(source="court", area=cast.xiguan)
    client = login(cast.cadre_xiguan)
    assert "签收" in client.get(detail(case)).content.decode()
    client.post(act(case, "acknowledge"))
    sections = {s.key: s for s in client.get(reverse("cases:my_cases")).context["sections"]}
    assert not sections["pushed"].cases


def test_leader_takes_charge_from_the_page(login, cast, running_case):
    case = running_case(3, area=cast.xiguan)
    client = login(cast.leader)
    client.post(act(case, "take_charge"), {"version": case.version, "note": "包案"})
    assert Case.objects.get(pk=case.pk).took_charge_by == cast.leader
    assert local(2026, 1, 1)  # helper import used


def test_each_action_button_is_answered_with_the_same_verb(login, cast, running_case):
    """The button says 记录调解, the message says 已记录调解。 (not 调解记录：已办理)."""
    from cases.views import ACTION_FORMS, ACTION_TEXT, done_message

    assert set(ACTION_TEXT) == set(ACTION_FORMS)
    for name in ACTION_TEXT:
        data = {"approve": True} if name == "decide_pause" else {}
        assert done_message(name, data).startswith("已"), name
        assert "已办理" not in done_message(name, data)
    case = running_case(1)
    client = login(cast.grid_xiguan)
    html = client.get(detail(case)).content.decode()
    form_url = reverse("cases:case_action_form", args=[case.pk, "record_session"])
    assert "<summary>记录调解</summary>" in html and f'href="{form_url}?version=' in html
    shown = client.get(form_url, headers={"HX-Request": "true"}).content.decode()
    assert '<button type="submit">记录调解</button>' in shown and "<html" not in shown
    response = client.post(act(case, "record_session"), {
        "version": case.version, "notes": "双方到场，各自陈述"}, follow=True)
    assert [str(m) for m in response.context["messages"]] == ["已记录调解。"]
    assert case.sessions.count() == 1
    refused = client.post(act(case, "record_session"), {"version": case.version + 1})
    assert refused.status_code == 200 and "这个字段是必填项" in refused.content.decode()
    assert case.sessions.count() == 1


def test_a_refused_mediation_comes_back_with_what_was_typed_and_why(login, cast, running_case):
    registered = timezone.now() - dt.timedelta(days=2)
    case = running_case(1, at=registered)
    client = login(cast.grid_xiguan)
    early = timezone.localtime(registered - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    typed = {"held_at": early, "place": "村委会调解室", "participants": "王大山、李小河、村调委会",
             "notes": "双方到场，各自陈述，约定下周再谈"}
    response = client.post(act(case, "record_session"), {"version": case.version, **typed})
    assert response.status_code == 200
    html = response.content.decode()
    shown = timezone.localtime(case.received_at).strftime("%Y-%m-%d %H:%M")
    assert f"调解时间不能早于案件登记时间（{shown}）。" in html
    assert '<details open id="action-record_session">' in html
    for value in typed.values():
        assert value in html, value
    assert case.sessions.count() == 0
    # Put right, the same form is saved.
    typed["held_at"] = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    done = client.post(act(case, "record_session"), {"version": case.version, **typed})
    assert done.status_code == 302 and case.sessions.count() == 1


def test_each_timeline_line_is_a_sentence_with_an_actor_and_a_verb(login, cast, running_case):
    import re

    case = running_case(1, at=timezone.now() - dt.timedelta(hours=3))
    actions.record_session(case, actor=cast.grid_xiguan, notes="双方到场")
    actions.escalate_case(case, actor=cast.grid_xiguan, reason="分歧较大")
    html = login(cast.centre).get(detail(case)).content.decode()
    timeline = html.split('<ol class="timeline">', 1)[1].split("</ol>", 1)[0]
    lines = [re.sub(r"<[^>]+>", " ", li).split() for li in timeline.split("<li>")[1:]]
    names = {u.username: f"{u.last_name}{u.first_name}" or u.username
             for u in (cast.centre, cast.grid_xiguan)}
    assert len(lines) == 4
    for words in lines:
        text = " ".join(words)
        assert "—" not in text and "→" not in text, text
        assert words[0] in names.values() and words[1] == "于", text  # who, then when
    texts = [" ".join(w) for w in lines]
    assert texts[0].startswith(f"{names['centre']} 于 ") and "登记了矛盾纠纷" in texts[0]
    assert "受理，由第1级（" in texts[1] and "将状态由 登记 改为 " in texts[1]
    assert texts[2].startswith(f"{names['grid_xiguan']} 于 ") and "记录调解，将状态由 " in texts[2]
    assert "上报至第2级（" in texts[3] and "分歧较大" in texts[3]


def _intake_post(cast, **overrides):
    return {"village": cast.xiguan.pk, "category": Category.objects.get(name="邻里").pk,
            "description": "宅前道路通行纠纷", "risk": "blue", "source": "walkin",
            "party-TOTAL_FORMS": "1", "party-INITIAL_FORMS": "0", "party-0-name": "马建军",
            **overrides}


def test_intake_lists_each_villages_places_under_its_name(login, cast):
    html = login(cast.centre).get(reverse("cases:case_create")).content.decode()
    assert ">西关村 · 高家庄社第一网格</option>" in html
    assert ">孟河村 · 孟河一社</option>" in html
    # The area picker (grids.pickers): a plain select, and a search box asking the area
    # autocomplete for 社 and 网格 within the chosen village.
    pick = reverse("grids:pick_area") + "?field=area&amp;kind=group&amp;kind=grid"
    assert f'hx-get="{pick}"' in html and "[name='village']" in html
    # A grid worker of 西关村 is offered 西关村's places only.
    client = login(cast.grid_xiguan)
    html = client.get(reverse("cases:case_create")).content.decode()
    assert "西关村 · 高家庄社第一网格" in html and "孟河" not in html
    answer = client.get(reverse("grids:pick_area"), {
        "field": "area", "kind": ["group", "grid"], "village": cast.xiguan.pk, "area__q": "高家庄"})
    assert f'value="{cast.xiguan_grid.pk}"' in answer.content.decode()
    assert f'value="{cast.xiguan.pk}"' not in answer.content.decode()  # not the village itself
    answer = client.get(reverse("grids:pick_area"), {
        "field": "area", "kind": ["group", "grid"], "village": cast.menghe.pk})
    assert "没有相符的选项" in answer.content.decode() and "孟河" not in answer.content.decode()


def test_intake_refuses_a_grid_of_another_village(login, cast):
    client = login(cast.centre)
    response = client.post(reverse("cases:case_create"),
                           _intake_post(cast, area=cast.menghe_grid.pk))
    assert response.status_code == 200
    assert "所选社/网格“孟河一社网格”不在西关村，请重新选择。" in response.content.decode()
    assert not Case.objects.exists()
    # Outside the user's villages the place is not even a choice.
    response = login(cast.grid_xiguan).post(reverse("cases:case_create"),
                                            _intake_post(cast, area=cast.menghe_grid.pk))
    assert response.status_code == 200 and "选择一个有效的选项" in response.content.decode()
    assert not Case.objects.exists()
    client.post(reverse("cases:case_create"), _intake_post(cast, area=cast.xiguan_grid.pk))
    assert Case.objects.get().grid == cast.xiguan_grid


def test_the_agreement_gives_each_partys_home_address_never_a_grid_name(login, cast):
    from grids.actions import create_household

    number = id_number()
    create_household(grid=cast.xiguan_grid, house_number="45", head_name="王建军",
                     head_id_number=number, head_phone="13800001234")
    client = login(cast.centre)
    client.post(reverse("cases:case_create"), _intake_post(
        cast, area=cast.xiguan_grid.pk, **{
            "party-TOTAL_FORMS": "3",
            "party-0-name": "王建军", "party-0-id_number": number,  # on file, with a household
            "party-1-name": "张宏", "party-1-address": "陇西县文峰镇东街12号",  # from elsewhere
            "party-2-name": "李四"}))  # neither: no address rather than a wrong one
    case = Case.objects.get()
    case = actions.accept_case(case, actor=cast.centre, level=3)
    actions.resolve_case(case, actor=cast.centre, reached_on=timezone.localdate(), **RESOLVE)
    agreement = case.agreements.get()
    page = client.get(reverse("cases:agreement_print", args=[case.pk, agreement.pk]))
    text = page.content.decode()
    paper = text[text.index('<article class="agreement'):text.index("</article>")]
    wang = paper[paper.index("<li>王建军"):]
    assert wang[:wang.index("</li>")].endswith("住西关村高家庄社45号")
    assert "张宏，住陇西县文峰镇东街12号" in paper
    assert "<li>李四</li>" in paper
    assert "网格" not in paper


def test_case_list_pages_by_the_configured_page_size(login, cast, settings):
    settings.LIST_PAGE_SIZE = 5
    _bulk(cast, 7)
    client = login(cast.centre)
    first = client.get(reverse("cases:case_list")).content.decode()
    second = client.get(reverse("cases:case_list") + "?page=2").content.decode()
    assert first.count('class="tag risk-') == 5 and "第 1/2 页" in first and "下一页" in first
    assert second.count('class="tag risk-') == 2 and "上一页" in second


def test_case_page_reads_the_ladder_from_the_process_and_an_edit_shows_at_once(
        login, cast, running_case):
    """The ladder, the policy and the categories are held by the process (cases.models
    reference): a case page reads only their version, and an administrator's edit moves it,
    so the next page shows the edit."""
    from cases.models import Level

    case = running_case(1)
    client = login(cast.centre)
    url = reverse("cases:case_detail", args=[case.pk])
    client.get(url)  # the session's once-a-minute save, out of the way
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    reads = [q["sql"] for q in queries]
    assert not [sql for sql in reads if 'FROM "cases_level"' in sql or 'FROM "cases_policy"' in sql]
    assert sum("cases_reference_version" in sql for sql in reads) == 1
    Level.objects.filter(number=1).update(name="网格随手调（改）")
    assert "网格随手调（改）" in client.get(url).content.decode()


def test_the_intake_picks_the_village_and_its_place_by_searching(login, cast):
    """A county's 330 villages are too many for a plain select: the village is the area
    picker over villages, the 社/网格 the picker within the chosen village (issue 19 §4)."""
    html = login(cast.centre).get(reverse("cases:case_create")).content.decode()
    assert 'name="village__q"' in html and 'name="area__q"' in html
    assert "kind=village" in html
    assert f'value="{cast.xiguan.pk}"' in html  # still a plain select without JavaScript
