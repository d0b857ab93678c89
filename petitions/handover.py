"""A leaving leader's open petitions (领导包案), for the handover page (pingxiang.handover).
Only the number is shown: the petition's content stays with those who may read it."""

from petitions.models import Petition
from pingxiang.handover import field_source

field_source("petition_leader", "信访件（包案领导）", queryset=lambda: Petition.objects.open(),
             field="leader", url_name="petitions:detail", order=30,
             describe=lambda p: str(p))
