"""Who may see and handle which petition. The one place the confidentiality rule lives.

- Existence (number, channel, received date, status, village): anyone who answers for
  the petition's area (grid worker of its grid, cadre of its village, town staff...).
- Identity and content (who, what, the reply, attachments): centre staff (综治中心工作人员)
  whose area covers the petition, and the leader in charge (包案领导). Nobody else.
- Handling (decide, extend, close, rate...): the same two.

Lists, search and exports never load the confidential columns for rows the user may not
read: `rows_for(user)` computes them in SQL as empty strings for those rows.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import BooleanField, Case, CharField, F, Q, Value, When
from django.db.models.functions import Coalesce
from django.http import Http404

from grids.access import area_paths, has_role, q_under_user_areas
from petitions.models import PUBLIC_FIELDS, CoPetitioner, Petition, ReceptionDay
from pingxiang.roles import Role


def q_full(user, prefix=""):
    """Rows whose identity and content the user may read."""
    return Q(**{f"{prefix}leader_id": user.pk}) | q_under_user_areas(
        user, f"{prefix}area", roles=[Role.CENTRE_STAFF], town=f"{prefix}town",
        village=f"{prefix}village")


def q_visible(user):
    """Rows whose existence the user may know."""
    return (q_under_user_areas(user, "area", town="town", village="village")
            | Q(leader_id=user.pk))


def readable_by(user):
    return Petition.objects.filter(q_full(user))


def can_read(user, petition):
    if petition.leader_id == user.pk:
        return True
    return any(petition.area.path.startswith(p)
               for p in area_paths(user, roles=[Role.CENTRE_STAFF]))


def can_handle(user, petition):
    """Decide, extend, close, rate, assign: centre staff of the area or the leader in charge."""
    return can_read(user, petition)


def can_register(user):
    return has_role(user, Role.CENTRE_STAFF)


def registrable_paths(user):
    return area_paths(user, roles=[Role.CENTRE_STAFF])


@dataclass
class PublicPetition:
    """What someone who may not read a petition gets: that it exists, and its status."""

    id: int
    number: str
    channel: str
    order_type: str
    received_at: object
    status: str
    area_id: int
    village_id: int
    town_id: int
    clock: str
    due_at: object
    closed_at: object
    accepted_at: object
    leader_id: int
    reception_id: int
    withdrawn_at: object = None
    village_name: str = ""
    area_name: str = ""

    def get_channel_display(self):
        return Petition.Channel(self.channel).label

    def get_status_display(self):
        return Petition.Status(self.status).label


def get_petition_for_user(user, pk, *, write=False):
    """(petition, readable). 404 when the user may not know it exists.

    When the user may know it exists but not read it, a PublicPetition built from the
    public columns only is returned (the confidential columns are never loaded); with
    write=True that is a 403."""
    base = Petition.objects.visible_to(user).filter(pk=pk)
    full = (
        base.filter(q_full(user))
        .select_related("petitioner", "category", "area", "village", "town", "leader",
                        "reception__leader", "repeat_of", "extension_approver", "registered_by")
        .first()
    )
    if full is not None:
        if write and not can_handle(user, full):
            raise PermissionDenied("这不是您负责的信访件，不能办理。")
        return full, True
    row = base.values(*PUBLIC_FIELDS, "village__short_name", "area__name").first()
    if row is None:
        raise Http404("信访件不存在或不在您的辖区。")
    if write:
        raise PermissionDenied("信访件内容仅综治中心工作人员和包案领导可见、可办理。")
    row["village_name"] = row.pop("village__short_name")
    row["area_name"] = row.pop("area__name")
    return PublicPetition(**row), False


SECRET_COLUMNS = {
    "s_name": "petitioner__name", "s_id_number": "petitioner__id_number",
    "s_phone": "petitioner__phone", "s_title": "title", "s_category": "category__name",
    "s_reply": "reply", "s_rating_handling": "rating_handling",
    "s_rating_result": "rating_result",
}


def rows_for(user, qs=None, *, secrets=None):
    """List/search/export rows as dicts: public columns for every visible row, the
    confidential ones (name, title, ...) only where the user may read the row; elsewhere
    the database returns '' so they never leave it. `secrets` names the confidential
    columns wanted (all of them when not given): the list shows two of eight, and each is
    a CASE the ORM builds afresh."""
    qs = Petition.objects.visible_to(user) if qs is None else qs
    full = q_full(user)
    readable = Case(When(full, then=Value(True)), default=Value(False),
                    output_field=BooleanField())

    def secret(expr):
        return Case(When(full, then=Coalesce(expr, Value(""))), default=Value(""),
                    output_field=CharField())

    names = SECRET_COLUMNS if secrets is None else secrets
    return qs.annotate(readable=readable,
                       **{name: secret(F(SECRET_COLUMNS[name])) for name in names})


def search_q(user, text):
    """Search the confidential columns only in rows the user may read; only the
    petition number is public."""
    text = (text or "").strip()
    if not text:
        return Q()
    secret = (Q(title__icontains=text) | Q(channel_ref__icontains=text) | Q(content__icontains=text)
              | Q(petitioner__name__icontains=text) | Q(petitioner__id_number=text.upper())
              | Q(pk__in=CoPetitioner.objects.filter(resident__name__icontains=text)
                  .values("petition_id")))
    return Q(number__icontains=text) | (q_full(user) & secret)


def get_reception_for_user(user, pk):
    day = ReceptionDay.objects.visible_to(user).select_related("leader", "town").filter(pk=pk).first()
    if day is None:
        raise Http404("接访安排不存在。")
    return day
