from django.db import migrations


def load(apps, schema_editor):
    from laoxiao.benefits.loader import load_programmes

    load_programmes(apps)


class Migration(migrations.Migration):
    dependencies = [("benefits", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
