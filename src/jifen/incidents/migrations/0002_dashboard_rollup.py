"""The county dashboard's roll-up of settled incidents (PostgreSQL only; see
``incidents/rollup.py``): tables of their own, no model, and an index on the closing time
so the incidents not yet settled are found without reading the rest."""

from django.db import migrations

FORWARD = """
CREATE TABLE incidents_month_figures (
    community_id bigint NOT NULL,
    category_id bigint NOT NULL,
    month date NOT NULL,
    n_total integer NOT NULL,
    n_closed integer NOT NULL,
    n_on_time integer NOT NULL,
    PRIMARY KEY (community_id, category_id, month)
);
CREATE TABLE incidents_rollup_state (
    id smallint PRIMARY KEY CHECK (id = 1),
    cutoff timestamptz NOT NULL
);
CREATE INDEX incidents_incident_closed_at_live ON incidents_incident (closed_at);
"""
BACKWARD = """
DROP INDEX IF EXISTS incidents_incident_closed_at_live;
DROP TABLE IF EXISTS incidents_rollup_state;
DROP TABLE IF EXISTS incidents_month_figures;
"""


def forward(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("incidents", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]
