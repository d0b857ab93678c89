from django import template

from pingxiang import widgets

register = template.Library()


@register.filter
def filter_fields(form):
    """{{ form|filter_fields }}: a list page's filter form (pingxiang.widgets.filter_fields)."""
    return widgets.filter_fields(form)


@register.filter
def pk_url(pk, url_name):
    """{{ case.pk|pk_url:"cases:case_detail" }}: {% url "cases:case_detail" case.pk %} for a
    row of a list, without reverse() per row (pingxiang.urlcache)."""
    from pingxiang.urlcache import pk_path

    return pk_path(url_name, pk)


@register.filter
def form_fields(form):
    """{{ form|form_fields }}: hidden fields, then label, widget, help and errors per field
    (pingxiang.widgets.form_fields)."""
    return widgets.form_fields(form)


@register.simple_tag
def area_options(areas, selected):
    """{% area_options areas area %}: the <option>s of the dashboards' area select, "平襄镇（镇）"
    each. A county's list is 349 areas: written directly from three columns rather than
    349 model objects through the template engine (about 10 ms per dashboard)."""
    from django.utils.html import escape
    from django.utils.safestring import mark_safe

    from grids.models import Area

    rows = areas.values_list("pk", "short_name", "kind") if hasattr(areas, "values_list") \
        else [(a.pk, a.short_name, a.kind) for a in areas]
    chosen = getattr(selected, "pk", selected)
    labels = dict(Area.Kind.choices)
    return mark_safe("".join(
        f'<option value="{pk}"{" selected" if pk == chosen else ""}>'
        f"{escape(name)}（{labels.get(kind, kind)}）</option>" for pk, name, kind in rows))


@register.filter
def url_path(url_name):
    """{{ "home"|url_path }}: {% url "home" %} for a URL without arguments, remembered
    (pingxiang.urlcache): the page shell draws a dozen on every page."""
    from pingxiang.urlcache import path_for

    return path_for(url_name)


@register.simple_tag(takes_context=True)
def page_header(context):
    """{% page_header %}: the bar at the top of every page (brand, menu, messages, who is
    signed in and as what, 修改密码, 退出), written directly: through the template engine it
    was a millisecond of every page. tests/foundation/test_page_header.py compares it with
    the template it replaced."""
    from django.utils.safestring import mark_safe

    from pingxiang.tables import esc
    from pingxiang.urlcache import path_for

    home = esc(path_for("home"))
    out = [f'<header class="topbar">\n  <a class="brand" href="{home}">平襄综治</a>\n  ']
    user = context.get("user")
    if user is not None and user.is_authenticated:
        token = context.get("csrf_token")
        csrf = (f'<input type="hidden" name="csrfmiddlewaretoken" value="{esc(token)}">'
                if token and str(token) != "NOTPROVIDED" else "")
        items = "".join(f'<li><a href="{esc(path_for(item.url_name))}">{esc(item.label)}</a></li>'
                        for item in context.get("nav_items", ()))
        unread = context.get("unread_count")
        unread = unread() if callable(unread) else unread
        badge = f'<span class="badge" id="unread-count">{esc(unread)}</span>' if unread else ""
        out.append(
            '<nav class="mainnav" aria-label="主导航">\n'
            '    <input type="checkbox" id="navtoggle" class="navtoggle" aria-label="展开菜单">\n'
            '    <label for="navtoggle" class="navbutton">菜单</label>\n    <ul>\n'
            f'      <li><a href="{home}">首页</a></li>\n      {items}\n'
            f'      <li><a href="{esc(path_for("inbox"))}" class="inbox-link">消息{badge}</a></li>\n'
            '    </ul>\n  </nav>\n  <div class="who">\n')
        name = f"{user.last_name}{user.first_name or ''}" + ("" if user.last_name else user.username)
        out.append(f'    <span class="username">{esc(name)}</span>\n    ')
        held, active = context.get("held_roles") or [], context.get("active_role")
        if len(held) > 1:
            options = "".join(
                f'<option value="{esc(r.value)}"{" selected" if r == active else ""}>'
                f"{esc(r.label)}</option>" for r in held)
            out.append(
                f'<form method="post" action="{esc(path_for("switch_role"))}" class="roleswitch">'
                f"{csrf}\n"
                '      <label for="role-select" class="visually-hidden">切换岗位</label>\n'
                f'      <select name="role" id="role-select" class="autosubmit">\n        {options}\n'
                "      </select>\n      <noscript><button type=\"submit\">切换</button></noscript>\n"
                "    </form>\n    ")
        elif active:
            out.append(f'<span class="role">{esc(active.label)}</span>\n    ')
        out.append(
            f'<a href="{esc(path_for("password_change"))}">修改密码</a>\n'
            f'    <form method="post" action="{esc(path_for("logout"))}" class="inline">{csrf}'
            '<button type="submit" class="linkbutton">退出</button></form>\n  </div>\n  ')
    out.append("</header>")
    return mark_safe("".join(out))
