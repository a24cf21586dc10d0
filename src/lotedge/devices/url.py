"""Splitting a device URL, and the error every problem with one raises.

>>> url = DeviceUrl.split("serial:///dev/ttyACM0?baud=9600&suffix=CR")
>>> url.scheme, url.location, url.query
('serial', '/dev/ttyACM0', {'baud': '9600', 'suffix': 'CR'})
>>> DeviceUrl.split("serial+loop://?baud=19200").location  # the old spelling of serial://loop://
'loop://'
>>> DeviceUrl.split("/dev/ttyACM0")
Traceback (most recent call last):
...
lotedge.devices.url.UrlError: no scheme (in '/dev/ttyACM0')
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl, quote

#: Old spellings still read: ``serial+<handler>://rest`` is ``serial://<handler>://rest``.
NESTED_ALIASES = ("serial",)


#: Characters a query value keeps as they are (the rest is percent-encoded).
_QUERY_SAFE = "<>{}[]()^~!*'|/:;,.-_@$"


class UrlError(ValueError):
    """A device URL that cannot be used: what is wrong, a hint, and (once known) where.

    `option` names the option at fault, if any; `field` the config field at fault when the
    option's value came from that field rather than from the URL.
    """

    def __init__(self, reason: str, hint: str = "", *, option: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.hint = hint
        self.option = option
        self.field = ""
        self.form = ""
        self.url = ""

    def located(self, url: str, form: str = "") -> UrlError:
        """The same error, saying which URL it is about and the form expected."""
        self.url = url
        self.form = self.form or form
        return self

    def __str__(self) -> str:
        text = f"{self.reason}; {self.hint}" if self.hint else self.reason
        if self.form:
            text = f"expected {self.form}: {text}"
        return f"{text} (in {self.url!r})" if self.url else text


@dataclass(frozen=True)
class DeviceUrl:
    """A URL split into scheme (lower-cased), location (between ``://`` and ``?``) and query.

    `spelled` is the scheme as written when an old spelling was rewritten, else empty.
    """

    raw: str
    scheme: str
    location: str
    query: dict[str, str]
    spelled: str = ""

    @classmethod
    def split(cls, url: str) -> DeviceUrl:
        """Split `url`; raises UrlError when it has no scheme or its query is not key=value."""
        scheme, sep, rest = url.partition("://")
        if not sep or not scheme:
            raise UrlError("no scheme").located(url)
        location, _, query = rest.partition("?")
        try:
            pairs = dict(parse_qsl(query, keep_blank_values=True, strict_parsing=bool(query)))
        except ValueError:
            raise UrlError("the query must be key=value pairs joined by '&'").located(url) from None
        scheme = scheme.lower()
        family, plus, handler = scheme.partition("+")
        if plus and family in NESTED_ALIASES:
            return cls(url, family, f"{handler}://{location}", pairs, spelled=scheme)
        return cls(url, scheme, location, pairs)

    def with_options(self, options: dict[str, str]) -> str:
        """This URL with `options` set (added, or replacing the ones given), each value
        percent-encoded only where the query needs it (``&``, ``#``, ``%``, ``+``, spaces ...).

        >>> DeviceUrl.split("serial:///dev/ttyACM0?suffix=CR").with_options({"gs": "<GS>"})
        'serial:///dev/ttyACM0?suffix=CR&gs=<GS>'
        >>> DeviceUrl.split("tcp://r:4001").with_options({"gs": "a&b c"})
        'tcp://r:4001?gs=a%26b%20c'
        """
        query = {**self.query, **options}
        pairs = "&".join(f"{key}={quote(value, safe=_QUERY_SAFE)}" for key, value in query.items())
        base = self.raw.partition("?")[0]
        return f"{base}?{pairs}" if pairs else base
