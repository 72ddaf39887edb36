"""Drop the single-column indexes on a transfer's region, debit and credit.

The (region, created_at), (debit, created_at) and (credit, created_at) indexes
serve every lookup by those columns, so the three single-column indexes that
Django makes for a foreign key only cost a write per transfer each.

Only the indexes are dropped (SeparateDatabaseAndState): a plain AlterField would
make SQLite rebuild the table, and the rebuilt table would lose the append-only
triggers of migration 0002.
"""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import Index

FIELDS = ("region", "debit", "credit")


def drop_indexes(apps, schema_editor):
    transfer = apps.get_model("points", "Transfer")
    for name in FIELDS:
        column = transfer._meta.get_field(name).column
        for index in schema_editor._constraint_names(
            transfer, [column], index=True, unique=False, primary_key=False, type_=Index.suffix
        ):
            schema_editor.execute(schema_editor._delete_index_sql(transfer, index))


def create_indexes(apps, schema_editor):
    transfer = apps.get_model("points", "Transfer")
    for name in FIELDS:
        field = transfer._meta.get_field(name)
        schema_editor.execute(schema_editor._create_index_sql(transfer, fields=[field]))


class Migration(migrations.Migration):
    dependencies = [
        ("points", "0002_append_only_ledger"),
        ("regions", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(drop_indexes, create_indexes)],
            state_operations=[
                migrations.AlterField(
                    model_name="transfer",
                    name="credit",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="credits",
                        to="points.account",
                    ),
                ),
                migrations.AlterField(
                    model_name="transfer",
                    name="debit",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="debits",
                        to="points.account",
                    ),
                ),
                migrations.AlterField(
                    model_name="transfer",
                    name="region",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="regions.region",
                    ),
                ),
            ],
        )
    ]
