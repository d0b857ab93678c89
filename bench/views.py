"""The floor view: the least a page of this stack can cost (session, auth, middleware, one
query of 10 rows, a template), to compare every real page against."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from grids.models import Area
from pingxiang.access import scoped


@scoped("role")
@require_GET
def floor(request):
    rows = list(Area.objects.order_by("pk").values_list("pk", "name", "path")[:10])
    return render(request, "bench/floor.html", {"rows": rows})
