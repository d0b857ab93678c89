"""Sessions end after SESSION_COOKIE_AGE without use (an idle timeout): each use moves the
expiry on, at most once a minute (pingxiang.middleware.SessionMiddleware)."""

import datetime as dt

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

pytestmark = pytest.mark.django_db


def session_row(client):
    return Session.objects.get(session_key=client.session.session_key)


def backdate(client, *, touched_seconds_ago=0, expires_in=None):
    store = client.session
    store["_touched"] = store.get("_touched", 0) - touched_seconds_ago
    store.save()
    if expires_in is not None:
        Session.objects.filter(session_key=store.session_key).update(
            expire_date=timezone.now() + expires_in)


def test_use_moves_the_expiry_on_at_most_once_a_minute(cast, login, settings):
    client = login(cast.centre)
    assert client.get("/").status_code == 200
    first = session_row(client).expire_date
    assert first > timezone.now() + dt.timedelta(seconds=settings.SESSION_COOKIE_AGE - 60)

    with CaptureQueriesContext(connection) as queries:  # within the minute: no write
        assert client.get("/").status_code == 200
    assert not [q for q in queries if q["sql"].startswith('UPDATE "django_session"')]
    assert session_row(client).expire_date == first

    # A quarter of an hour later (as far as the session knows), the next use saves it again.
    backdate(client, touched_seconds_ago=900, expires_in=dt.timedelta(minutes=100))
    assert client.get("/").status_code == 200
    later = session_row(client).expire_date
    assert later > timezone.now() + dt.timedelta(seconds=settings.SESSION_COOKIE_AGE - 60)


def test_an_idle_session_ends(cast, login):
    client = login(cast.centre)
    assert client.get("/").status_code == 200
    backdate(client, touched_seconds_ago=9000, expires_in=-dt.timedelta(seconds=1))
    response = client.get("/")
    assert response.status_code == 302 and "/account/login/" in response["Location"]


def test_anonymous_visits_make_no_session(client):
    assert client.get("/account/login/").status_code == 200
    assert not Session.objects.exists()
