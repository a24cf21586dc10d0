"""Which MQTT commands this line takes, and from whom: `[remote]` says which operations a
caller on the broker may run at all, and which must carry the trace store's signature
(`lotedge.wire.signing`). The source of a hold (`remote` or `store`) is decided here, from the
channel and the signature, never from the payload."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from lotedge.config.remote import RemoteConfig
from lotedge.core.reasons import Reason
from lotedge.wire import signing

#: A refusal of the same operation for the same reason raises at most one alert this often.
ALERT_EVERY_SECONDS = 60.0


@dataclass(frozen=True)
class Refused:
    """A command not taken, and why (for the caller's answer and the alert)."""

    code: Reason
    why: str


@dataclass
class RemotePolicy:
    """The line's `[remote]` rules, with its signing key (None: no signed commands)."""

    allow: frozenset[str]
    signed: frozenset[str]
    key: bytes | None = None
    clock: Callable[[], float] = time.time
    _alerted: dict[tuple[str, str], float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def from_config(cls, remote: RemoteConfig) -> RemotePolicy:
        key = None
        if remote.signing_key is not None:
            text = remote.signing_key.resolve()
            try:
                key = bytes.fromhex(text)
            except ValueError:
                raise ValueError(
                    "[remote] signing_key is not a line key (hex, from 'lotedge store line-key')"
                ) from None
        return cls(frozenset(remote.allow), frozenset(remote.signed), key)

    def source(self, op: str, topic: str, payload: bytes, signature: str | None) -> str | Refused:
        """`store` for a command the store signed, `remote` for one taken unsigned; else why
        it is refused."""
        if op not in self.allow:
            allowed = ", ".join(sorted(self.allow)) or "nothing"
            return Refused(
                Reason.NOT_ALLOWED,
                f"this line does not take {op} from the broker ([remote] allow: {allowed})",
            )
        if self.key is None:
            return "remote"
        if signature is None:
            if op in self.signed:
                return Refused(Reason.UNSIGNED, f"{op} must be signed by the trace store")
            return "remote"
        why = signing.check(self.key, topic, payload, signature, now=int(self.clock()))
        return Refused(Reason.BAD_SIGNATURE, why) if why else "store"

    def should_alert(self, op: str, refused: Refused) -> bool:
        """True at most once per `ALERT_EVERY_SECONDS` for the same operation and reason (a
        flood of rogue commands raises one alert, not thousands)."""
        now = time.monotonic()
        with self._lock:
            last = self._alerted.get((op, refused.code.value))
            if last is not None and now - last < ALERT_EVERY_SECONDS:
                return False
            self._alerted[(op, refused.code.value)] = now
            return True


def signature_of(message: object) -> str | None:
    """The store's signature on an MQTT message (its MQTT 5 user property), None without."""
    properties = getattr(message, "properties", None)
    for key, value in getattr(properties, "UserProperty", None) or ():
        if key == signing.USER_PROPERTY:
            return str(value)
    return None
