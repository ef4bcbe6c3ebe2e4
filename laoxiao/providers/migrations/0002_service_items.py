"""The city-wide service items providers price (``laoxiao/providers/data/service_items.json``),
upserted by code; kept when migrating back (prices refer to them)."""

from django.db import migrations


def load(apps, schema_editor):
    from laoxiao.providers.loader import load_service_items

    load_service_items(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("providers", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(load, migrations.RunPython.noop),
    ]
