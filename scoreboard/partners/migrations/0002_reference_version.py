"""The reference-data version, raised by triggers in the writing transaction.

One statement-level trigger per reference table (sports, competitions, teams) upserts
row 1 of partners_referenceversion: the version moves at the commit that makes the edit
visible, whatever wrote it (admin, shell, a bulk update, raw SQL).
"""

from __future__ import annotations

import django.utils.timezone
from django.db import migrations, models

TABLES = ("scoreboard_sport", "scoreboard_competition", "scoreboard_team")

POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION partners_bump_reference_version() RETURNS trigger AS $$
BEGIN
    INSERT INTO partners_referenceversion (id, version, changed_at)
    VALUES (1, 1, statement_timestamp())
    ON CONFLICT (id) DO UPDATE
    SET version = partners_referenceversion.version + 1, changed_at = statement_timestamp();
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""

SQLITE_BODY = """
    INSERT INTO partners_referenceversion (id, version, changed_at)
    VALUES (1, 1, strftime('%Y-%m-%d %H:%M:%f', 'now'))
    ON CONFLICT (id) DO UPDATE
    SET version = version + 1, changed_at = strftime('%Y-%m-%d %H:%M:%f', 'now');
"""


def create_triggers(apps, schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_FUNCTION)
        for table in TABLES:
            schema_editor.execute(
                f"CREATE TRIGGER {table}_refver AFTER INSERT OR UPDATE OR DELETE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION partners_bump_reference_version()"
            )
    elif vendor == "sqlite":
        for table in TABLES:
            for op in ("INSERT", "UPDATE", "DELETE"):
                schema_editor.execute(
                    f"CREATE TRIGGER {table}_refver_{op.lower()} AFTER {op} ON {table} "
                    f"BEGIN {SQLITE_BODY} END"
                )
    else:
        raise RuntimeError(f"no reference-version triggers for the {vendor} database")


def drop_triggers(apps, schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    for table in TABLES:
        if vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_refver ON {table}")
        else:
            for op in ("insert", "update", "delete"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_refver_{op}")
    if vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS partners_bump_reference_version()")


class Migration(migrations.Migration):
    dependencies = [
        ("partners", "0001_initial"),
        ("scoreboard", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="ReferenceVersion",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("version", models.BigIntegerField(default=0)),
                ("changed_at", models.DateTimeField(default=django.utils.timezone.now)),
            ],
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
