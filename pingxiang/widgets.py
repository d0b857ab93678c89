"""The one picker for long lists (issue 19 §4): a search-as-you-type select.

`SearchSelect(url_name)` draws an ordinary <select> (so a form works without JavaScript and
the field validates as any ModelChoiceField) with a search box beside it; with htmx, typing
asks the app's autocomplete view (`url_name`, one per kind of record) for the matching
<option>s and swaps them into the select. Without JavaScript the select lists the first
NO_SCRIPT_LIMIT choices (or the field's own `limit`) plus the chosen one, so a county's 270,000
households are never drawn into one page. `depends` names other fields of the form whose values narrow the search
(the key-place picker follows the chosen village).
"""

import itertools

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.http import urlencode

NO_SCRIPT_LIMIT = 500


class SearchSelect(forms.Select):
    template_name = "forms/widgets/search_select.html"

    def __init__(self, url_name, *, depends=(), params=None, attrs=None, limit=None):
        super().__init__(attrs)
        self.url_name = url_name
        self.limit = limit
        self.depends = tuple(depends)
        self.params = dict(params or {})

    def __deepcopy__(self, memo):
        obj = super().__deepcopy__(memo)
        obj.depends = self.depends
        obj.params = dict(self.params)
        return obj

    def optgroups(self, name, value, attrs=None):
        """Django's, but stopping after `limit` choices and always keeping the
        chosen one (a queryset's iterator is cut, never read whole)."""
        groups = []
        chosen = {str(v) for v in value if v not in ("", None)}
        seen = set()
        for index, (option_value, option_label) in enumerate(self._first_choices()):
            key = str(getattr(option_value, "value", option_value))
            seen.add(key)
            selected = key in chosen
            groups.append((None, [self.create_option(name, option_value, option_label, selected,
                                                     index, attrs=attrs)], index))
        field = getattr(self.choices, "field", None)
        missing = _keys(field, chosen - seen) if field is not None else []
        if missing:
            for obj in field.queryset.filter(pk__in=missing):
                index = len(groups)
                option_value, option_label = self.choices.choice(obj)
                groups.append((None, [self.create_option(name, option_value, option_label, True,
                                                         index, attrs=attrs)], index))
        return groups

    def _first_choices(self):
        """The first `limit` choices: a model field's in one query of that many rows (its
        choices' iterator would read them through a server-side cursor, three round trips)."""
        limit = self.limit or NO_SCRIPT_LIMIT
        field = getattr(self.choices, "field", None)
        if field is None or field.queryset is None:
            return itertools.islice(self.choices, limit)
        head = [("", field.empty_label)] if field.empty_label is not None else []
        return head + [self.choices.choice(obj) for obj in field.queryset[:limit - len(head)]]

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        query = urlencode(self.params, doseq=True)  # {"kind": ["group", "grid"]} repeats it
        context["widget"].update({
            "url": reverse(self.url_name), "query": query, "depends": self.depends,
            "search_name": f"{name}__q",
        })
        return context


def _keys(field, values):
    """The values that can be primary keys of the field's model (an initial value taken from
    a query string may be anything: ?place=abc draws the select without it, no error)."""
    pk = field.queryset.model._meta.pk
    keys = []
    for value in values:
        try:
            keys.append(pk.to_python(value))
        except ValidationError:
            continue
    return keys
