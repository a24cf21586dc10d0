"""Our MT-SICS client against an independent implementation: mt-sics-emulator (PyPI), served
over TCP in a thread of its own. So our simulator is not the only scale we agree with."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from decimal import Decimal

import pytest

from lotedge.core.scale_protocol import WeightStatus
from lotedge.devices.registry import probe, resolve
from lotedge.scales.clients import SicsScale
from lotedge.scales.device import open_scale

mtsics = pytest.importorskip("mtsics", reason="pip install mt-sics-emulator (the test extra)")
from mtsics.core.state import ScaleState  # noqa: E402
from mtsics.profiles import load  # noqa: E402
from mtsics.protocol.engine import MTSICSEngine  # noqa: E402
from mtsics.transport.tcp import TCPConfig, TCPTransport  # noqa: E402


@pytest.fixture
def emulator() -> Iterator[tuple[ScaleState, str]]:
    """An Ohaus Ranger 7000 profile (35 kg, 0.005 kg) on a free port; yields its state."""
    state = ScaleState(config=load("ohaus-ranger7000"))
    transport = TCPTransport(MTSICSEngine(state), cfg=TCPConfig(host="127.0.0.1", port=0))
    loop = asyncio.new_event_loop()
    started = threading.Event()

    def serve() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(transport.start())
        started.set()
        loop.run_forever()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    assert started.wait(5)
    host, port = transport.address  # type: ignore[misc]
    yield state, f"tcp://{host}:{port}?timeout=2"
    asyncio.run_coroutine_threadsafe(transport.close(), loop).result(5)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)


def test_stable_and_dynamic_weights(emulator):
    state, url = emulator
    scale = open_scale(resolve(url, "scale"))
    assert isinstance(scale, SicsScale)
    state.set_weight(12.345, stable=True)
    reading = scale.stable()
    assert reading.usable and reading.value == Decimal("12.345") and reading.unit == "KGM"
    state.set_weight(3.0, stable=False)
    assert scale.immediate().status is WeightStatus.DYNAMIC  # it answers SI with "SI D ..."
    assert not scale.stable().usable  # and S with "S D": never recorded
    scale.close()


def test_tare_zero_and_overload(emulator):
    state, url = emulator
    scale = open_scale(resolve(url, "scale"))
    state.set_weight(0.05, stable=True)
    scale.zero()
    state.set_weight(1.5, stable=True)
    assert scale.tare().value == Decimal("1.450")
    state.set_weight(6.5, stable=True)  # less the zero offset and the tare
    assert scale.stable().value == Decimal("5.000")
    state.set_weight(99, stable=True)
    assert scale.stable().status is WeightStatus.OVERLOAD
    assert scale.immediate().status is WeightStatus.OVERLOAD
    scale.close()


def test_an_unknown_command_is_a_syntax_error(emulator):
    _state, url = emulator
    scale = open_scale(resolve(url, "scale"))
    assert isinstance(scale, SicsScale)
    assert scale.ask("XYZ").error == (
        "the scale refused the command (ES: syntax error: the scale does not know the command)"
    )
    scale.close()


def test_doctor_probe_reads_its_serial_number(emulator):
    state, url = emulator
    state.set_weight(2.0, stable=True)
    found = probe(resolve(url, "scale"), 2.0)
    assert found.status == "ok", found
    assert f"serial {state.config.serial_number}" in found.detail
    assert found.detail.endswith("weight 2.000 KGM (stable)")
