import pytest
from django.urls import reverse

from grids.home import HOME_TITLES
from pingxiang.roles import Role

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "who, role",
    [
        ("grid_xiguan", Role.GRID_WORKER),
        ("cadre_xiguan", Role.VILLAGE_CADRE),
        ("centre", Role.CENTRE_STAFF),
        ("leader", Role.LEADER),
        ("supervisor", Role.SUPERVISOR),
        ("admin", Role.ADMIN),
    ],
)
def test_each_role_logs_in_and_lands_on_its_own_home(client, cast, who, role):
    response = client.post(reverse("login"), {"username": who, "password": "pw"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("home")
    html = response.content.decode()
    assert f"<h1>{HOME_TITLES[role]}</h1>" in html
    # Nobody else's home title shows up on this page.
    for other, title in HOME_TITLES.items():
        if other != role:
            assert f"<h1>{title}</h1>" not in html


def test_anonymous_requests_go_to_login(client, cast):
    for url in [reverse("home"), reverse("inbox"), reverse("grids:area_list"),
                reverse("grids:area_detail", args=[cast.xiguan.pk]), reverse("password_change")]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url


def test_grid_worker_gets_404_for_another_village(login, cast):
    client = login(cast.grid_xiguan)
    assert client.get(reverse("grids:area_detail", args=[cast.xiguan_grid.pk])).status_code == 200
    assert client.get(reverse("grids:area_detail", args=[cast.menghe.pk])).status_code == 404
    assert client.get(reverse("grids:area_detail", args=[cast.menghe_grid.pk])).status_code == 404
    # Even the village above the worker's own grid is outside what they answer for.
    assert client.get(reverse("grids:area_detail", args=[cast.xiguan.pk])).status_code == 404


def test_area_list_shows_only_own_areas(login, cast):
    html = login(cast.cadre_xiguan).get(reverse("grids:area_list")).content.decode()
    assert "西关村民委员会" in html
    assert "孟河村民委员会" not in html
    html = login(cast.leader).get(reverse("grids:area_list")).content.decode()
    assert html.count("村民委员会") + html.count("居民委员会") == 32


def test_404_and_403_pages_are_in_chinese(login, cast):
    client = login(cast.grid_xiguan)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


def test_axes_locks_account_after_five_failures(client, cast):
    for _ in range(4):
        r = client.post(reverse("login"), {"username": "centre", "password": "wrong"})
        assert r.status_code == 200
        assert "请输入一个正确的" in r.content.decode() or "正确" in r.content.decode()
    r = client.post(reverse("login"), {"username": "centre", "password": "wrong"})
    assert r.status_code == 429
    assert "账号已被暂时锁定" in r.content.decode()
    # Even the right password is refused while locked.
    r = client.post(reverse("login"), {"username": "centre", "password": "pw"})
    assert r.status_code == 429


def test_strict_csp_with_nonce_and_local_htmx(login, cast):
    response = login(cast.centre).get(reverse("home"))
    policy = response["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in policy
    assert "style-src 'self'" in policy and "unsafe-inline" not in policy
    html = response.content.decode()
    assert 'hx-headers=\'{"X-CSRFToken": "' in html
    assert "/static/django_htmx/htmx-2" in html
    assert "http://" not in html.replace("http://testserver", "") and "https://" not in html
    assert " style=" not in html and " onclick=" not in html


def test_role_switch_changes_home(login, cast):
    from grids.actions import grant_membership

    grant_membership(cast.centre, cast.town, Role.SUPERVISOR)
    client = login(cast.centre)
    assert "综治中心工作台" in client.get(reverse("home")).content.decode()
    client.post(reverse("switch_role"), {"role": Role.SUPERVISOR})
    assert "督导工作台" in client.get(reverse("home")).content.decode()
    # A role the user does not hold is ignored.
    client.post(reverse("switch_role"), {"role": Role.ADMIN})
    assert "督导工作台" in client.get(reverse("home")).content.decode()
