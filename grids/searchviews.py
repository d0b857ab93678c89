"""The header's search box and the person page (一人一档), issue 19 §3.

grids draws both; cases, petitions and rectification contribute their parts through
pingxiang.registry (search_provider, person_section), each limited to what the user may see.
(Kept out of grids/views.py, which is past the size where the house style splits a module.)
"""

from django import forms
from django.db.models import Q
from django.shortcuts import render
from django.views.decorators.http import require_GET

from grids import search
from grids.access import Masker, get_resident_for_user
from grids.models import Resident, Visit
from pingxiang.access import scoped
from pingxiang.audit import log_access
from pingxiang.models import AccessEvent
from pingxiang.registry import person_sections, search_groups


class SearchForm(forms.Form):
    q = forms.CharField(label="搜索", required=False, max_length=50, strip=True)


@scoped("area", model=Resident)
@require_GET
def search_page(request):
    form = SearchForm(request.GET)
    text = form.cleaned_data["q"] if form.is_valid() else ""
    query = search.parse(text)
    groups = search_groups(request.user, query) if query.text else []
    return render(request, "grids/search.html", {
        "form": form, "query": query, "groups": groups, "search_text": text})


@scoped("area", model=Resident)
@require_GET
def person(request, pk):
    user = request.user
    resident = get_resident_for_user(user, pk)
    mask = Masker(user)
    log_access(user, AccessEvent.Kind.VIEW, resident,
               detail="查看一人一档（含身份证号）" if mask.full_id else "查看一人一档", request=request)
    visits = (Visit.objects.visible_to(user)
              .filter(Q(persons_met=resident) | Q(household_id=resident.household_id)
                      if resident.household_id else Q(persons_met=resident))
              .select_related("visitor", "household").distinct()
              .order_by("-visited_on", "-id")[:20])
    key_person = getattr(resident, "key_person", None)
    return render(request, "grids/person.html", {
        "resident": resident, "mask": mask, "visits": visits, "key_person": key_person,
        "sections": person_sections(user, resident)})
