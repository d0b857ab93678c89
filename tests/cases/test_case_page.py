"""The case page draws what the user sees at once; the action forms, the push's receipts and
the attachments load when the user opens or reaches them (htmx), and each has a page of its
own for a browser without JavaScript."""

import datetime as dt
import re

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from cases import actions
from tests.images import png_bytes

from .conftest import RESOLVE

HTMX = {"HX-Request": "true"}


def detail(case):
    return reverse("cases:case_detail", args=[case.pk])


def form_url(case, name):
    return reverse("cases:case_action_form", args=[case.pk, name])


def test_the_page_draws_no_action_form_until_one_is_opened(login, cast, running_case):
    case = running_case(1)
    client = login(cast.centre)
    html = client.get(detail(case)).content.decode()
    assert "<form" not in html.split('<section class="card actions">', 1)[1].split("</section>")[0]
    for name in ("record_session", "escalate", "resolve"):
        assert f'hx-get="{form_url(case, name)}?version={case.version}"' in html
        assert 'hx-trigger="toggle once"' in html
    # Opened with htmx: the form alone; followed as a link: a page with the form.
    part = client.get(form_url(case, "escalate"), headers=HTMX).content.decode()
    assert part.lstrip().startswith("<form") and 'name="to_level"' in part
    page = client.get(form_url(case, "escalate")).content.decode()
    assert "<html" in page and 'name="to_level"' in page and case.number in page
    assert f'action="{reverse("cases:case_action", args=[case.pk, "escalate"])}"' in page


def test_the_only_action_there_is_comes_drawn_and_open(login, cast, make_case):
    case = make_case()  # registered: a grid worker may only accept it
    html = login(cast.grid_xiguan).get(detail(case)).content.decode()
    assert '<details open id="action-accept">' in html and 'name="level"' in html


def test_a_form_opened_late_still_carries_the_version_of_the_page(login, cast, running_case):
    case = running_case(1)
    client = login(cast.grid_xiguan)
    seen = case.version
    actions.record_session(case, actor=cast.centre, notes="另一人先记了一次")
    part = client.get(form_url(case, "escalate") + f"?version={seen}", headers=HTMX)
    assert f'name="version" value="{seen}"' in part.content.decode()
    bad = client.get(form_url(case, "escalate") + "?version=-3", headers=HTMX)
    assert bad.status_code == 200 and 'name="version" value="' in bad.content.decode()


def test_an_action_the_case_no_longer_offers_says_so(login, cast, running_case):
    case = running_case(1)
    actions.resolve_case(case, actor=cast.centre, **RESOLVE)
    part = login(cast.centre).get(form_url(case, "escalate"), headers=HTMX).content.decode()
    assert "<form" not in part and "不能上报上一级" in part


def test_action_forms_are_refused_to_outsiders_and_readers(login, cast, running_case):
    case = running_case(1)
    assert login(cast.cadre_menghe).get(form_url(case, "escalate")).status_code == 404
    assert login(cast.supervisor).get(form_url(case, "escalate")).status_code == 403
    assert login(cast.centre).get(form_url(case, "no_such_action")).status_code == 404
    assert login(cast.centre).post(form_url(case, "escalate")).status_code == 405


def test_attachments_load_on_their_own_with_the_upload_form(login, cast, running_case):
    case = running_case(1)
    actions.add_attachment(case, actor=cast.centre, kind="photo",
                           upload=SimpleUploadedFile("现场.png", png_bytes(),
                                                     content_type="image/png"))
    client = login(cast.grid_xiguan)
    url = reverse("cases:case_attachments", args=[case.pk])
    html = client.get(detail(case)).content.decode()
    assert f'hx-get="{url}"' in html and 'hx-trigger="revealed"' in html
    assert f'href="{url}"' in html and "attachments/1" not in html
    part = client.get(url, headers=HTMX).content.decode()
    assert "<html" not in part and ".png" in part and 'enctype="multipart/form-data"' in part
    assert "<html" in client.get(url).content.decode()
    # A reader sees the files but is offered no upload.
    read = login(cast.supervisor).get(url, headers=HTMX).content.decode()
    assert ".png" in read and "<form" not in read
    assert login(cast.cadre_menghe).get(url).status_code == 404


def test_a_pushed_case_shows_its_push_and_whose_receipt_is_waiting(login, cast, make_case):
    case = make_case(source="court", area=cast.xiguan)
    receipts = list(case.referral.receipts.select_related("recipient").order_by("pk"))
    assert receipts  # the court's push went to someone
    url = reverse("cases:case_referral", args=[case.pk])
    for user in {r.recipient for r in receipts}:
        html = login(user).get(detail(case)).content.decode()
        assert "签收" in html and f'hx-get="{url}"' in html
    client = login(cast.leader)
    html = client.get(detail(case)).content.decode()
    assert "<button type=\"submit\">签收</button>" not in html
    part = client.get(url, headers=HTMX).content.decode()
    assert part.count("<li>") == len(receipts) and "未签收" in part
    assert "<html" in client.get(url).content.decode()


def test_a_case_that_was_not_pushed_has_no_push_section(login, cast, running_case):
    case = running_case(1)
    client = login(cast.centre)
    assert 'id="referral"' not in client.get(detail(case)).content.decode()
    url = reverse("cases:case_referral", args=[case.pk])
    assert "不是推送来的" in client.get(url, headers=HTMX).content.decode()


# What the page asks for: the session and its user, the user's memberships (with their
# areas), the case (with its category and people), the area tree's version, the access-log
# row, the version of the ladder and policy (the process holds them: cases.models
# reference), the pending pause (a running case only), the push, the timeline, the header's
# unread count, the parties, the level stints, the agreements and the cases merged into it
# (issue 19; their histories join the timeline's one query).
PAGE_QUERIES = 15


def test_the_case_page_costs_the_same_few_queries_whatever_it_holds(
        login, cast, running_case, django_assert_num_queries):
    case = running_case(1, at=timezone.now() - dt.timedelta(days=1))
    client = login(cast.centre)
    client.get(detail(case))  # the session's once-a-minute save, out of the way
    with django_assert_num_queries(PAGE_QUERIES):
        assert client.get(detail(case)).status_code == 200
    for n in range(4):
        actions.record_session(case, actor=cast.grid_xiguan if n % 2 else cast.centre,
                               notes=f"第{n + 1}次调解")
        actions.add_attachment(case, actor=cast.centre, kind="photo",
                               upload=SimpleUploadedFile(f"{n}.png", png_bytes(),
                                                         content_type="image/png"))
    actions.resolve_case(case, actor=cast.centre, **RESOLVE)
    actions.follow_up(case, actor=cast.grid_xiguan, visited_on=timezone.localdate(),
                      carried_out=True, satisfaction="satisfied", notes="已修好")
    with django_assert_num_queries(PAGE_QUERIES - 1) as queries:  # closed: no pending pause
        assert client.get(detail(case)).status_code == 200
    assert not any(re.search(r'FROM "cases_(mediationsession|followup|attachment)"', q["sql"])
                   for q in queries.captured_queries)
