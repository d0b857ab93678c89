"""What every list shares, with no area in it: the drill-down parameters a dashboard number
links with (?area=&from=&to=, built by `drill_params`) and paging (`paginate`). The filter
form that reads them is grids.filters.ListFilterForm, the base of every list's filter form."""


from django import forms
from django.conf import settings
from django.core.paginator import Paginator

DRILL_FIELDS = ("area", "from", "to")
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def paginate(request, qs, per_page=None):
    """The requested page of `qs`: Paginator.get_page takes any ?page= (garbage, 0, or
    99999999999999999999) to the first or last page, so no value reaches the database."""
    return Paginator(qs, per_page or settings.LIST_PAGE_SIZE).get_page(request.GET.get("page"))


def drill_params(area, period, **extra):
    params = {"area": area.pk}
    if period.start:
        params["from"] = period.start.isoformat()
    if period.end:
        params["to"] = period.end.isoformat()
    params.update({k: v for k, v in extra.items() if v not in (None, "")})
    return params
