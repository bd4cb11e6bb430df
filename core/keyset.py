"""Lists paged by keyset, not OFFSET (docs/province.md): a page is the rows after (or before) the
last one shown, found through the list's index whatever the page, with DRF's CursorPagination
doing the cursor; the total is counted up to COUNT_LIMIT and shown as "more than" beyond it."""

from copy import copy
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.db.models import QuerySet
from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request

# Counting a province's million projects costs more than the page: beyond this, "more than".
COUNT_LIMIT = 10_000


@dataclass
class KeysetPage:
    rows: list[Any]
    next_query: str | None
    previous_query: str | None
    count: int
    more: bool  # more than `count` rows in all

    def __iter__(self):
        return iter(self.rows)


class _Cursor(CursorPagination):
    cursor_query_param = "cursor"


def _query(link: str | None) -> str | None:
    return None if link is None else urlsplit(link).query


def keyset_page(
    request, queryset: QuerySet, *, page_size: int, ordering: tuple[str, ...]
) -> KeysetPage:
    """One page of `queryset` in `ordering` (its first field unique enough, an index behind
    it), with the query strings of the next and previous pages (other parameters kept)."""
    paginator = _Cursor()
    paginator.page_size = page_size
    paginator.ordering = ordering
    try:
        rows = list(paginator.paginate_queryset(queryset, Request(request)) or [])
    except NotFound:
        # A cursor that does not decode (edited, truncated): the first page, not an error.
        first = request.GET.copy()
        first.pop(paginator.cursor_query_param, None)
        request = copy(request)
        request.GET = first
        paginator = _Cursor()
        paginator.page_size, paginator.ordering = page_size, ordering
        rows = list(paginator.paginate_queryset(queryset, Request(request)) or [])
    counted = queryset.order_by()[: COUNT_LIMIT + 1].count()
    return KeysetPage(
        rows=rows,
        next_query=_query(paginator.get_next_link()),
        previous_query=_query(paginator.get_previous_link()),
        count=min(counted, COUNT_LIMIT),
        more=counted > COUNT_LIMIT,
    )
