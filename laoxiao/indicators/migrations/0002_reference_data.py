"""The plan's reference data: a few descriptive fields, then the units, indicators and tasks.

The rows come from ``laoxiao/indicators/data/`` through ``laoxiao.indicators.loader``, which
upserts by code; ``laoxiao load-reference`` runs the same loader again after the files change.
"""

from django.db import migrations, models


def load(apps, schema_editor):
    from laoxiao.indicators.loader import load_reference_data

    load_reference_data(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("indicators", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="indicator",
            name="unit_en",
            field=models.CharField(blank=True, max_length=32, verbose_name="unit (English)"),
        ),
        migrations.AddField(
            model_name="plantask",
            name="note",
            field=models.TextField(blank=True, verbose_name="note"),
        ),
        migrations.AddField(
            model_name="responsibleunit",
            name="aliases",
            field=models.JSONField(
                blank=True,
                default=list,
                help_text="Other spellings of the name in the plan.",
                verbose_name="also written as",
            ),
        ),
        migrations.AddField(
            model_name="responsibleunit",
            name="note",
            field=models.TextField(blank=True, verbose_name="note"),
        ),
        # the rows are kept when migrating back: later tables may refer to them
        migrations.RunPython(load, migrations.RunPython.noop),
    ]
