"""Every area of the deployment, held by each process and read again only when an area is
written.

A county has about 3,000 areas (county, towns, villages, groups, grids) and they change a
few times a year, yet every list page asked PostgreSQL for the user's villages (the filter's
options) and for its rows' villages by key, and every request joined the user's memberships
to their areas. A trigger stamps a version on the tree whenever grids_area is written
(migration grids 0008); each request reads that one number, once, and the process reloads
the areas when it has moved. The areas and the version are read in one statement, so the
copy and its version always agree.

Callers get copies of the held areas, so nothing done to one can reach another request."""

import copy
import threading

from django.db import connection

from grids.models import Area
from pingxiang.requestcache import memo

_held = None  # (version, Tree)
_lock = threading.Lock()

_LOAD = ("SELECT a.*, (SELECT v FROM grids_areas_version WHERE id = 1) AS tree_version "
         "FROM grids_area a ORDER BY a.path")


class Tree:
    def __init__(self, areas):
        self._by_pk = {a.pk: a for a in areas}
        self._villages = [a for a in areas if a.kind == Area.Kind.VILLAGE]
        self._children = {}
        for a in areas:  # in path order
            self._children.setdefault(a.parent_id, []).append(a.pk)

    def child_ids(self, pk):
        return list(self._children.get(pk, ()))

    def root_ids(self):
        return self.child_ids(None)

    def __len__(self):
        return len(self._by_pk)

    def by_keys(self, keys):
        """{pk: area} for the keys held (a key not held is left out)."""
        found = {}
        for pk in keys:
            area = self._by_pk.get(pk)
            if area is not None:
                found[pk] = copy.copy(area)
        return found

    def villages_under(self, paths, *, order=("sort_order", "path")):
        """The villages at or beneath any of these paths, in the given order."""
        paths = tuple(paths)
        rows = [a for a in self._villages if a.path.startswith(paths)] if paths else []
        rows.sort(key=lambda a: tuple(getattr(a, name) for name in order))
        return [copy.copy(a) for a in rows]


def version():
    with connection.cursor() as cursor:
        cursor.execute("SELECT v FROM grids_areas_version WHERE id = 1")
        row = cursor.fetchone()
    return row[0] if row else None


def _load():
    areas = list(Area.objects.raw(_LOAD))
    return (areas[0].tree_version if areas else version()), Tree(areas)


def _current():
    global _held
    now = version()
    held = _held
    if held is not None and now is not None and held[0] == now:
        return held[1]
    with _lock:
        loaded, tree = _load()
        if loaded is not None:
            _held = (loaded, tree)
    return tree


def current():
    """The tree as it is now: checked once per request (pingxiang.requestcache), and on
    every call outside one."""
    return memo("grids.AreaTree", _current)


def areas_by_keys(keys):
    """{pk: area} for these keys: from the tree, and from the database for any it lacks (an
    area created earlier in the same request)."""
    found = current().by_keys(keys)
    missing = [k for k in keys if k not in found]
    if missing:
        found.update(Area.objects.in_bulk(missing))
    return found
