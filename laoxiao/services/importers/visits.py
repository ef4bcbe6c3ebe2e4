"""Import kind ``service-visits``: finished home visits sent in bulk by providers' apps and devices.

Every check of ``services.visit_checks`` applies and its flags are results, not errors: a flagged
visit is written ``held``. Only an impossible row is an error (an unknown provider, worker, person
or service item, a check-out before the check-in, a position out of range, an unknown method);
then nothing is written and every bad cell is reported. Re-importing a file changes nothing (a
visit is the same worker, person and check-in)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from laoxiao.core.access import provider_id_of
from laoxiao.core.bulk import Progress, WriteResult
from laoxiao.core.crypto import blind_index
from laoxiao.core.masking import mask_id_number
from laoxiao.imports import parsers as p
from laoxiao.imports.base import Column, ErrorSink, ImportKind, Row, register
from laoxiao.people.models import Elder
from laoxiao.providers.models import Provider, ServiceItem, StaffMember
from laoxiao.services.actions.visits import visits_record
from laoxiao.services.models import ServiceVisit

METHODS = {
    "app_gps": "APP定位",
    "phone_callback": "电话回拨",
    "card": "刷卡",
    "qr": "扫码",
}
assert set(METHODS) == set(ServiceVisit.Method.values)

_ISO = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?")


def moment(value: str) -> dt.datetime:
    """ISO 8601 with an offset, or a local time (the platform's zone, Asia/Shanghai)."""
    v = value.strip()
    if _ISO.fullmatch(v) is None:
        raise ValidationError(_("Not a time: write YYYY-MM-DDTHH:MM[:SS][+08:00]."))
    try:
        at = dt.datetime.fromisoformat(v.replace("Z", "+00:00"))
    except ValueError:
        raise ValidationError(_("Not a real time.")) from None
    return at if timezone.is_aware(at) else timezone.make_aware(at)


def id_text(value: str) -> str:
    return value.strip().upper()


COLUMNS = [
    Column("provider_uscc", "机构统一社会信用代码", p.text(18), True, "the provider that served"),
    Column(
        "worker_id_number",
        "服务人员身份证号",
        id_text,
        True,
        "ID number of the worker (on the provider's staff)",
    ),
    Column("elder_id_number", "老年人身份证号", id_text, True, "ID number of the older person served"),
    Column("service_item", "服务项目", p.text(40), True, "service item code (hv_bath...)"),
    Column("check_in_at", "签到时间", moment, True, "check-in, ISO 8601 with offset or local time"),
    Column("check_in_lon", "签到经度", p.decimal_number(-180, 180), False, "check-in longitude (WGS-84)"),
    Column("check_in_lat", "签到纬度", p.decimal_number(-90, 90), False, "check-in latitude (WGS-84)"),
    Column("check_out_at", "签退时间", moment, True, "check-out, not before the check-in"),
    Column("check_out_lon", "签退经度", p.decimal_number(-180, 180), False, "check-out longitude"),
    Column("check_out_lat", "签退纬度", p.decimal_number(-90, 90), False, "check-out latitude"),
    Column("method", "签到方式", p.choice(METHODS), True, "how the visit was checked", choices=METHODS),
]


@register
class ServiceVisitsImport(ImportKind):
    key = "service-visits"
    label = _("service visits")
    description = _(
        "Finished home visits (check-in and check-out with time, position and method). Every check "
        "applies: a flagged visit is held for review, not refused. Re-importing changes nothing."
    )
    natural_key = ("worker_id_number", "elder_id_number", "check_in_at")
    columns = COLUMNS
    permission_note = "provider operators, for their own provider; exports show ID numbers masked"

    def allowed(self, actor: Any) -> bool:
        return bool(actor.has_perm(self.permission) or provider_id_of(actor))

    def prepare(self, rows: list[Row], actor: Any) -> dict[str, Any]:
        codes = {r.values.get("provider_uscc") for r in rows if r.values.get("provider_uscc")}
        providers = {
            x.uscc: x
            for x in Provider.objects.visible_to(actor).filter(uscc__in=codes).exclude(kind__in=_childcare())
        }
        own = provider_id_of(actor)
        if own and not actor.is_superuser:
            providers = {k: x for k, x in providers.items() if x.pk == own}
        worker_hashes = {
            blind_index(r.values["worker_id_number"]) for r in rows if r.values.get("worker_id_number")
        }
        workers: dict[tuple[Any, str], int] = {}
        for pk, provider_id, h in StaffMember.objects.filter(
            provider__in=list(providers.values()), id_number_hash__in=worker_hashes
        ).values_list("pk", "provider_id", "id_number_hash"):
            workers[(provider_id, h)] = pk
        elder_hashes = {
            blind_index(r.values["elder_id_number"]) for r in rows if r.values.get("elder_id_number")
        }
        elders = {
            h: (pk, region)
            for pk, h, region in Elder.objects.filter(id_number_hash__in=elder_hashes).values_list(
                "pk", "id_number_hash", "region_code"
            )
        }
        items = {
            i.code: i
            for i in ServiceItem.objects.filter(
                code__in={r.values.get("service_item") for r in rows}, sector=ServiceItem.Sector.ELDERCARE
            )
        }
        return {"providers": providers, "workers": workers, "elders": elders, "items": items}

    def check_row(self, row: Row, errors: ErrorSink, context: dict[str, Any]) -> None:
        v = row.values
        provider = context["providers"].get(v.get("provider_uscc"))
        if v.get("provider_uscc") and provider is None:
            errors.add(
                row, "provider_uscc", _("No such elder-care provider of yours; import the providers first.")
            )
        wid = v.get("worker_id_number")
        if wid and provider is not None:
            worker = context["workers"].get((provider.pk, blind_index(wid)))
            if worker is None:
                errors.add(row, "worker_id_number", _("No such worker on the provider's staff."))
            v["_worker"] = worker
        eid = v.get("elder_id_number")
        if eid:
            found = context["elders"].get(blind_index(eid))
            if found is None:
                errors.add(row, "elder_id_number", _("No such older person; import the people first."))
            v["_elder"] = found
        code = v.get("service_item")
        if code and code not in context["items"]:
            errors.add(row, "service_item", _("No such elder-care service item."))
        cin, cout = v.get("check_in_at"), v.get("check_out_at")
        if cin and cout and cout < cin:
            errors.add(row, "check_out_at", _("The check-out is before the check-in."))
        for prefix in ("check_in", "check_out"):
            if (v.get(f"{prefix}_lon") is None) != (v.get(f"{prefix}_lat") is None):
                errors.add(row, f"{prefix}_lat", _("Give both longitude and latitude, or neither."))
        v["_provider"] = provider

    def write(
        self, rows: list[Row], *, actor: Any, context: dict[str, Any], progress: Progress
    ) -> WriteResult:
        records = []
        for r in rows:
            v = r.values
            elder_id, region = v["_elder"]
            records.append(
                {
                    "provider": v["_provider"],
                    "worker_id": v["_worker"],
                    "elder": elder_id,
                    "region_code": region,
                    "item": context["items"][v["service_item"]],
                    "method": v["method"],
                    "check_in_at": v["check_in_at"],
                    "check_out_at": v["check_out_at"],
                    "check_in_lon": v.get("check_in_lon"),
                    "check_in_lat": v.get("check_in_lat"),
                    "check_out_lon": v.get("check_out_lon"),
                    "check_out_lat": v.get("check_out_lat"),
                }
            )
        res = visits_record(actor=actor, rows=records, source=ServiceVisit.Source.IMPORT, progress=progress)
        out = VisitsWriteResult(created=res.created, unchanged=res.unchanged)
        out.summary = res.summary()
        return out

    def export_rows(self, *, actor: Any) -> Any:
        for visit in (
            ServiceVisit.objects.visible_to(actor)
            .select_related("provider", "worker", "elder")
            .order_by("check_in_at")
            .iterator(chunk_size=2000)
        ):
            yield {
                "provider_uscc": visit.provider.uscc,
                "worker_id_number": mask_id_number(visit.worker.id_number),
                "elder_id_number": mask_id_number(visit.elder.id_number),
                "service_item": visit.item_id,
                "check_in_at": timezone.localtime(visit.check_in_at).isoformat(),
                "check_in_lon": visit.check_in_lon,
                "check_in_lat": visit.check_in_lat,
                "check_out_at": timezone.localtime(visit.check_out_at).isoformat()
                if visit.check_out_at
                else "",
                "check_out_lon": visit.check_out_lon,
                "check_out_lat": visit.check_out_lat,
                "method": visit.method,
            }


class VisitsWriteResult(WriteResult):
    summary: dict[str, int]


def _childcare() -> tuple[str, ...]:
    from laoxiao.core.access import CHILDCARE_KINDS

    return CHILDCARE_KINDS
