"""The default message menu for every county already there; a county added later gets it
from ``services.ensure_topics`` the first time its menu is read."""

from django.db import migrations

# A copy, not an import: a migration stays what it was when written.
TOPICS = (
    ("policy", "政策咨询", 3),
    ("sanitation", "环境卫生", 3),
    ("property", "物业服务", 5),
    ("neighbours", "邻里纠纷", 5),
    ("village-finance", "村务财务", 5),
    ("suggestion", "意见建议", 10),
    ("complaint", "投诉举报", 5),
    ("other", "其他", 5),
)


def forward(apps, schema_editor):
    Region = apps.get_model("regions", "Region")
    Topic = apps.get_model("resident_messages", "Topic")
    for county in Region.objects.filter(level="county"):
        if Topic.objects.filter(region=county).exists():
            continue
        Topic.objects.bulk_create(
            Topic(region=county, code=code, name=name, due_days=days, position=position)
            for position, (code, name, days) in enumerate(TOPICS)
        )


class Migration(migrations.Migration):
    dependencies = [("resident_messages", "0001_initial")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
