"""Device URLs: `scheme://location?option=value&...`, with typed options and clear errors.

Every adapter declares the form it expects (e.g. ``serial:///dev/ttyX?baud=N``); errors quote it:

>>> DeviceUrl.parse("serial:///dev/ttyACM0?baud=9600").options.integer("baud", 115200)
9600
>>> DeviceUrl.parse("serial:///dev/ttyACM0?baud=fast").options.integer("baud", 115200)
Traceback (most recent call last):
...
lotedge.scanners.url.UrlError: option baud='fast' is not a whole number
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit


class UrlError(ValueError):
    """A device URL that cannot be used; the message says what was expected."""


class Options:
    """The query options of a URL, read once each by name; leftovers are reported as errors."""

    def __init__(self, pairs: dict[str, str]) -> None:
        self._pairs = dict(pairs)
        self._read: set[str] = set()

    def text(self, key: str, default: str) -> str:
        """The option as text, or `default` when absent."""
        self._read.add(key)
        return self._pairs.get(key, default)

    def choice(self, key: str, default: str, choices: tuple[str, ...]) -> str:
        """One of `choices` (compared case-insensitively, returned as listed)."""
        value = self.text(key, default)
        for choice in choices:
            if value.lower() == choice.lower():
                return choice
        raise UrlError(f"option {key}={value!r} must be one of {', '.join(choices)}")

    def integer(self, key: str, default: int) -> int:
        """The option as an int."""
        value = self.text(key, str(default))
        try:
            return int(value)
        except ValueError:
            raise UrlError(f"option {key}={value!r} is not a whole number") from None

    def number(self, key: str, default: float) -> float:
        """The option as a float."""
        value = self.text(key, str(default))
        try:
            return float(value)
        except ValueError:
            raise UrlError(f"option {key}={value!r} is not a number") from None

    def flag(self, key: str, default: bool) -> bool:
        """The option as a boolean: 1/0, true/false, yes/no, on/off."""
        value = self.text(key, "1" if default else "0").lower()
        if value in ("1", "true", "yes", "on"):
            return True
        if value in ("0", "false", "no", "off"):
            return False
        raise UrlError(f"option {key}={value!r} must be 1 or 0")

    def unread(self) -> dict[str, str]:
        """Options nobody asked for (for URLs that pass the rest on, e.g. HTTP streams)."""
        return {k: v for k, v in self._pairs.items() if k not in self._read}

    def check_all_read(self) -> None:
        """Raise for an unknown option, suggesting the closest known one."""
        for key in self.unread():
            close = difflib.get_close_matches(key, sorted(self._read), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            known = ", ".join(sorted(self._read)) or "none"
            raise UrlError(f"unknown option {key!r}{hint} (known: {known})")


@dataclass(frozen=True)
class DeviceUrl:
    """A parsed device URL. `location` is everything between ``scheme://`` and ``?``."""

    raw: str
    scheme: str
    location: str
    options: Options

    @classmethod
    def parse(cls, url: str) -> DeviceUrl:
        """Split a URL; the scheme is lower-cased, the options are not interpreted yet."""
        scheme, sep, rest = url.partition("://")
        if not sep or not scheme:
            raise UrlError(f"{url!r} has no scheme; expected e.g. serial:///dev/ttyACM0")
        location, _, query = rest.partition("?")
        try:
            pairs = dict(parse_qsl(query, keep_blank_values=True, strict_parsing=bool(query)))
        except ValueError:
            raise UrlError(f"{url!r}: the query must be key=value pairs joined by '&'") from None
        return cls(url, scheme.lower(), location, Options(pairs))

    @contextmanager
    def expecting(self, form: str) -> Iterator[None]:
        """Re-raise any UrlError inside as ``expected <form>: <reason>`` (unknown options too)."""
        try:
            yield
            self.options.check_all_read()
        except UrlError as exc:
            raise UrlError(f"expected {form}: {exc} (in {self.raw!r})") from None

    def host_port(self) -> tuple[str, int]:
        """`host:port` from the location (IPv6 in brackets)."""
        parts = urlsplit(f"//{self.location}")
        try:
            port = parts.port
        except ValueError:
            port = None
        if not parts.hostname or port is None or parts.path not in ("", "/"):
            raise UrlError("expected host:port")
        return parts.hostname, port
