"""The navigation and the home page's tiles, by what the user may do."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from laoxiao.accounts import roles
from laoxiao.core.access import is_city_admin
from laoxiao.plan.selectors.tasks import can_read_projects, can_read_tasks
from laoxiao.plan.selectors.values import can_read_values, is_reporter


@dataclass
class Entry:
    url: str
    label: Any
    description: Any
    icon: str = ""


def navigation_for(user: Any) -> list[Entry]:
    entries = [Entry(reverse("home"), _("Home"), _("What you can do here"), "⌂")]
    if can_read_values(user):
        entries.append(
            Entry(
                reverse("cockpit"),
                _("Cockpit"),
                _("Indicators, task progress and charts for the city and each county"),
                "◈",
            )
        )
    entries += [
        Entry(reverse("region-tree"), _("Regions"), _("The division tree with population figures"), "▦"),
        Entry(
            reverse("indicator-list"),
            _("Indicators"),
            _("The 25 indicators of the plan's Table 1, and C10"),
            "◎",
        ),
        Entry(
            reverse("plan-list"),
            _("Plans"),
            _("The plans: status, period; load a city's own plan, edit a draft, new versions"),
            "▧",
        ),
    ]
    if is_city_admin(user) or is_reporter(user):
        entries.append(
            Entry(
                reverse("reporting"),
                _("Reported figures"),
                _("Reported figures for the plan's indicators: submit, review"),
                "✎",
            )
        )
    entries.append(
        Entry(
            reverse("task-list"),
            _("Tasks"),
            _("The 37 key tasks of Annex 1: milestones, progress, overdue"),
            "☑",
        )
    )
    if can_read_tasks(user):
        entries.append(
            Entry(
                reverse("meeting-list"),
                _("Joint meetings"),
                _("Agendas of the bureaus' joint meetings: overdue tasks and indicators behind target"),
                "☷",
            )
        )
    if can_read_projects(user):
        entries.append(
            Entry(
                reverse("major-project-list"),
                _("Major project list"),
                _("The yearly major projects: investment, beds and slots added"),
                "▤",
            )
        )
    if user.is_superuser or user.sectors():
        entries.append(
            Entry(
                reverse("planning-home"),
                _("Planning"),
                _("Service circle, accessibility, siting, projection and gaps"),
                "◇",
            )
        )
    entries.extend(_provider_entries(user))
    entries.extend(_people_entries(user))
    entries.extend(_services_entries(user))
    entries.extend(_benefits_entries(user))
    if user.has_perm(roles.IMPORT) or user.has_perm(roles.MANAGE_REGIONS):
        entries.append(
            Entry(reverse("import-upload"), _("Import"), _("Load records from .xlsx or .csv files"), "⇪")
        )
    if user.has_perm(roles.EXPORT) or user.has_perm(roles.MANAGE_REGIONS):
        entries.append(Entry(reverse("export-list"), _("Export"), _("Download records of your regions"), "⇩"))
    entries.append(Entry(reverse("changelog"), _("Change log"), _("Who changed what, and when"), "☰"))
    return entries


# the services pages (laoxiao/services): (url name, label, description, icon, who: "office" = the
# elder-care offices, "operator" = an elder-care provider's operator, "both")
SERVICES_PAGES: tuple[tuple[str, Any, Any, str, str], ...] = (
    ("services-dispatch", _("Dispatch board"), _("Today's orders, workers and the map"), "➤", "operator"),
    (
        "services-review",
        _("Visit review"),
        _("Home visits held by a check, to clear or reject"),
        "✓",
        "office",
    ),
    ("services-claims", _("Claims"), _("Providers' monthly claims from verified visits"), "¥", "both"),
    (
        "services-alarms",
        _("Alarms"),
        _("Emergency calls: open alarms, escalation, response times"),
        "⚠",
        "both",
    ),
    ("services-meals", _("Meals"), _("Meal points: diners, meals, subsidies, settlements"), "◍", "both"),
    (
        "services-care-beds",
        _("Family care beds"),
        _("Bed contracts, home adaptations, monthly visits"),
        "⌂",
        "both",
    ),
    ("services-respite", _("Respite"), _("Respite days for carer families"), "☾", "both"),
)


def _services_entries(user: Any) -> list[Entry]:
    """The services pages for the elder-care offices and for an elder-care provider's operator."""
    office = user.is_superuser or "eldercare" in user.sectors()
    provider = getattr(user, "provider", None) if getattr(user, "provider_id", None) else None
    operator = provider is not None and not provider.is_childcare
    out: list[Entry] = []
    for name, label, description, icon, who in SERVICES_PAGES:
        if (who == "office" and not office) or (who == "operator" and not operator):
            continue
        if who == "both" and not (office or operator):
            continue
        try:
            out.append(Entry(reverse(name), label, description, icon))
        except NoReverseMatch:  # a page of a part not installed
            continue
    return out


# the benefits pages (laoxiao/benefits): (url name, label, description, icon); shown to the offices
# of a sector that has programmes (civil affairs, health) and to city administrators
BENEFITS_PAGES: tuple[tuple[str, Any, Any, str], ...] = (
    ("benefits-programmes", _("Benefit programmes"), _("Programmes, their rules and who is eligible"), "◈"),
    ("benefits-applications", _("Applications"), _("Applications waiting for your review"), "✎"),
    ("benefits-batches", _("Payment batches"), _("Monthly payments: build, approve, send, reconcile"), "¥"),
    ("benefits-overpayments", _("Overpayments"), _("Money paid after an entitlement ended, to recover"), "↺"),
    ("benefits-reconciliation", _("Reconciliation"), _("Upload the bank's results of a payment file"), "⇄"),
    ("benefits-budgets", _("Budgets"), _("Budget use per programme, county and year"), "▤"),
    ("benefits-ledger", _("Ledger"), _("Balances per programme, county and year, and their postings"), "⚖"),
)


def _benefits_entries(user: Any) -> list[Entry]:
    """The benefits pages for the offices of elder care and childcare."""
    if not (user.is_superuser or user.sectors() & {"eldercare", "childcare", "health"}):
        return []
    out: list[Entry] = []
    for name, label, description, icon in BENEFITS_PAGES:
        try:
            out.append(Entry(reverse(name), label, description, icon))
        except NoReverseMatch:  # a page of a part not installed
            continue
    return out


def _provider_entries(user: Any) -> list[Entry]:
    """Providers and their map for the offices (by sector); a provider operator's own provider."""
    out: list[Entry] = []
    office = user.is_superuser or bool(user.sectors() & {"eldercare", "childcare"})
    if office:
        out.append(
            Entry(
                reverse("provider-list"),
                _("Providers"),
                _("Elder-care and childcare providers, filing, staff, prices"),
                "▣",
            )
        )
        out.append(
            Entry(
                reverse("provider-map"),
                _("Provider map"),
                _("Providers on the map, with vacancies and ratings"),
                "◉",
            )
        )
        try:
            out.append(
                Entry(
                    reverse("supervision-dashboard"),
                    _("Supervision"),
                    _("Inspections, complaints, incidents, risk signals and ratings"),
                    "⚑",
                )
            )
        except NoReverseMatch:
            pass
    elif getattr(user, "provider_id", None):
        out.append(
            Entry(
                reverse("provider-list"),
                _("My provider"),
                _("Your provider's filing, capacity, staff and prices"),
                "▣",
            )
        )
    return out


def _people_entries(user: Any) -> list[Entry]:
    """Older people and the visit work list (civil affairs); children and the health work list (health)."""
    out: list[Entry] = []
    if user.has_perm(roles.SECTOR_ELDERCARE):
        out.append(
            Entry(reverse("people-elder-list"), _("Older people"), _("The registry of people aged 60+"), "☺")
        )
        out.append(
            Entry(
                reverse("people-visit-worklist"),
                _("Visit work list"),
                _("Who is to be visited this month, and who is overdue"),
                "✓",
            )
        )
    if user.has_perm(roles.SECTOR_HEALTH):
        out.append(
            Entry(reverse("people-child-list"), _("Children"), _("Children under 3 and their follow-up"), "☻")
        )
        out.append(
            Entry(
                reverse("people-health-worklist"),
                _("Health work list"),
                _("Children with checks, visits or vaccines due"),
                "✚",
            )
        )
    return out
