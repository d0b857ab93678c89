from django import template

from pingxiang import people, widgets

register = template.Library()

# {{ user|display_name }}: 张明 (pingxiang.people), the one way a page names a person.
register.filter("display_name", people.display_name)


@register.filter
def form_fields(form):
    """{{ form|form_fields }}: the case page's action forms (pingxiang.widgets.form_fields),
    until that page renders them with Django's form templates like every other form."""
    return widgets.form_fields(form)
