from messaging.access import FAILURE_ROLES, PEOPLE_ROLES
from pingxiang.registry import nav_item
from pingxiang.roles import Role

nav_item("推送设置", "messaging:settings",
         roles=[r for r in Role if r != Role.AUDITOR], order=95, group="管理")
nav_item("人员推送设置", "messaging:people", roles=PEOPLE_ROLES, order=96, group="管理")
nav_item("推送失败", "messaging:failures", roles=FAILURE_ROLES, order=97, group="管理")
