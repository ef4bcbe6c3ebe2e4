"""The checks every write of an older person's record asks: age, ID number, dates, scope.

- ``check_elder_id``: an ID number whose holder is 60 or older today (besides the national table of
  region codes, the loaded counties' codes are accepted);
- ``check_event_date``: a follow-up date is not before birth, not after death, not in the future;
- ``check_health_check_age``: the yearly health management is for people aged 65 and over;
- ``elder_in_scope``: the person's region lies within the actor's regions (``NotFound``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from laoxiao.accounts.models import User
from laoxiao.core import clock
from laoxiao.core.access import require_region
from laoxiao.core.idnumbers import IdInfo, parse_id_number
from laoxiao.people.models import Elder
from laoxiao.people.visitlist import ELDER_AGE, birthday
from laoxiao.regions.models import Region

HEALTH_CHECK_AGE = 65


def elder_in_scope(actor: User, elder: Elder) -> None:
    """The person's region lies within the actor's regions, else ``NotFound``."""
    require_region(actor, elder.region_code)


def county_codes() -> set[str]:
    """Six-digit codes of the loaded counties (accepted in ID numbers besides the national table)."""
    return {c[:6] for c in Region.objects.filter(level="county").values_list("code", flat=True)}


def check_elder_id(number: str, *, today: dt.date | None = None, extra_codes: Iterable[str] = ()) -> IdInfo:
    """Parse an ID number and check that its holder is 60 or older today; ValidationError otherwise."""
    today = today or clock.today()
    info = parse_id_number(number, today=today, extra_codes=set(extra_codes))
    if birthday(info.birth_date, ELDER_AGE) > today:
        raise ValidationError(_("The person is not yet 60 years old."), code="age")
    return info


def check_event_date(
    day: dt.date, *, birth_date: dt.date, died_on: dt.date | None, today: dt.date | None = None
) -> None:
    """A follow-up date is not before birth, not after death and not in the future."""
    today = today or clock.today()
    if day > today:
        raise ValidationError(_("The date is in the future."), code="future")
    if day < birth_date:
        raise ValidationError(_("The date is before the person was born."), code="before_birth")
    if died_on is not None and day > died_on:
        raise ValidationError(_("The date is after the person died."), code="after_death")


def field_error(field: str, exc: ValidationError) -> ValidationError:
    return ValidationError({field: exc.error_list})


def add_months(day: dt.date, months: int) -> dt.date:
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    raise ValueError(day)


def check_follow_up_date(elder: Elder, day: dt.date, field: str) -> None:
    try:
        check_event_date(day, birth_date=elder.birth_date, died_on=elder.died_on)
    except ValidationError as exc:
        raise field_error(field, exc) from None


def check_health_check_age(birth_date: dt.date, checked_on: dt.date) -> None:
    if birthday(birth_date, HEALTH_CHECK_AGE) > checked_on:
        raise ValidationError(_("The yearly health management is for people aged 65 and over."), code="age")


__all__ = [
    "ELDER_AGE",
    "HEALTH_CHECK_AGE",
    "add_months",
    "check_elder_id",
    "check_event_date",
    "check_follow_up_date",
    "check_health_check_age",
    "county_codes",
    "elder_in_scope",
    "field_error",
]
