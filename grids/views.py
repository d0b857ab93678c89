from django.db.models import Count
from django.shortcuts import render
from django.views.decorators.http import require_GET

from grids.access import areas_visible_to, get_area_for_user
from grids.models import Area, Membership
from pingxiang.access import scoped
from pingxiang.audit import timeline


@scoped("area", model=Area)
@require_GET
def area_list(request):
    areas = (
        areas_visible_to(request.user)
        .filter(kind__in=[Area.Kind.TOWN, Area.Kind.VILLAGE])
        .annotate(n_children=Count("children"))
        .select_related("parent")
        .order_by("path")
    )
    return render(request, "grids/area_list.html", {"areas": areas})


@scoped("area", model=Area)
@require_GET
def area_detail(request, pk):
    area = get_area_for_user(request.user, pk)
    children = area.children.annotate(n_children=Count("children")).order_by("sort_order", "name")
    people = (
        Membership.objects.active().filter(area__path__startswith=area.path)
        .select_related("user", "area").order_by("area__path", "role")
    )
    ancestors = Area.objects.filter(pk__in=area.ancestor_ids()).order_by("depth")
    return render(request, "grids/area_detail.html", {
        "area": area, "children": children, "people": people, "ancestors": ancestors,
        "timeline": timeline(area),
    })
