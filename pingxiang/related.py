"""Fetch an object's foreign keys the way select_related would, without the joins.

A case's page needs four areas (town, village, area, grid) and three users: joined in one
query that is nine tables, which PostgreSQL spent 8-14 ms planning (join orders over
tables with many indexes) to run in 0.5 ms. Two lookups by primary key cost about 0.6 ms."""

from collections import defaultdict


def attach_related(obj, *names):
    """Load the named foreign keys of obj with one query per related model, and put them
    where the descriptors look (obj.village then reads no more)."""
    attach_related_many((obj, name) for name in names)
    return obj


def attach_related_many(pairs):
    """The same for many objects at once: pairs of (object, foreign key name). The sessions'
    mediators, the follow-ups' visitors and the receipts' recipients of a case page come in
    one query of users."""
    wanted = defaultdict(list)  # model -> [(obj, field, pk)]
    for obj, name in pairs:
        field = obj._meta.get_field(name)
        pk = getattr(obj, field.attname)
        if pk is None:
            field.set_cached_value(obj, None)
        else:
            wanted[field.related_model].append((obj, field, pk))
    for model, triples in wanted.items():
        found = model._default_manager.in_bulk({pk for _obj, _field, pk in triples})
        for obj, field, pk in triples:
            field.set_cached_value(obj, found[pk])
