"""What stands between ``scheme://`` and ``?``: each scheme says which of these it takes.

>>> HOST_PORT.parse("reader.local:4001"), host_port(9100).parse("[::1]")
(('reader.local', 4001), ('::1', 9100))
>>> HOST_PORT.parse("reader")
Traceback (most recent call last):
...
lotedge.devices.url.UrlError: port is missing
>>> CAMERA.parse("0"), CAMERA.parse("/dev/video0"), USB_IDS.parse("04b8:0202")
(0, '/dev/video0', (1208, 514))
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from lotedge.devices.url import UrlError


@dataclass(frozen=True)
class Location:
    """The form of a location (for errors and docs) and how it is read."""

    form: str
    convert: Callable[[str], Any]
    """Turns the location text into what the adapter needs; raises UrlError saying why not."""

    def parse(self, text: str) -> Any:
        return self.convert(text)


def host_port(default_port: int | None = None) -> Location:
    """``host:port`` (IPv6 in brackets); the port may be left out when there is a default."""

    def convert(text: str) -> tuple[str, int]:
        parts = urlsplit(f"//{text}")
        try:
            port = parts.port
        except ValueError:
            port_text = text.rpartition(":")[2]
            raise UrlError(f"port {port_text!r} is not a port number (0-65535)") from None
        if parts.path not in ("", "/") or parts.query or parts.fragment:
            raise UrlError(f"{text!r} is not host:port")
        if not parts.hostname:
            raise UrlError("host is missing")
        if port is not None:
            return parts.hostname, port
        if default_port is None:
            raise UrlError("port is missing")
        return parts.hostname, default_port

    form = "<host>:<port>" if default_port is None else "<host>[:<port>]"
    return Location(form, convert)


def required(form: str, what: str) -> Location:
    """Any text that is not empty (a device path, a pyserial URL, a stream address...)."""

    def convert(text: str) -> str:
        if not text:
            raise UrlError(f"{what} is missing")
        return text

    return Location(form, convert)


def absolute_path(form: str, what: str) -> Location:
    """An absolute path, e.g. ``hid:///dev/input/by-id/...`` (three slashes)."""

    def convert(text: str) -> str:
        if not text.startswith("/"):
            raise UrlError(f"give the absolute path of the {what} (three slashes: ///path)")
        return text

    return Location(form, convert)


def _nothing(text: str) -> str:
    if text:
        raise UrlError(f"nothing goes between :// and ? here (got {text!r})")
    return text


NOTHING = Location("", _nothing)
HOST_PORT = host_port()


def _camera(text: str) -> int | str:
    if text.isdigit():
        return int(text)
    if not text.startswith("/"):
        raise UrlError("give a device index (camera://0) or path (camera:///dev/video0)")
    return text


CAMERA = Location("<index>|/dev/videoN", _camera)


def _queue(text: str) -> str:
    queue = text.strip("/")
    if not queue:
        raise UrlError("the queue name is missing")
    return queue


QUEUE = Location("<queue>", _queue)


def _usb_ids(text: str) -> tuple[int, int]:
    try:
        vendor, product = (int(part, 16) for part in text.split(":"))
    except ValueError:
        raise UrlError("vendor and product ids must be hex, like 04b8:0202") from None
    return vendor, product


USB_IDS = Location("<vendor>:<product>", _usb_ids)
