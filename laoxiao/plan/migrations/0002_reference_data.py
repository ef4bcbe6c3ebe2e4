"""The plan's reference data: the responsible units (kept in ``accounts``), the indicators of Table 1
and the tasks of Annex 1.

The rows come from ``laoxiao/plan/data/`` through ``laoxiao.plan.loader``, which upserts by code;
``laoxiao load-reference`` runs the same loader again after the files change.
"""

from django.db import migrations


def load(apps, schema_editor):
    from laoxiao.plan.loader import load_reference_data

    load_reference_data(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("plan", "0001_initial"),
    ]

    operations = [
        # the rows are kept when migrating back: later tables may refer to them
        migrations.RunPython(load, migrations.RunPython.noop),
    ]
