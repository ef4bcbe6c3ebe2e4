"""The service items gain their GB/T 43153-2023 content, unit, minimum minutes and certificate;
the home-visit items are added (``laoxiao/providers/data/service_items.json``)."""

from django.db import migrations


def load(apps, schema_editor):
    from laoxiao.providers.loader import load_service_items

    load_service_items(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("providers", "0003_service_item_fields"),
    ]

    operations = [
        migrations.RunPython(load, migrations.RunPython.noop),
    ]
