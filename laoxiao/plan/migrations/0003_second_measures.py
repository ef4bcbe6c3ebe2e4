"""Reload the plan's reference data for the measures that are no plan indicator
(``laoxiao/plan/data/measures.json``: the records-based second definition of E04)."""

from django.db import migrations


def load(apps, schema_editor):
    from laoxiao.plan.loader import load_reference_data

    load_reference_data(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("plan", "0002_reference_data"),
    ]

    operations = [
        migrations.RunPython(load, migrations.RunPython.noop),
    ]
