"""The app's overview, special campaigns and inspections."""

from django.contrib import messages
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from grids.access import post_town, require_role
from grids.filters import filter_form
from grids.models import Area
from pingxiang.access import scoped
from pingxiang.audit import timeline_list
from pingxiang.listfilters import paginate

from .. import actions, forms, stats
from ..access import (
    REPORTERS,
    TOWN_STAFF,
    get_campaign_for_user,
    get_inspection_for_user,
    holds_role_over,
)
from ..actions import ActionError
from ..models import Campaign, Hazard, Inspection


@scoped("area", model=Hazard)
@require_GET
def index(request):
    return render(request, "rectification/index.html", {
        "figures": stats.overview(request.user),
        "campaigns": Campaign.objects.visible_to(request.user).order_by("-start_date")[:10],
    })


@scoped("area", model=Campaign)
@require_GET
def campaign_list(request):
    campaigns = (Campaign.objects.visible_to(request.user).select_related("scope")
                 .annotate(n_inspections=Count("inspections", distinct=True),
                           n_hazards=Count("hazards", distinct=True))
                 .order_by("-start_date", "pk"))
    town = post_town(request.user, TOWN_STAFF)
    return render(request, "rectification/campaign_list.html", {
        "campaigns": campaigns,
        "can_create": bool(town) and holds_role_over(request.user, town, TOWN_STAFF),
    })


@scoped("role")
@require_http_methods(["GET", "POST"])
@require_role(*TOWN_STAFF)
def campaign_create(request):
    town = post_town(request.user, TOWN_STAFF)
    if town is None or not holds_role_over(request.user, town, TOWN_STAFF):
        raise Http404
    scopes = Area.objects.filter(Q(pk=town.pk) | Q(parent=town, kind=Area.Kind.VILLAGE)).order_by(
        "depth", "sort_order")
    form = forms.CampaignForm(request.POST or None, scopes=scopes, initial={"scope": town.pk})
    if request.method == "POST" and form.is_valid():
        try:
            campaign = actions.create_campaign(actor=request.user, **form.cleaned_data)
        except ActionError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "专项整治已建立。")
            return redirect("rectification:campaign_detail", campaign.pk)
    return render(request, "rectification/form.html", {"form": form, "title": "新建专项整治"})


@scoped("area", model=Campaign)
@require_GET
def campaign_detail(request, pk):
    campaign = get_campaign_for_user(request.user, pk)
    inspections = Inspection.objects.visible_to(request.user).filter(campaign=campaign)
    hazards = Hazard.objects.visible_to(request.user).counted().filter(campaign=campaign)
    return render(request, "rectification/campaign_detail.html", {
        "campaign": campaign, "counts": inspections.counts(),
        "by_kind": stats.inspections_by_kind(inspections),
        "hazards_by_category": stats.hazards_by_category(hazards),
        "inspections": inspections.select_related("place", "village")[:100],
        "timeline": timeline_list(campaign),
    })


@scoped("area", model=Inspection)
@require_GET
def inspection_list(request):
    form = filter_form(request, forms.InspectionFilterForm)
    qs = form.filter(Inspection.objects.visible_to(request.user)
                     .select_related("place", "campaign", "village"))
    rows = qs
    if form.value("distinct") == "place":  # one row per place: "places inspected"
        rows = qs.filter(place__isnull=False).order_by("place_id", "date", "pk").distinct(
            "place_id")
    return render(request, "rectification/inspection_list.html", {
        "form": form, "page": paginate(request, rows), "counts": qs.counts(),
        "by_kind": stats.inspections_by_kind(qs),
    })


@scoped("role")
@require_http_methods(["GET", "POST"])
@require_role(*REPORTERS)
def inspection_create(request):
    initial = {"place": request.GET.get("place"), "campaign": request.GET.get("campaign")}
    form = forms.InspectionForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        area = data["place"].grid if data["place"] else data["area"]
        if not holds_role_over(request.user, area, REPORTERS):
            raise Http404
        try:
            inspection = actions.record_inspection(actor=request.user, **data)
        except ActionError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"检查已登记（该场所本专项第 {inspection.sequence} 次检查）。")
            return redirect("rectification:inspection_detail", inspection.pk)
    return render(request, "rectification/form.html", {"form": form, "title": "登记检查"})


@scoped("area", model=Inspection)
@require_GET
def inspection_detail(request, pk):
    inspection = get_inspection_for_user(request.user, pk)
    return render(request, "rectification/inspection_detail.html", {
        "inspection": inspection,
        "hazards": inspection.hazards.select_related("category"),
        "timeline": timeline_list(inspection),
    })
