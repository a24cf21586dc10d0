"""Who may use the station: loopback and allowed networks freely, anyone else with the token."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from dataclasses import dataclass

from lotedge.config.station import Network
from lotedge.ops.web import bearer_matches, token_matches

#: The cookie `/?token=` sets, so a browser needs the token only once.
COOKIE = "lotedge_station"


@dataclass(frozen=True)
class Access:
    """The station's access rule. `token` None: only loopback and `networks` get in."""

    token: str | None
    networks: tuple[Network, ...] = ()

    def trusted(self, client: str) -> bool:
        """Loopback and allow-listed clients need no token."""
        try:
            address = ipaddress.ip_address(client)
        except ValueError:
            return False
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped  # a dual-stack socket reports IPv4 clients this way
        return address.is_loopback or any(address in network for network in self.networks)

    def allows(self, client: str, authorization: str | None, cookies: str | None) -> bool:
        """May this request in? A trusted client, the bearer token or the login cookie."""
        if self.trusted(client):
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


def _cookie(header: str | None) -> str:
    """Our cookie's value in a `Cookie` header, or "". Split by hand: cookies are shared by every
    port of a host, and `SimpleCookie` silently drops them all when another app's cookie is not
    in its grammar (a space or a JSON value)."""
    for pair in (header or "").split(";"):
        name, _, value = pair.strip().partition("=")
        if name == COOKIE:
            return value.strip()
    return ""
