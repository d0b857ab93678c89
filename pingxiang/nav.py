from grids.models import Role
from pingxiang.registry import nav_item

nav_item("数据看板", "dashboard", roles=[Role.LEADER, Role.CENTRE_STAFF, Role.VILLAGE_CADRE,
                                      Role.SUPERVISOR, Role.ADMIN], order=5)
nav_item("工作简报", "briefing", roles=[Role.LEADER, Role.CENTRE_STAFF], order=6)
nav_item("安全审计", "audit_log", roles=[Role.AUDITOR], order=5)
