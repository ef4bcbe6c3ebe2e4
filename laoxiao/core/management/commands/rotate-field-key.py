"""``laoxiao rotate-field-key``: re-seal every protected value with the first key of LAOXIAO_FIELD_KEY.

Rotation: generate a key, put it first in LAOXIAO_FIELD_KEY (``NEW,OLD``), restart, run this
command, then drop OLD. Blind indexes are recomputed with the new key in the same pass, so exact
lookups keep working. Each model is rewritten in its own transaction, in batches.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction
from rich.progress import Progress

from laoxiao.core.fields import EncryptedCharField


def protected_models() -> list[tuple[Any, list[EncryptedCharField]]]:
    out = []
    for model in apps.get_models():
        fields = [f for f in model._meta.concrete_fields if isinstance(f, EncryptedCharField)]
        if fields:
            out.append((model, fields))
    return out


class Command(BaseCommand):
    help = "Re-encrypt personal data with the current field key and recompute blind indexes."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--batch", type=int, default=2000)

    def handle(self, *args: Any, **opts: Any) -> None:
        total = 0
        with Progress(transient=True) as bar:
            for model, fields in protected_models():
                names = [f.name for f in fields] + [f.blind_index for f in fields if f.blind_index]
                count = model._default_manager.count()
                task = bar.add_task(model._meta.label, total=count)
                with transaction.atomic():
                    batch: list[Any] = []
                    for obj in model._default_manager.only("pk", *names).iterator(chunk_size=opts["batch"]):
                        for f in fields:
                            f.pre_save(obj, add=False)  # recompute the blind index
                        batch.append(obj)
                        if len(batch) >= opts["batch"]:
                            model._default_manager.bulk_update(batch, names)
                            bar.advance(task, len(batch))
                            batch = []
                    if batch:
                        model._default_manager.bulk_update(batch, names)
                        bar.advance(task, len(batch))
                total += count
        self.stdout.write(f"re-sealed {total} rows")
