"""Every amount bounded in the database too (CONTRACT, hardening rules; docs/ledger.md).

A transfer moves at most 10^10 points, so a SUM over the ledger cannot come near 2^63
(it would take 9.2 × 10^8 transfers all at the bound); a rule's points and a staff
adjustment are at most 10^6, as the services say.

PostgreSQL adds each CHECK with ``ALTER TABLE ... ADD CONSTRAINT``: it reads the rows and
changes none, so the append-only triggers of migration 0002 do not fire. SQLite cannot add
a CHECK to a table: Django copies the rows into a new table with the constraint and drops
the old one — an INSERT, never an UPDATE of a transfer, but dropping the table drops its
triggers, so they are made again on the new table right after (and after the reverse).

A database that already holds an amount beyond a bound (the overflow this migration is
for) stops here with the transfers named, before anything is changed: such a row can
only be corrected by an operator, with the ledger's owner's rights.
"""

import django.core.validators
from django.conf import settings
from django.db import migrations, models

MAX_POINTS = 1_000_000
MAX_TRANSFER = 10_000_000_000

SQLITE_TRIGGERS = [
    """
    CREATE TRIGGER IF NOT EXISTS points_transfer_no_update BEFORE UPDATE ON points_transfer
    BEGIN SELECT RAISE(ABORT, 'ledger transfers are append-only: no UPDATE'); END;
    """,
    """
    CREATE TRIGGER IF NOT EXISTS points_transfer_no_delete BEFORE DELETE ON points_transfer
    BEGIN SELECT RAISE(ABORT, 'ledger transfers are append-only: no DELETE'); END;
    """,
]


def refuse_amounts_out_of_bounds(apps, schema_editor):
    Transfer = apps.get_model("points", "Transfer")
    Adjustment = apps.get_model("points", "Adjustment")
    RuleVersion = apps.get_model("points", "RuleVersion")
    found = [
        f"transfer {pk}"
        for pk in Transfer.objects.filter(amount__gt=MAX_TRANSFER).values_list("pk", flat=True)
    ]
    found += [
        f"adjustment {pk}"
        for pk in Adjustment.objects.filter(
            models.Q(amount__gt=MAX_POINTS) | models.Q(amount__lt=-MAX_POINTS)
        ).values_list("pk", flat=True)
    ]
    found += [
        f"rule version {pk}"
        for pk in RuleVersion.objects.filter(points__gt=MAX_POINTS).values_list("pk", flat=True)
    ]
    if found:
        raise RuntimeError(
            "amounts beyond the ledger's bounds must be corrected before this migration: "
            + ", ".join(found[:50])
        )


def make_triggers_again(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for sql in SQLITE_TRIGGERS:
            schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("points", "0007_objection_days"),
        ("regions", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(refuse_amounts_out_of_bounds, make_triggers_again),
        migrations.AlterField(
            model_name="communitypolicy",
            name="long_term_points",
            field=models.PositiveIntegerField(
                default=10,
                validators=[django.core.validators.MaxValueValidator(1000000)],
                verbose_name="long-term bonus points",
            ),
        ),
        migrations.AlterField(
            model_name="communitypolicy",
            name="referral_points",
            field=models.PositiveIntegerField(
                default=10,
                validators=[django.core.validators.MaxValueValidator(1000000)],
                verbose_name="referral bonus points",
            ),
        ),
        migrations.AlterField(
            model_name="communitypolicy",
            name="team_leader_points",
            field=models.PositiveIntegerField(
                default=10,
                validators=[django.core.validators.MaxValueValidator(1000000)],
                verbose_name="team leader bonus points",
            ),
        ),
        migrations.AddConstraint(
            model_name="adjustment",
            constraint=models.CheckConstraint(
                condition=models.Q(("amount__gte", -1000000), ("amount__lte", 1000000)),
                name="adjustment_amount_bounded",
            ),
        ),
        migrations.AddConstraint(
            model_name="ruleversion",
            constraint=models.CheckConstraint(
                condition=models.Q(("points__lte", 1000000)), name="rule_points_bounded"
            ),
        ),
        migrations.AddConstraint(
            model_name="transfer",
            constraint=models.CheckConstraint(
                condition=models.Q(("amount__lte", 10000000000)),
                name="transfer_amount_bounded",
            ),
        ),
        migrations.RunPython(make_triggers_again, migrations.RunPython.noop),
    ]
