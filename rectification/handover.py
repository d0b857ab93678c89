"""A leaving worker's open hazards and supervision items, for the handover page
(pingxiang.handover)."""

from pingxiang.handover import field_source
from rectification.models import Hazard, IssueItem

field_source("hazard_handler", "安全隐患（整改责任人）", queryset=lambda: Hazard.objects.open(),
             field="handler", url_name="rectification:hazard_detail", order=40,
             describe=lambda h: str(h))
field_source("issue_handler", "督导问题（整改责任人）",
             queryset=lambda: IssueItem.objects.exclude(status=IssueItem.Status.CLOSED),
             field="handler", url_name="rectification:issue_detail", order=50,
             describe=lambda i: f"督导问题{i.number} {i.description[:20]}")
