"""Opening and probing a scale by its device URL (the device registry names these)."""

from __future__ import annotations

from lotedge.core.scale_protocol import (
    DEFAULT_CONTINUOUS_PATTERN,
    ContinuousFormat,
    check_continuous_pattern,
)
from lotedge.devices.kinds import Device, Probe
from lotedge.devices.url import UrlError
from lotedge.scales.clients import ContinuousScale, Scale, ScaleError, SicsScale
from lotedge.scales.link import ScaleLink


def line_format(device: Device) -> ContinuousFormat:
    return ContinuousFormat.of(device.options["pattern"] or DEFAULT_CONTINUOUS_PATTERN)


def check_scale(device: Device) -> None:
    """The continuous pattern compiles with the groups a reading needs."""
    if device.options["pattern"]:
        try:
            check_continuous_pattern(device.options["pattern"])
        except ValueError as exc:
            raise UrlError(str(exc), option="pattern") from None


def open_scale(device: Device) -> Scale:
    """Open the line and speak the scale's protocol over it; ScaleGone when it cannot open."""
    link = ScaleLink(device)
    timeout = float(device.options["timeout"])
    if device.options["protocol"] == "continuous":
        return ContinuousScale(link, line_format(device), timeout)
    return SicsScale(link, timeout)


def probe_scale(device: Device, timeout: float) -> Probe:
    """Open the scale, ask who it is (``@``, ``I2``) and for a stable weight."""
    try:
        scale = open_scale(device)
    except OSError as exc:
        return Probe("fail", str(exc), "plugged in / reachable? user in the dialout group?")
    try:
        identity = scale.identify()
        reading = scale.stable()
    except (OSError, TimeoutError, ScaleError) as exc:
        return Probe("fail", f"opens, but: {exc}", "check the protocol and line settings")
    finally:
        scale.close()
    who = ", ".join(
        part
        for part in (
            f"model {identity.model}" if identity.model else "",
            f"serial {identity.serial}" if identity.serial else "",
        )
        if part
    )
    detail = f"{who or device.options['protocol']}; weight {reading.text()}"
    return Probe("ok", detail) if reading.usable else Probe("info", detail)
