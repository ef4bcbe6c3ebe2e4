"""Import kind ``meal-records``: meals sent in bulk by the meal points' tills (see
docs/import-formats.md). All or nothing, every bad cell reported; the till's reference
(``external_ref``) makes a re-import change nothing; a meal over the daily subsidy cap is not an
error: it is written without subsidy and named in the change-log note."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from laoxiao.core import access, clock
from laoxiao.core.bulk import BATCH, Progress, WriteResult
from laoxiao.core.crypto import blind_index
from laoxiao.core.masking import mask_id_number
from laoxiao.imports import parsers as p
from laoxiao.imports.base import Column, ErrorSink, ImportKind, Row, register
from laoxiao.people.models import Elder
from laoxiao.providers.models import Provider
from laoxiao.regions.scoping import code_within
from laoxiao.services.actions import meals as actions
from laoxiao.services.models import Diner, MealRecord

SLOTS = {"breakfast": "早餐", "lunch": "午餐", "dinner": "晚餐"}
MODES = {"dine_in": "堂食", "delivered": "送餐"}
VERIFIED = {"id_card": "身份证", "ss_card": "社保卡", "face": "人脸识别"}


def _yuan(value: str) -> int:
    """Yuan with at most two decimals → fen."""
    v = value.strip().replace(",", "")
    try:
        amount = Decimal(v)
    except InvalidOperation:
        raise ValidationError(_("Not an amount: write yuan with two decimals, e.g. 12.50.")) from None
    if not amount.is_finite() or amount < 0 or amount > Decimal("100000"):
        raise ValidationError(_("Not an amount: write yuan with two decimals, e.g. 12.50."))
    if amount != amount.quantize(Decimal("0.01")):
        raise ValidationError(_("At most two decimals."))
    return int(amount * 100)


@register
class MealRecordsImport(ImportKind):
    key = "meal-records"
    label = _("meal records")
    description = _(
        "Meals served at meal points (the tills' records). The subsidy is computed by the rule "
        "services.meal_subsidy; a meal over the daily cap is written without subsidy, not refused."
    )
    permission_note = "a meal point's operator imports the meals of their own point"
    natural_key = ("provider_uscc", "external_ref")
    write_in_chunks = False  # the daily cap is counted across the whole file, in its order
    columns = [
        Column("provider_uscc", "助餐点统一社会信用代码", p.text(18), True, "the meal point's credit code"),
        Column("elder_id_number", "身份证号", lambda v: v.strip().upper(), True, "the diner's ID number"),
        Column("served_on", "用餐日期", p.date, True, "day served (YYYY-MM-DD)"),
        Column("slot", "餐次", p.choice(SLOTS), True, "meal slot", SLOTS),
        Column("mode", "方式", p.choice(MODES), True, "dine-in or delivered", MODES),
        Column("verified_by", "核验方式", p.choice(VERIFIED), True, "how the diner was identified", VERIFIED),
        Column("price", "餐价（元）", _yuan, True, "the meal's price in yuan, two decimals"),
        Column(
            "external_ref", "收银流水号", p.text(64), True, "the till's id of the meal (re-import skips it)"
        ),
    ]

    def allowed(self, actor: Any) -> bool:
        return bool(actor.has_perm(self.permission) or access.provider_id_of(actor))

    def prepare(self, rows: list[Row], actor: Any) -> dict[str, Any]:
        usccs = {str(r.values.get("provider_uscc") or "").upper() for r in rows}
        providers = {x.uscc: x for x in Provider.objects.filter(uscc__in=[u for u in usccs if u])}
        numbers = {str(r.values["elder_id_number"]) for r in rows if r.values.get("elder_id_number")}
        hashes = {blind_index(n): n for n in numbers}
        elders: dict[str, Elder] = {}
        keys = sorted(hashes)
        for i in range(0, len(keys), BATCH):
            for e in Elder.objects.filter(id_number_hash__in=keys[i : i + BATCH]):
                elders[hashes[e.id_number_hash]] = e
        own = access.provider_id_of(actor)
        diners = (
            set(
                Diner.objects.filter(provider_id=own, elder__in=list(elders.values())).values_list(
                    "elder_id", flat=True
                )
            )
            if own
            else set()
        )
        return {
            "providers": providers,
            "elders": elders,
            "diners": diners,
            "actor": actor,
            "today": clock.today(),
            "prefixes": actor.region_prefixes(),
        }

    def check_row(self, row: Row, errors: ErrorSink, context: dict[str, Any]) -> None:
        actor = context["actor"]
        point: Provider | None = context["providers"].get(str(row.values.get("provider_uscc") or "").upper())
        if point is None or not access.allowed(access.require_can_act, actor, point):
            errors.add(row, "provider_uscc", _("No meal point with this credit code that you may act for."))
            point = None
        elif not actions.is_meal_point(point):
            errors.add(row, "provider_uscc", _("This provider is not a meal point."))
            point = None
        elder: Elder | None = context["elders"].get(row.values.get("elder_id_number"))
        own_diner = elder is not None and elder.pk in context["diners"] and point is not None
        if elder is None or not (own_diner or code_within(elder.region_code, context["prefixes"])):
            errors.add(
                row,
                "elder_id_number",
                _("No older person with this ID number in your regions or among your diners."),
            )
            elder = None
        day = row.values.get("served_on")
        if day is not None:
            if day > context["today"]:
                errors.add(row, "served_on", _("The day lies in the future."))
            elif elder is not None and (
                (elder.died_on and elder.died_on <= day) or (elder.moved_out_on and elder.moved_out_on <= day)
            ):
                errors.add(row, "served_on", _("The person had died or moved away by this day."))
        row.values["_point"], row.values["_elder"] = point, elder

    def write(
        self, rows: list[Row], *, actor: Any, context: dict[str, Any], progress: Progress
    ) -> WriteResult:
        result = actions.meals_record(
            actor=actor,
            rows=[
                {
                    "elder": r.values["_elder"],
                    "provider": r.values["_point"],
                    "served_on": r.values["served_on"],
                    "slot": r.values["slot"],
                    "mode": r.values["mode"],
                    "verified_by": r.values["verified_by"],
                    "price_fen": r.values["price"],
                    "external_ref": r.values["external_ref"],
                }
                for r in rows
            ],
            progress=progress,
            row_numbers=[r.number for r in rows],
        )
        return WriteResult(created=result.created, unchanged=result.unchanged)

    def export_rows(self, *, actor: Any) -> Iterable[dict[str, Any]]:
        qs = (
            MealRecord.objects.visible_to(actor)
            .select_related("provider", "elder")
            .order_by("served_on", "pk")
        )
        for m in qs.filter(~Q(pk=None)).iterator(chunk_size=2000):
            yield {
                "provider_uscc": m.provider.uscc,
                "elder_id_number": mask_id_number(m.elder.id_number),
                "served_on": m.served_on,
                "slot": m.slot,
                "mode": m.mode,
                "verified_by": m.verified_by,
                "price": f"{m.price_fen / 100:.2f}",
                "external_ref": m.external_ref,
            }
