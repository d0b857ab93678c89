"""How forms draw themselves (settings.FORM_RENDERER): Django's renderer over the project's
templates, with the project's form and field templates (templates/forms/), so `{{ form }}`
and `{{ field.as_field_group }}` draw every form of the app the same way."""

from django.forms.renderers import TemplatesSetting


class FormRenderer(TemplatesSetting):
    form_template_name = "forms/form.html"
    field_template_name = "forms/field.html"
