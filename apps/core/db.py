"""Small database helpers that the ORM lacks."""

import psycopg
from django.db import connection, models, transaction
from django.db.models.expressions import DatabaseDefault


def insert_ignoring_conflicts(instance: models.Model) -> int | None:
    """INSERT one row unless it breaks a unique constraint; its new id, or None if it already existed.

    One round trip and no savepoint: the ORM's create() in a savepoint costs three, and bulk_create's
    ignore_conflicts does not say which rows were new. Used on the webhook's path, where Meta's retries
    make "already there" a normal answer. PostgreSQL and SQLite (3.35+) both speak this SQL.
    """
    sql, values = _insert_sql(instance)
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        row = cursor.fetchone()
    return _saved(instance, row[0] if row else None)


def _insert_sql(instance: models.Model) -> tuple[str, list]:
    meta = instance._meta
    fields, values = [], []
    for field in meta.concrete_fields:
        value = field.pre_save(instance, add=True)
        if field.primary_key or isinstance(value, DatabaseDefault):
            continue  # left to the database: its sequence, or the field's db_default (such as Now())
        fields.append(field)
        values.append(field.get_db_prep_save(value, connection))
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))}) ON CONFLICT DO NOTHING RETURNING {quote(meta.pk.column)}"
    )
    return sql, values


def _saved(instance: models.Model, pk: int | None) -> int | None:
    if pk is not None:
        instance.pk = pk
        instance._state.adding = False
    return pk


def insert_with_rows_ignoring_conflicts(
    instance: models.Model, model: type[models.Model], link: str, rows: list[dict]
) -> tuple[int | None, int]:
    """INSERT `instance` and, linked to it by the foreign key `link`, `rows` of `model` (dicts of text
    columns), skipping whatever breaks a unique constraint: (the instance's new id or None, how many rows
    were new). Rows are stored only with a new instance.

    On PostgreSQL this is one statement, so one round trip and no BEGIN or COMMIT: the webhook's path. On
    other databases, two statements in a transaction.
    """
    if not rows:
        return insert_ignoring_conflicts(instance), 0
    if connection.vendor != "postgresql":
        with transaction.atomic():
            if insert_ignoring_conflicts(instance) is None:
                return None, 0
            return instance.pk, insert_rows_ignoring_conflicts(model, [{link: instance.pk, **row} for row in rows])
    parent_sql, values = _insert_sql(instance)
    quote = connection.ops.quote_name
    meta, pk = model._meta, quote(instance._meta.pk.column)
    names = list(rows[0])
    columns = ", ".join(quote(c) for c in [meta.get_field(link).column, *(meta.get_field(n).column for n in names)])
    arrays = ", ".join(["%s::text[]"] * len(names))
    statement = (
        f"WITH parent AS ({parent_sql}), children AS ("
        f"INSERT INTO {quote(meta.db_table)} ({columns}) SELECT parent.{pk}, child.* FROM parent, "
        f"unnest({arrays}) AS child ON CONFLICT DO NOTHING RETURNING 1) "
        f"SELECT (SELECT {pk} FROM parent), (SELECT count(*) FROM children)"
    )
    new_pk, new_rows = execute_hot(statement, [*values, *([row[n] for row in rows] for n in names)])
    return _saved(instance, new_pk), new_rows


def execute_hot(sql: str, params: list) -> tuple | None:
    """Run one statement of a hot path and return its first row (None if it has none).

    On PostgreSQL with server-side binding, so psycopg prepares the statement after a few runs and
    PostgreSQL stops parsing and planning it each time (DB_PREPARE_THRESHOLD=off in the environment turns
    that off, as a transaction-pooling PgBouncer needs); elsewhere through Django's cursor. Errors are
    Django's, as from any query.
    """
    with connection.cursor() as wrapper:
        if connection.vendor != "postgresql":
            wrapper.execute(sql, params)
            return wrapper.fetchone() if wrapper.description else None
        with connection.wrap_database_errors, psycopg.Cursor(wrapper.cursor.connection) as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone() if cursor.description else None


def insert_rows_ignoring_conflicts(model: type[models.Model], rows: list[dict], *, chunk: int = 500) -> int:
    """INSERT many rows (dicts of column values, all with the same keys) in one statement per `chunk`,
    skipping those that break a unique constraint; how many were new."""
    if not rows:
        return 0
    meta = model._meta
    fields = [meta.get_field(name) for name in rows[0]]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    placeholder = f"({', '.join(['%s'] * len(fields))})"
    new = 0
    with connection.cursor() as cursor:
        for start in range(0, len(rows), chunk):
            part = rows[start : start + chunk]
            values = [f.get_db_prep_save(row[f.name], connection) for row in part for f in fields]
            cursor.execute(
                f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES {', '.join([placeholder] * len(part))} "
                f"ON CONFLICT DO NOTHING RETURNING {quote(meta.pk.column)}",
                values,
            )
            new += len(cursor.fetchall())
    return new
