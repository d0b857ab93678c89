"""Special campaigns, inspections of key places, the hazard closed loop, supervision issue
lists, centre standardisation (阵地建设), legal-awareness activities, background exports.

One module per sub-domain; Django and every other module import them from here
(`from rectification.models import Hazard`):

- common.py: `today()`, the policy row (Policy), background exports (ExportJob)
- inspections.py: Campaign, Inspection
- hazards.py: HazardCategory, Hazard, HazardPhoto
- supervision.py: IssueCategory, SupervisionTeam, TeamMember, SupervisionRound,
  SupervisionVisit, IssueItem, IssueEvidence
- centres.py: StandardItem, Centre, CentreCheck, CentrePhoto
- legal.py: LegalActivity

Every status change goes through rectification.actions; deadlines are indexed date columns
read by rectification.sweeps and by the pages (so overdue flags are right with no worker).
"""

from .centres import Centre, CentreCheck, CentrePhoto, CentreQuerySet, StandardItem
from .common import ExportJob, Policy, User, today
from .hazards import Hazard, HazardCategory, HazardPhoto, HazardQuerySet
from .inspections import Campaign, CampaignQuerySet, Inspection, InspectionQuerySet
from .legal import LegalActivity, LegalActivityQuerySet
from .supervision import (
    SUPERVISION_VIEWERS,
    IssueCategory,
    IssueEvidence,
    IssueItem,
    IssueQuerySet,
    SupervisionRound,
    SupervisionTeam,
    SupervisionTeamQuerySet,
    SupervisionVisit,
    TeamMember,
    VisitQuerySet,
)

__all__ = [
    "SUPERVISION_VIEWERS",
    "Campaign",
    "CampaignQuerySet",
    "Centre",
    "CentreCheck",
    "CentrePhoto",
    "CentreQuerySet",
    "ExportJob",
    "Hazard",
    "HazardCategory",
    "HazardPhoto",
    "HazardQuerySet",
    "Inspection",
    "InspectionQuerySet",
    "IssueCategory",
    "IssueEvidence",
    "IssueItem",
    "IssueQuerySet",
    "LegalActivity",
    "LegalActivityQuerySet",
    "Policy",
    "StandardItem",
    "SupervisionRound",
    "SupervisionTeam",
    "SupervisionTeamQuerySet",
    "SupervisionVisit",
    "TeamMember",
    "User",
    "VisitQuerySet",
    "today",
]
