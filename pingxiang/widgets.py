"""A <select> rendered in Python.

Django renders a select through a template per option (select.html including
select_option.html and its attrs.html for each one): about 0.05 ms an option, so a list
page's filter form with a 32-village and a 20-category select spends several milliseconds of
every request there. FastSelect writes the same HTML directly; list pages' filter forms use it
through `fast_widgets(form)`."""

import html

from django import forms
from django.forms.models import ModelChoiceIterator
from django.utils.html import format_html
from django.utils.safestring import SafeData, mark_safe


def esc(value):
    """What the template engine's autoescape does to a value: safe strings as they are
    (conditional_escape without its lazy-string wrapper, which took a third of the time)."""
    return value if isinstance(value, SafeData) else html.escape(str(value))


def flatatt(attrs):
    """Attributes as django/forms/widgets/attrs.html writes them: in the dict's order
    (django.forms.utils.flatatt sorts them), True as a bare name, False left out."""
    return mark_safe("".join(
        f" {esc(name)}" if value is True else f' {esc(name)}="{esc(value)}"'
        for name, value in attrs.items() if value is not False))


class FastSelect(forms.Select):
    def _option_list(self):
        """A ModelChoiceField's options in one plain query: its iterator reads them through
        a server-side cursor (DECLARE, FETCH, CLOSE), 2.5 ms for a select of 32 villages."""
        choices = self.choices
        if not isinstance(choices, ModelChoiceIterator):
            return choices
        field = choices.field
        first = [("", field.empty_label)] if field.empty_label is not None else []
        # A form may hand the rows over already (the villages from grids.areatree); the
        # queryset still validates what comes back.
        rows = getattr(field, "option_rows", None)
        return first + [choices.choice(obj) for obj in
                        (rows if rows is not None else field.queryset.all())]

    def render(self, name, value, attrs=None, renderer=None):
        final_attrs = self.build_attrs(self.attrs, attrs)
        wanted = set(self.format_value(value))
        parts = [format_html('<select name="{}"{}>', name, flatatt(final_attrs))]
        state = {"selected": False}

        def option(option_value, label):
            option_value = "" if option_value is None else str(option_value)
            chosen = not state["selected"] and option_value in wanted
            state["selected"] |= chosen
            selected = " selected" if chosen else ""
            return f'<option value="{esc(option_value)}"{selected}>{esc(label)}</option>'

        for option_value, label in self._option_list():
            if isinstance(label, (list, tuple)):
                parts.append(format_html('<optgroup label="{}">', option_value))
                parts.extend(option(v, sub) for v, sub in label)
                parts.append("</optgroup>")
            else:
                parts.append(option(option_value, label))
        parts.append("</select>")
        return mark_safe("".join(parts))


class _FastInput:
    """What django/forms/widgets/input.html (and text.html, date.html ... which include it)
    draws, written directly."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        value = widget["value"]
        return format_html('<input type="{}" name="{}"{}{}>', widget["type"], widget["name"],
                           format_html(' value="{}"', value) if value is not None else "",
                           flatatt(widget["attrs"]))


class _FastTextarea:
    """What django/forms/widgets/textarea.html draws, written directly."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        return format_html('<textarea name="{}"{}>\n{}</textarea>', widget["name"],
                           flatatt(widget["attrs"]), widget["value"] or "")


_FAST_INPUTS = {cls: type(f"Fast{cls.__name__}", (_FastInput, cls), {})
                for cls in (forms.TextInput, forms.DateInput, forms.NumberInput,
                            forms.EmailInput, forms.SearchInput, forms.TelInput,
                            forms.DateTimeInput, forms.TimeInput, forms.HiddenInput,
                            forms.FileInput, forms.CheckboxInput)}
_FAST_INPUTS[forms.Textarea] = type("FastTextarea", (_FastTextarea, forms.Textarea), {})


def fast_widgets(form):
    """Give every plain Select of the form the FastSelect rendering (same attrs, choices),
    and every plain input (text, date, number, hidden, file, checkbox...) and textarea the
    same HTML written directly. The form's widgets are its own copies (Django deep-copies
    them per form), so this changes nothing for other forms."""
    for field in form.fields.values():
        widget = field.widget
        if type(widget) is forms.Select:
            fast = FastSelect(attrs=widget.attrs)
            fast.choices = widget.choices
            fast.is_required = widget.is_required
            field.widget = fast
        elif type(widget) in _FAST_INPUTS:
            widget.__class__ = _FAST_INPUTS[type(widget)]
    return form


def _row(bound, opening, gap="", help_text=False):
    """One visible field as a <p>: label, widget, help text (if asked) and errors."""
    helptext = (format_html('<span class="helptext">{}</span>', bound.help_text)
                if help_text and bound.help_text else "")
    errors = mark_safe(str(bound.errors)) if bound.errors else ""
    return format_html("{}{}{}{}{}{}</p>", opening, _label_html(bound), gap,
                       bound.as_widget(), helptext, errors)


def form_fields(form):
    """A form's fields as the app's forms draw them: hidden fields, then one <p> per field
    with label, widget, help text and errors. The same HTML as Django's templates for each
    piece (tests/foundation/test_fast_rendering.py), written directly: a case's page draws
    up to a dozen action forms."""
    hidden = [str(bound) for bound in form if bound.is_hidden]
    rows = [_row(bound, mark_safe("<p>"), help_text=True) for bound in form
            if not bound.is_hidden]
    return mark_safe("".join(hidden + rows))


def _label_html(bound):
    """What BoundField.label_tag() draws through django/forms/label.html, written directly."""
    from django.utils.translation import gettext

    field, form = bound.field, bound.form
    contents = bound.label
    suffix = field.label_suffix if field.label_suffix is not None else form.label_suffix
    if suffix and contents and contents[-1] not in gettext(":?.!"):
        contents = format_html("{}{}", contents, suffix)
    id_ = field.widget.attrs.get("id") or bound.auto_id
    if not id_:
        return format_html("{}", contents)
    attrs = {}
    id_for_label = field.widget.id_for_label(id_)
    if id_for_label:
        attrs["for"] = id_for_label
    if field.required and hasattr(form, "required_css_class"):
        attrs["class"] = form.required_css_class
    return format_html("<label{}>{}</label>", flatatt(attrs), contents)


def filter_fields(form):
    """The filter form of a list page, one <p class="filter-NAME"> per field (label, widget,
    errors), hidden fields as they are. The same HTML as Django's label_tag/widget/errors
    templates (tests/foundation/test_fast_rendering.py compares them), written directly:
    those templates cost a list page about 4 ms per request (label, input and error list
    each a template)."""
    return mark_safe("".join(
        str(bound) if bound.is_hidden
        else _row(bound, format_html('<p class="filter-{}">', bound.name), gap=" ")
        for bound in form))
