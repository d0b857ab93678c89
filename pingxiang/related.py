"""Fetch an object's foreign keys the way select_related would, without the joins.

A case's page needs four areas (town, village, area, grid) and three users: joined in one
query that is nine tables, which PostgreSQL spent 8-14 ms planning (join orders over
tables with many indexes) to run in 0.5 ms. Two lookups by primary key cost about 0.6 ms."""

from collections import defaultdict


def attach_related(obj, *names):
    """Load the named foreign keys of obj with one query per related model, and put them
    where the descriptors look (obj.village then reads no more)."""
    wanted = defaultdict(list)  # model -> [(field, pk)]
    for name in names:
        field = obj._meta.get_field(name)
        pk = getattr(obj, field.attname)
        if pk is None:
            field.set_cached_value(obj, None)
        else:
            wanted[field.related_model].append((field, pk))
    for model, pairs in wanted.items():
        found = model._default_manager.in_bulk({pk for _field, pk in pairs})
        for field, pk in pairs:
            field.set_cached_value(obj, found[pk])
    return obj
