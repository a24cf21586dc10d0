"""Every device URL in a config file, checked through the device registry.

A section is a device when its model names a `device_kind` (scanners, cameras, the printer; a
new kind of device only needs that and its schemes). The check reads the raw TOML data, so it
runs even when other parts of the file do not validate: one run lists every problem.
"""

from __future__ import annotations

import typing
from collections.abc import Iterator, Mapping
from typing import Any

from pydantic import BaseModel, ValidationError

from lotedge.config.base import model_of
from lotedge.config.model import Config
from lotedge.config.problems import Problem
from lotedge.devices.registry import problems, resolve


def device_fields() -> Iterator[tuple[str, str, type[BaseModel], bool]]:
    """(config key, device kind, section model, whether the key holds a list) of each device
    section of the config."""
    for key, field in Config.model_fields.items():
        model = model_of(field.annotation)
        kind = getattr(model, "device_kind", None)
        if model is not None and kind:
            yield key, kind, model, typing.get_origin(field.annotation) is list


def device_sections(config: Config) -> Iterator[tuple[str, str, Any]]:
    """(key path, device kind, section) of every configured device; the section is None for an
    optional single device (the printer) that is not configured."""
    for key, kind, _model, many in device_fields():
        value = getattr(config, key)
        if many:
            for i, section in enumerate(value):
                yield f"{key}[{i}]", kind, section
        else:
            yield key, kind, value


def old_spellings(config: Config) -> list[str]:
    """Notes on device URLs written in an old spelling that is still read."""
    notes = []
    for path, kind, section in device_sections(config):
        if section is not None and (spelled := resolve(section.url, kind, dict(section)).spelled):
            family, _, handler = spelled.partition("+")
            notes.append(
                f"{path}.url: '{spelled}://' is the old spelling of '{family}://{handler}://'"
            )
    return notes


def check_device_urls(data: Mapping[str, Any]) -> list[Problem]:
    """Problems with the device URLs in raw config data, each with its key path."""
    found: list[Problem] = []
    for key, kind, model, many in device_fields():
        raw = data.get(key)
        if many and isinstance(raw, list):
            entries = [(f"{key}[{i}]", entry) for i, entry in enumerate(raw)]
        else:
            entries = [(key, raw)]
        for path, entry in entries:
            if isinstance(entry, dict) and isinstance(entry.get("url"), str):
                found.extend(_url_problems(path, kind, model, entry))
    return found


def _url_problems(
    path: str, kind: str, model: type[BaseModel], entry: dict[str, Any]
) -> list[Problem]:
    try:
        fields: dict[str, Any] | None = dict(model.model_validate(entry))
    except ValidationError:  # reported by the model; the scheme's deep check waits for a fix
        fields = None
    return [
        Problem(
            f"{path}.{error.field or 'url'}",
            error.reason,
            error.hint or (f"expected {error.form}" if error.form else ""),
        )
        for error in problems(entry["url"], kind, fields, deep=fields is not None)
    ]
