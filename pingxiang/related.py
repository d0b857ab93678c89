"""Fetch an object's foreign keys the way select_related would, without the joins.

A case's page needs four areas (town, village, area, grid) and three users: joined in one
query that is nine tables, which PostgreSQL spent 8-14 ms planning (join orders over
tables with many indexes) to run in 0.5 ms. Two lookups by primary key cost about 0.6 ms."""

from collections import defaultdict

from pingxiang.prepared import prepared


def attach_related(obj, *names):
    """Load the named foreign keys of obj with one query per related model, and put them
    where the descriptors look (obj.village then reads no more)."""
    attach_related_many((obj, name) for name in names)
    return obj


def attach_to_page(page, *names):
    """A list page's rows (a Paginator page) fetched, then their named foreign keys loaded
    by key: what prefetch_related does, without compiling a query for each."""
    page.object_list = list(page.object_list)
    attach_related_many((obj, name) for obj in page.object_list for name in names)
    return page


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
        found = by_keys(model, {pk for _obj, _field, pk in triples})
        for obj, field, pk in triples:
            field.set_cached_value(obj, found[pk])


_BUCKETS = (1, 2, 4, 8, 16, 32, 64)
_by_keys = {}  # (model, bucket) -> prepared query


_sources = {}  # model -> function(keys) -> {pk: row}


def register_key_source(model, source):
    """Serve by_keys(model, ...) from source(keys) instead (grids serves areas from the tree
    each process holds)."""
    _sources[model] = source


def by_keys(model, keys):
    """model's rows with these integer primary keys, as {pk: row}: in_bulk, but by a query
    compiled once per process (pingxiang.prepared). The keys are padded with repeats of
    the first to the next of a few fixed counts, so one compiled query serves 5 to 8 keys."""
    keys = sorted(keys)
    if not keys:
        return {}
    if model in _sources:
        return _sources[model](keys)
    size = next((b for b in _BUCKETS if b >= len(keys)), None)
    if size is None or model._meta.pk.get_internal_type() not in {
            "AutoField", "BigAutoField", "IntegerField", "BigIntegerField"}:
        return model._default_manager.in_bulk(keys)
    query = _by_keys.get((model, size))
    if query is None:
        query = _by_keys[(model, size)] = prepared(
            lambda *pks: model._default_manager.filter(pk__in=pks).order_by())
    return {row.pk: row for row in query(*keys, *[keys[0]] * (size - len(keys)))}
