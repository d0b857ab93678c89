"""How forms draw themselves (settings.FORM_RENDERER): the project's form and field templates
(templates/forms/), so `{{ form }}` and `{{ field.as_field_group }}` draw every form of the app
the same way, and Django's own templates under django/forms/ (widgets, labels, error lists) in
their Jinja2 form, which draw a select's options several times faster than the Django-template
ones (bench/results.md, issue 17 §6)."""

from django.forms.renderers import Jinja2, TemplatesSetting
from django.utils.functional import cached_property

DJANGO_FORMS = "django/forms/"


class FormRenderer(TemplatesSetting):
    form_template_name = "forms/form.html"
    field_template_name = "forms/field.html"

    @cached_property
    def widgets(self):
        return Jinja2()

    def get_template(self, template_name):
        if template_name.startswith(DJANGO_FORMS):
            return self.widgets.get_template(template_name)
        return super().get_template(template_name)
