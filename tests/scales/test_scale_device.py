"""The scale adapter against the simulator on a pseudo-terminal and on TCP: every reply kind,
tare and zero, a stuck previous weight, a disconnect, continuous output, and the probe."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from decimal import Decimal

import pytest

from lotedge.config.weighing import ScaleConfig
from lotedge.core.scale_protocol import DEFAULT_CONTINUOUS_PATTERN as PATTERN
from lotedge.core.scale_protocol import WeightStatus
from lotedge.devices.registry import probe, resolve
from lotedge.scales.clients import ScaleError
from lotedge.scales.device import open_scale
from lotedge.scales.link import ScaleGone
from lotedge.simulators.scale import ScaleModel, ScaleServer


@pytest.fixture(params=["pty", "tcp"])
def served(request, tmp_path) -> Iterator[tuple[ScaleServer, str]]:
    model = ScaleModel(s_timeout=1.0)
    if request.param == "pty":
        server = ScaleServer(model, link=tmp_path / "scale")
        url = f"serial://{server.device}?timeout=2"
    else:
        server = ScaleServer(model, port=0)
        url = f"tcp://{server.device}?timeout=2"
    yield server, url
    server.close()


def test_stable_weight_waits_for_the_scale_to_settle(served):
    server, url = served
    scale = open_scale(resolve(url, "scale"))
    server.model.place("25.5", settle=0.3)
    assert scale.immediate().status is WeightStatus.DYNAMIC
    reading = scale.stable()
    assert reading.usable and reading.value == Decimal("25.500") and reading.unit == "KGM"
    scale.close()


def test_tare_and_zero(served):
    server, url = served
    scale = open_scale(resolve(url, "scale"))
    server.model.place("1.2")
    assert scale.tare().value == Decimal("1.200")
    server.model.place("26.2")
    assert scale.stable().value == Decimal("25.000")
    scale.zero()
    assert scale.stable().value == Decimal("0.000")
    assert server.model.commands[-4:] == ["T", "S", "Z", "S"]
    scale.close()


def test_over_and_underload_are_never_weights(served):
    server, url = served
    scale = open_scale(resolve(url, "scale"))
    server.model.overload()
    assert scale.stable().status is WeightStatus.OVERLOAD
    with pytest.raises(ScaleError, match="overload"):
        scale.tare()
    server.model.underload()
    assert scale.immediate().status is WeightStatus.UNDERLOAD
    scale.close()


def test_a_stuck_scale_repeats_the_previous_stable_weight(served):
    server, url = served
    scale = open_scale(resolve(url, "scale"))
    server.model.place("10")
    assert scale.stable().value == Decimal("10.000")
    server.model.stick(1)
    server.model.place("12")
    assert [scale.stable().value, scale.stable().value] == [Decimal("10.000"), Decimal("12.000")]
    scale.close()


def test_a_disconnect_mid_weigh_is_scale_gone(served):
    server, url = served
    scale = open_scale(resolve(url, "scale"))
    assert scale.immediate().usable  # connected
    server.model.place("5", settle=5)
    threading.Timer(0.2, server.disconnect).start()  # while S waits for the weight to settle
    with pytest.raises(ScaleGone):
        scale.stable()
    scale.close()
    again = open_scale(resolve(url, "scale"))  # the line comes back (pty: same link)
    assert again.immediate().value is not None
    again.close()


def test_probe_names_model_serial_and_a_stable_reading(served):
    server, url = served
    server.model.place("3.25")
    found = probe(resolve(url, "scale"), 2.0)
    assert found.status == "ok", found
    assert found.detail == "model LOTEDGE-SIM 60 kg, serial B123456789; weight 3.250 KGM (stable)"


def test_probe_of_a_missing_scale_fails_with_a_hint(tmp_path):
    found = probe(resolve(f"serial://{tmp_path}/nothing", "scale"), 1.0)
    assert found.status == "fail" and "cannot open" in found.detail and found.hint


def test_continuous_output_over_tcp():
    model = ScaleModel()
    server = ScaleServer(model, protocol="continuous", port=0, interval=0.02)
    model.marks_gross = True
    try:
        scale = open_scale(resolve(f"tcp://{server.device}?protocol=continuous&timeout=2", "scale"))
        model.place("7", settle=0.2)
        assert scale.immediate().status is WeightStatus.DYNAMIC
        reading = scale.stable()
        assert reading.status is WeightStatus.STABLE and reading.value == Decimal("7.000")
        assert not reading.usable  # the simulator marks it gross (GS): no tare was taken
        with pytest.raises(ScaleError, match="at the scale"):
            scale.tare()
        scale.close()
    finally:
        server.close()


def test_scale_option_defaults_are_the_config_defaults():
    defaults = ScaleConfig(name="s", url="tcp://scale:4001")
    device = resolve("tcp://scale:4001", "scale")
    for option in device.scheme.options:
        assert device.options[option.name] == getattr(defaults, option.field), option.name


def test_config_fields_reach_the_device_and_the_url_overrides_them():
    fields = dict(ScaleConfig(name="s", url="tcp://s:1", protocol="continuous", pattern=PATTERN))
    device = resolve("tcp://s:1?timeout=2", "scale", fields)
    assert (device.options["protocol"], device.options["timeout"]) == ("continuous", 2.0)
