"""The childcare indicators read from the providers and their staff: C03 to C09."""

from __future__ import annotations

from typing import Any

from django.db.models import (
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce

from laoxiao.plan.calculators.common import (
    CARE_ROLES,
    Ctx,
    QuerySetDefinition,
    _provider_filed_q,
    employed_q,
    filed_q,
    valid_certificate,
)
from laoxiao.providers.models import (
    CHILDCARE_KINDS,
    ChildcareClass,
    Provider,
    StaffMember,
)

# --- childcare: providers and staff ---------------------------------------------------------------


def _slots_subquery() -> Coalesce:
    classes = (
        ChildcareClass.objects.filter(provider=OuterRef("pk"))
        .order_by()
        .values("provider")
        .annotate(n=Sum("capacity"))
        .values("n")
    )
    return Coalesce(Subquery(classes, output_field=IntegerField()), 0)


class _FiledChildcare(QuerySetDefinition):
    kind, model = "providers", Provider

    def base(self, ctx: Ctx) -> QuerySet[Any]:
        return ctx.start(Provider).filter(filed_q(ctx.end, CHILDCARE_KINDS))


class C03(_FiledChildcare):
    code, is_count = "C03", True


class C04(_FiledChildcare):
    code, is_count = "C04", True

    def base(self, ctx: Ctx) -> QuerySet[Any]:
        return super().base(ctx).filter(is_demonstration=True)


class C05(_FiledChildcare):
    code, figure, per, scale = "C05", "population", 1000, 1
    num_amount = "slots"

    def base(self, ctx: Ctx) -> QuerySet[Any]:
        return super().base(ctx).annotate(slots=_slots_subquery())


class C06(_FiledChildcare):
    code = "C06"
    num_amount, den_amount = "inclusive_slots", "slots"

    def base(self, ctx: Ctx) -> QuerySet[Any]:
        return super().base(ctx).annotate(slots=_slots_subquery())


class _ChildcareStaff(QuerySetDefinition):
    kind, model = "staff", StaffMember

    def base(self, ctx: Ctx) -> QuerySet[Any]:
        return ctx.start(StaffMember).filter(employed_q(ctx.end), _provider_filed_q(ctx.end, CHILDCARE_KINDS))


class C07(_ChildcareStaff):
    code, is_count = "C07", True

    def base(self, ctx: Ctx) -> QuerySet[Any]:
        return super().base(ctx).filter(valid_certificate(ctx.end), role__in=CARE_ROLES)


class C08(_ChildcareStaff):
    code = "C08"

    def num_q(self, ctx: Ctx) -> Q:
        return Q(valid_certificate(ctx.end))


class C09(QuerySetDefinition):
    """Like E11: backbone enterprises among the filed providers (filed by the period end)."""

    code, kind, model, is_count = "C09", "providers", Provider, True

    def base(self, ctx: Ctx) -> QuerySet[Any]:
        return ctx.start(Provider).filter(filed_q(ctx.end, CHILDCARE_KINDS), is_backbone=True)
