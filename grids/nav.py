from grids.models import Role
from pingxiang.registry import nav_item

nav_item("辖区", "grids:area_list", roles=list(Role), order=90)
