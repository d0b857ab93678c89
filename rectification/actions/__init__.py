"""Every state change of the rectification app. Each action is atomic, checks the transition
against a map, changes status with a conditional UPDATE (the loser of a race gets a clear
Chinese error and nothing changes), writes the audit row and notifies after commit.

`at=` lets seed data and imports record past events; it defaults to now.

One module per sub-domain, all imported from here (`from rectification import actions`):
common.py (ActionError, the shared status move, start_export), inspections.py, hazards.py,
supervision.py, centres.py, legal.py.
"""

from .bulk import BULK_LABELS, BatchRefused, run_batch
from .centres import (
    add_centre_photo,
    ensure_centre,
    record_centre_checks,
    set_centre_demonstration,
    set_centre_upgrade,
)
from .common import BACKFILL_AGE, ActionError, allowed, start_export
from .extend import extend_deadline
from .hazards import (
    HAZARD_ACTION_LABELS,
    HAZARD_TRANSITIONS,
    HazardChanged,
    add_hazard_photo,
    assign_hazard,
    close_hazard,
    correct_hazard,
    note_hazard_progress,
    rectifiers_of,
    register_hazard,
    submit_hazard_rectification,
    verify_hazard,
    withdraw_hazard,
)
from .inspections import create_campaign, record_inspection
from .legal import record_legal_activity
from .supervision import (
    ISSUE_ACTION_LABELS,
    ISSUE_TRANSITIONS,
    add_issue,
    add_issue_evidence,
    add_team_member,
    assign_issue,
    close_issue,
    create_round,
    create_team,
    recheck_issue,
    record_visit,
    report_issue,
)

__all__ = [
    "extend_deadline",
    "BULK_LABELS",
    "BatchRefused",
    "run_batch",
    "BACKFILL_AGE",
    "HAZARD_ACTION_LABELS",
    "HAZARD_TRANSITIONS",
    "ISSUE_ACTION_LABELS",
    "ISSUE_TRANSITIONS",
    "ActionError",
    "add_centre_photo",
    "add_hazard_photo",
    "add_issue",
    "add_issue_evidence",
    "add_team_member",
    "allowed",
    "assign_hazard",
    "assign_issue",
    "HazardChanged",
    "close_hazard",
    "correct_hazard",
    "withdraw_hazard",
    "close_issue",
    "create_campaign",
    "create_round",
    "create_team",
    "ensure_centre",
    "note_hazard_progress",
    "recheck_issue",
    "record_centre_checks",
    "record_inspection",
    "record_legal_activity",
    "record_visit",
    "rectifiers_of",
    "register_hazard",
    "report_issue",
    "set_centre_demonstration",
    "set_centre_upgrade",
    "start_export",
    "submit_hazard_rectification",
    "verify_hazard",
]
