"""Shared base for every config model: unknown keys are errors, values are checked on assignment."""

from __future__ import annotations

import ipaddress

from pydantic import BaseModel

from lotedge.masterdata.section import Section


def model_of(annotation: object) -> type[BaseModel] | None:
    """The model in a field's type (``list[X]``, ``X | None`` -> X), if there is one."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = model_of(arg)
        if found is not None:
            return found
    return None


def is_loopback(host: str) -> bool:
    """True for `localhost` and loopback addresses (127.0.0.0/8, ::1)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


#: Every secret value read so far, in every encoding it may take in a log line (as is,
#: URL-encoded, JSON-escaped, base64 as in Basic auth); the log filter (lotedge.ops.logs)
#: masks them.
RESOLVED_SECRETS: set[str] = set()


def secret_forms(value: str) -> set[str]:
    """`value` as it may appear in a log line: itself, URL-encoded (path or form), JSON-escaped
    and base64 (a Basic auth header).

    >>> sorted(secret_forms("a b/+"))
    ['YSBiLys=', 'a b/+', 'a%20b%2F%2B', 'a+b%2F%2B']
    """
    import base64
    import json
    from urllib.parse import quote, quote_plus

    return {
        value,
        quote(value, safe=""),
        quote_plus(value, safe=""),
        json.dumps(value, ensure_ascii=True)[1:-1],
        json.dumps(value, ensure_ascii=False)[1:-1],
        base64.b64encode(value.encode()).decode(),
    }


class SecretRef(Section):
    """Where a secret comes from: an environment variable or a file, never the TOML itself."""

    env: str | None = None
    file: str | None = None

    def model_post_init(self, __context: object) -> None:
        if (self.env is None) == (self.file is None):
            raise ValueError("give exactly one of 'env' or 'file'")

    def resolve(self) -> str:
        """Read the secret now; raises ConfigError-friendly ValueError when it is missing."""
        import os
        from pathlib import Path

        if self.env is not None:
            value = os.environ.get(self.env)
            if value is None:
                raise ValueError(f"environment variable {self.env} is not set")
        else:
            assert self.file is not None
            try:
                value = Path(self.file).read_text().strip()
            except OSError as exc:
                raise ValueError(f"cannot read secret file {self.file}: {exc.strerror}") from None
        if value:
            RESOLVED_SECRETS.update(secret_forms(value))
        return value
