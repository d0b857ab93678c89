"""Validation, with Chinese messages next to the fields. Views hand cleaned_data to actions.

One module per sub-domain, all imported from here (`from rectification import forms`):
common.py (the date input, the upload field, area choices, the assign and pass/fail forms),
inspections.py, hazards.py, supervision.py, centres.py, legal.py.
"""

from .bulk import BulkForm, BulkOpenForm
from .centres import CentreFilterForm, CentrePhotoForm, CentreUpgradeForm
from .common import (
    DATE,
    AreaChoiceField,
    AssignForm,
    MultipleFileInput,
    PhotosField,
    VerifyForm,
    category_choices,
    village_choices,
)
from .hazards import (
    STATUS_FILTER_EXTRA,
    HazardAssignForm,
    HazardCorrectForm,
    HazardFilterForm,
    HazardForm,
    HazardSourceForm,
    HazardWithdrawForm,
    NoteForm,
    PhotoForm,
)
from .inspections import CampaignForm, InspectionFilterForm, InspectionForm
from .legal import LegalActivityForm, LegalFilterForm
from .supervision import (
    EvidenceForm,
    IssueAssignForm,
    IssueFilterForm,
    IssueForm,
    RecheckForm,
    ReportForm,
    RoundForm,
    TeamForm,
    TeamMemberForm,
    VisitForm,
)

__all__ = [
    "DATE",
    "BulkForm",
    "BulkOpenForm",
    "STATUS_FILTER_EXTRA",
    "AreaChoiceField",
    "AssignForm",
    "CampaignForm",
    "CentreFilterForm",
    "CentrePhotoForm",
    "CentreUpgradeForm",
    "EvidenceForm",
    "HazardAssignForm",
    "HazardCorrectForm",
    "HazardWithdrawForm",
    "HazardFilterForm",
    "HazardForm",
    "HazardSourceForm",
    "InspectionFilterForm",
    "InspectionForm",
    "IssueAssignForm",
    "IssueFilterForm",
    "IssueForm",
    "LegalActivityForm",
    "LegalFilterForm",
    "MultipleFileInput",
    "NoteForm",
    "PhotoForm",
    "PhotosField",
    "RecheckForm",
    "ReportForm",
    "RoundForm",
    "TeamForm",
    "TeamMemberForm",
    "VerifyForm",
    "VisitForm",
    "category_choices",
    "village_choices",
]
