"""The plan a page shows: ``?plan=CODE``, else the plan for the chosen year (``plan_for_year``).

``plan_context`` gives the templates the plan and the list of plans for the picker
(``plan/_plan_picker.html``), which keeps the page's other parameters.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest

from laoxiao.plan.models import Plan
from laoxiao.plan.selectors.plans import plan_list, plan_or_default


def request_plan(request: HttpRequest, *, year: int | None = None) -> Plan:
    """The plan named by ``?plan=`` (unknown → 404), else the plan for ``year`` (default: this year)."""
    code = (request.GET.get("plan") or request.POST.get("plan") or "").strip()
    return plan_or_default(code or None, year=year)


def year_of(text: str | None) -> int | None:
    text = (text or "").strip()
    return int(text[:4]) if len(text) >= 4 and text[:4].isdigit() else None


def plan_context(request: HttpRequest, plan: Plan) -> dict[str, Any]:
    """The plan, every plan for the picker, and the query without ``plan``/``period``/``page``."""
    keep = [(k, v) for k, v in request.GET.items() if k not in ("plan", "period", "page")]
    return {"plan": plan, "plans": list(plan_list()), "plan_keep": urlencode(keep)}
