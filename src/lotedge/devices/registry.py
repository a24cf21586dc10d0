"""Checking a device URL against the scheme table, and loading its adapter only when needed.

>>> device = resolve("serial://loop://?baud=19200&suffix=CR", "scanner")
>>> device.scheme.name, device.address, device.options["baud"], device.options["suffix"]
('serial', 'loop://', 19200, b'\\r')
>>> for error in problems("serial:///dev/ttyACM0?bauds=9600&alt029=yes&gs=029", "scanner"):
...     print(error.reason, "|", error.hint or "-")
unknown option 'bauds' | did you mean 'baud'?
option gs='029' is not 1 to 16 characters, not all digits (Alt+029: alt029=1), no CR or LF | -
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

from lotedge.devices.kinds import Device, Probe, Scheme
from lotedge.devices.schemes import KINDS, SCHEMES
from lotedge.devices.url import DeviceUrl, UrlError
from lotedge.masterdata.suggestions import suggest_known


def schemes_of(kind: str) -> list[Scheme]:
    """The schemes a `kind` accepts: its own, then those of the kinds it also takes."""
    kinds = (kind, *KINDS[kind].also)
    return [scheme for k in kinds for scheme in SCHEMES if scheme.kind == k]


def resolve(url: str, kind: str, fields: Mapping[str, Any] | None = None) -> Device:
    """The device `url` names; raises the first UrlError (see `problems` for all of them).

    `fields` are the values of the config section's own fields that options override (a
    camera's ``formats``...); options not in the URL take them, else their defaults.
    """
    device, errors = _check(url, kind, fields)
    if errors:
        raise errors[0]
    assert device is not None
    return device


def problems(
    url: str, kind: str, fields: Mapping[str, Any] | None = None, *, deep: bool = True
) -> list[UrlError]:
    """Every problem with `url` as a `kind` (empty when it is fine), each saying where.

    `deep=False` skips the scheme's own `check` (for fields that are not known to be valid).
    """
    return _check(url, kind, fields, deep)[1]


def _check(
    url: str, kind: str, fields: Mapping[str, Any] | None, deep: bool = True
) -> tuple[Device | None, list[UrlError]]:
    try:
        split = DeviceUrl.split(url)
    except UrlError as exc:
        exc.hint = exc.hint or f"expected e.g. {KINDS[kind].example}"
        return None, [exc]
    schemes = {scheme.name: scheme for scheme in schemes_of(kind)}
    scheme = schemes.get(split.scheme)
    if scheme is None:
        hint = suggest_known(split.scheme, schemes)
        return None, [UrlError(f"unknown {kind} scheme {split.scheme}://", hint).located(url)]
    errors: list[UrlError] = []
    address = None
    try:
        address = scheme.location.parse(split.location)
    except UrlError as exc:
        errors.append(exc)
    options, passthrough = _options(scheme, split.query, fields or {}, errors)
    device = None
    if not errors:
        device = Device(
            url,
            scheme,
            split.location,
            address,
            options,
            frozenset(split.query) - set(passthrough),
            passthrough,
            split.spelled,
        )
        if scheme.check and deep:
            try:
                load(scheme.check, scheme)(device)
            except UrlError as exc:
                errors.append(exc)
    for error in errors:
        option = scheme.option(error.option or "")
        if option and option.field in (fields or {}) and option.name not in split.query:
            error.field = option.field
    return device, [error.located(url, scheme.form) for error in errors]


def _options(
    scheme: Scheme, query: Mapping[str, str], fields: Mapping[str, Any], errors: list[UrlError]
) -> tuple[dict[str, Any], dict[str, str]]:
    values: dict[str, Any] = {}
    passthrough: dict[str, str] = {}
    for key, text in query.items():
        option = scheme.option(key)
        if option is None and scheme.passthrough:
            passthrough[key] = text
        elif option is None:
            known = [o.name for o in scheme.options]
            hint = suggest_known(key, known) if known else f"{scheme.name}:// takes no options"
            errors.append(UrlError(f"unknown option {key!r}", hint, option=key))
        else:
            try:
                values[key] = option.parse(text)
            except UrlError as exc:
                errors.append(exc)
    for option in scheme.options:
        if option.name in query:
            continue
        if option.field and option.field in fields:
            values[option.name] = fields[option.field]
        else:
            values[option.name] = option.parse(option.default)
    return values, passthrough


def load(target: str, scheme: Scheme) -> Callable[..., Any]:
    """The function at ``module:function``, importing its module now; a missing library is a
    UrlError saying what to install."""
    module_name, _, function = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise UrlError(
            f"{scheme.name}:// needs {exc.name}, which is not installed", scheme.needs
        ) from None
    found: Callable[..., Any] = getattr(module, function)
    return found


def opener(device: Device) -> Callable[..., Any]:
    """The device's opener, imported now; a missing library is a UrlError naming the URL."""
    try:
        return load(device.scheme.opener, device.scheme)
    except UrlError as exc:
        raise exc.located(device.url) from None


def probe(device: Device, timeout: float) -> Probe:
    """Ask the device's adapter whether the device is there and usable."""
    try:
        prober = load(device.scheme.prober, device.scheme)
    except UrlError as exc:
        return Probe("fail", exc.reason, exc.hint)
    result: Probe = prober(device, timeout)
    return result
