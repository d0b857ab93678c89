"""The posts a user can hold in an area. Every app checks them, so they are the kernel's;
grids keeps who holds which where (Membership)."""

from django.db import models


class Role(models.TextChoices):
    GRID_WORKER = "grid_worker", "网格员"
    VISITOR = "visitor", "走访人员"
    VILLAGE_CADRE = "village_cadre", "村(社区)干部"
    CENTRE_STAFF = "centre_staff", "综治中心工作人员"
    LEADER = "leader", "领导"
    SUPERVISOR = "supervisor", "督导组成员"
    ADMIN = "admin", "系统管理员"
    AUDITOR = "auditor", "安全审计员"


# When a user holds several roles, the home page opens on the first of these.
ROLE_PRIORITY = [
    Role.ADMIN, Role.LEADER, Role.CENTRE_STAFF, Role.SUPERVISOR,
    Role.VILLAGE_CADRE, Role.GRID_WORKER, Role.VISITOR, Role.AUDITOR,
]
