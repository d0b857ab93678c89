"""People, for a town's 系统管理员, on pages: accounts (create, edit, deactivate, reset a
password, unlock), the posts they hold (grant, revoke) and handing a leaving worker's open
work to a successor. Each write is atomic and audited; a refusal is a ValidationError with a
Chinese message and nothing written.

Who may do what (one condition per line, tested table-driven in tests/grids/test_accounts.py):
- Only a 系统管理员 manages people, and only those holding (or having held) a post in their
  areas; never a superuser, another administrator or a 安全审计员 (the superuser's accounts).
- Posts follow grids.roles.grant_refusal: inside one's own areas, below one's own rank, never
  to oneself. Nothing is granted to a deactivated account.
- A handover goes to an active person the administrator manages, who can see every item's
  area (包抓 brings its own post)."""

from axes.models import AccessAttempt
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone

from grids.access import has_role, q_under_user_areas, user_areas, user_can_see_area
from grids.actions import grant_membership, revoke_membership
from grids.models import Account, Area, Membership
from grids.roles import grant_refusal
from pingxiang import audit, registry
from pingxiang.models import AuditEvent
from pingxiang.notify import notify
from pingxiang.people import display_name, full_name
from pingxiang.roles import Role

PEOPLE_ROLES = (Role.ADMIN,)


# --- Who may be managed -------------------------------------------------------------------
def people_visible_to(user):
    """The accounts `user` manages: anyone who holds or held a post in their administrator
    areas, except superusers and other administrators and auditors."""
    User = get_user_model()
    if not has_role(user, *PEOPLE_ROLES):
        return User.objects.none()
    in_scope = Membership.objects.filter(q_under_user_areas(user, "area", roles=PEOPLE_ROLES))
    protected = (Membership.objects.filter(role__in=[Role.AUDITOR, Role.ADMIN])
                 .exclude(user_id=user.pk))
    return (User.objects.filter(is_superuser=False, pk__in=in_scope.values("user_id"))
            .exclude(pk__in=protected.values("user_id")))


def require_people_role(user):
    if not has_role(user, *PEOPLE_ROLES):
        raise PermissionDenied("只有系统管理员可以管理人员和岗位。")


def get_person_for_admin(user, pk):
    """403 for someone who manages no one; 404 for a person outside their areas."""
    require_people_role(user)
    return get_object_or_404(people_visible_to(user), pk=pk)


def split_name(name):
    """(last_name, first_name) from one full name as typed: 欧阳明 is shown as typed either
    way, since pages join the two (pingxiang.people.full_name)."""
    name = "".join((name or "").split())
    return name[:1], name[1:]


# --- Accounts -----------------------------------------------------------------------------
def _mark_temporary(user):
    """The password just set by an administrator must be changed at next login."""
    Account.objects.update_or_create(user=user, defaults={"temporary_password": user.password})


def must_change_password(user):
    account = Account.objects.filter(user_id=user.pk).only("temporary_password").first()
    return bool(account and account.temporary_password
                and account.temporary_password == user.password)


def _check_password(password, user=None):
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc


def _write_contact(user, *, actor, wecom_userid, mobile):
    book = registry.contacts()
    if book is not None:
        book.write(user, actor=actor, wecom_userid=wecom_userid, mobile=mobile)


def contacts_of(users):
    """{user pk: (wecom_userid, mobile)} from the app that keeps them (messaging)."""
    book = registry.contacts()
    return book.read(users) if book is not None else {}


@transaction.atomic
def create_person(*, actor, username, name, password, role, area, title="", mobile="",
                  wecom_userid=""):
    """A new login with its first post. The password is temporary: the person changes it at
    their first login."""
    User = get_user_model()
    refusal = post_refusal(actor, None, area, role)
    if refusal:
        raise ValidationError({"role": refusal})
    username = username.strip()
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": f"登录名“{username}”已被使用，请换一个。"})
    last, first = split_name(name)
    if not last:
        raise ValidationError({"name": "请填写姓名。"})
    user = User(username=username, last_name=last, first_name=first)
    _check_password(password, user)
    user.set_password(password)
    user.save()
    _mark_temporary(user)
    audit.record(user, actor=actor, action="user.create", action_label="新建账号",
                 to_state="启用", reason=f"{full_name(last, first)}（{username}）")
    grant_membership(user, area, role, title=title, actor=actor)
    _write_contact(user, actor=actor, wecom_userid=wecom_userid, mobile=mobile or None)
    return user


@transaction.atomic
def edit_person(person, *, actor, name, mobile=None, wecom_userid=""):
    """Correct a person's name and where they are reached. `mobile` None keeps the number."""
    User = get_user_model()
    person = User.objects.select_for_update().get(pk=person.pk)
    last, first = split_name(name)
    if not last:
        raise ValidationError({"name": "请填写姓名。"})
    old = display_name(person)
    if (person.last_name, person.first_name) != (last, first):
        User.objects.filter(pk=person.pk).update(last_name=last, first_name=first)
        person.last_name, person.first_name = last, first
        audit.record(person, actor=actor, action="user.rename", action_label="修改姓名",
                     from_state=old, to_state=display_name(person),
                     reason=f"姓名：{old} → {display_name(person)}")
    _write_contact(person, actor=actor, wecom_userid=wecom_userid, mobile=mobile)
    return person


def _not_self(person, actor, what):
    if person.pk == actor.pk:
        raise ValidationError(f"不能{what}自己的账号。")


@transaction.atomic
def deactivate_person(person, *, actor, reason):
    """停用: the person can no longer log in; their records, posts and history stay."""
    _not_self(person, actor, "停用")
    if not reason.strip():
        raise ValidationError({"reason": "请写明停用原因。"})
    User = get_user_model()
    if not User.objects.filter(pk=person.pk, is_active=True).update(is_active=False):
        raise ValidationError("该账号已经停用。")
    person.is_active = False
    audit.record(person, actor=actor, action="user.deactivate", action_label="停用账号",
                 from_state="启用", to_state="停用", reason=reason)


@transaction.atomic
def reactivate_person(person, *, actor, reason=""):
    _not_self(person, actor, "启用")
    User = get_user_model()
    if not User.objects.filter(pk=person.pk, is_active=False).update(is_active=True):
        raise ValidationError("该账号已经是启用状态。")
    person.is_active = True
    audit.record(person, actor=actor, action="user.reactivate", action_label="重新启用账号",
                 from_state="停用", to_state="启用", reason=reason)


@transaction.atomic
def reset_password(person, *, actor, password):
    """A temporary password the person must replace at their next login; their open
    sessions end (Django checks the password hash on every request)."""
    _not_self(person, actor, "在这里重置")
    _check_password(password, person)
    person.set_password(password)
    person.save(update_fields=["password"])
    _mark_temporary(person)
    audit.record(person, actor=actor, action="user.password_reset", action_label="重置密码",
                 reason="设置临时密码，下次登录时须修改")


def is_locked(person):
    """Locked out by django-axes (too many wrong passwords within the cool-off time)."""
    since = timezone.now() - timezone.timedelta(hours=settings.AXES_COOLOFF_TIME)
    return AccessAttempt.objects.filter(
        username=person.get_username(), attempt_time__gte=since,
        failures_since_start__gte=settings.AXES_FAILURE_LIMIT).exists()


@transaction.atomic
def unlock_person(person, *, actor):
    removed = axes_reset(username=person.get_username())
    if not removed:
        raise ValidationError("该账号没有被锁定。")
    audit.record(person, actor=actor, action="user.unlock", action_label="解除锁定",
                 from_state="锁定", to_state="正常", reason=f"清除{removed}条失败登录记录")


# --- Posts --------------------------------------------------------------------------------
def post_refusal(actor, person, area, role):
    """grant_refusal, plus what the pages add: a post only in a live area the actor
    administers, never to a deactivated account."""
    if person is not None and not person.is_active:
        return "该账号已停用，不能授予或撤销岗位。"
    if area.retired_at is not None:
        return f"{area.name}已撤销，不能在此设岗位。"
    if not actor.is_superuser and not any(
            area.path.startswith(a.path) for a in admin_areas(actor)):
        return "只能在本人管辖的辖区内授予岗位。"
    return grant_refusal(actor, person, area, role)


def admin_areas(actor):
    return user_areas(actor, roles=PEOPLE_ROLES)


@transaction.atomic
def grant_post(person, *, actor, area, role, title=""):
    refusal = post_refusal(actor, person, area, role)
    if refusal:
        raise ValidationError(refusal)
    if Membership.objects.filter(user=person, area=area, role=role, is_active=True).exists():
        raise ValidationError(f"{display_name(person)}已在{area.name}担任{Role(role).label}。")
    return grant_membership(person, area, role, title=title, actor=actor)


@transaction.atomic
def revoke_post(membership, *, actor, reason=""):
    refusal = post_refusal(actor, membership.user, membership.area, membership.role)
    if refusal:
        raise ValidationError(refusal)
    if not revoke_membership(membership, actor=actor, reason=reason):
        raise ValidationError("该岗位已经撤销。")


def post_history(person):
    """Grants and revocations of the person's posts, newest first, for their page."""
    ids = [str(pk) for pk in Membership.objects.filter(user=person).values_list("pk", flat=True)]
    ct = ContentType.objects.get_for_model(Membership)
    return list(AuditEvent.objects.filter(content_type=ct, object_id__in=ids)
                .order_by("-at", "-id"))


# --- Handover -----------------------------------------------------------------------------
def open_items(worker):
    """[(source, [HandoverItem])] of every kind the worker has open, in the sources' order."""
    out = []
    for source in registry.handover_sources():
        items = source.items(worker)
        if items:
            out.append((source, items))
    return out


def handover_refusal(actor, worker, successor):
    if successor is None:
        return "请选择接手人。"
    if successor.pk == worker.pk:
        return "接手人不能是移交人本人。"
    if not successor.is_active:
        return f"{display_name(successor)}的账号已停用，不能接手工作。"
    if not people_visible_to(actor).filter(pk=successor.pk).exists():
        return "接手人须是您管辖辖区内的人员。"
    return None


@transaction.atomic
def hand_over(worker, *, actor, successor, reason):
    """Hand every open item of the worker to the successor in one step: each item audited by
    its app, one audit row on the worker, one notification to the successor. Refused as a
    whole (nothing changed) when the successor cannot take it."""
    User = get_user_model()
    worker = User.objects.select_for_update().get(pk=worker.pk)  # one handover at a time
    refusal = handover_refusal(actor, worker, successor)
    if refusal:
        raise ValidationError({"successor": refusal})
    if not reason.strip():
        raise ValidationError({"reason": "请写明移交原因（如调离、退休）。"})
    pending = open_items(worker)
    if not pending:
        raise ValidationError("该人员没有需要移交的在办事项。")
    unseen = sorted({item.area.name for _source, items in pending for item in items
                     if item.area is not None and not item.grants_access
                     and not user_can_see_area(successor, item.area)})
    if unseen:
        raise ValidationError({"successor": f"{display_name(successor)}看不到{'、'.join(unseen)}"
                               "的事项，请先给接手人授予相应辖区的岗位。"})
    done = []
    for source, _items in pending:
        moved = source.reassign(worker, successor, actor=actor, reason=reason)
        done.append((source.label, len(moved)))
    summary = "；".join(f"{label}{n}项" for label, n in done if n)
    audit.record(worker, actor=actor, action="user.handover", action_label="工作移交",
                 to_state=display_name(successor), reason=f"{reason}。移交：{summary}")
    notify([successor], key=f"handover:{worker.pk}:{timezone.now():%Y%m%d%H%M%S%f}",
           title=f"{display_name(worker)}的工作已移交给您",
           body=f"{summary}。原因：{reason}", kind="handover",
           url=reverse("grids:user_detail", args=[worker.pk])
           if has_role(successor, *PEOPLE_ROLES) else "/")
    return done


def people_options(actor, *, active=True, exclude=None):
    """Who an administrator may pick (a handover's successor): active people they manage."""
    qs = people_visible_to(actor).filter(is_active=active)
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return qs.order_by("last_name", "first_name", "username")


def village_filter_q(village):
    """People holding a post at or beneath a village."""
    return Q(memberships__area__path__startswith=village.path)


def areas_for_posts(actor):
    """The areas an administrator may give posts in: live, under their admin areas."""
    paths = [a.path for a in admin_areas(actor)]
    return Area.objects.under_paths(paths).filter(retired_at__isnull=True)
