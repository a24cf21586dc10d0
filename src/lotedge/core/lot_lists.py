"""Lot lists the trace store pushes in pages (`lots.open`, `stock.lots`). Pure.

Every page names its list (`list`, the same id on every page of one push), its number and how
many pages the list has. A line stages the pages and swaps the code's lots for their union only
once every page of that list is in: a push with a page missing never replaces a line's list."""

from __future__ import annotations

from dataclasses import dataclass

#: The most pages one pushed list may have (400 lots a page: 400,000 lots of one code).
MAX_LIST_PAGES = 1000


@dataclass(frozen=True)
class ListPage:
    """Page `number` of `pages` of the pushed list `list_id`."""

    list_id: str
    number: int
    pages: int


def recorded_message(
    count: int | None, page: ListPage | None, code: str, noun: str, where: str = ""
) -> str:
    """The reply to a push of `count` lots of `code` (None: `page` is staged, its list not
    complete yet).

    >>> recorded_message(12, ListPage("x", 3, 3), "BREAD", "lot", " in stock")
    '12 lots of BREAD in stock recorded (3 pages).'
    >>> recorded_message(1, None, "FLOUR", "open lot")
    '1 open lot of FLOUR recorded.'
    >>> recorded_message(None, ListPage("x", 2, 3), "FLOUR", "open lot")
    "Page 2 of 3 of FLOUR's open lots staged: swapped in once all 3 pages are in."
    """
    if count is None:
        assert page is not None  # only a page waits for the rest of its list
        return (
            f"Page {page.number} of {page.pages} of {code}'s {noun}s{where} staged: swapped in "
            f"once all {page.pages} pages are in."
        )
    pages = f" ({page.pages} page{'' if page.pages == 1 else 's'})" if page else ""
    return f"{count} {noun}{'' if count == 1 else 's'} of {code}{where} recorded{pages}."
