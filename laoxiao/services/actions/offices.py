"""Who is "the county civil-affairs office" for the services of this app (meal settlements, family
care bed contracts): an active civil-affairs officer at county level (or a city administrator)
whose regions hold the county. Built only from ``core.access``."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from laoxiao.core import access

COUNTY_ROLE = "civil_affairs_county"
COUNTY_OFFICE_MESSAGE = _("Only the county civil-affairs office may do this.")


def county_region(code: str) -> str:
    """The 12-digit code of the county that holds the region ``code``."""
    return f"{code[:6]}000000"


def is_county_office(actor: Any, county_code: str) -> bool:
    """The actor speaks for the county civil-affairs office of ``county_code`` (a region code of
    the county or anything under it)."""
    if not access.in_region(actor, county_region(county_code)):
        return False
    if access.is_city_admin(actor):
        return True
    return bool(access.has_sector(actor, "eldercare") and COUNTY_ROLE in actor.role_codes())


def check_county_office(actor: Any, county_code: str) -> None:
    """``PermissionDenied`` unless the actor is that county's civil-affairs office."""
    if not is_county_office(actor, county_code):
        raise PermissionDenied(COUNTY_OFFICE_MESSAGE)
