"""The search's trigram indexes on what Django's ``icontains`` compares on PostgreSQL,
``UPPER(body::text)``: an index on ``body`` itself is never read by it. Only where 0001
could make them (``pg_trgm`` present)."""

from django.db import migrations, transaction

FORWARD = """
DROP INDEX IF EXISTS inspection_message_body_trgm;
DROP INDEX IF EXISTS inspection_reply_body_trgm;
CREATE INDEX inspection_message_body_upper_trgm ON {message}
    USING gin ((UPPER(body::text)) gin_trgm_ops);
CREATE INDEX inspection_reply_body_upper_trgm ON {reply}
    USING gin ((UPPER(body::text)) gin_trgm_ops);
"""
BACKWARD = """
DROP INDEX IF EXISTS inspection_message_body_upper_trgm;
DROP INDEX IF EXISTS inspection_reply_body_upper_trgm;
"""


def forward(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    tables = {
        "message": apps.get_model("resident_messages", "Message")._meta.db_table,
        "reply": apps.get_model("resident_messages", "Reply")._meta.db_table,
    }
    try:
        with transaction.atomic(using=schema_editor.connection.alias):
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            schema_editor.execute(FORWARD.format(**tables))
    except Exception:  # noqa: BLE001, S110 - without pg_trgm the search reads the table
        pass


def backward(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("inspection", "0001_rollup_and_search")]

    operations = [migrations.RunPython(forward, backward)]
