"""403s: one log line each (no traceback), and a CSRF failure shows our own page."""

import logging

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_a_403_is_one_warning_line_without_traceback(login, cast, caplog):
    client = login(cast.leader)
    with caplog.at_level(logging.WARNING, logger="django.request"):
        assert client.get(reverse("audit_log")).status_code == 403
    records = [r for r in caplog.records if r.name == "django.request"]
    assert len(records) == 1
    record = records[0]
    assert record.levelno == logging.WARNING and record.exc_info is None
    text = logging.Formatter("%(levelname)s %(name)s %(message)s").format(record)
    assert "Traceback" not in text and "\n" not in text
    assert "/audit" in text or reverse("audit_log") in text


def test_a_500_still_logs_its_traceback():
    from pingxiang.logfilters import ForbiddenWithoutTraceback

    try:
        raise ValueError("boom")
    except ValueError:
        import sys

        record = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "x", (),
                                   sys.exc_info())
    record.status_code = 500
    assert ForbiddenWithoutTraceback().filter(record) and record.exc_info is not None


def test_csrf_failure_shows_our_page_with_a_way_back(cast):
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.centre, backend="django.contrib.auth.backends.ModelBackend")
    came_from = reverse("cases:case_create")
    response = client.post(came_from, {}, HTTP_REFERER=f"http://testserver{came_from}")
    assert response.status_code == 403
    html = response.content.decode()
    assert "页面已过期，请返回刷新后重试" in html
    assert f'href="http://testserver{came_from}"' in html and 'href="/"' in html
    assert "app.css" in html  # the app's own styled page, not Django's stock one
    assert "CSRF verification failed" not in html


def test_csrf_failure_never_links_to_another_site(db):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), {"username": "x", "password": "y"},
                           HTTP_REFERER="https://evil.example/phish")
    assert response.status_code == 403
    html = response.content.decode()
    assert "页面已过期" in html and "evil.example" not in html
