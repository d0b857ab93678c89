"""pingxiang.redirects.safe_next: the one rule for every `next` a view follows."""

import pytest
from django.test import RequestFactory

from pingxiang.redirects import safe_next


@pytest.mark.parametrize("target, expected", [
    ("http://evil.example/phish", "/home/"),
    ("//evil.example/phish", "/home/"),
    ("/\\evil.example", "/home/"),
    ("javascript:alert(1)", "/home/"),
    ("http://testserver/cases/", "/home/"),  # http on an https request
    ("https://testserver/cases/", "https://testserver/cases/"),
    ("/cases/?page=2", "/cases/?page=2"),
    ("", "/home/"),
])
def test_safe_next_refuses_other_hosts_and_schemes(target, expected):
    request = RequestFactory().post("/x/", {"next": target}, secure=True)
    assert safe_next(request, "/home/") == expected


def test_safe_next_reads_get_too():
    assert safe_next(RequestFactory().get("/x/", {"next": "/a/"}), "/d/") == "/a/"
    assert safe_next(RequestFactory().get("/x/", {"next": "//evil"}), "/d/") == "/d/"


@pytest.mark.django_db
def test_login_does_not_follow_an_external_next(cast, client):
    response = client.post("/account/login/?next=//evil.example/", {
        "username": "centre", "password": "pw", "next": "//evil.example/"})
    assert response.status_code == 302
    assert "evil" not in response["Location"]
