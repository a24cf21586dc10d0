from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from lotedge.config.printing import LabelConfig
from lotedge.core.labels import LabelData
from lotedge.printers.renderer import LabelRenderer
from tests.labels.label_checks import TEMPLATES


@pytest.fixture
def sample() -> LabelData:
    return LabelData(
        product_code="BREAD",
        product_name="Sourdough loaf",
        gtin="09501101530003",
        lot="26032L10007",
        quantity=Decimal("12.5"),
        unit="KGM",
        produced=date(2026, 2, 1),
        expiry=date(2026, 3, 3),
        site="PLANT1",
        line="L1",
        operator="Ana",
    )


@pytest.fixture
def renderer() -> LabelRenderer:
    return LabelRenderer(LabelConfig(digital_link_base="https://id.example.com"), TEMPLATES)
