"""Commands the trace store signs, so a line can tell them from anyone else's on a shared
broker: HMAC-SHA256 (stdlib) over the time, the topic and the payload, sent in the MQTT 5 user
property `lotedge-signature` as `v1:<unix time>:<hex>`.

The store holds one master key; each line holds only its own key, derived from the master and
its site and line (`line_key`), so a line that is taken over cannot sign for any other line.
A signature is good for `MAX_AGE_SECONDS` either side of the line's clock; a replay within that
window carries the same `transaction` and is answered, not applied again.

>>> key = line_key(b"master", "PLANT1", "L1")
>>> signature = sign(key, "lotedge/v1/PLANT1/L1/cmd/request/hold.add", b"{}", 1_000)
>>> check(key, "lotedge/v1/PLANT1/L1/cmd/request/hold.add", b"{}", signature, now=1_010) is None
True
>>> check(key, "lotedge/v1/PLANT1/L2/cmd/request/hold.add", b"{}", signature, now=1_010)
'the signature does not match this command'
"""

from __future__ import annotations

import hashlib
import hmac

#: The MQTT 5 user property that carries the signature.
USER_PROPERTY = "lotedge-signature"
#: How far a signature's time may be from the line's clock.
MAX_AGE_SECONDS = 300
_VERSION = "v1"


def line_key(master: bytes, site: str, line: str) -> bytes:
    """The key of one line, derived from the store's master key."""
    return hmac.new(master, f"lotedge line key\n{site}\n{line}".encode(), hashlib.sha256).digest()


def sign(key: bytes, topic: str, payload: bytes, at: int) -> str:
    """The signature of `payload` published on `topic` at unix time `at`."""
    return f"{_VERSION}:{at}:{_mac(key, topic, payload, at)}"


def check(key: bytes, topic: str, payload: bytes, signature: str, *, now: int) -> str | None:
    """None when `signature` is this key's for `payload` on `topic`, recent enough; else why not."""
    version, _, rest = signature.partition(":")
    at_text, _, mac = rest.partition(":")
    if version != _VERSION or not at_text.isdigit() or len(at_text) > 12:
        return f"the signature is not in the form {_VERSION}:<time>:<hex>"
    at = int(at_text)
    if not hmac.compare_digest(mac, _mac(key, topic, payload, at)):
        return "the signature does not match this command"
    if abs(now - at) > MAX_AGE_SECONDS:
        return (
            f"the signature is {abs(now - at)} s from this line's clock (at most {MAX_AGE_SECONDS})"
        )
    return None


def _mac(key: bytes, topic: str, payload: bytes, at: int) -> str:
    return hmac.new(key, f"{at}\n{topic}\n".encode() + payload, hashlib.sha256).hexdigest()
