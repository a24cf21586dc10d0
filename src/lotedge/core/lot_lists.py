"""Lot lists the trace store pushes in pages (`lots.open`, `stock.lots`). Pure.

Every page names its list (`list`, the same id on every page of one push), its number and how
many pages the list has. A line stages the pages and swaps the code's lots for their union only
once every page of that list is in: a push with a page missing never replaces a line's list.
A page of the list the line already has changes nothing. The list id, not the line's command
log, makes a page safe to apply again: its reply is never remembered, so the next push always
re-sends what a line lacks (docs/shipping.md, "How pages are applied")."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

#: The most pages one pushed list may have (400 lots a page: 400,000 lots of one code).
MAX_LIST_PAGES = 1000


@dataclass(frozen=True)
class ListPage:
    """Page `number` of `pages` of the pushed list `list_id`."""

    list_id: str
    number: int
    pages: int


class Pending(Enum):
    """A page that swapped nothing in."""

    STAGED = "staged"
    """Kept until the rest of its list is in."""
    ALREADY_IN = "already in"
    """Of the list the line has: nothing to do."""


def recorded_message(
    outcome: int | Pending, page: ListPage | None, code: str, noun: str, where: str = ""
) -> str:
    """The reply to a push of lots of `code`: `outcome` lots recorded, or what became of
    `page`.

    >>> recorded_message(12, ListPage("x", 3, 3), "BREAD", "lot", " in stock")
    '12 lots of BREAD in stock recorded (3 pages).'
    >>> recorded_message(1, None, "FLOUR", "open lot")
    '1 open lot of FLOUR recorded.'
    >>> recorded_message(Pending.STAGED, ListPage("x", 2, 3), "FLOUR", "open lot")
    "Page 2 of 3 of FLOUR's open lots staged: swapped in once all 3 pages are in."
    >>> recorded_message(Pending.ALREADY_IN, ListPage("x", 1, 1), "BREAD", "lot", " in stock")
    "Page 1 of 1 of BREAD's lots in stock: that list is already in."
    """
    if isinstance(outcome, Pending):
        assert page is not None  # only a page of a list waits or is already in
        which = f"Page {page.number} of {page.pages} of {code}'s {noun}s{where}"
        if outcome is Pending.ALREADY_IN:
            return f"{which}: that list is already in."
        return f"{which} staged: swapped in once all {page.pages} pages are in."
    pages = f" ({page.pages} pages)" if page and page.pages > 1 else ""
    return f"{outcome} {noun}{'' if outcome == 1 else 's'} of {code}{where} recorded{pages}."


def list_answer(
    outcome: int | Pending, page: ListPage | None, code: str, noun: str, where: str = ""
) -> dict[str, object]:
    """The reply's data for a push of lots of `code`: its message and, for a page, whether the
    list is whole at the line now (`complete`: the store tells a page kept aside from a list
    swapped in).

    >>> list_answer(Pending.STAGED, ListPage("x", 1, 2), "BREAD", "lot")["complete"]
    False
    >>> "complete" in list_answer(3, None, "BREAD", "lot")
    False
    """
    answer: dict[str, object] = {"message": recorded_message(outcome, page, code, noun, where)}
    if page is not None:
        answer["complete"] = outcome is not Pending.STAGED
    return answer
