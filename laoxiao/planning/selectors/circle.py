"""The platform's own data for coverage, accessibility and siting (the Django side of the pure core).

Demand points are **community centroids** (``Region.lon/lat`` of each community) weighted by the
people registered there: living older people who have not moved out (group ``elders``), or living
children who have not moved out (group ``children``). People carry no coordinates of their own.

Supply is every **filed** provider (``filing_status = filed``) of the group's kinds with coordinates
(elder care: elder-care homes, service centres and meal points; childcare: the four childcare
kinds), with capacity ``beds`` or ``nursing_beds`` (elder care) or ``slots`` (the sum of the
provider's childcare class capacities). Providers outside the region but within the radius of its
bounding box are included, so a community near a county border sees the facility across it.
Filed providers are public (the portal shows them), so this needs no scope beyond the region's.

Candidate sites (siting) are the centroids of the region's communities that have no filed provider
of the group's kinds inside them.

``*_report`` functions run an analysis on a region and return plain JSON-ready dicts, shared by the
pages, the API and ``laoxiao planning ... --region``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _

from laoxiao.core import clock
from laoxiao.core.errors import NotFound
from laoxiao.core.rules import rule
from laoxiao.people.models import Child, Elder
from laoxiao.planning.analysis.geo import Projection, projection_for, to_metres
from laoxiao.providers.models import CHILDCARE_KINDS, ELDERCARE_KINDS, ChildcareClass, Provider
from laoxiao.regions.models import Region
from laoxiao.regions.scoping import PREFIX_LENGTH, code_within, prefix_q

if TYPE_CHECKING:
    from laoxiao.planning.analysis import coverage

# The numeric cores (scipy) are imported where a report runs, not when the URLconf loads: a
# server's first request of any page would otherwise wait for scipy (about 0.3 s).

GROUPS = ("elders", "children")
CAPACITIES = {"elders": ("beds", "nursing_beds"), "children": ("slots",)}
METRES_PER_DEGREE = 111_320.0  # only to widen a bounding box for the provider query


def circle_rules(on: dt.date | None = None) -> dict[str, Any]:
    return dict(rule("planning.service_circle", on=on))


def full_code(code: str) -> str:
    code = code.strip()
    if not code.isdigit() or len(code) > 12 or len(code) < 4:
        raise NotFound(code)
    return code.ljust(12, "0")


def region_for(code: str, *, actor: Any = None) -> Region:
    """The region by its code (6 digits are enough for a county); NotFound outside the actor's
    regions (``actor=None``: the command line, everything)."""
    region = Region.objects.filter(code=full_code(code)).first()
    if region is None:
        raise NotFound(code)
    if actor is not None and not code_within(region.code, actor.region_prefixes()):
        raise NotFound(code)
    return region


def groups_for(actor: Any) -> tuple[str, ...]:
    """The demand groups an actor may analyse: older people for civil affairs, children for health."""
    if actor is None or getattr(actor, "is_superuser", False):
        return GROUPS
    sectors = actor.sectors()
    out: tuple[str, ...] = ()
    if "eldercare" in sectors:
        out += ("elders",)
    if sectors & {"childcare", "health"}:
        out += ("children",)
    return out


@dataclass
class Points:
    ids: list[str]
    names: list[str]
    lonlat: np.ndarray
    weight: np.ndarray  # demand weight or capacity
    labels: list[str]  # township code (demand) or kind (supply)


def _prefix(region: Region) -> str:
    return region.code[: PREFIX_LENGTH[region.level]]


def platform_demand(region: Region, group: str) -> Points:
    if group not in GROUPS:
        raise NotFound(group)
    prefix = _prefix(region)
    communities = list(
        Region.objects.filter(prefix_q("code", prefix), level=Region.Level.COMMUNITY, lon__isnull=False)
        .order_by("code")
        .values_list("code", "name", "lon", "lat")
    )
    model = Elder if group == "elders" else Child
    counts = dict(
        model.objects.filter(prefix_q("region_code", prefix), died_on__isnull=True, moved_out_on__isnull=True)
        .values_list("region_code")
        .annotate(n=Count("id"))
        .values_list("region_code", "n")
    )
    return Points(
        ids=[c[0] for c in communities],
        names=[c[1] for c in communities],
        lonlat=np.array([(c[2], c[3]) for c in communities], dtype=np.float64).reshape(-1, 2),
        weight=np.array([counts.get(c[0], 0) for c in communities], dtype=np.float64),
        labels=[c[0][:9] + "000" for c in communities],
    )


def platform_supply(region: Region, group: str, *, capacity: str = "", margin_m: float = 0.0) -> Points:
    """Filed providers of the group's kinds in the region, and any within ``margin_m`` of the
    region's communities' bounding box."""
    kinds = ELDERCARE_KINDS if group == "elders" else CHILDCARE_KINDS
    prefix = _prefix(region)
    box = Region.objects.filter(prefix_q("code", prefix), lon__isnull=False).values_list("lon", "lat")
    pts = np.array(list(box), dtype=np.float64).reshape(-1, 2)
    q = prefix_q("region_code", prefix)
    if len(pts) and margin_m > 0:
        dlat = margin_m / METRES_PER_DEGREE
        dlon = dlat / max(np.cos(np.radians(pts[:, 1].mean())), 0.1)
        q |= Q(
            lon__gte=pts[:, 0].min() - dlon,
            lon__lte=pts[:, 0].max() + dlon,
            lat__gte=pts[:, 1].min() - dlat,
            lat__lte=pts[:, 1].max() + dlat,
        )
    rows = list(
        Provider.objects.filter(q, kind__in=kinds, filing_status=Provider.FilingStatus.FILED)
        .exclude(lon__isnull=True)
        .exclude(lat__isnull=True)
        .order_by("uscc")
        .values_list("pk", "uscc", "name", "kind", "lon", "lat", "beds", "nursing_beds")
    )
    slots: dict[int, int] = {}
    if group == "children" and rows:
        slots = dict(
            ChildcareClass.objects.filter(provider_id__in=[r[0] for r in rows])
            .values_list("provider_id")
            .annotate(n=Sum("capacity"))
            .values_list("provider_id", "n")
        )
    if capacity == "beds":
        cap = [r[6] for r in rows]
    elif capacity == "nursing_beds":
        cap = [r[7] for r in rows]
    elif capacity == "slots":
        cap = [slots.get(r[0], 0) for r in rows]
    else:
        cap = [0 for _ in rows]
    return Points(
        ids=[r[1] for r in rows],
        names=[r[2] for r in rows],
        lonlat=np.array([(r[4], r[5]) for r in rows], dtype=np.float64).reshape(-1, 2),
        weight=np.array(cap, dtype=np.float64),
        labels=[r[3] for r in rows],
    )


def platform_candidates(region: Region, group: str, demand: Points) -> Points:
    """Community centroids of the region with no filed provider of the group's kinds inside."""
    kinds = ELDERCARE_KINDS if group == "elders" else CHILDCARE_KINDS
    served = set(
        Provider.objects.filter(
            prefix_q("region_code", _prefix(region)),
            kind__in=kinds,
            filing_status=Provider.FilingStatus.FILED,
        ).values_list("region_code", flat=True)
    )
    keep = [i for i, code in enumerate(demand.ids) if code not in served]
    return Points(
        ids=[demand.ids[i] for i in keep],
        names=[demand.names[i] for i in keep],
        lonlat=demand.lonlat[keep] if keep else np.zeros((0, 2)),
        weight=np.zeros(len(keep)),
        labels=[demand.labels[i] for i in keep],
    )


def township_names(region: Region) -> dict[str, str]:
    return dict(
        Region.objects.filter(prefix_q("code", _prefix(region)), level=Region.Level.TOWNSHIP).values_list(
            "code", "name"
        )
    )


def _projection(*parts: np.ndarray) -> Projection:
    return projection_for(*parts)


def _round(v: float, nd: int = 1) -> float | None:
    return None if not np.isfinite(v) else round(float(v), nd)


def _points_json(p: Points, **extra: list[Any]) -> list[dict[str, Any]]:
    out = []
    for i in range(len(p.ids)):
        row: dict[str, Any] = {
            "id": p.ids[i],
            "name": p.names[i],
            "lon": round(float(p.lonlat[i, 0]), 6),
            "lat": round(float(p.lonlat[i, 1]), 6),
            "weight": float(p.weight[i]),
        }
        for k, values in extra.items():
            row[k] = values[i]
        out.append(row)
    return out


def coverage_report(*, region: Region, group: str, radius: float, detour: float = 1.0) -> dict[str, Any]:
    from laoxiao.planning.analysis import coverage

    demand = platform_demand(region, group)
    supply = platform_supply(region, group, margin_m=radius)
    proj = _projection(demand.lonlat, supply.lonlat)
    cov = coverage.straight_coverage(
        to_metres(demand.lonlat, proj), to_metres(supply.lonlat, proj), radius, detour=detour
    )
    names = township_names(region)
    shares = coverage.coverage_shares(cov.covered, demand.weight, demand.labels)
    nearest = [supply.ids[j] if j >= 0 else "" for j in cov.nearest]
    return {
        "region": {"code": region.code, "name": region.name},
        "group": group,
        "radius": radius,
        "detour": detour,
        "summary": _share_json(shares[0], ""),
        "by_township": [_share_json(s, names.get(s.label, s.label)) for s in shares[1:]],
        "demand": _points_json(
            demand,
            nearest_id=nearest,
            distance=[_round(d) for d in cov.distance],
            covered=[bool(c) for c in cov.covered],
            count=[int(c) for c in cov.count],
        ),
        "supply": _points_json(supply, kind=supply.labels),
    }


def _share_json(s: coverage.Share, name: str) -> dict[str, Any]:
    return {
        "code": s.label,
        "name": name,
        "points": s.points,
        "covered_points": s.covered_points,
        "weight": s.total_weight,
        "covered_weight": s.covered_weight,
        "share": None if s.share is None else round(s.share, 4),
    }


def access_report(
    *,
    region: Region,
    group: str,
    capacity: str,
    method: str,
    radius: float,
    decay: str = "gaussian",
    sigma: float | None = None,
    steps: dict[float, float] | None = None,
) -> dict[str, Any]:
    from laoxiao.planning.analysis import accessibility

    if capacity not in CAPACITIES.get(group, ()):
        raise NotFound(capacity)
    demand = platform_demand(region, group)
    supply = platform_supply(region, group, capacity=capacity, margin_m=radius)
    proj = _projection(demand.lonlat, supply.lonlat)
    pairs = accessibility.straight_pairs(
        to_metres(demand.lonlat, proj), to_metres(supply.lonlat, proj), radius
    )
    fn = None
    if method == "e2sfca":
        fn = (
            accessibility.gaussian_decay(sigma or radius / 2)
            if decay == "gaussian"
            else accessibility.step_decay(steps or accessibility.default_steps(radius))
        )
    score, ratio = accessibility.fca_scores(pairs, demand.weight, supply.weight, decay=fn)
    names = township_names(region)
    reached = np.bincount(pairs.demand, minlength=len(demand.ids)) > 0
    return {
        "region": {"code": region.code, "name": region.name},
        "group": group,
        "capacity": capacity,
        "method": method,
        "decay": decay if method == "e2sfca" else None,
        "sigma": (sigma or radius / 2) if method == "e2sfca" and decay == "gaussian" else None,
        "radius": radius,
        "summary": {
            "communities": len(demand.ids),
            "weight": float(demand.weight.sum()),
            "capacity": float(supply.weight.sum()),
            "reached_communities": int(reached.sum()),
            "weight_without_access": float(demand.weight[~reached].sum()),
            "mean_score_per_1000": _round(
                1000 * float((score * demand.weight).sum() / demand.weight.sum())
                if demand.weight.sum()
                else 0.0,
                3,
            ),
        },
        "demand": _points_json(
            demand,
            township=[names.get(code, code) for code in demand.labels],
            score=[float(s) for s in score],
            per_1000=[round(1000 * float(s), 3) for s in score],
        ),
        "supply": _points_json(supply, kind=supply.labels, ratio=[float(r) for r in ratio]),
    }


def siting_report(
    *, region: Region, group: str, radius: float, k: int, detour: float = 1.0
) -> dict[str, Any]:
    from laoxiao.planning.analysis import siting

    demand = platform_demand(region, group)
    supply = platform_supply(region, group, margin_m=radius)
    candidates = platform_candidates(region, group, demand)
    if k < 1 or k > len(candidates.ids):
        raise ValueError(
            _("The number of new sites must lie between 1 and %(n)s, the candidate sites in this region.")
            % {"n": len(candidates.ids)}
        )
    proj = _projection(demand.lonlat, supply.lonlat)
    d_xy = to_metres(demand.lonlat, proj)
    cover = siting.cover_matrix(d_xy, to_metres(candidates.lonlat, proj), radius, detour=detour)
    existing = siting.cover_matrix(d_xy, to_metres(supply.lonlat, proj), radius, detour=detour)
    result = siting.maximal_covering(cover, demand.weight, k, existing=existing)
    before = np.asarray(existing.getnnz(axis=1) > 0)
    after = before | np.asarray(cover[:, result.chosen].getnnz(axis=1) > 0)
    return {
        "region": {"code": region.code, "name": region.name},
        "group": group,
        "radius": radius,
        "k": k,
        "summary": {
            "weight": result.weight_total,
            "covered_before": result.covered_before,
            "covered_after": result.covered_after,
            "share_before": _share(result.covered_before, result.weight_total),
            "share_after": _share(result.covered_after, result.weight_total),
            "gap": result.gap,
            "method": result.method,
            "status": result.status,
            "seconds": round(result.seconds, 3),
            "candidates": len(candidates.ids),
        },
        "chosen": [
            {
                "id": candidates.ids[j],
                "name": candidates.names[j],
                "order": n + 1,
                "added_weight": w,
                "lon": round(float(candidates.lonlat[j, 0]), 6),
                "lat": round(float(candidates.lonlat[j, 1]), 6),
            }
            for n, (j, w) in enumerate(zip(result.chosen, result.added_weight, strict=True))
        ],
        "demand": _points_json(
            demand,
            covered=[bool(c) for c in before],
            covered_after=[bool(c) for c in after],
        ),
        "supply": _points_json(supply, kind=supply.labels),
    }


def _share(part: float, whole: float) -> float | None:
    return round(part / whole, 4) if whole > 0 else None


def today() -> dt.date:
    return clock.today()
