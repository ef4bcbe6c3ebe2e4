"""The page number of a paginated page, from ``?page=``: never an offset the database cannot hold.

Anything that is not a positive whole number in digits (``abc``, ``-1``, ``1e3``, ``""``) is page 1;
a number beyond ``MAX_PAGE`` is ``MAX_PAGE``. A page past the last one is shown as the last page by
the caller, which knows the count (Django's ``Paginator.get_page`` does the same).
"""

from __future__ import annotations

MAX_PAGE = 1_000_000


def page_number(raw: str | None) -> int:
    text = (raw or "").strip()
    if not text.isascii() or not text.isdigit():
        return 1
    if len(text) > len(str(MAX_PAGE)):
        return MAX_PAGE
    return min(max(int(text), 1), MAX_PAGE)


def last_page(count: int, per_page: int) -> int:
    return max((count + per_page - 1) // per_page, 1)
