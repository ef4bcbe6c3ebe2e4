"""Model fields for personal data: encrypted at rest, with an optional blind index beside them."""

from __future__ import annotations

from typing import Any

from django.db import models

from laoxiao.core import crypto


class EncryptedCharField(models.TextField):
    """Holds a short secret (ID number, phone) as AES-GCM ciphertext; Python sees the plaintext.

    ``blind_index="id_number_hash"`` names a ``BlindIndexField`` declared *after* this field on the
    same model; it is filled on every save (also ``bulk_create``) so exact lookups work:
    ``Model.objects.filter(id_number_hash=blind_index(number, purpose=...))``.
    With ``update_fields`` / ``bulk_update`` list both fields.
    """

    def __init__(self, *args: Any, blind_index: str | None = None, purpose: str = "id", **kwargs: Any):
        self.blind_index = blind_index
        self.purpose = purpose
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        if self.blind_index:
            kwargs["blind_index"] = self.blind_index
        if self.purpose != "id":
            kwargs["purpose"] = self.purpose
        return name, path, args, kwargs

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> str:
        if not value:
            return ""
        return crypto.decrypt(value)

    def to_python(self, value: Any) -> str:
        return "" if value is None else str(value)

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        value = getattr(model_instance, self.attname)
        if self.blind_index:
            setattr(
                model_instance,
                self.blind_index,
                crypto.blind_index(value, purpose=self.purpose) if value else "",
            )
        return value

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if not value:
            return ""
        return crypto.encrypt(str(value))


class BlindIndexField(models.CharField):
    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("db_index", True)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)
