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
