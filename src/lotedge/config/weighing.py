"""Scales and weighing: the ``[[scales]]`` devices and the ``[weighing]`` rules."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar, Literal

from pydantic import Field

from lotedge.config.problems import Problem
from lotedge.core.scale_protocol import KILOGRAMS
from lotedge.masterdata.items import Material, Product
from lotedge.masterdata.section import Section
from lotedge.masterdata.suggestions import suggest


class ScaleConfig(Section):
    """One scale, addressed by URL (serial://, tcp://); see docs/weighing.md."""

    device_kind: ClassVar[str] = "scale"

    name: str = Field(min_length=1, description="Name used in logs, doctor and the station.")
    url: str = Field(
        min_length=1,
        description="serial:///dev/ttyUSB0?baud=9600 or tcp://scale:4001 (MT-SICS), "
        "serial:///dev/ttyUSB0?protocol=continuous (a line per reading). See docs/weighing.md.",
    )
    protocol: Literal["sics", "continuous"] = Field(
        default="sics", description="sics: MT-SICS commands; continuous: the scale streams lines."
    )
    timeout_seconds: float = Field(
        default=5.0, gt=0, description="How long a reply (a stable weight) may take."
    )
    pattern: str = Field(
        default="",
        description="Continuous mode: a regex with named groups value and unit, optionally status "
        "(ST stable, OL overload), sign and kind (GS gross, NT net). Empty: ST,NT,+0025.000kg.",
    )


class WeighingConfig(Section):
    """What the agent does with weighed materials."""

    scale: str = Field(default="", description="The scale to weigh on (default: the first).")
    out_of_tolerance: Literal["warn", "refuse"] = Field(
        default="warn",
        description="A weight that takes a material's total outside its band: warn (recorded, "
        "with a warning) or refuse (not recorded; the weighing stays open).",
    )
    stale_rereads: int = Field(
        default=3,
        ge=1,
        le=20,
        description="A stable weight equal to the previous weighing's although the load changed "
        "is read again up to this many times before the operator is asked to re-read.",
    )
    poll_seconds: float = Field(
        default=0.25, gt=0, le=10, description="How often the live weight is read when idle."
    )


def is_mass_unit(uom: str | None) -> bool:
    return uom in KILOGRAMS


def check_weighing(
    materials: Sequence[Material],
    products: Sequence[Product],
    scales: Sequence[ScaleConfig],
    weighing: WeighingConfig,
) -> list[Problem]:
    """Targets name BOM materials in mass units, weighed materials are counted in a mass unit,
    and there is a scale to weigh them on."""
    problems = []
    for i, product in enumerate(products):
        for code, target in product.targets.items():
            key = f"products[{i}].targets.{code}"
            if code not in product.bom:
                problems.append(
                    Problem(
                        key,
                        f"product {product.code} has a target for {code!r}, not in its bom",
                        suggest(code, set(product.bom), "add it to bom or fix the code"),
                    )
                )
            if not is_mass_unit(target.uom):
                problems.append(
                    Problem(f"{key}.uom", f"{target.uom} is not a mass unit", "KGM, GRM or LBR")
                )
    weighed = [(i, m) for i, m in enumerate(materials) if m.weighed]
    for i, material in weighed:
        if material.uom is not None and not is_mass_unit(material.uom):
            problems.append(
                Problem(
                    f"materials[{i}].uom",
                    f"weighed material {material.code} is counted in {material.uom}, not a mass",
                    "use KGM, GRM or LBR (or leave uom out: KGM)",
                )
            )
    names = [s.name for s in scales]
    if weighed and not scales:
        problems.append(
            Problem("scales", "materials are weighed but no scale is configured", "add [[scales]]")
        )
    if weighing.scale and weighing.scale not in names:
        problems.append(
            Problem(
                "weighing.scale",
                f"no scale named {weighing.scale!r}",
                suggest(weighing.scale, set(names), "name one of [[scales]]"),
            )
        )
    return problems
