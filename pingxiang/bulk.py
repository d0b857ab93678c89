"""Helpers for writing thousands of rows at once (imports)."""

from django.db import connection
from django.db.models import JSONField


def reserve_ids(model, count):
    """`count` ids taken from the table's own sequence in one query, for rows whose other
    columns are made of their id (a petition's number XF2026-00042) and so can be inserted
    whole by bulk_create instead of updated afterwards. Ids taken and not used are gaps,
    as after any rolled-back insert."""
    if count <= 0:
        return []
    table, column = model._meta.db_table, model._meta.pk.column
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) "
                       "FROM generate_series(1, %s)", [table, column, count])
        return [row[0] for row in cursor.fetchall()]


def copy_insert(objs):
    """Insert unsaved model instances of one model with PostgreSQL's COPY (imports of
    thousands of rows and their audit rows). bulk_create prepares every value of every row
    in Python and quotes it into the SQL text (Django's psycopg cursors bind client-side):
    for a 10,000-order import, its 40,000 audit rows and 10,000 petitions were most of the
    time. COPY takes the rows as they are, through psycopg's dumpers. Ids missing are taken
    from the table's sequence first (reserve_ids), so the objects have them afterwards, as
    after bulk_create. Row triggers and constraints apply as for any INSERT."""
    objs = list(objs)
    if not objs:
        return objs
    model = type(objs[0])
    opts = model._meta
    missing = [obj for obj in objs if obj.pk is None]
    for obj, pk in zip(missing, reserve_ids(model, len(missing)), strict=True):
        obj.pk = pk
    fields = opts.concrete_fields
    adapted = [isinstance(f, JSONField) for f in fields]
    quote = connection.ops.quote_name
    sql = (f"COPY {quote(opts.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
           "FROM STDIN")
    # wrap_database_errors: a unique or foreign-key violation is Django's IntegrityError, as
    # from bulk_create.
    with connection.wrap_database_errors, connection.cursor() as cursor, \
            cursor.copy(sql) as copy:
        for obj in objs:
            copy.write_row([f.get_db_prep_save(f.pre_save(obj, True), connection) if json
                            else f.pre_save(obj, True) for f, json in zip(fields, adapted,
                                                                          strict=True)])
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias
    return objs
