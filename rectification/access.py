"""Who may see and change what. Views fetch objects only through these functions:
404 when the object is not visible to the user, 403 when visible but not changeable."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from grids.access import memberships
from pingxiang.roles import Role

from .models import (
    Campaign,
    Centre,
    CentrePhoto,
    ExportJob,
    Hazard,
    HazardPhoto,
    Inspection,
    IssueEvidence,
    IssueItem,
    SupervisionRound,
    SupervisionTeam,
    SupervisionVisit,
)

# Who may register hazards and record inspections (over the area concerned).
REPORTERS = (Role.GRID_WORKER, Role.VISITOR, Role.VILLAGE_CADRE, Role.CENTRE_STAFF,
             Role.LEADER, Role.SUPERVISOR)
# Who assigns hazards, accepts (验收) and closes them.
HAZARD_MANAGERS = (Role.VILLAGE_CADRE, Role.CENTRE_STAFF, Role.LEADER)
# Who may act for the responsible unit when no platform handler was named.
RECTIFIERS = (Role.VILLAGE_CADRE, Role.CENTRE_STAFF)
TOWN_STAFF = (Role.CENTRE_STAFF, Role.LEADER)
# 批量交办/销号 (each item still needs its own permission, rectification.actions.bulk).
BULK_ROLES = (Role.CENTRE_STAFF, Role.SUPERVISOR)
# Who sees a town's supervision teams: models.supervision.SUPERVISION_VIEWERS (the teams'
# visible_to reads it).
CENTRE_EDITORS = (Role.VILLAGE_CADRE, Role.CENTRE_STAFF, Role.LEADER)
LEGAL_RECORDERS = (Role.GRID_WORKER, Role.VILLAGE_CADRE, Role.CENTRE_STAFF, Role.LEADER)


def holds_role_over(user, area, roles):
    """The user holds one of roles on area or on a node above it."""
    wanted = {Role(r) for r in roles}
    return any(m.role in wanted and area.path.startswith(m.area.path)
               for m in memberships(user))


def _require(condition):
    if not condition:
        raise PermissionDenied("您的岗位没有此项权限。")


# --- Campaigns / inspections -------------------------------------------------------------------



def get_campaign_for_user(user, pk):
    return get_object_or_404(Campaign.objects.visible_to(user).select_related("scope"), pk=pk)


def get_inspection_for_user(user, pk):
    return get_object_or_404(
        Inspection.objects.visible_to(user).select_related("place", "campaign", "area",
                                                           "village", "created_by"), pk=pk)


# --- Hazards -----------------------------------------------------------------------------------

def can_manage_hazard(user, hazard):
    return holds_role_over(user, hazard.area, HAZARD_MANAGERS)


def can_regrade_hazard(user, hazard):
    """Change a hazard's grade, or withdraw it (issue 19): the town's centre staff."""
    return holds_role_over(user, hazard.area, (Role.CENTRE_STAFF,))


def can_rectify_hazard(user, hazard):
    if hazard.handler_id:
        return hazard.handler_id == user.pk or holds_role_over(user, hazard.area,
                                                               (Role.CENTRE_STAFF,))
    return holds_role_over(user, hazard.area, RECTIFIERS)


def get_hazard_for_user(user, pk, *, write=None):
    """write: None (read), "manage" (交办/验收/销号) or "rectify" (整改)."""
    hazard = get_object_or_404(
        Hazard.objects.visible_to(user).select_related(
            "category", "place", "area", "village", "campaign", "inspection", "reported_by",
            "handler", "assigned_by", "rectified_by", "verified_by"), pk=pk)
    if write == "manage":
        _require(can_manage_hazard(user, hazard))
    elif write == "rectify":
        _require(can_rectify_hazard(user, hazard))
    return hazard


def get_hazard_photo_for_user(user, pk):
    return get_object_or_404(
        HazardPhoto.objects.filter(hazard__in=Hazard.objects.visible_to(user)), pk=pk)


# --- Supervision -------------------------------------------------------------------------------



def is_team_member(user, team):
    return team.members.filter(user=user).exists()


def can_supervise(user, team):
    """Team members build issue lists, hand them out, re-check and close items; so may the
    town's centre staff and leaders."""
    return is_team_member(user, team) or holds_role_over(user, team.town, TOWN_STAFF)


def get_team_for_user(user, pk, *, write=False):
    team = get_object_or_404(
        SupervisionTeam.objects.visible_to(user).distinct().select_related("town"), pk=pk)
    if write:
        _require(can_supervise(user, team))
    return team


def get_round_for_user(user, pk, *, write=False):
    rnd = get_object_or_404(
        SupervisionRound.objects.filter(team__in=SupervisionTeam.objects.visible_to(user))
        .select_related("team", "team__town", "campaign").distinct(), pk=pk)
    if write:
        _require(can_supervise(user, rnd.team))
    return rnd


def get_visit_for_user(user, pk, *, write=False):
    visit = get_object_or_404(
        SupervisionVisit.objects.visible_to(user).select_related(
            "round", "round__team", "round__team__town", "area", "created_by"), pk=pk)
    if write:
        _require(can_supervise(user, visit.round.team))
    return visit


def can_report_issue(user, item):
    if item.handler_id == user.pk:
        return True
    return holds_role_over(user, item.area, RECTIFIERS)


def get_issue_for_user(user, pk, *, write=None):
    """write: None, "supervise" (交办/复核/销号/佐证) or "report" (报送整改情况)."""
    item = get_object_or_404(
        IssueItem.objects.visible_to(user).select_related(
            "visit", "visit__round", "visit__round__team", "visit__round__team__town",
            "visit__area", "category", "centre", "handler", "reported_by", "rechecked_by",
            "assigned_by", "area", "village"), pk=pk)
    if write == "supervise":
        _require(can_supervise(user, item.visit.round.team))
    elif write == "report":
        _require(can_report_issue(user, item))
    return item


def get_evidence_for_user(user, pk):
    return get_object_or_404(
        IssueEvidence.objects.filter(item__in=IssueItem.objects.visible_to(user)), pk=pk)


# --- Centres, legal activities, exports --------------------------------------------------------

def get_centre_for_user(user, pk, *, write=False):
    centre = get_object_or_404(Centre.objects.visible_to(user).select_related("area"), pk=pk)
    if write:
        _require(holds_role_over(user, centre.area, CENTRE_EDITORS))
    return centre


def get_centre_photo_for_user(user, pk):
    return get_object_or_404(
        CentrePhoto.objects.filter(centre__in=Centre.objects.visible_to(user)), pk=pk)


def get_export_job_for_user(user, pk):
    """A background export belongs to the user who asked for it: anyone else gets 404."""
    return get_object_or_404(ExportJob.objects.filter(requested_by=user), pk=pk)
