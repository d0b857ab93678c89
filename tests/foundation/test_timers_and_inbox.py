import pytest
from django.urls import reverse

from pingxiang import timers
from pingxiang.models import Notification
from pingxiang.notify import notify

pytestmark = pytest.mark.django_db


def test_notification_is_delivered_once_per_recipient_and_key(cast):
    for _ in range(3):
        notify([cast.centre, cast.leader, cast.centre], key="case:1:overdue",
               title="案件逾期", url="/")
    assert Notification.objects.filter(key="case:1:overdue").count() == 2


def test_unread_count_in_header_and_open_marks_read(login, cast):
    notify([cast.centre], key="k1", title="新推送案件", url=reverse("inbox"))
    client = login(cast.centre)
    html = client.get(reverse("home")).content.decode()
    assert 'id="unread-count">1<' in html and "新推送案件" in html
    note = Notification.objects.get()
    client.post(reverse("inbox_open", args=[note.pk]))
    note.refresh_from_db()
    assert note.read_at is not None
    assert 'id="unread-count"' not in client.get(reverse("home")).content.decode()


def test_nobody_can_open_someone_elses_message(login, cast):
    notify([cast.centre], key="k2", title="机密", url="/secret/")
    note = Notification.objects.get()
    response = login(cast.grid_xiguan).post(reverse("inbox_open", args=[note.pk]))
    assert response["Location"] == reverse("inbox")
    note.refresh_from_db()
    assert note.read_at is None
    assert "机密" not in login(cast.grid_xiguan).get(reverse("inbox")).content.decode()


def test_inbox_htmx_request_gets_only_the_list_partial(login, cast):
    notify([cast.centre], key="k3", title="待办", url="/")
    response = login(cast.centre).get(reverse("inbox"), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert 'id="inbox-list"' in html and "<html" not in html


def test_one_failing_sweeper_does_not_stop_the_others(monkeypatch):
    ran = []
    monkeypatch.setattr(timers, "_SWEEPERS", {})

    @timers.sweeper("a.broken")
    def broken(now):
        raise ValueError("boom")

    @timers.sweeper("b.fine")
    def fine(now):
        ran.append(now)
        return 3

    with pytest.raises(RuntimeError, match="a.broken"):
        timers.run_sweepers("NOW")
    assert ran == ["NOW"]


def test_seed_demo_refuses_without_debug(settings):
    from django.core.management import CommandError, call_command

    settings.DEBUG = False
    with pytest.raises(CommandError, match="--force"):
        call_command("seed_demo")
