"""The operator station section: the line-side web page served by the agent (docs/station.md)."""

from __future__ import annotations

import ipaddress

from pydantic import Field, field_validator, model_validator

from lotedge.config.base import SecretRef, is_loopback
from lotedge.masterdata.section import Section

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class StationConfig(Section):
    """Where the station listens and who may use it. Loopback clients are always allowed."""

    bind: str = Field(
        default="127.0.0.1",
        description="Address to listen on (an IP address or localhost); loopback by default.",
    )
    port: int = Field(
        default=8080, ge=0, le=65535, description="TCP port; 0 picks a free one (logged)."
    )
    token: SecretRef | None = Field(
        default=None,
        description="Token clients from other machines must give ({env = NAME} or {file = PATH}).",
    )
    allow: list[str] = Field(
        default_factory=list,
        description="Client networks (CIDR) allowed without a token, e.g. 10.1.2.0/24.",
    )

    @field_validator("bind")
    @classmethod
    def _bind_is_address(cls, value: str) -> str:
        if value != "localhost":
            try:
                ipaddress.ip_address(value)
            except ValueError:
                raise ValueError(
                    "bind must be an IP address (e.g. 127.0.0.1, 0.0.0.0, ::) or localhost"
                ) from None
        return value

    @field_validator("allow")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        for network in value:
            try:
                ipaddress.ip_network(network)
            except ValueError as exc:
                raise ValueError(f"allow: {exc} (write a network such as 10.1.2.0/24)") from None
        return value

    @model_validator(mode="after")
    def _exposed_needs_protection(self) -> StationConfig:
        if not is_loopback(self.bind) and self.token is None and not self.allow:
            raise ValueError(
                f"bind = {self.bind!r} makes the station reachable from other machines, and "
                "anyone could start and end batches; set token = {env = NAME} or "
                "allow = [client networks], or bind to 127.0.0.1"
            )
        return self

    @property
    def networks(self) -> list[Network]:
        return [ipaddress.ip_network(network) for network in self.allow]
