"""The bar at the top of every page is written in Python ({% page_header %}); it must be
what the template it replaced drew, for every kind of user."""

import re

from django.template import engines
from django.urls import reverse

from grids.actions import grant_membership
from grids.models import Role
from pingxiang.models import Notification

OLD_HEADER = """{% load pingxiang_tags %}<header class="topbar">
  <a class="brand" href="{{ "home"|url_path }}">平襄综治</a>
  {% if user.is_authenticated %}
  <nav class="mainnav" aria-label="主导航">
    <input type="checkbox" id="navtoggle" class="navtoggle" aria-label="展开菜单">
    <label for="navtoggle" class="navbutton">菜单</label>
    <ul>
      <li><a href="{{ "home"|url_path }}">首页</a></li>
      {% for item in nav_items %}<li><a href="{{ item.url_name|url_path }}">{{ item.label }}</a></li>{% endfor %}
      <li><a href="{{ "inbox"|url_path }}" class="inbox-link">消息{% with n=unread_count %}{% if n %}<span class="badge" id="unread-count">{{ n }}</span>{% endif %}{% endwith %}</a></li>
    </ul>
  </nav>
  <div class="who">
    <span class="username">{{ user.last_name }}{{ user.first_name|default:"" }}{% if not user.last_name %}{{ user.username }}{% endif %}</span>
    {% if held_roles|length > 1 %}
    <form method="post" action="{{ "switch_role"|url_path }}" class="roleswitch">{% csrf_token %}
      <label for="role-select" class="visually-hidden">切换岗位</label>
      <select name="role" id="role-select" class="autosubmit">
        {% for r in held_roles %}<option value="{{ r.value }}"{% if r == active_role %} selected{% endif %}>{{ r.label }}</option>{% endfor %}
      </select>
      <noscript><button type="submit">切换</button></noscript>
    </form>
    {% elif active_role %}<span class="role">{{ active_role.label }}</span>{% endif %}
    <a href="{{ "password_change"|url_path }}">修改密码</a>
    <form method="post" action="{{ "logout"|url_path }}" class="inline">{% csrf_token %}<button type="submit" class="linkbutton">退出</button></form>
  </div>
  {% endif %}
</header>"""


def _both(request):
    engine = engines["django"]
    old = engine.from_string(OLD_HEADER).render({}, request)
    new = engine.from_string("{% load pingxiang_tags %}{% page_header %}").render({}, request)
    return old, new


def _norm(html):
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', 'name="csrfmiddlewaretoken"', html)
    return re.sub(r">\s+<", "><", html).strip()


def test_the_header_is_the_templates_for_one_role_many_roles_and_no_one(client, login, cast):
    # no one signed in: the login page
    request = client.get(reverse("login")).wsgi_request
    old, new = _both(request)
    assert _norm(old) == _norm(new) and "退出" not in new
    # one role, with unread messages
    Notification.objects.create(recipient=cast.centre, key="t1", title="测试<消息>", body="")
    request = login(cast.centre).get(reverse("home")).wsgi_request
    old, new = _both(request)
    assert _norm(old) == _norm(new)
    assert 'id="unread-count">1<' in new and "张明" in new and "csrfmiddlewaretoken" in new
    # two roles: the switch, with the active one selected
    grant_membership(cast.centre, cast.xiguan, Role.VILLAGE_CADRE)
    request = login(cast.centre).get(reverse("home")).wsgi_request
    old, new = _both(request)
    assert _norm(old) == _norm(new) and 'id="role-select"' in new and " selected" in new
