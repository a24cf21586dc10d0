"""Who may use the station: loopback and allowed networks freely, anyone else with the token."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from lotedge.config.station import Network
from lotedge.ops.web import bearer_matches, token_matches

#: The cookie `/?token=` sets, so a browser needs the token only once.
COOKIE = "lotedge_station"


@dataclass(frozen=True)
class Access:
    """The station's access rule. `token` None: only loopback and `networks` get in."""

    token: str | None
    networks: tuple[Network, ...] = ()

    def trusted(self, client: str, host: str | None) -> bool:
        """Loopback and allow-listed clients need no token. A loopback client must also name the
        station by address, `localhost` or this machine's name (its `Host`): a page from another
        site whose name DNS rebinds to 127.0.0.1 names that site, and is not trusted."""
        try:
            address = ipaddress.ip_address(client)
        except ValueError:
            return False
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped  # a dual-stack socket reports IPv4 clients this way
        if address.is_loopback:
            return names_this_machine(host)
        return any(address in network for network in self.networks)

    def allows(
        self, client: str, host: str | None, authorization: str | None, cookies: str | None
    ) -> bool:
        """May this request in? A trusted client, the bearer token or the login cookie."""
        if self.trusted(client, host):
            return True
        if self.token is None:
            return False
        return bearer_matches(authorization, self.token.encode()) or token_matches(
            _cookie(cookies), self.session.encode()
        )

    def login(self, given: str) -> bool:
        """Is `given` (from `/?token=`) the token?"""
        return self.token is not None and token_matches(given, self.token.encode())

    @property
    def session(self) -> str:
        """The cookie value: derived from the token, so the token itself is never stored."""
        assert self.token is not None
        return hmac.new(self.token.encode(), b"lotedge station session", hashlib.sha256).hexdigest()

    def cookie_header(self) -> str:
        return f"{COOKIE}={self.session}; Path=/; HttpOnly; SameSite=Strict"


def names_this_machine(host: str | None) -> bool:
    """Does a `Host` header name this machine: an IP address, localhost or its host name?"""
    try:
        url = urlsplit(f"//{host or ''}")
        url.port  # noqa: B018 (raises ValueError on a port that is not a number)
    except ValueError:  # a malformed port or bracket
        return False
    name = url.hostname
    if not name:
        return False
    if name in ("localhost", socket.gethostname().lower()):
        return True
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def _cookie(header: str | None) -> str:
    """Our cookie's value in a `Cookie` header, or "". Split by hand: cookies are shared by every
    port of a host, and `SimpleCookie` silently drops them all when another app's cookie is not
    in its grammar (a space or a JSON value)."""
    for pair in (header or "").split(";"):
        name, _, value = pair.strip().partition("=")
        if name == COOKIE:
            return value.strip()
    return ""
