"""Resident ID numbers (居民身份证号, GB 11643-1999): checks, and what they tell.

We use python-stdnum's pieces (check digit, birth date, the division-code table) but *not*
``stdnum.cn.ric.validate``: it rejects a number whose division code was created after the
holder's birth year. Numbers were first issued in 1984 with the code of the issuing county, so an
80-year-old of 相山区 (code 340603, created 1983) holds a valid 340603 number. We accept any code
that the national table has ever known, or that is a county of the loaded city.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum import numdb
from stdnum.cn import ric

from laoxiao.core import clock


@dataclass(frozen=True)
class IdInfo:
    number: str
    birth_date: dt.date
    sex: str  # "M" or "F"
    division_code: str


def _known_division(code6: str, extra_codes: Collection[str]) -> bool:
    if code6 in extra_codes:
        return True
    parts = numdb.get("cn/loc").info(code6)
    info = {k: v for _part, props in parts for k, v in props.items()}
    return bool(info.get("county"))


def parse_id_number(value: str, *, today: dt.date | None = None, extra_codes: Collection[str] = ()) -> IdInfo:
    """Check an 18-character ID number and return what it encodes, or raise ValidationError."""
    number = (value or "").strip().upper()
    if len(number) != 18:
        raise ValidationError(_("An ID number has 18 characters."), code="length")
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise ValidationError(_("An ID number is 17 digits and a final digit or X."), code="format")
    if ric.calc_check_digit(number) != number[17]:
        raise ValidationError(_("The check digit of the ID number is wrong."), code="checksum")
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(
            _("The birth date in the ID number is not a real date."), code="birth_date"
        ) from None
    today = today or clock.today()
    if birth > today or birth.year < 1880:
        raise ValidationError(_("The birth date in the ID number is impossible."), code="birth_date")
    if not _known_division(number[:6], extra_codes):
        raise ValidationError(_("The division code in the ID number is unknown."), code="division")
    sex = "M" if int(number[16]) % 2 == 1 else "F"
    return IdInfo(number=number, birth_date=birth, sex=sex, division_code=number[:6])
