"""Cell parsers for imports: each turns the text of a cell into a value or raises ValidationError
with a message that translates into Chinese and English. An empty cell parses to None."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from laoxiao.core.i18n import fmt

Parser = Callable[[str], Any]

# What a database integer column holds: PostgreSQL ``integer`` (Django's IntegerField) by default;
# never beyond a 64-bit integer (SQLite raises OverflowError at 2**63).
INT_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1
_UNSAFE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")

TRUE = {"1", "true", "yes", "y", "是", "t"}
FALSE = {"0", "false", "no", "n", "否", "f"}


def check_text(value: str) -> str:
    """Refuse text no column can store: NUL and other control characters, lone surrogates
    (``"\\ud800"``: not encodable as UTF-8), non-characters. Every cell goes through this first."""
    if _UNSAFE.search(value):
        raise ValidationError(_("The cell holds a control character or text that is not valid Unicode."))
    return value


def text(max_length: int = 200) -> Parser:
    def parse(value: str) -> str:
        check_text(value)
        if len(value) > max_length:
            raise ValidationError(fmt(_("Longer than %(n)d characters."), n=max_length))
        return value

    return parse


def integer(min_value: int | None = 0, max_value: int | None = None) -> Parser:
    """A whole number; without ``max_value`` at most INT_MAX (and never beyond 64 bits)."""
    upper = min(max_value if max_value is not None else INT_MAX, INT64_MAX)
    lower = max(min_value if min_value is not None else -INT_MAX - 1, -INT64_MAX - 1)

    def parse(value: str) -> int:
        v = value.replace(",", "")
        if len(v) > 40 or re.fullmatch(r"[+-]?\d+(\.0+)?", v) is None:
            raise ValidationError(_("Not a whole number."))
        n = int(v.split(".")[0])
        if n > upper:
            raise ValidationError(fmt(_("Must be at most %(n)s."), n=upper))
        if n < lower:
            raise ValidationError(fmt(_("Must be at least %(n)s."), n=lower))
        if min_value is not None and n < min_value:
            raise ValidationError(fmt(_("Must be at least %(n)s."), n=min_value))
        if max_value is not None and n > max_value:
            raise ValidationError(fmt(_("Must be at most %(n)s."), n=max_value))
        return n

    return parse


def decimal_number(min_value: float | None = None, max_value: float | None = None) -> Parser:
    def parse(value: str) -> float:
        if len(value) > 60:
            raise ValidationError(_("Not a number."))
        try:
            n = float(value.replace(",", ""))
        except ValueError:
            raise ValidationError(_("Not a number.")) from None
        if n != n or n in (float("inf"), float("-inf")):
            raise ValidationError(_("Not a number."))
        if min_value is not None and n < min_value:
            raise ValidationError(fmt(_("Must be at least %(n)s."), n=min_value))
        if max_value is not None and n > max_value:
            raise ValidationError(fmt(_("Must be at most %(n)s."), n=max_value))
        return n

    return parse


def boolean(value: str) -> bool:
    v = value.strip().lower()
    if v in TRUE:
        return True
    if v in FALSE:
        return False
    raise ValidationError(_("Not a yes/no value: use 1 or 0 (true/false, 是/否)."))


def date(value: str) -> dt.date:
    v = value.strip()
    if (
        re.fullmatch(r"\d{4}-\d{2}-\d{2}( 00:00:00)?", v) is None
        and re.fullmatch(r"\d{4}/\d{1,2}/\d{1,2}", v) is None
    ):
        raise ValidationError(_("Not a date: write YYYY-MM-DD."))
    parts = re.split(r"[-/ ]", v)[:3]
    try:
        return dt.date(int(parts[0]), int(parts[1]), int(parts[2]))
    except ValueError:
        raise ValidationError(_("Not a real date.")) from None


def choice(choices: Mapping[str, Any]) -> Parser:
    """Accept a canonical code or its Chinese label (``choices`` maps code → label)."""
    by_label = {str(label).strip(): code for code, label in choices.items()}
    codes = {c.lower(): c for c in choices}

    def parse(value: str) -> str:
        v = value.strip()
        if v.lower() in codes:
            return str(codes[v.lower()])
        if v in by_label:
            return str(by_label[v])
        raise ValidationError(
            fmt(_("Unknown code; use one of: %(codes)s."), codes=", ".join(str(c) for c in choices))
        )

    return parse


def code_list(choices: Mapping[str, Any]) -> Parser:
    one = choice(choices)

    def parse(value: str) -> list[str]:
        return [one(part) for part in re.split(r"[;；]", value) if part.strip()]

    return parse


def division_code(value: str) -> str:
    """A statistical division code: 12 digits; 6- and 9-digit codes are padded with zeros."""
    v = value.strip()
    if re.fullmatch(r"\d{6}|\d{9}|\d{12}", v) is None:
        raise ValidationError(_("A division code has 12 digits (6 for a county are padded)."))
    return v.ljust(12, "0")


def all_of(*parsers: Parser) -> Parser:
    def parse(value: str) -> Any:
        out: Any = value
        for p in parsers:
            out = p(out)
        return out

    return parse


def labels(choices: Iterable[tuple[str, Any]]) -> dict[str, str]:
    """Code → Chinese label, from a Django ``choices`` list."""
    with translation.override("zh-hans"):
        return {code: str(label) for code, label in choices}
