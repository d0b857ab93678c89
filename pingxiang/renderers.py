"""How forms draw themselves (settings.FORM_RENDERER): the project's form, field and filter
templates (pingxiang/jinja2/forms/), so `{{ form }}` and `{{ field.as_field_group }}` draw every
form of the app the same way, and Django's own widget, label and error templates, all in their
Jinja2 form: a form is drawn on every list page, and Jinja2 draws it in about half the work of
the Django template language (bench/results.md, issue 17 §6). A template of ours of the same
name comes before Django's (the select, which writes its options in place instead of including
a template per option). The admin's widgets keep their Django templates (it has no Jinja2
ones), so every other name goes through TEMPLATES."""

from pathlib import Path

import django.forms
from django.forms.renderers import TemplatesSetting
from django.template.backends.jinja2 import Jinja2
from django.utils.functional import cached_property

JINJA2_PREFIXES = ("django/forms/", "forms/")
DIRS = [Path(__file__).parent / "jinja2", Path(django.forms.__file__).parent / "jinja2"]


class FormRenderer(TemplatesSetting):
    form_template_name = "forms/form.html"
    field_template_name = "forms/field.html"

    @cached_property
    def jinja2(self):
        return Jinja2({"APP_DIRS": False, "DIRS": DIRS, "NAME": "pingxiang_forms",
                       "OPTIONS": {}})

    def get_template(self, template_name):
        if template_name.startswith(JINJA2_PREFIXES):
            return self.jinja2.get_template(template_name)
        return super().get_template(template_name)
