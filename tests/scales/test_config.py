"""The config of scales and weighing: URLs through the device registry, targets and weighed
materials checked against the BOM and each other."""

from __future__ import annotations

import pytest

from lotedge.config.loader import load_config
from lotedge.config.problems import ConfigError
from tests.conftest import write_config

WEIGHED = {'uom = "KGM"                  #': 'weighed = true\nuom = "KGM"  #'}
TARGET = {
    'bom = ["FLOUR", "YEAST"]     #': "targets.FLOUR = { quantity = 25, tolerance_pct = 2 }\n"
    'bom = ["FLOUR", "YEAST"]  #'
}


def problems(tmp_path, extra: str = "", replace: dict[str, str] | None = None) -> list[str]:
    try:
        load_config(write_config(tmp_path, extra=extra, replace=replace))
    except ConfigError as exc:
        return [str(p) for p in exc.problems]
    return []


def test_a_weighed_material_with_a_target_and_a_scale_loads(tmp_path):
    path = write_config(
        tmp_path,
        extra='[[scales]]\nname = "bench"\nurl = "tcp://127.0.0.1:4305"\n',
        replace=WEIGHED | TARGET,
    )
    config = load_config(path)
    assert config.material("FLOUR").weighed
    target = config.product("BREAD").targets["FLOUR"]
    assert (target.quantity, target.uom, target.tolerance_pct) == (25, "KGM", 2)
    assert config.weighing_scale().name == "bench"


def test_weighed_material_without_a_scale(tmp_path):
    assert any("no scale is configured" in p for p in problems(tmp_path, replace=WEIGHED))


@pytest.mark.parametrize(
    ("extra", "said"),
    [
        ('[[scales]]\nname = "b"\nurl = "tcp://scale"\n', "scales[0].url: port is missing"),
        ('[[scales]]\nname = "b"\nurl = "udp://scale:1"\n', "unknown scale scheme udp://"),
        (
            '[[scales]]\nname = "b"\nurl = "tcp://s:1"\npattern = "(?P<value>x)"\n',
            "scales[0].pattern: ",
        ),
        ('[[scales]]\nname = "b"\nurl = "tcp://s:1"\n[weighing]\nscale = "c"\n', "no scale named"),
    ],
)
def test_scale_problems_name_their_key(tmp_path, extra, said):
    found = problems(tmp_path, extra=extra)
    assert any(said in p for p in found), found


def test_a_target_outside_the_bom_or_not_a_mass(tmp_path):
    replace = {
        'bom = ["FLOUR", "YEAST"]     #': 'targets.SALT = { quantity = 1, uom = "LTR" }\n'
        'bom = ["FLOUR", "YEAST"]  #'
    }
    found = problems(tmp_path, replace=replace)
    assert any(
        "products[0].targets.SALT: product BREAD has a target for 'SALT'" in p for p in found
    )
    assert any("products[0].targets.SALT.uom: LTR is not a mass unit" in p for p in found)
