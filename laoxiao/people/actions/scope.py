"""What every people action checks first, and the answers that tell nothing about other regions.

The checks themselves are ``laoxiao.core.access`` (who → where → what); this module holds the
people's wording of them:

- ``NOT_REGISTRABLE``: an ID number registered outside the actor's regions is refused with the same
  answer (422 on the number's field, same words) as a plain conflict of numbers, so the answer tells
  nothing about other counties; the way forward is a hand-over request (``handover.py``);
- ``elder_community`` / ``child_community``: the loaded community a person is registered in;
- ``require_children_sector``: children, guardians and enrolment need the childcare or the health
  sector, their health follow-up, hand-over and death the health sector.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from laoxiao.core.access import (
    CHILD_COMMUNITY_MESSAGE,
    ELDER_COMMUNITY_MESSAGE,
    community_region,
    require_sector,
)
from laoxiao.regions.models import Region

NOT_REGISTRABLE = _(
    "This number cannot be registered here: it conflicts with a registered record. If the person "
    "lives in your regions, request a hand-over."
)
CHILDREN_SECTOR_MESSAGE = _("You may not change children's records.")


def not_registrable(field: str = "id_number") -> ValidationError:
    return ValidationError({field: NOT_REGISTRABLE})


def elder_community(code: str, field: str = "region_code") -> Region:
    """The loaded community ``code`` names, else ``ValidationError`` on ``field``."""
    region: Region = community_region(code, field=field, message=ELDER_COMMUNITY_MESSAGE)
    return region


def child_community(code: str) -> Region:
    """The loaded community ``code`` names, else ``ValidationError`` on ``region_code``."""
    region: Region = community_region(code, message=CHILD_COMMUNITY_MESSAGE)
    return region


def require_children_sector(actor: Any, *, followup: bool = False) -> None:
    """Children's records need the health sector, or (not for follow-up) the childcare sector."""
    sectors = ("health",) if followup else ("health", "childcare")
    require_sector(actor, *sectors, message=CHILDREN_SECTOR_MESSAGE)
