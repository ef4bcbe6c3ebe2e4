"""The benefits card on the plan's cockpit: money paid this year per programme and county
(registered through ``core.cards`` from ``BenefitsConfig.ready``)."""

from __future__ import annotations

from typing import Any

from laoxiao.benefits.selectors.ledger import paid_by_programme_county
from laoxiao.core.cards import Card, register_card


def paid_card(*, actor: Any, region_code: str, year: int) -> dict[str, Any] | None:
    """The paid figures of the cockpit's region (its counties; a township's cockpit shows its
    county's figures, money being a county matter), or None when the actor sees no payment."""
    county6 = region_code[:6] if region_code[4:6] != "00" else ""
    rows = [
        r for r in paid_by_programme_county(actor=actor, year=year) if r["region_code"].startswith(county6)
    ]
    if not rows:
        return None
    programmes: dict[str, dict[str, Any]] = {}
    for r in rows:
        p = programmes.setdefault(
            r["programme_code"], {"name": r["programme_name"], "total": 0, "counties": []}
        )
        p["total"] += r["paid"]
        p["counties"].append({"name": r["county_name"], "code": r["region_code"], "paid": r["paid"]})
    top = max(p["total"] for p in programmes.values()) or 1
    for p in programmes.values():
        p["pct"] = round(100 * p["total"] / top, 1)
    return {"year": year, "programmes": list(programmes.values()), "total": sum(r["paid"] for r in rows)}


register_card(Card(key="benefits-paid", template="benefits/_cockpit_paid.html", context=paid_card, order=50))
