"""Lot templates and allocation: GS1 limits, and no lot number ever issued twice."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from lotedge.core.lots import (
    LotFields,
    LotSequenceExhausted,
    LotTemplate,
    LotTemplateError,
    check_character,
)
from lotedge.masterdata.items import Product, SeqReset
from lotedge.state import lots
from lotedge.state.db import open_state, transaction

FIELDS = LotFields(date(2026, 2, 1), "PLANT1", "L1", "BREAD")


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{yyyy}{mm}{dd}-{seq:3}", "20260201-007"),
        ("{yy}{julian}{line}{seq:4}", "26032L10007"),
        ("{site}{week}{seq:2}", "PLANT10507"),
        ("{product}/{seq:1}", "BREAD/7"),
    ],
)
def test_render(template: str, expected: str):
    assert LotTemplate.parse(template).render(FIELDS, 7) == expected


def test_check_character_detects_a_changed_character():
    assert check_character("26032L1007") != check_character("26032L1008")
    assert LotTemplate.parse("{yy}{julian}{line}{seq:3}{check}").render(FIELDS, 7) == (
        "26032L1007" + check_character("26032L1007")
    )


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("{yy}{julian}", "exactly one {seq:N}"),
        ("{seq:3}{seq:2}", "exactly one {seq:N}"),
        ("{seq}", "needs a width"),
        ("{yy}{month}{seq:2}", "unknown token {month}"),
        ("{yy}{seq:2}}", "stray brace"),
    ],
)
def test_template_syntax_errors(template: str, message: str):
    with pytest.raises(LotTemplateError, match=message.replace("{", r"\{").replace("}", r"\}")):
        LotTemplate.parse(template)


def test_problems_length_and_charset():
    template = LotTemplate.parse("{site}{line}{product} #{yyyy}{julian}{seq:6}")
    problems = template.problems(FIELDS, SeqReset.DAILY)
    assert any("can be 28 characters long" in p for p in problems)
    assert any("forbids: [' ', '#']" in p for p in problems)


@pytest.mark.parametrize(
    ("template", "reset", "ok"),
    [
        ("{yy}{julian}{seq:4}", SeqReset.DAILY, True),
        ("{yy}{mm}{seq:4}", SeqReset.DAILY, False),
        ("{yyyy}{mm}{seq:4}", SeqReset.MONTHLY, True),
        ("{mm}{seq:4}", SeqReset.MONTHLY, False),
        ("{yy}{seq:4}", SeqReset.YEARLY, True),
        ("L{seq:6}", SeqReset.NEVER, True),
        ("L{seq:6}", SeqReset.YEARLY, False),
    ],
)
def test_reset_needs_period_tokens(template: str, reset: SeqReset, ok: bool):
    problems = LotTemplate.parse(template).problems(FIELDS, reset)
    assert (not problems) == ok, problems


def test_sequence_overflow_is_an_error():
    with pytest.raises(LotSequenceExhausted, match="widen the template"):
        LotTemplate.parse("{yy}{seq:2}").render(FIELDS, 100)


def _product(template: str, reset: SeqReset) -> Product:
    return Product(
        code="BREAD",
        name="Bread",
        gtin="09501101530102",
        bom=["FLOUR"],
        lot_template=template,
        seq_reset=reset,
    )


def test_preview_does_not_consume(tmp_path: Path):
    conn = open_state(tmp_path)
    product = _product("{yy}{julian}{seq:3}", SeqReset.DAILY)
    assert lots.preview(conn, product, FIELDS, 3) == ["26032001", "26032002", "26032003"]
    with transaction(conn):
        first = lots.allocate(conn, product, FIELDS, issued_for="b1", now=datetime(2026, 2, 1))
    assert first == "26032001"
    assert lots.preview(conn, product, FIELDS, 1) == ["26032002"]


@pytest.mark.parametrize(
    ("template", "reset"),
    [
        ("{yy}{julian}{seq:4}", SeqReset.DAILY),
        ("{yyyy}{mm}{seq:5}", SeqReset.MONTHLY),
        ("{yy}{seq:6}", SeqReset.YEARLY),
        ("X{seq:7}", SeqReset.NEVER),
    ],
)
def test_100k_lots_unique_across_restarts_and_clock_rollback(
    tmp_path: Path, template: str, reset: SeqReset
):
    """100,000 lots; the 'device' restarts every 1,000 and the clock wanders back and forth."""
    rng = random.Random(template)
    product = _product(template, reset)
    issued: set[str] = set()
    day = date(2026, 12, 20)
    for restart in range(100):
        conn = open_state(tmp_path)  # a fresh process would see exactly this
        with transaction(conn):
            for i in range(1000):
                if rng.random() < 0.01:  # the clock steps, often backwards, across period edges
                    day += timedelta(days=rng.choice([-40, -3, -1, 1, 2, 33]))
                fields = LotFields(day, "PLANT1", "L1", "BREAD")
                lot = lots.allocate(
                    conn, product, fields, issued_for=f"{restart}-{i}", now=datetime.now()
                )
                assert lot not in issued, f"{lot} issued twice"
                issued.add(lot)
        conn.close()
    assert len(issued) == 100_000
