"""Incidents no one assigned lose the organisation a report used to copy from its
category (that organisation could read them, and was told of them, without serving the
place); reopened ones lose their old handler, waiting for a new assignment."""

from django.db import migrations


def clear(apps, schema_editor):
    Incident = apps.get_model("incidents", "Incident")
    Incident.objects.filter(status__in=["reported", "accepted"]).exclude(organization=None).update(
        organization=None
    )
    Incident.objects.filter(status="reopened").update(organization=None, assignee=None)


class Migration(migrations.Migration):
    dependencies = [("incidents", "0002_dashboard_rollup")]

    operations = [migrations.RunPython(clear, migrations.RunPython.noop)]
