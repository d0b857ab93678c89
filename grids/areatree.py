"""Every area of the deployment, held by each process and read again only when an area is
written.

A county has about 3,000 areas and they change a few times a year. A trigger stamps a
version on the tree whenever grids_area is written (migration grids 0008); each request
reads that one number, once, and the process reloads the areas when it has moved. The areas
and the version are read in one statement, so the copy and its version always agree.

Code that wants areas from memory asks for them here by name: `get(pk)`, `get_many(pks)`,
`child_ids(area)`, `root_ids()`, `villages_under(paths)`, `ids_under(paths)`. Callers get copies, so nothing
done to one can reach another request."""

import copy

from grids.models import Area
from pingxiang.held import Held

VILLAGE_LISTS_HELD = 1024  # users' distinct sets of areas, per order asked

_LOAD = ("SELECT a.*, (SELECT v FROM grids_areas_version WHERE id = 1) AS tree_version "
         "FROM grids_area a ORDER BY a.path")


class Tree:
    def __init__(self, areas):
        self.by_pk = {a.pk: a for a in areas}
        self.villages = [a for a in areas if a.kind == Area.Kind.VILLAGE]
        self.children = {}
        for a in areas:  # in path order
            self.children.setdefault(a.parent_id, []).append(a.pk)
        # villages_under's answers, per paths and order: every list page draws a user's
        # villages, and a city's 1,800 tested one by one were a millisecond a request.
        self.villages_by = {}


def _load():
    areas = list(Area.objects.raw(_LOAD))
    return (areas[0].tree_version if areas else None), Tree(areas)


held = Held("grids.AreaTree", "grids_areas_version", _load)


def version():
    return held.version()


def _tree():
    """The tree as it is now (pingxiang.held)."""
    return held.get()


def get_many(pks):
    """{pk: area} for these keys; an area the tree lacks (created earlier in this request)
    is read from the database."""
    held = _tree().by_pk
    found = {pk: copy.copy(held[pk]) for pk in pks if pk in held}
    missing = [pk for pk in pks if pk not in found and pk is not None]
    if missing:
        found.update(Area.objects.in_bulk(missing))
    return found


def get(pk):
    """The area with this key (None for None)."""
    if pk is None:
        return None
    return get_many([pk]).get(pk)


def child_ids(area):
    """Keys of the children of an area (or of an area's key), in path order."""
    return list(_tree().children.get(getattr(area, "pk", area), ()))


def root_ids():
    return child_ids(None)


def is_whole_tree(area):
    """The area is the top of the only tree there is (the county or city of the
    deployment), so everything lies under it. A second root added later moves the tree's
    version, so it is out of sight at once."""
    return area.parent_id is None and root_ids() == [area.pk]


def villages_under(paths, *, order=("sort_order", "path")):
    """The villages at or beneath any of these paths, in the given order."""
    paths, order = tuple(sorted(paths)), tuple(order)
    tree = _tree()
    rows = tree.villages_by.get((paths, order))
    if rows is None:
        rows = [a for a in tree.villages if a.path.startswith(paths)] if paths else []
        rows.sort(key=lambda a: tuple(getattr(a, name) for name in order))
        if len(tree.villages_by) < VILLAGE_LISTS_HELD:
            tree.villages_by[(paths, order)] = rows
    return [copy.copy(a) for a in rows]


def ids_under(paths, *, kind=None):
    """Keys of every area (of `kind`, a kind or several, if given) at or beneath any of these
    paths (a town: a few hundred)."""
    paths = tuple(paths)
    kinds = None if kind is None else {kind} if isinstance(kind, str) else set(kind)
    return [pk for pk, a in _tree().by_pk.items()
            if a.path.startswith(paths) and (kinds is None or a.kind in kinds)] if paths else []
