"""The change log says whose row it is (sector, provider), so it is scoped as every other read.

Backfill: the sector from the model label (accounts.roles.RECORD_SECTOR); rows of a provider take
the provider's kind and id (looked up by target id, in batches)."""

from django.db import migrations, models

ELDERCARE_KINDS = ("eldercare_home", "community_centre", "meal_point")
BATCH = 2000


def backfill(apps, schema_editor):  # type: ignore[no-untyped-def]
    from laoxiao.accounts.roles import RECORD_SECTOR

    ChangeLog = apps.get_model("core", "ChangeLog")
    for label, sector in RECORD_SECTOR.items():
        ChangeLog.objects.filter(target_type=label).update(sector=sector)
    try:
        Institution = apps.get_model("institutions", "Institution")
    except LookupError:
        return
    kinds = dict(Institution.objects.values_list("pk", "kind"))
    types = ChangeLog.objects.order_by().values_list("target_type", flat=True).distinct()
    for label in list(types):
        try:
            model = apps.get_model(label)
        except (LookupError, ValueError):
            continue
        names = {f.name for f in model._meta.fields}
        if label == "institutions.institution":
            path = "pk"
        elif "institution" in names:
            path = "institution_id"
        elif "staff" in names:
            path = "staff__institution_id"
        else:
            continue
        ids = list(ChangeLog.objects.filter(target_type=label).values_list("target_id", flat=True).distinct())
        for start in range(0, len(ids), BATCH):
            chunk = [int(i) for i in ids[start : start + BATCH] if str(i).isdigit()]
            owners = dict(model.objects.filter(pk__in=chunk).values_list("pk", path))
            for pk, inst in owners.items():
                kind = kinds.get(inst)
                if kind is None:
                    continue
                ChangeLog.objects.filter(target_type=label, target_id=str(pk)).update(
                    sector="eldercare" if kind in ELDERCARE_KINDS else "childcare", provider_id=inst
                )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_changelog_type_latest"),
        ("institutions", "0002_service_items"),
        ("supervision", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="changelog",
            name="provider_id",
            field=models.BigIntegerField(blank=True, db_index=True, null=True),
        ),
        migrations.AddField(
            model_name="changelog",
            name="sector",
            field=models.CharField(blank=True, db_index=True, default="", max_length=16),
        ),
        migrations.AlterField(
            model_name="changelog",
            name="action",
            field=models.CharField(
                choices=[
                    ("create", "created"),
                    ("update", "updated"),
                    ("delete", "deleted"),
                    ("status", "status changed"),
                    ("reveal", "personal data revealed"),
                    ("reveal_denied", "reveal refused"),
                    ("handover", "handed over"),
                ],
                db_index=True,
                max_length=16,
            ),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
