"""Querysets compiled to SQL once per process, then run again with new values.

Django compiles a queryset to SQL every time it is evaluated. For the small lookups of a
detail page (a case's level stints, its mediation sessions, its timeline...) compiling costs
0.3-0.7 ms and running the SQL 0.15 ms: the case page spent more time writing SQL than
PostgreSQL spent answering it. A prepared query is an ordinary queryset, written as usual in
a function of its varying values; the first call compiles it with stand-in values, and every
call runs the same SQL with the real ones through `.raw()`, which builds the same model
instances (the fields' converters included).

    stints_of = prepared(lambda case_id: LevelStint.objects.filter(case_id=case_id))
    stints_of(case.pk)        # a RawQuerySet: iterate it, or list() it
    stints_of.count(case.pk)  # SELECT COUNT(*) of the same

The function must depend on nothing but its arguments (no `timezone.now()`, no settings
read at call time): whatever else it puts into the SQL is fixed at the first call. Every
argument must reach the SQL as a parameter of its own (`field=value`, not `field__in=[...]`
or `__contains`), and the queryset must not use select_related (load related rows by key
with `pingxiang.related`). Both are checked when the query is compiled, so a misuse fails
on its first call, in the tests."""

import threading

from django.db import DEFAULT_DB_ALIAS, connections

# Values no real key or text takes; each argument is stood in for by one of them.
_INT_BASE = -7_331_000_000
_STR_BASE = "\x00prepared-stand-in-"


class PreparedQueryError(Exception):
    pass


class prepared:  # noqa: N801 (used like a decorator, named like a function)
    def __init__(self, build, *, kinds=None, using=DEFAULT_DB_ALIAS):
        self.build = build
        self.kinds = kinds  # one of int/str per argument; int when not given
        self.using = using
        self._compiled = None
        self._lock = threading.Lock()
        self.__doc__ = build.__doc__

    def _stand_ins(self, count):
        kinds = self.kinds or (int,) * count
        if len(kinds) != count:
            raise PreparedQueryError(f"{self.build!r}: {count} values for {len(kinds)} kinds")
        return [(_INT_BASE - i) if kind is int else f"{_STR_BASE}{i}"
                for i, kind in enumerate(kinds)]

    def _compile(self, count):
        stand_ins = self._stand_ins(count)
        qs = self.build(*stand_ins)
        query = qs.query
        if query.select_related:
            raise PreparedQueryError(f"{self.build!r}: select_related is not carried by .raw()")
        if qs._prefetch_related_lookups:
            raise PreparedQueryError(f"{self.build!r}: prefetch_related is not carried")
        sql, params = query.get_compiler(self.using).as_sql()
        slots = []
        for position, param in enumerate(params):
            for index, stand_in in enumerate(stand_ins):
                if type(param) is type(stand_in) and param == stand_in:
                    slots.append((position, index))
        used = {index for _position, index in slots}
        if used != set(range(count)):
            raise PreparedQueryError(
                f"{self.build!r}: argument(s) {sorted(set(range(count)) - used)} do not reach "
                "the SQL as parameters of their own")
        return qs.model, sql, tuple(params), tuple(slots), count

    def _sql(self, values):
        compiled = self._compiled
        if compiled is None or compiled[4] != len(values):
            with self._lock:
                compiled = self._compiled = self._compile(len(values))
        model, sql, params, slots, _count = compiled
        params = list(params)
        for position, index in slots:
            params[position] = values[index]
        return model, sql, params

    def __call__(self, *values):
        """The rows as model instances (a RawQuerySet)."""
        model, sql, params = self._sql(values)
        return model._default_manager.db_manager(self.using).raw(sql, params)

    def count(self, *values):
        """How many rows the query gives (write the queryset with .order_by() so that
        PostgreSQL does not sort what it only counts)."""
        _model, sql, params = self._sql(values)
        with connections[self.using].cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM ({sql}) AS prepared_count", params)
            return cursor.fetchone()[0]
