"""Pages of rows: the one pager for pages (``page_of``) and the one for the API (``api_page``).

The page number comes from ``?page=`` through ``page_number``: never an offset the database cannot
hold. Anything that is not a positive whole number in digits (``abc``, ``-1``, ``1e3``, ``""``) is
page 1; a number beyond ``MAX_PAGE`` is ``MAX_PAGE``. A page past the last one is shown as the last
page (Django's ``Paginator.get_page`` does the same).

``page_of(rows, raw_page, per_page=...)`` covers the three pagers in use before issue 11:

- Django's ``Paginator(qs, n).get_page(request.GET.get("page"))`` (counts, then slices): pass a
  queryset or list; ``count=None`` counts it, as ``Paginator`` did — unless ``count_rows=False``;
- the people lists' pager of primary keys without counting the whole city (``count_rows=False``):
  one more row than a page tells whether there is a next page; a page past the end counts once and
  shows the last page;
- the indicator records' pager with a known count and a function that reads one page
  (``rows=lambda offset, limit: ...``, ``count=n``).

The order: parse the number; clamp it to the last page when the count is known; read the page
(one more row when the count is not known); past the end, count and read the last page.

``api_page(rows, page=..., page_size=...)`` (or ``limit=``/``offset=``) answers ``{"items", "count",
"page", "page_size"}`` (``"limit"``/``"offset"`` too when asked that way): a page past the end is
empty, as the API's ``Pages`` pagination answers.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

MAX_PAGE = 1_000_000
API_MAX_PAGE_SIZE = 500

Reader = Callable[[int, int], Sequence[Any]]  # (offset, limit) → rows


def page_number(raw: str | None) -> int:
    text = (raw or "").strip()
    if not text.isascii() or not text.isdigit():
        return 1
    if len(text) > len(str(MAX_PAGE)):
        return MAX_PAGE
    return min(max(int(text), 1), MAX_PAGE)


def last_page(count: int, per_page: int) -> int:
    return max((count + per_page - 1) // per_page, 1)


def query_without_page(params: Mapping[str, Any] | None) -> str:
    """The query string without ``page``, ending in ``&`` when not empty (for ``?{query}page=N``)."""
    if params is None:
        return ""
    if hasattr(params, "copy") and hasattr(params, "urlencode"):
        q = params.copy()
        q.pop("page", None)
        base = str(q.urlencode())
    else:
        base = urlencode([(k, v) for k, v in params.items() if k != "page"])
    return f"{base}&" if base else ""


@dataclasses.dataclass
class PageOf:
    """A page for templates: its rows and where it is (names as Django's ``Page`` where they exist)."""

    items: list[Any]
    number: int
    per_page: int
    count: int | None  # None: not counted (``count_rows=False`` and not past the end)
    has_next: bool
    query: str = ""  # the query string without ``page``, ending in ``&``

    @property
    def object_list(self) -> list[Any]:
        return self.items

    @property
    def num_pages(self) -> int | None:
        return None if self.count is None else last_page(self.count, self.per_page)

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    def has_other_pages(self) -> bool:
        return self.has_previous or self.has_next

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def start_index(self) -> int:
        return (self.number - 1) * self.per_page + 1 if self.items else 0

    @property
    def end_index(self) -> int:
        return (self.number - 1) * self.per_page + len(self.items)

    def __iter__(self) -> Iterator[Any]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def meta(self) -> dict[str, Any]:
        """The page's place as a dict (the people lists' ``pager`` context)."""
        return {
            "number": self.number,
            "has_previous": self.has_previous,
            "has_next": self.has_next,
            "previous": self.previous_page_number,
            "next": self.next_page_number,
            "query": self.query,
            "count": self.count,
            "num_pages": self.num_pages,
            "start": self.start_index,
            "end": self.end_index,
        }


def _reader(rows: Any) -> Reader:
    if callable(rows):
        return rows
    return lambda offset, limit: list(rows[offset : offset + limit])


def _count(rows: Any) -> int:
    if callable(rows):
        raise TypeError("page_of(): a reader function needs count=")
    if hasattr(rows, "count") and not isinstance(rows, list | tuple):
        return int(rows.count())
    return len(rows)


def page_of(
    rows: Any,
    raw_page: str | int | None,
    *,
    per_page: int,
    count: int | None = None,
    count_rows: bool = True,
    params: Mapping[str, Any] | None = None,
) -> PageOf:
    """One page of ``rows`` (a queryset, a list, or a reader ``(offset, limit) → rows``).

    ``raw_page`` is ``?page=`` as sent (or a number). ``count``: the number of rows when the caller
    knows it; else it is counted (``count_rows=True``, one query) or not (one more row is read to
    see whether there is a next page). ``params`` (``request.GET``) gives ``query``."""
    number = raw_page if isinstance(raw_page, int) else page_number(raw_page)
    number = min(max(number, 1), MAX_PAGE)
    read = _reader(rows)
    if count is None and count_rows:
        count = _count(rows)
    query = query_without_page(params)
    if count is not None:
        number = min(number, last_page(count, per_page))
        offset = (number - 1) * per_page
        items = list(read(offset, per_page)) if count else []
        return PageOf(items, number, per_page, count, number < last_page(count, per_page), query)
    offset = (number - 1) * per_page
    items = list(read(offset, per_page + 1))
    if not items and number > 1:  # past the end: count once and show the last page
        count = _count(rows)
        number = last_page(count, per_page)
        offset = (number - 1) * per_page
        items = list(read(offset, per_page + 1))
    return PageOf(items[:per_page], number, per_page, count, len(items) > per_page, query)


def api_page(
    rows: Any,
    *,
    page: int | None = None,
    page_size: int | None = None,
    limit: int | None = None,
    offset: int | None = None,
    count: int | None = None,
    default_size: int = 50,
    max_size: int = API_MAX_PAGE_SIZE,
) -> dict[str, Any]:
    """One page for the API: ``page``/``page_size`` (1-based) or ``limit``/``offset``, bounded
    (size 1..``max_size``, page 1..``MAX_PAGE``, offset 0..``(MAX_PAGE - 1) * max_size``). A page
    past the end is empty and the database is not asked for it. ``rows`` as for ``page_of``."""
    by_offset = limit is not None or offset is not None
    size = limit if by_offset else page_size
    size = min(max(int(size or default_size), 1), max_size)
    if by_offset:
        start = min(max(int(offset or 0), 0), (MAX_PAGE - 1) * max_size)
        number = start // size + 1
    else:
        number = min(max(int(page or 1), 1), MAX_PAGE)
        start = (number - 1) * size
    total = _count(rows) if count is None else count
    items = list(_reader(rows)(start, size)) if start < total else []
    out: dict[str, Any] = {"items": items, "count": total, "page": number, "page_size": size}
    if by_offset:
        out.update(limit=size, offset=start)
    return out
