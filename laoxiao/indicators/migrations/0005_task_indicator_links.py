"""The indicators each plan task moves (``tasks.json`` → ``PlanTask.indicators``), loaded by the
same idempotent loader as the rest of the reference data (the link table exists from ``0004``)."""

from django.db import migrations


def load(apps, schema_editor):
    from laoxiao.indicators.loader import load_reference_data

    load_reference_data(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("indicators", "0004_reporting_tasks_projects"),
    ]

    operations = [
        migrations.RunPython(load, migrations.RunPython.noop),
    ]
