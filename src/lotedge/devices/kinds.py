"""The records of the registry: a kind of device, a scheme, a validated device, a probe result."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from lotedge.devices.locations import Location
from lotedge.devices.options import Option


@dataclass(frozen=True)
class Kind:
    """A kind of device (scanner, camera, printer...): its schemes make one namespace."""

    name: str
    example: str
    """A URL shown when one has no scheme."""
    also: tuple[str, ...] = ()
    """Other kinds whose schemes fit too (a scanner entry may name a camera)."""


@dataclass(frozen=True)
class Scheme:
    """One URL scheme of one kind: what its URL holds and where its adapter lives.

    `opener` and `prober` are ``"module:function"`` paths, imported only to open or probe a
    device, so validating a URL never loads a device library. Openers take the `Device` (and,
    by kind, the device's name or a timeout); probers take the `Device` and a timeout and return
    a `Probe`.
    """

    kind: str
    name: str
    location: Location
    options: tuple[Option, ...]
    about: str
    opener: str
    prober: str
    needs: str = ""
    """How to install what the adapter imports, for the error when it is missing."""
    check: str = ""
    """Optional ``"module:function"`` run on the validated `Device`, for checks that need a
    library (a camera's barcode formats); raises UrlError."""
    passthrough: bool = False
    """Unknown options are the device's own and are passed on (stream URLs)."""

    @property
    def form(self) -> str:
        """The URL form, e.g. ``tcp://<host>:<port>?timeout=SECONDS&suffix=...``."""
        query = "&".join(f"{o.name}={o.type.placeholder}" for o in self.options)
        return f"{self.name}://{self.location.form}" + (f"?{query}" if query else "")

    def option(self, name: str) -> Option | None:
        return next((o for o in self.options if o.name == name), None)


@dataclass(frozen=True)
class Device:
    """A device URL checked against its scheme: the typed location and options."""

    url: str
    scheme: Scheme
    location: str
    """The location text (after an old spelling was rewritten)."""
    address: Any
    """The location as the adapter needs it: a path, ``(host, port)``, a camera index..."""
    options: Mapping[str, Any]
    """Every option of the scheme: given in the URL, else from the config fields, else default."""
    given: frozenset[str] = frozenset()
    """The options written in the URL."""
    passthrough: Mapping[str, str] = field(default_factory=dict)
    """Options that are not ours, for the device (stream URLs only)."""
    spelled: str = ""
    """The old scheme spelling used, if any (``serial+loop``)."""


@dataclass(frozen=True)
class Probe:
    """What probing a device found, for `lotedge doctor`."""

    status: Literal["ok", "fail", "info"]
    detail: str
    hint: str = ""
