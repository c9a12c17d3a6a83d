"""Small database helpers that the ORM lacks."""

import functools
import json

import psycopg
from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connection, connections, models, transaction
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
    instance: models.Model, model: type[models.Model], link: str, rows: list[dict], *, reconnect: bool = False
) -> tuple[int | None, int]:
    """INSERT `instance` and, linked to it by the foreign key `link`, `rows` of `model` (dicts of text
    columns), skipping whatever breaks a unique constraint: (the instance's new id or None, how many rows
    were new). Rows are stored only with a new instance.

    On PostgreSQL this is one statement, so one round trip and no BEGIN or COMMIT: the webhook's path
    (`reconnect`: see `execute_hot`). On other databases, two statements in a transaction.
    """
    if connection.vendor != "postgresql":
        if not rows:
            return insert_ignoring_conflicts(instance), 0
        with transaction.atomic():
            if insert_ignoring_conflicts(instance) is None:
                return None, 0
            return instance.pk, insert_rows_ignoring_conflicts(model, [{link: instance.pk, **row} for row in rows])
    parent_sql, values = _insert_sql(instance)
    if not rows:
        row = execute_hot(parent_sql, values, reconnect=reconnect)
        return _saved(instance, row[0] if row else None), 0
    # The rows travel as one JSON parameter: psycopg adapts a string far more cheaply than text arrays.
    statement = _with_rows_sql(parent_sql, instance._meta.pk.column, model, link, tuple(rows[0]))
    new_pk, new_rows = execute_hot(statement, [*values, json.dumps(rows)], reconnect=reconnect)
    return _saved(instance, new_pk), new_rows


@functools.cache
def _with_rows_sql(parent_sql: str, parent_pk: str, model: type[models.Model], link: str, names: tuple) -> str:
    quote = connection.ops.quote_name
    meta, pk = model._meta, quote(parent_pk)
    columns = ", ".join(quote(c) for c in [meta.get_field(link).column, *(meta.get_field(n).column for n in names)])
    fields = ", ".join(f"{quote(n)} text" for n in names)
    return (
        f"WITH parent AS ({parent_sql}), children AS ("
        f"INSERT INTO {quote(meta.db_table)} ({columns}) SELECT parent.{pk}, child.* FROM parent, "
        f"json_to_recordset(%s::json) AS child({fields}) ON CONFLICT DO NOTHING RETURNING 1) "
        f"SELECT (SELECT {pk} FROM parent), (SELECT count(*) FROM children)"
    )


def execute_hot(sql: str, params: list, *, reconnect: bool = False) -> tuple | None:
    """Run one statement of a hot path and return its first row (None if it has none).

    On PostgreSQL with server-side binding, so psycopg prepares the statement after a few runs and
    PostgreSQL stops parsing and planning it each time (DB_PREPARE_THRESHOLD=off in the environment turns
    that off, as a transaction-pooling PgBouncer needs); elsewhere through Django's cursor. Errors are
    Django's, as from any query.

    `reconnect` (a statement safe to run twice, outside a transaction) replaces Django's health check, a
    `SELECT 1` round trip before the first query of every request, with a second try on a new connection
    when the statement fails on one the server closed (a restart, an idle timeout).
    """
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone() if cursor.description else None
    if not reconnect or connection.in_atomic_block:
        connection.close_if_health_check_failed()
        return _execute_prepared(sql, params)
    try:
        return _execute_prepared(sql, params)
    except (InterfaceError, OperationalError):
        if connection.is_usable():
            raise  # the connection is fine: the statement itself failed
        connection.close()
        return _execute_prepared(sql, params)


def _execute_prepared(sql: str, params: list) -> tuple | None:
    wrapper = connections[DEFAULT_DB_ALIAS]
    wrapper.ensure_connection()
    with wrapper.wrap_database_errors:
        # One psycopg cursor per connection, kept: a new one per statement costs more than the statement.
        cursor = getattr(wrapper, "_hot_cursor", None)
        if cursor is None or cursor.connection is not wrapper.connection:
            cursor = wrapper._hot_cursor = psycopg.Cursor(wrapper.connection)
        cursor.execute(sql, params)
        row = cursor.fetchone() if cursor.description else None
    wrapper.health_check_done = True  # it just answered: no need to ask again in this request
    return row


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
