"""Import kind ``service-orders``: providers' own apps send their orders in bulk. Every cell is
checked before anything is written; an order already imported (same provider and
``external_ref``) is left alone, so re-importing a file changes nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from laoxiao.core.access import allowed, is_operator_of, provider_id_of, require_can_act
from laoxiao.core.bulk import Progress, WriteResult
from laoxiao.core.crypto import blind_index
from laoxiao.core.i18n import fmt
from laoxiao.imports import parsers as p
from laoxiao.imports.base import Column, ErrorSink, ImportKind, Row, register
from laoxiao.people.models import Elder
from laoxiao.providers.actions import check_uscc
from laoxiao.providers.models import Price, Provider, ServiceItem
from laoxiao.services.actions.orders import government_price, local_day, orders_insert
from laoxiao.services.models import ServiceOrder


def moment(value: str) -> dt.datetime:
    """ISO 8601 date and time, with an offset or in local time (the platform's time zone)."""
    try:
        parsed = dt.datetime.fromisoformat(value.strip().replace(" ", "T", 1))
    except ValueError:
        raise ValidationError(_("Not a date and time in ISO 8601 form (2026-03-03T09:00+08:00).")) from None
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)


def _id_number(value: str) -> str:
    return value.strip().upper()


@register
class ServiceOrdersImport(ImportKind):
    key = "service-orders"
    label = _("home-care orders")
    description = _(
        "Orders of home-visit services sent by a provider's own system: one row per order, identified by the "
        "provider's own reference (external_ref, unique per provider: re-importing a file changes nothing). "
        "Each order's price splits against the person's entitlement of its month, as when placed one by one."
    )
    permission_note = "also a provider's operator, for their own provider"
    natural_key = ("provider_uscc", "external_ref")
    columns = [
        Column(
            "provider_uscc",
            "机构统一社会信用代码",
            check_uscc,
            True,
            "credit code of a filed elder-care provider",
        ),
        Column(
            "elder_id_number", "老年人身份证号", _id_number, True, "ID number of a registered older person"
        ),
        Column("service_item", "服务项目代码", p.text(40), True, "code of a home-visit service item (hv_*)"),
        Column(
            "scheduled_at",
            "预约服务时间",
            moment,
            True,
            "ISO 8601 date and time, with an offset (2026-03-03T09:00+08:00) or local time",
        ),
        Column(
            "minutes", "服务时长（分钟）", p.integer(1, 24 * 60), True, "minutes, at least the item's minimum"
        ),
        Column("external_ref", "机构工单号", p.text(64), True, "the provider's own order number"),
        Column("note", "备注", p.text(300), False, "note"),
    ]

    def allowed(self, actor: Any) -> bool:
        return bool(actor.has_perm(self.permission) or provider_id_of(actor))

    def prepare(self, rows: list[Row], actor: Any) -> dict[str, Any]:
        codes = {r.values.get("provider_uscc") for r in rows} - {None}
        providers = {x.uscc: x for x in Provider.objects.filter(uscc__in=codes)}
        hashes = {blind_index(r.values["elder_id_number"]) for r in rows if r.values.get("elder_id_number")}
        elders = {e.id_number_hash: e for e in Elder.objects.filter(id_number_hash__in=hashes)}
        refs = {(r.values.get("provider_uscc"), r.values.get("external_ref")) for r in rows}
        existing = set(
            ServiceOrder.objects.filter(
                provider__uscc__in=codes, external_ref__in={x[1] for x in refs if x[1]}
            ).values_list("provider__uscc", "external_ref")
        )
        return {
            "actor": actor,
            "providers": providers,
            "elders": elders,
            "items": {i.code: i for i in ServiceItem.objects.all()},
            "existing": existing,
            "prices": set(
                Price.objects.filter(provider__uscc__in=codes).values_list("provider_id", "item_id")
            ),
        }

    def _provider(self, row: Row, errors: ErrorSink, context: dict[str, Any]) -> Provider | None:
        code = row.values.get("provider_uscc")
        if not code:
            return None
        provider = context["providers"].get(code)
        actor = context["actor"]
        if provider is None or not allowed(require_can_act, actor, provider):
            errors.add(row, "provider_uscc", _("No such provider among those you may import for."))
            return None
        if provider_id_of(actor) and not is_operator_of(actor, provider) and not actor.is_superuser:
            errors.add(row, "provider_uscc", _("An operator imports orders for their own provider only."))
            return None
        if provider.sector != "eldercare" or provider.filing_status != Provider.FilingStatus.FILED:
            errors.add(row, "provider_uscc", _("Home care is ordered from a filed elder-care provider."))
            return None
        return provider

    def check_row(self, row: Row, errors: ErrorSink, context: dict[str, Any]) -> None:
        v = row.values
        provider = self._provider(row, errors, context)
        elder = None
        if v.get("elder_id_number"):
            elder = context["elders"].get(blind_index(v["elder_id_number"]))
            if elder is None:
                errors.add(row, "elder_id_number", _("No older person with this ID number is registered."))
        item = context["items"].get(v.get("service_item")) if v.get("service_item") else None
        if v.get("service_item") and (item is None or item.sector != "eldercare" or not item.content_class):
            errors.add(row, "service_item", _("Not a home-visit service item."))
            item = None
        if item is not None and v.get("minutes") and item.min_minutes and v["minutes"] < item.min_minutes:
            errors.add(row, "minutes", fmt(_("This item takes at least %(n)d minutes."), n=item.min_minutes))
        when = v.get("scheduled_at")
        if elder is not None and when is not None:
            day = local_day(when)
            if (elder.died_on and elder.died_on <= day) or (elder.moved_out_on and elder.moved_out_on <= day):
                errors.add(row, "elder_id_number", _("This person no longer lives here on that day."))
        if provider is not None and item is not None and elder is not None and when is not None:
            if (provider.pk, item.code) not in context["prices"] and not government_price(
                item, elder.region_code, local_day(when)
            ):
                errors.add(row, "service_item", _("The provider has no price for this item."))
        row.values["_objects"] = (provider, elder, item)

    def write(
        self, rows: list[Row], *, actor: Any, context: dict[str, Any], progress: Progress
    ) -> WriteResult:
        result = WriteResult()
        records = []
        for row in rows:
            v = row.values
            if (v["provider_uscc"], v["external_ref"]) in context["existing"]:
                result.unchanged += 1
                continue
            provider, elder, item = v["_objects"]
            records.append(
                {
                    "provider": provider,
                    "elder": elder,
                    "item": item,
                    "scheduled_at": v["scheduled_at"],
                    "minutes": v["minutes"],
                    "external_ref": v["external_ref"],
                    "note": v.get("note") or "",
                }
            )
        result.created = len(orders_insert(actor=actor, records=records))
        return result

    def export_rows(self, *, actor: Any) -> Iterable[dict[str, Any]]:
        qs = (
            ServiceOrder.objects.visible_to(actor)
            .filter(~Q(external_ref=""))
            .select_related("provider", "elder", "item")
            .order_by("provider__uscc", "external_ref")
        )
        for o in qs.iterator(chunk_size=2000):
            yield {
                "provider_uscc": o.provider.uscc,
                "elder_id_number": o.elder.id_number,
                "service_item": o.item_id,
                "scheduled_at": timezone.localtime(o.scheduled_at).isoformat(),
                "minutes": o.minutes,
                "external_ref": o.external_ref,
                "note": o.note,
            }
