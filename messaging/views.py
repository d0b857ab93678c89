"""Pages: my message settings, a town administrator's people and their settings, and the
failed deliveries with a resend button for centre staff."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Q, Value
from django.db.models.functions import Concat
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from grids.access import has_role
from grids.models import Membership
from messaging import access, actions, config
from messaging.forms import FailureFilterForm, PeopleFilterForm, ResendForm, SettingsForm
from messaging.models import Contact, Delivery, KindRule, MessagingPolicy, Status
from pingxiang.access import scoped
from pingxiang.listfilters import paginate
from pingxiang.people import display_name


def _settings_page(request, person, *, back):
    rules = list(KindRule.objects.all())
    contact = Contact.objects.filter(user=person).first()
    current = actions.choices_for(person, rules)
    form = SettingsForm(request.POST or None, contact=contact, rules=rules, current=current)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        changes = actions.save_settings(
            person, actor=request.user, wecom_userid=data["wecom_userid"],
            mobile=data["new_mobile"], sms_fallback=data["sms_fallback"],
            choices=form.choices())
        messages.success(request, "已保存。" if changes else "没有改动。")
        return redirect(back)
    return render(request, "messaging/settings.html", {
        "form": form, "person": person, "own": person.pk == request.user.pk,
        "policy": MessagingPolicy.current(),
        "channels": {"wecom": config.wecom_enabled(), "sms": config.sms_enabled()}})


def _narrow(form, qs, *, user_field, robot_area=None):
    """A drill-down's ?area: people holding a post under it (and its work groups)."""
    drill = form.drill()
    if drill is None:
        return qs.none()
    area = drill.get("area")
    if area is None:
        return qs
    members = Membership.objects.filter(is_active=True, area__path__startswith=area.path)
    q = Q(**{f"{user_field}__in": members.values("user_id")})
    if robot_area:
        q |= Q(**{f"{robot_area}__path__startswith": area.path})
    return qs.filter(q)


@scoped("own")
@require_http_methods(["GET", "POST"])
def my_settings(request):
    return _settings_page(request, request.user, back=reverse("messaging:settings"))


@scoped("area")
@require_http_methods(["GET", "POST"])
def person_settings(request, pk):
    person = access.get_person_for_admin(request.user, pk)
    return _settings_page(request, person, back=reverse("messaging:person", args=[person.pk]))


@scoped("area")
@require_GET
def people(request):
    if not has_role(request.user, *access.PEOPLE_ROLES):
        raise PermissionDenied("只有系统管理员可以查看人员的消息接收设置。")
    form = PeopleFilterForm(request.GET or None, user=request.user)
    data = form.applied
    qs = access.people_visible_to(request.user)
    if data.get("q"):
        qs = qs.annotate(full=Concat("last_name", "first_name", Value(""))).filter(
            Q(full__icontains=data["q"]) | Q(username__icontains=data["q"]))
    status = data.get("status")
    if status == "missing":
        qs = qs.exclude(message_contact__wecom_userid__gt="").exclude(
            message_contact__mobile__gt="")
    elif status == "wecom":
        qs = qs.filter(message_contact__wecom_userid__gt="")
    elif status == "mobile":
        qs = qs.filter(message_contact__mobile__gt="")
    qs = _narrow(form, qs, user_field="pk")
    posts = Prefetch("memberships", to_attr="posts",
                     queryset=Membership.objects.filter(is_active=True).select_related("area")
                     .order_by("area__path"))
    page = paginate(request, qs.select_related("message_contact").prefetch_related(posts)
                    .order_by("last_name", "first_name", "username"))
    template = "messaging/people.html#table" if request.htmx else "messaging/people.html"
    return render(request, template, {"form": form, "page": page})


@scoped("area")
@require_GET
def failures(request):
    access.require_failure_role(request.user)
    form = FailureFilterForm(request.GET or None, user=request.user)
    data = form.applied
    qs = access.deliveries_visible_to(request.user)
    status = data.get("status")
    if status == "resent":
        qs = qs.filter(status__in=[Status.FAILED, Status.UNKNOWN], resent_at__isnull=False)
    else:
        qs = qs.filter(status__in=[status] if status else [Status.FAILED, Status.UNKNOWN],
                       resent_at__isnull=True)
    if data.get("channel"):
        qs = qs.filter(channel=data["channel"])
    if data.get("start"):
        qs = qs.filter(updated_at__date__gte=data["start"])
    if data.get("end"):
        qs = qs.filter(updated_at__date__lte=data["end"])
    qs = _narrow(form, qs, user_field="recipient_id", robot_area="robot__area")
    followers = Prefetch("followers", to_attr="next_rows",
                         queryset=Delivery.objects.order_by("pk").only(
                             "pk", "previous_id", "channel", "status", "key"))
    page = paginate(request, qs.select_related("recipient", "robot")
                    .prefetch_related(followers).order_by("-updated_at", "-pk"))
    template = "messaging/failures.html#table" if request.htmx else "messaging/failures.html"
    return render(request, template, {"form": form, "page": page})


@scoped("area")
@require_POST
def resend(request):
    access.require_failure_role(request.user)
    form = ResendForm(request.POST, queryset=access.deliveries_visible_to(request.user))
    if not form.is_valid():
        messages.error(request, "；".join(e for errors in form.errors.values() for e in errors))
        return redirect("messaging:failures")
    try:
        copy = actions.resend_delivery(form.cleaned_data["delivery"], actor=request.user)
    except actions.MessagingError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"已重新排队：{copy.get_channel_display()}发给"
                                  f"{copy.robot or display_name(copy.recipient)}。")
    return redirect("messaging:failures")
