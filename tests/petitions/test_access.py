"""Confidentiality: who filed a petition and what it says is seen only by centre staff
and the leader in charge — on pages, lists, search, htmx partials, letters, attachments
and exports; everyone else who answers for the area sees only that it exists."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from petitions import actions
from petitions.models import Petition
from pingxiang.models import AccessEvent
from tests.images import png_bytes

from .conftest import person

pytestmark = pytest.mark.django_db

NAME, TITLE, CONTENT = "保密张三", "秘密事项甲", "内容机密乙"
PNG = png_bytes()


@pytest.fixture
def secret(cast, make_petition):
    return make_petition(area=cast.xiguan_grid, who=person(501, NAME), title=TITLE,
                         content=CONTENT, channel_ref="LX-501",
                         attachments=[SimpleUploadedFile("证据.png", PNG, "image/png")])


@pytest.fixture
def elsewhere(cast, make_petition):
    return make_petition(area=cast.menghe_grid, who=person(502, "孟河李四"), title="孟河事项")


def html(response):
    return response.content.decode()


def export_text(client, query=""):
    response = client.get(reverse("petitions:export") + query)
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    return "\n".join(" ".join(str(c) for c in row if c is not None)
                     for row in wb.active.iter_rows(values_only=True))


READERS = ["centre"]
EXISTENCE_ONLY = ["grid_xiguan", "cadre_xiguan", "leader", "supervisor"]
OUTSIDERS = ["grid_menghe", "cadre_menghe"]


@pytest.mark.parametrize("who", READERS)
def test_centre_staff_read_everything(cast, login, secret, who):
    client = login(getattr(cast, who))
    page = html(client.get(reverse("petitions:detail", args=[secret.pk])))
    assert NAME in page and TITLE in page and CONTENT in page
    assert NAME in html(client.get(reverse("petitions:list")))
    assert NAME in export_text(client) and TITLE in export_text(client)


@pytest.mark.parametrize("who", EXISTENCE_ONLY)
def test_area_users_see_that_it_exists_not_who_or_what(cast, login, secret, who):
    client = login(getattr(cast, who))
    response = client.get(reverse("petitions:detail", args=[secret.pk]))
    assert response.status_code == 200
    page = html(response)
    assert secret.number in page and "西关村" in page and "来信" in page
    for hidden in (NAME, TITLE, CONTENT, "LX-501", "证据.png", secret.petitioner.id_number[-4:]):
        assert hidden not in page, hidden
    listing = html(client.get(reverse("petitions:list")))
    assert secret.number in listing and NAME not in listing and TITLE not in listing
    partial = html(client.get(reverse("petitions:list"), headers={"HX-Request": "true"}))
    assert secret.number in partial and NAME not in partial and "<html" not in partial
    text = export_text(client)
    assert secret.number in text and NAME not in text and TITLE not in text
    assert "LX-501" not in text


@pytest.mark.parametrize("who", EXISTENCE_ONLY)
def test_search_does_not_reveal_confidential_matches(cast, login, secret, who):
    client = login(getattr(cast, who))
    for term in (NAME, TITLE, CONTENT, "LX-501", secret.petitioner.id_number):
        page = html(client.get(reverse("petitions:list"), {"q": term},
                               headers={"HX-Request": "true"}))
        assert secret.number not in page, term
        assert "共 <strong class=\"total\" data-total=\"0\">0</strong> 件" in page
        assert NAME not in export_text(client, f"?q={term}")
    # The public number still finds it.
    assert secret.number in html(client.get(reverse("petitions:list"), {"q": secret.number}))


def test_centre_staff_search_by_name_content_and_id(cast, login, secret, elsewhere):
    client = login(cast.centre)
    for term in (NAME, "机密", secret.petitioner.id_number, "LX-501"):
        page = html(client.get(reverse("petitions:list"), {"q": term}))
        assert secret.number in page and elsewhere.number not in page, term


@pytest.mark.parametrize("who", OUTSIDERS)
def test_another_villages_petition_is_404_and_absent(cast, login, secret, who):
    client = login(getattr(cast, who))
    assert client.get(reverse("petitions:detail", args=[secret.pk])).status_code == 404
    assert client.get(reverse("petitions:action", args=[secret.pk, "decide"])).status_code == 404
    assert client.get(reverse("petitions:letter", args=[secret.pk])).status_code == 404
    assert secret.number not in html(client.get(reverse("petitions:list")))
    assert secret.number not in export_text(client)


@pytest.mark.parametrize("who", EXISTENCE_ONLY)
def test_existence_only_users_cannot_act_print_or_download(cast, login, secret, who):
    client = login(getattr(cast, who))
    attachment = secret.attachments.get()
    assert client.get(reverse("petitions:action", args=[secret.pk, "decide"])).status_code == 403
    response = client.post(reverse("petitions:action", args=[secret.pk, "decide"]),
                           {"decision": "accept"})
    assert response.status_code == 403
    assert client.get(reverse("petitions:letter", args=[secret.pk])).status_code == 403
    assert client.get(reverse("petitions:attachment",
                              args=[secret.pk, attachment.pk])).status_code == 403
    assert client.post(reverse("petitions:to_case", args=[secret.pk])).status_code == 403
    assert Petition.objects.get(pk=secret.pk).status == Petition.Status.REGISTERED


def test_the_leader_in_charge_reads_and_handles(cast, login, secret):
    client = login(cast.leader)
    assert NAME not in html(client.get(reverse("petitions:detail", args=[secret.pk])))
    response = client.post(reverse("petitions:take", args=[secret.pk]))
    assert response.status_code == 302
    page = html(client.get(reverse("petitions:detail", args=[secret.pk])))
    assert NAME in page and CONTENT in page
    assert NAME in html(client.get(reverse("petitions:list")))
    assert NAME in export_text(client)
    response = client.post(reverse("petitions:action", args=[secret.pk, "decide"]),
                           {"decision": "accept"})
    assert response.status_code == 302
    assert Petition.objects.get(pk=secret.pk).status == Petition.Status.ACCEPTED
    home = html(client.get(reverse("home")))
    assert "我包案的信访件" in home and secret.number in home


def test_views_and_exports_are_written_to_the_access_log(cast, login, secret):
    client = login(cast.centre)
    client.get(reverse("petitions:detail", args=[secret.pk]))
    event = AccessEvent.objects.get(kind=AccessEvent.Kind.VIEW, object_id=str(secret.pk))
    assert event.username == "centre" and "详情" in event.detail
    export_text(client, "?channel=letter")
    event = AccessEvent.objects.get(kind=AccessEvent.Kind.EXPORT)
    assert event.username == "centre" and "channel=letter" in event.detail
    client.get(reverse("petitions:attachment", args=[secret.pk, secret.attachments.get().pk]))
    assert AccessEvent.objects.filter(kind=AccessEvent.Kind.DOWNLOAD,
                                      object_id=str(secret.pk)).exists()
    page = html(client.get(reverse("petitions:detail", args=[secret.pk])))
    assert "查阅记录" in page and "下载附件" in page
    grid = login(cast.grid_xiguan)
    grid.get(reverse("petitions:detail", args=[secret.pk]))
    assert AccessEvent.objects.filter(kind=AccessEvent.Kind.VIEW, username="grid_xiguan",
                                      object_id=str(secret.pk)).exists()


def test_wrong_methods_are_405(cast, login, secret):
    client = login(cast.centre)
    assert client.post(reverse("petitions:detail", args=[secret.pk])).status_code == 405
    assert client.get(reverse("petitions:take", args=[secret.pk])).status_code == 405
    assert client.get(reverse("petitions:to_case", args=[secret.pk])).status_code == 405
    assert client.post(reverse("petitions:list")).status_code == 405


def test_only_centre_staff_register(cast, login):
    assert login(cast.grid_xiguan).get(reverse("petitions:register")).status_code == 403
    assert login(cast.leader).get(reverse("petitions:register")).status_code == 403
    assert login(cast.centre).get(reverse("petitions:register")).status_code == 200


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
    assert response.status_code == 200
    return len(ctx)


@pytest.mark.parametrize("who", ["centre", "grid_xiguan"])
@pytest.mark.parametrize("url", ["petitions:list", "petitions:export"])
def test_list_and_export_queries_do_not_grow_with_rows(cast, login, make_petition, who, url):
    client = login(getattr(cast, who))
    make_petition(co_petitioners=[person(601)])
    client.get(reverse(url))  # warm caches (content types, session)
    few = _queries(client, reverse(url))
    for n in range(8):
        p = make_petition(who=person(610 + n))
        actions.accept_petition(p, actor=cast.centre)
    assert _queries(client, reverse(url)) == few


def test_the_area_hears_of_a_new_petition_only_where_it_may_see_it(cast, make_petition):
    """A village's petition tells the village's cadre, not the grid workers of its grids (their
    list and its link would be a 404); a grid's petition tells that grid's worker too. The
    notice is written in the registration's own transaction (no on-commit callback runs here),
    so its 企业微信/SMS deliveries commit with the petition or not at all."""
    from pingxiang.models import Notification

    def told(petition):
        return set(Notification.objects.filter(key=f"petition:{petition.pk}:area")
                   .values_list("recipient__username", flat=True))

    village_petition = make_petition(area=cast.xiguan, title="村级事项")
    grid_petition = make_petition(area=cast.xiguan_grid, title="网格事项")
    assert told(village_petition) == {cast.cadre_xiguan.username}
    assert told(grid_petition) == {cast.cadre_xiguan.username, cast.grid_xiguan.username}
    assert Petition.objects.visible_to(cast.grid_xiguan).filter(pk=grid_petition.pk).exists()
