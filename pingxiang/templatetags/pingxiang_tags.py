from django import template

from pingxiang import people

register = template.Library()

# {{ user|display_name }}: 张明 (pingxiang.people), the one way a page names a person.
register.filter("display_name", people.display_name)
