from pingxiang.registry import nav_item
from pingxiang.roles import Role

nav_item("安全审计", "audit_log", roles=[Role.AUDITOR], order=5, group="管理",
         daily=[Role.AUDITOR])
