"""A leaving worker's open disputes, for the handover page (pingxiang.handover)."""

from cases.models import Case
from pingxiang.handover import field_source

field_source("case_handler", "矛盾纠纷（承办）", queryset=lambda: Case.objects.active(),
             field="handler", url_name="cases:case_detail", order=20,
             describe=lambda c: f"{c.number} {c.description[:20]}")
field_source("case_leader", "矛盾纠纷（包案领导）", queryset=lambda: Case.objects.active(),
             field="took_charge_by", url_name="cases:case_detail", order=21,
             describe=lambda c: f"{c.number} {c.description[:20]}")
