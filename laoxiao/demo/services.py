"""The demo city's month of service (issue 13): what the services app holds after a month of use,
as of the demo's reference day (``ctx.as_of``).

The month is the 30 days ending on the as-of day (``month_window``). The step writes, in order:

* home-visit prices (``providers.Price`` of the ``hv_*`` items) at every community centre that has
  none, dated from 2021-01-01;
* derived entitlements (``services.Entitlement``) for everyone in a group of the rule
  ``services.entitlement_groups`` on the as-of day — the same criteria as the rule: a category
  (with its support mode) in force, the age, the latest ability assessment's level — one row per
  group, with the group's name as the reason;
* care plans (weekly, for about a third of the entitled people living at home) and orders from
  them (channel ``care_plan``) and from families (channel ``family``, for the other entitled
  people and for a few self-paying households), at the community centre of the person's township
  (else the nearest centre of the county), with a worker of that centre holding the certificate the
  item needs; a worker does at most one order per two-hour slot. Past orders are mostly confirmed
  and rated, some done and not yet confirmed, a few cancelled, one or two disputed; today's are in
  service or assigned; the next days' are requested, accepted or assigned;
* a visit (``services.ServiceVisit``) for each done, confirmed or disputed order (an open visit
  for an order in service), near the home with realistic minutes. About 3 % are made wrong on
  purpose — a check-in far from the home, a visit shorter than the item's minimum, a visit entered
  days after it happened, two visits of one worker overlapping — and every visit goes through the
  real check engine (``services.verification.check_batch``): the flags are its results, the status
  is ``verified`` or ``held`` accordingly; ``gov_fen`` is the rule ``services.purchase_prices``;
* diners at the meal points (meal points and providers that serve meals) and their meals in the
  month, lunch subsidised by the rule ``services.meal_subsidy`` (one subsidised meal a day), dinner
  not;
* family care beds for some people with a moderate or worse assessment (contract, home adaptations
  from ``services.adaptation_items``, devices of a demo device vendor), respite bookings at homes,
  a few alarms from device events in every state (one escalated), childcare slots and bookings.

Last, the claims of the months the window touches are built by ``services.actions.claims.claims_build``
(prepared, with their call-back samples, for the county offices to approve).

Everything is drawn from the stream ``STREAM_SERVICES`` (``kernel.rng_for``) and read from the
database in primary-key order, so the same seed and as-of day give the same month. The big tables
(visits, meals) are written by ``laoxiao.demo.people.insert_rows`` (COPY on PostgreSQL), the others
by ``laoxiao.core.bulk.insert_rows`` (one change-log summary per community).
"""

from __future__ import annotations

from typing import Any

from laoxiao.demo.kernel import Advance, DemoContext, rng_for
from laoxiao.demo.people import CITY_CODE
from laoxiao.demo.services_base import (
    STREAM_SERVICES,
    centres_of,
    month_window,
    people_of,
)
from laoxiao.demo.services_care import (
    write_beds_and_alarms,
    write_childcare,
    write_meals,
)
from laoxiao.demo.services_orders import (
    write_entitlements,
    write_orders,
    write_prices,
    write_visits,
)
from laoxiao.providers.models import ServiceItem
from laoxiao.services.actions.claims import claims_build
from laoxiao.services.models import (
    CareBedContract,
    ChildcareSlot,
    Entitlement,
    ServiceOrder,
)


def services_size(ctx: DemoContext) -> int:
    return 10


def services_step(ctx: DemoContext, advance: Advance) -> None:
    if any(  # a second build of the same city leaves the month as it is
        m.objects.filter(region_code__startswith=CITY_CODE[:4]).exists()
        for m in (ServiceOrder, ChildcareSlot, Entitlement, CareBedContract)
    ):
        ctx.summary["services"] = {"services": "exist already: left as they are"}
        advance(10)
        return
    as_of = ctx.as_of
    first, last = month_window(as_of)
    rng = rng_for(ctx.seed, STREAM_SERVICES)
    summary: dict[str, Any] = {}
    ctx.summary["services"] = summary
    items = {i.code: i for i in ServiceItem.objects.filter(code__startswith="hv_")}
    centres = centres_of(first, as_of)
    summary["prices"] = write_prices(ctx, centres, items)
    advance(1)
    people = people_of(as_of)
    summary["entitled"], entitled = write_entitlements(ctx, people, as_of)
    advance(1)
    orders, plans = write_orders(ctx, rng, people, entitled, centres, items, first, as_of)
    summary["care_plans"], summary["orders"] = plans, len(orders)
    advance(2)
    summary["visits"], summary["flagged"] = write_visits(ctx, rng, orders, people, items, first, as_of)
    advance(3)
    summary["meals"] = write_meals(ctx, rng, people, first, as_of)
    advance(1)
    summary["care_beds"], summary["respite"], summary["alarms"] = write_beds_and_alarms(
        ctx, rng, people, centres, first, as_of
    )
    advance(1)
    summary["childcare_bookings"] = write_childcare(ctx, rng, as_of)
    advance(1)
    # the claims of the months the window touches, prepared by the system (the command's path): the
    # county offices answer the call-backs and approve them on the claims pages
    claims = 0
    for period in sorted({first.replace(day=1), as_of.replace(day=1)}):
        claims += claims_build(actor=None, period=period).claims
    summary["claims"] = claims
