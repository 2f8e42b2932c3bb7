"""Hand-written SQL for the ingest hot path: many rows per statement, many statements
per round trip.

A feed batch reads and writes a handful of tables. Through the ORM each statement costs
a round trip and its compilation (~10 ms of CPU and 13 round trips for a five-message
batch, docs/PERFORMANCE.md). These helpers write the same rows in one statement each,
and `pipelined()` lets PostgreSQL take a block's statements without waiting for each
reply (psycopg's pipeline mode): a block costs one round trip, paid when something is
fetched or the block ends. The SQL is portable; on SQLite (embedded mode) statements
simply run one by one.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator, Sequence
from typing import Any

import psycopg
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.backends.utils import CursorWrapper
from django.db.models import Field, Model

# Rows per statement: SQLite allows 32,766 parameters in one statement.
MAX_PARAMS = 30_000


@contextlib.contextmanager
def pipelined() -> Iterator[None]:
    """On PostgreSQL, send the block's statements without waiting for each reply.

    Fetching a result (a SELECT, a RETURNING) waits for everything sent before it. An
    error surfaces there or at the end of the block, as Django's exception: the caller's
    transaction then rolls back as usual. Don't read `rowcount` inside the block.
    """
    if connection.vendor != "postgresql":
        yield
        return
    connection.ensure_connection()
    with connection.wrap_database_errors, connection.connection.pipeline():
        yield


def cursor() -> CursorWrapper:
    """A cursor for these statements. On PostgreSQL it binds parameters on the server:
    Django's own cursors quote each one into the SQL text in Python (~0.3 ms of CPU per
    two-message ingest transaction). So the statements can be prepared, once per
    connection, when they repeat (DB_PREPARED_STATEMENTS, settings.py)."""
    db = connections[DEFAULT_DB_ALIAS]
    if db.vendor != "postgresql":
        return db.cursor()
    db.ensure_connection()
    return CursorWrapper(psycopg.Cursor(db.connection), db)


def quote(name: str) -> str:
    return connection.ops.quote_name(name)


class Columns:
    """A model's columns in a hand-written SELECT, and the instances its rows make."""

    def __init__(self, model: type[Model], alias: str) -> None:
        self.model = model
        self.fields = list(model._meta.concrete_fields)
        self.names = [f.attname for f in self.fields]
        self.sql = ", ".join(f"{alias}.{quote(f.column)}" for f in self.fields)
        # What the ORM would apply to these values (e.g. JSON text to objects).
        self._converters = [
            (i, convs)
            for i, f in enumerate(self.fields)
            if (
                convs := connection.ops.get_db_converters(f.get_col(alias))
                + f.get_db_converters(connection)
            )
        ]

    def __len__(self) -> int:
        return len(self.fields)

    def build(self, values: Sequence[Any]) -> Model:
        values = list(values)
        for i, convs in self._converters:
            for convert in convs:
                values[i] = convert(values[i], self.fields[i], connection)
        return self.model.from_db(DEFAULT_DB_ALIAS, self.names, values)


def placeholders(count: int) -> str:
    return ", ".join(["%s"] * count)


def insert_rows(
    model: type[Model],
    rows: Sequence[Model],
    *,
    update_on_conflict: str = "",
    returning_pk: bool = False,
) -> None:
    """INSERT rows, many per statement; with `returning_pk`, set their new primary keys.

    Without RETURNING nothing is fetched, so inside `pipelined()` it costs no round trip.
    The primary key column is written when the rows have one (reserved ids).
    `update_on_conflict` names a unique column: a row that exists is updated instead.
    """
    if not rows:
        return
    db = connections[DEFAULT_DB_ALIAS]  # not the proxy: it costs a lookup per use
    fields, sql, row_sql, suffix = _insert_sql(
        model, rows[0].pk is not None, update_on_conflict, returning_pk
    )
    step = max(1, MAX_PARAMS // len(fields))
    for start in range(0, len(rows), step):
        part = rows[start : start + step]
        params = [f.get_db_prep_save(f.pre_save(row, True), db) for row in part for f in fields]
        with cursor() as cur:
            cur.execute(sql + ", ".join([row_sql] * len(part)) + suffix, params)
            if returning_pk:
                for row, (pk,) in zip(part, cur.fetchall(), strict=True):
                    row.pk = pk
        for row in part:
            row._state.adding, row._state.db = False, DEFAULT_DB_ALIAS


@functools.cache
def _insert_sql(
    model: type[Model], with_pk: bool, update_on_conflict: str, returning_pk: bool
) -> tuple[list[Field], str, str, str]:
    opts = model._meta
    fields = [f for f in opts.concrete_fields if with_pk or not f.primary_key]
    sql = "INSERT INTO {} ({}) VALUES ".format(
        quote(opts.db_table), ", ".join(quote(f.column) for f in fields)
    )
    suffix = ""
    if update_on_conflict:
        suffix += " ON CONFLICT ({}) DO UPDATE SET {}".format(
            quote(update_on_conflict),
            ", ".join(
                f"{quote(f.column)} = EXCLUDED.{quote(f.column)}"
                for f in fields
                if f.column != update_on_conflict
            ),
        )
    if returning_pk:
        suffix += f" RETURNING {quote(opts.pk.column)}"
    return fields, sql, f"({placeholders(len(fields))})", suffix


def update_rows(model: type[Model], rows: Sequence[Model], fields: list[str]) -> None:
    """UPDATE many rows, each with its own values, in one statement.

    Django's `bulk_update` builds a CASE expression per field and row, which costs more
    CPU than the rest of a batch together (~5 ms per 40 events); on PostgreSQL this
    joins a VALUES list instead. `fields` are attnames (`home_id`, not `home`).
    """
    if not rows:
        return
    db = connections[DEFAULT_DB_ALIAS]
    if db.vendor != "postgresql":
        model.objects.bulk_update(rows, fields)
        return
    columns, sql, row_sql = _update_sql(model, tuple(fields))
    params = [f.get_db_prep_save(getattr(row, f.attname), db) for row in rows for f in columns]
    with cursor() as cur:
        cur.execute(sql.format(values=", ".join([row_sql] * len(rows))), params)


@functools.cache
def _update_sql(model: type[Model], fields: tuple[str, ...]) -> tuple[list[Field], str, str]:
    opts = model._meta
    columns = [opts.pk, *(opts.get_field(name) for name in fields)]
    names = [quote(f.column) for f in columns]
    table, pk = quote(opts.db_table), names[0]
    sets = ", ".join(f"{name} = v.{name}" for name in names[1:])
    sql = (
        f"UPDATE {table} SET {sets} FROM (VALUES {{values}}) AS v({', '.join(names)})"
        f" WHERE {table}.{pk} = v.{pk}"
    )
    casts = ", ".join(f"%s::{f.cast_db_type(connection)}" for f in columns)
    return columns, sql, f"({casts})"
