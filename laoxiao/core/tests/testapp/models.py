"""A model used only by tests of the personal-data machinery (installed by settings_test only)."""

from django.db import models

from laoxiao.core.fields import BlindIndexField, EncryptedCharField
from laoxiao.regions.scoping import RegionScopedQuerySet


class Resident(models.Model):
    PROTECTED_FIELDS = {"id_number": "id", "phone": "phone"}

    region_code = models.CharField(max_length=12)
    name = models.CharField(max_length=50)
    id_number = EncryptedCharField(blind_index="id_number_hash")
    id_number_hash = BlindIndexField()
    phone = EncryptedCharField(purpose="phone")

    objects = RegionScopedQuerySet.as_manager()

    def __str__(self) -> str:
        return self.name
