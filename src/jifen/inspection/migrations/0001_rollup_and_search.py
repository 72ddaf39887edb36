"""The inspectors' roll-up of closed messages and what keeps their search and summary
fast on a county's history (PostgreSQL only; see ``inspection/rollup.py``): tables of
their own, no model; an index on the messages' closing time and one on those not closed,
so the messages the roll-up does not hold are found without reading the rest; and, where
the server has ``pg_trgm``, trigram indexes on the messages' and answers' text for the
keyword search (a search of three characters or more reads the index, not the table)."""

from django.db import migrations, transaction

FORWARD = """
CREATE TABLE inspection_month_figures (
    region_id bigint NOT NULL,
    topic_id bigint NOT NULL,
    month date NOT NULL,
    n_received integer NOT NULL,
    n_answered integer NOT NULL,
    n_late integer NOT NULL,
    n_rated integer NOT NULL,
    rating_sum integer NOT NULL,
    n_reopened integer NOT NULL,
    PRIMARY KEY (region_id, topic_id, month)
);
CREATE TABLE inspection_rollup_state (
    id smallint PRIMARY KEY CHECK (id = 1),
    cutoff timestamptz NOT NULL
);
CREATE INDEX inspection_message_closed_at ON {message} (closed_at);
CREATE INDEX inspection_message_unsettled ON {message} (created_at) WHERE status <> 'closed';
"""
TRIGRAMS = """
CREATE INDEX inspection_message_body_trgm ON {message} USING gin (body gin_trgm_ops);
CREATE INDEX inspection_reply_body_trgm ON {reply} USING gin (body gin_trgm_ops);
"""
BACKWARD = """
DROP INDEX IF EXISTS inspection_reply_body_trgm;
DROP INDEX IF EXISTS inspection_message_body_trgm;
DROP INDEX IF EXISTS inspection_message_unsettled;
DROP INDEX IF EXISTS inspection_message_closed_at;
DROP TABLE IF EXISTS inspection_rollup_state;
DROP TABLE IF EXISTS inspection_month_figures;
"""


def forward(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    tables = {
        "message": apps.get_model("resident_messages", "Message")._meta.db_table,
        "reply": apps.get_model("resident_messages", "Reply")._meta.db_table,
    }
    schema_editor.execute(FORWARD.format(**tables))
    # pg_trgm needs the right to create the extension (or it installed beforehand); without
    # it the search reads the table, which stays correct, only slower.
    try:
        with transaction.atomic(using=schema_editor.connection.alias):
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            schema_editor.execute(TRIGRAMS.format(**tables))
    except Exception:  # noqa: BLE001, S110 - any refusal leaves the search without the index
        pass


def backward(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("resident_messages", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]
