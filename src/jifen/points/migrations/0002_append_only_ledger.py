"""The database itself refuses to change or delete a ledger transfer (invariant 3).

PostgreSQL also refuses TRUNCATE. Only the table's owner can switch the
triggers off (``ALTER TABLE ... DISABLE TRIGGER``), as a whole-instance restore
does; a change made that way is still caught by the seals of published months.
"""

from django.db import migrations

SQLITE = [
    """
    CREATE TRIGGER points_transfer_no_update BEFORE UPDATE ON points_transfer
    BEGIN SELECT RAISE(ABORT, 'ledger transfers are append-only: no UPDATE'); END;
    """,
    """
    CREATE TRIGGER points_transfer_no_delete BEFORE DELETE ON points_transfer
    BEGIN SELECT RAISE(ABORT, 'ledger transfers are append-only: no DELETE'); END;
    """,
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS points_transfer_no_update;",
    "DROP TRIGGER IF EXISTS points_transfer_no_delete;",
]

POSTGRES = [
    """
    CREATE FUNCTION points_transfer_append_only() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION 'ledger transfers are append-only: no %', TG_OP
            USING ERRCODE = 'restrict_violation';
    END;
    $$ LANGUAGE plpgsql;
    """,
    """
    CREATE TRIGGER points_transfer_no_change BEFORE UPDATE OR DELETE ON points_transfer
    FOR EACH ROW EXECUTE FUNCTION points_transfer_append_only();
    """,
    """
    CREATE TRIGGER points_transfer_no_truncate BEFORE TRUNCATE ON points_transfer
    FOR EACH STATEMENT EXECUTE FUNCTION points_transfer_append_only();
    """,
]
POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS points_transfer_no_truncate ON points_transfer;",
    "DROP TRIGGER IF EXISTS points_transfer_no_change ON points_transfer;",
    "DROP FUNCTION IF EXISTS points_transfer_append_only();",
]


def install(apps, schema_editor):
    statements = POSTGRES if schema_editor.connection.vendor == "postgresql" else SQLITE
    for sql in statements:
        schema_editor.execute(sql, params=None)


def uninstall(apps, schema_editor):
    statements = (
        POSTGRES_REVERSE if schema_editor.connection.vendor == "postgresql" else SQLITE_REVERSE
    )
    for sql in statements:
        schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):
    dependencies = [("points", "0001_ledger_and_rules")]

    operations = [migrations.RunPython(install, uninstall)]
