"""The leaf format a month was sealed under: every month published so far is v1 (its
leaf is the transfer's whole stored row), the months published from now on v2 (public
fields and a salted digest of the private ones); and the salts of v2's digests."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("publicity", "0003_certificates_and_selection"),
    ]

    operations = [
        migrations.AddField(
            model_name="announcement",
            name="salts",
            field=models.BinaryField(null=True),
        ),
        # Added as 1, so that every existing row (published under v1) says so ...
        migrations.AddField(
            model_name="announcement",
            name="version",
            field=models.PositiveSmallIntegerField(default=1),
        ),
        # ... then new rows default to v2 (publication sets it anyway).
        migrations.AlterField(
            model_name="announcement",
            name="version",
            field=models.PositiveSmallIntegerField(default=2),
        ),
    ]
