"""A <select> rendered in Python.

Django renders a select through a template per option (select.html including
select_option.html and its attrs.html for each one): about 0.05 ms an option, so a list
page's filter form with a 32-village and a 20-category select spends several milliseconds of
every request there. FastSelect writes the same HTML directly; list pages' filter forms use it
through `fast_selects(form)`."""

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import mark_safe


class FastSelect(forms.Select):
    def render(self, name, value, attrs=None, renderer=None):
        final_attrs = self.build_attrs(self.attrs, attrs)
        wanted = set(self.format_value(value))
        parts = [format_html('<select name="{}"{}>', name, flatatt(final_attrs))]
        state = {"selected": False}

        def option(option_value, label):
            option_value = "" if option_value is None else str(option_value)
            chosen = not state["selected"] and option_value in wanted
            state["selected"] |= chosen
            return format_html('<option value="{}"{}>{}</option>', option_value,
                               mark_safe(" selected") if chosen else "", label)

        for option_value, label in self.choices:
            if isinstance(label, (list, tuple)):
                parts.append(format_html('<optgroup label="{}">', option_value))
                parts.extend(option(v, sub) for v, sub in label)
                parts.append("</optgroup>")
            else:
                parts.append(option(option_value, label))
        parts.append("</select>")
        return mark_safe("".join(parts))


def fast_selects(form):
    """Give every plain Select of the form the FastSelect rendering (same attrs, choices)."""
    for field in form.fields.values():
        widget = field.widget
        if type(widget) is forms.Select:
            fast = FastSelect(attrs=widget.attrs)
            fast.choices = widget.choices
            fast.is_required = widget.is_required
            field.widget = fast
    return form
