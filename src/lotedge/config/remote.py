"""`[remote]`: what callers on the MQTT broker may ask of this line, and the key that tells the
trace store's signed commands from anyone else's (docs/security.md)."""

from __future__ import annotations

from pydantic import Field, field_validator

from lotedge.config.base import SecretRef
from lotedge.masterdata.section import Section

#: Every operation an MQTT command may name (`agent.codec` checks its table against this).
REMOTE_OPERATIONS = (
    "batch.start",
    "batch.end",
    "batch.cancel",
    "status",
    "hold.add",
    "hold.remove",
    "hold.list",
    "label.reprint",
    "alert.ack",
    "mode.set",
    "receive.ref",
    "lots.open",
    "lots.close",
    "lots.list",
    "stock.lots",
    "stock.list",
)
#: What a remote caller may run unless the config says otherwise: holds, open lots and stock
#: (what the store sends) and looking. Nothing that starts, ends or cancels a batch.
SAFE_OPERATIONS = (
    "status",
    "hold.add",
    "hold.remove",
    "hold.list",
    "lots.open",
    "lots.close",
    "lots.list",
    "stock.lots",
    "stock.list",
)
#: The commands that must carry the store's signature once a key is configured.
SIGNED_OPERATIONS = ("hold.add", "hold.remove", "lots.open", "lots.close", "stock.lots")


class RemoteConfig(Section):
    """Authorization of MQTT commands at the agent (the broker's ACLs come first)."""

    allow: list[str] = Field(
        default_factory=lambda: list(SAFE_OPERATIONS),
        description="Operations MQTT callers may run (e.g. add batch.start, batch.end).",
    )
    signing_key: SecretRef | None = Field(
        default=None,
        description="This line's key for the store's signed commands: {file = PATH} or "
        "{env = NAME}, as printed by 'lotedge store line-key SITE LINE'.",
    )
    signed: list[str] = Field(
        default_factory=lambda: list(SIGNED_OPERATIONS),
        description="Operations refused unless signed by the store (with a signing_key).",
    )

    @field_validator("allow", "signed")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - set(REMOTE_OPERATIONS))
        if unknown:
            raise ValueError(
                f"unknown or local-only operation(s) {', '.join(unknown)}; "
                f"remote ones: {', '.join(REMOTE_OPERATIONS)}"
            )
        return value
