"""Small database helpers that the ORM lacks."""

from django.db import connection, models


def insert_ignoring_conflicts(instance: models.Model) -> int | None:
    """INSERT one row unless it breaks a unique constraint; its new id, or None if it already existed.

    One round trip and no savepoint: the ORM's create() in a savepoint costs three, and bulk_create's
    ignore_conflicts does not say which rows were new. Used on the webhook's path, where Meta's retries
    make "already there" a normal answer. PostgreSQL and SQLite (3.35+) both speak this SQL.
    """
    meta = instance._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    values = [f.get_db_prep_save(f.pre_save(instance, add=True), connection) for f in fields]
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))}) ON CONFLICT DO NOTHING RETURNING {quote(meta.pk.column)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        row = cursor.fetchone()
    if row is None:
        return None
    instance.pk = row[0]
    instance._state.adding = False
    return instance.pk
