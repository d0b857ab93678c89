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
