"""Coverage: households with at least one visit in a period ÷ households, per area.

A household counts in the grid it belonged to at the end of the period: one moved to another
grid later (grids.areas.move_household, kept as HouseholdMove rows) still counts in its old
grid for that period, visits and all. Five queries whatever the size of the area (its child
areas, its grids, household and visited-household counts per grid, the moves after the
period), a sixth when some household moved since; the roll-up to 社, village and town is
done in Python over the grids' paths."""

import re
from dataclasses import dataclass

from django.db.models import Count, Q

from grids.models import Area, Household, HouseholdMove, Visit


@dataclass
class CoverageRow:
    area: Area
    households: int = 0
    visited: int = 0

    @property
    def unvisited(self):
        return self.households - self.visited

    @property
    def rate(self):
        return round(100 * self.visited / self.households, 1) if self.households else 0.0


def coverage(area, start, end):
    """(total row for area, [rows for each child area]) for the period [start, end]."""
    grids = list(Area.objects.under(area).filter(kind=Area.Kind.GRID).values_list("id", "path"))
    grid_ids = [g for g, _ in grids]
    households = dict(Household.objects.filter(grid_id__in=grid_ids).values("grid_id")
                      .annotate(n=Count("id")).values_list("grid_id", "n"))
    visited = dict(
        Visit.objects.filter(household__grid_id__in=grid_ids, visited_on__gte=start,
                             visited_on__lte=end)
        .values("household__grid_id").annotate(n=Count("household", distinct=True))
        .values_list("household__grid_id", "n"))
    _count_moves_in_their_old_grid(grid_ids, households, visited, start, end)
    children = list(area.children.order_by("sort_order", "name")) \
        if area.kind != Area.Kind.GRID else []
    total = CoverageRow(area)
    rows = [CoverageRow(child) for child in children]
    for grid_id, path in grids:
        h, v = households.get(grid_id, 0), visited.get(grid_id, 0)
        total.households += h
        total.visited += v
        for row in rows:
            if path.startswith(row.area.path):
                row.households += h
                row.visited += v
                break
    return total, rows


def _count_moves_in_their_old_grid(grid_ids, households, visited, start, end):
    """Correct the per-grid counts (by current grid) for households that moved after `end`:
    they count in the grid they were in on `end`."""
    touching = HouseholdMove.objects.filter(moved_on__gt=end).filter(
        Q(from_grid_id__in=grid_ids) | Q(to_grid_id__in=grid_ids)).values("household_id")
    then = {}  # household -> (grid on `end`, grid now)
    for household_id, from_grid, now_grid in (
            HouseholdMove.objects.filter(moved_on__gt=end, household_id__in=touching)
            .order_by("household_id", "moved_on", "pk")
            .values_list("household_id", "from_grid_id", "household__grid_id")):
        then.setdefault(household_id, (from_grid, now_grid))
    if not then:
        return
    seen = set(Visit.objects.filter(household_id__in=list(then), visited_on__gte=start,
                                    visited_on__lte=end)
               .values_list("household_id", flat=True).distinct())
    for household_id, (old, now) in then.items():
        for counts, counted in ((households, True), (visited, household_id in seen)):
            if not counted:
                continue
            if now in grid_ids:
                counts[now] = counts.get(now, 0) - 1
            if old in grid_ids:
                counts[old] = counts.get(old, 0) + 1


def _house_order(row):
    """Natural order of house numbers within a grid: 2 before 10, "12-1" after "12"."""
    path, number, pk = row
    parts = re.split(r"(\d+)", number or "")
    return (path, [(0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts if p], pk)


def next_unvisited_household(user, household, *, start, end):
    """After a visit to `household`: the next household of the same 社 (its grid's parent;
    the village when the grid hangs directly under it) that the user may see and that has no
    visit dated within [start, end] (the running campaign, or the month), in house-number
    order after this one, wrapping round. None when the 社 is done. Two queries."""
    grid = household.grid
    group = grid.parent if grid.parent_id else grid  # get_visit_for_user selects area__parent
    rows = list(Household.objects.visible_to(user).under(group).with_visit_flag(start, end)
                .filter(visited=False).exclude(pk=household.pk)
                .values_list("grid__path", "house_number", "pk"))
    if not rows:
        return None
    here = _house_order((grid.path, household.house_number, household.pk))
    rows.sort(key=_house_order)
    after = [row for row in rows if _house_order(row) > here]
    pk = (after or rows)[0][2]
    return Household.objects.select_related("head").get(pk=pk)
